/* simulators.c -- built-in simulators (see simulators.h for the models and conventions). */
#include "simulators.h"

#include <math.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "vmath.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ------------------------------------------------------------------ batch driver */

typedef struct {
    const as_model *m;
    const double *theta;
    size_t row0, row1;
    uint64_t seed, first_stream;
    double *out;
    double *work;
    const as_interrupt *intr; /* only the task run in the caller's thread polls */
    atomic_int *stop;          /* set on interruption: every task stops */
    atomic_size_t *first_fail; /* lowest failing row so far: tasks stop only past it */
    int status;
    size_t fail_row;
    as_error err;
} as_batch_task;

#define AS_BATCH_POLL_EVERY ((size_t)1 << 20)

static void *as_batch_run(void *arg)
{
    as_batch_task *t = (as_batch_task *)arg;
    const as_model *m = t->m;
    size_t since_poll = 0;
    t->status = AS_OK;
    for (size_t b = t->row0; b < t->row1; ++b) {
        if (atomic_load_explicit(t->stop, memory_order_relaxed)) break;
        /* rows below a failure still run, so the lowest failing row is found whatever the
           scheduling of the threads */
        if (b > atomic_load_explicit(t->first_fail, memory_order_relaxed)) break;
        as_rng rng;
        as_rng_init(&rng, t->seed, t->first_stream + b);
        int st = m->simulate(m, t->theta + b * m->n_params, &rng, t->out + b * m->n_outputs,
                             t->work, &t->err);
        if (st != AS_OK) {
            t->status = st;
            t->fail_row = b;
            size_t seen = atomic_load(t->first_fail);
            while (b < seen && !atomic_compare_exchange_weak(t->first_fail, &seen, b)) {
            }
            break;
        }
        since_poll += m->n_outputs + 1;
        if (t->intr != NULL && since_poll >= AS_BATCH_POLL_EVERY) {
            since_poll = 0;
            if (as_interrupted(t->intr)) {
                t->status = AS_EINTR;
                t->fail_row = b + 1;
                atomic_store(t->stop, 1);
                break;
            }
        }
    }
    return NULL;
}

int as_model_simulate_batch(const as_model *m, const double *theta, size_t n_theta, uint64_t seed,
                            uint64_t first_stream, int n_threads, double *out,
                            const as_interrupt *intr, as_error *err)
{
    if (m == NULL || m->simulate == NULL)
        return as_error_set(err, AS_EINVAL, "model is not initialised; build it with an "
                            "as_model_* constructor first");
    if (n_theta == 0) return AS_OK;
    if (theta == NULL || out == NULL)
        return as_error_set(err, AS_EINVAL, "theta and out must not be NULL");
    size_t n_tasks = n_threads > 1 ? (size_t)n_threads : 1;
    if (n_tasks > n_theta) n_tasks = n_theta;
    as_batch_task *tasks = calloc(n_tasks, sizeof *tasks);
    pthread_t *threads = calloc(n_tasks, sizeof *threads);
    int *started = calloc(n_tasks, sizeof *started);
    double *work = NULL;
    if (m->work_size > 0) work = malloc(n_tasks * m->work_size * sizeof *work);
    if (tasks == NULL || threads == NULL || started == NULL || (m->work_size > 0 && !work)) {
        free(tasks);
        free(threads);
        free(started);
        free(work);
        return as_error_set(err, AS_ENOMEM, "cannot allocate the batch of %zu threads", n_tasks);
    }
    atomic_int stop;
    atomic_init(&stop, 0);
    atomic_size_t first_fail;
    atomic_init(&first_fail, SIZE_MAX);
    for (size_t k = 0; k < n_tasks; ++k) {
        as_batch_task *t = &tasks[k];
        t->m = m;
        t->theta = theta;
        t->row0 = n_theta * k / n_tasks;
        t->row1 = n_theta * (k + 1) / n_tasks;
        t->seed = seed;
        t->first_stream = first_stream;
        t->out = out;
        t->work = work ? work + k * m->work_size : NULL;
        t->intr = k == 0 ? intr : NULL;
        t->stop = &stop;
        t->first_fail = &first_fail;
        as_error_clear(&t->err);
    }
    for (size_t k = 1; k < n_tasks; ++k)
        started[k] = pthread_create(&threads[k], NULL, as_batch_run, &tasks[k]) == 0;
    as_batch_run(&tasks[0]);
    for (size_t k = 1; k < n_tasks; ++k) {
        if (started[k]) pthread_join(threads[k], NULL);
        else as_batch_run(&tasks[k]); /* no thread: same rows, same streams, same result */
    }
    int status = AS_OK;
    size_t best = 0;
    for (size_t k = 0; k < n_tasks; ++k) {
        const as_batch_task *t = &tasks[k];
        if (t->status == AS_OK) continue;
        /* a model error beats an interruption; among model errors, the lowest row */
        int better = status == AS_OK || (t->status != AS_EINTR && status == AS_EINTR) ||
                     (t->status == status && t->fail_row < best);
        if (better) {
            status = t->status;
            best = t->fail_row;
            if (err != NULL) *err = t->err;
        }
    }
    if (status == AS_EINTR)
        as_error_set(err, AS_EINTR, "simulation interrupted; rows finished so far hold results");
    free(tasks);
    free(threads);
    free(started);
    free(work);
    return status;
}

/* ------------------------------------------------------------------ Gaussian models */

void as_gaussian_toy_config_default(as_gaussian_toy_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->theta_lo = -10.0;
    cfg->theta_hi = 10.0;
    cfg->phi_lo = 0.01;
    cfg->phi_hi = 100.0;
}

void as_gaussian_demo_config_default(as_gaussian_demo_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->theta_lo = -10.0;
    cfg->theta_hi = 10.0;
    cfg->phi_lo = 0.0;
    cfg->phi_hi = 2.0 * M_PI;
}

double as_gaussian_toy_variance(double phi)
{
    return phi;
}

double as_gaussian_demo_variance(double phi)
{
    return 2.0 + cos(phi);
}

static int as_check_bounds(double lo, double hi, const char *name, as_error *err)
{
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return as_error_set(err, AS_EINVAL, "%s must be finite with lower < upper, got (%g, %g)",
                            name, lo, hi);
    return AS_OK;
}

static int as_theta_in(double theta, double lo, double hi, const char *what, as_error *err)
{
    if (!(theta >= lo && theta <= hi)) /* NaN fails too */
        return as_error_set(err, AS_EINVAL, "theta (%s) = %g is outside its bounds [%g, %g]; "
                            "draw theta inside the bounds", what, theta, lo, hi);
    return AS_OK;
}

static int as_gaussian_simulate(const as_model *m, const double *theta, as_rng *rng, double *out,
                                double *work, as_error *err)
{
    const as_gaussian_config *cfg = (const as_gaussian_config *)m->config;
    double th = theta[0];
    int st = as_theta_in(th, cfg->theta_lo, cfg->theta_hi, "the mean of x", err);
    if (st != AS_OK) return st;
    const double sd = cfg->sd;
    for (size_t i = 0; i < cfg->n_events; ++i) out[i] = th + sd * as_rng_normal(rng);
    return AS_OK;
}

static int as_gaussian_model(as_model *m, as_gaussian_config *cfg, double phi, size_t n_events,
                             int demo, as_error *err)
{
    if (m == NULL || cfg == NULL)
        return as_error_set(err, AS_EINVAL, "model and cfg must not be NULL");
    int st = as_check_bounds(cfg->theta_lo, cfg->theta_hi, "theta bounds", err);
    if (st == AS_OK) st = as_check_bounds(cfg->phi_lo, cfg->phi_hi, "phi bounds", err);
    if (st != AS_OK) return st;
    if (!demo && !(cfg->phi_lo > 0.0))
        return as_error_set(err, AS_EINVAL, "phi bounds of the Gaussian toy must be > 0 (phi is "
                            "the variance), got lower bound %g", cfg->phi_lo);
    if (!(phi >= cfg->phi_lo && phi <= cfg->phi_hi))
        return as_error_set(err, AS_EINVAL, "phi (%s) = %g is outside its bounds [%g, %g]",
                            demo ? "the design angle" : "the variance of x", phi, cfg->phi_lo,
                            cfg->phi_hi);
    double var = demo ? as_gaussian_demo_variance(phi) : as_gaussian_toy_variance(phi);
    if (!(var > 0.0) || !isfinite(var))
        return as_error_set(err, AS_EINVAL, "phi = %g gives the variance %g; it must be > 0",
                            phi, var);
    if (n_events > ((size_t)1 << 40))
        return as_error_set(err, AS_EINVAL, "n_events = %zu is too large", n_events);
    cfg->phi = phi;
    cfg->sd = sqrt(var);
    cfg->n_events = n_events;
    m->name = demo ? "gaussian_demo" : "gaussian_toy";
    m->n_params = 1;
    m->n_outputs = n_events;
    m->work_size = 0;
    m->config = cfg;
    m->simulate = as_gaussian_simulate;
    return AS_OK;
}

int as_model_gaussian_toy(as_model *m, as_gaussian_toy_config *cfg, double phi, size_t n_events,
                          as_error *err)
{
    return as_gaussian_model(m, cfg, phi, n_events, 0, err);
}

int as_model_gaussian_demo(as_model *m, as_gaussian_demo_config *cfg, double phi,
                           size_t n_events, as_error *err)
{
    return as_gaussian_model(m, cfg, phi, n_events, 1, err);
}

int as_gaussian_logpdf(const as_model *m, const double *theta, size_t n_theta, const double *x,
                       size_t n_x, double *out, as_error *err)
{
    if (m == NULL || m->simulate != as_gaussian_simulate)
        return as_error_set(err, AS_EINVAL, "model must be built by as_model_gaussian_toy or "
                            "as_model_gaussian_demo");
    const as_gaussian_config *cfg = (const as_gaussian_config *)m->config;
    for (size_t b = 0; b < n_theta; ++b) {
        int st = as_theta_in(theta[b], cfg->theta_lo, cfg->theta_hi, "the mean of x", err);
        if (st != AS_OK) return st;
    }
    const double var = cfg->sd * cfg->sd;
    const double c0 = -0.5 * log(2.0 * M_PI * var), inv2v = 0.5 / var;
    for (size_t b = 0; b < n_theta; ++b) {
        const double th = theta[b];
        const double *xb = x + b * n_x;
        double *ob = out + b * n_x;
        for (size_t i = 0; i < n_x; ++i) {
            double d = xb[i] - th;
            ob[i] = c0 - d * d * inv2v;
        }
    }
    return AS_OK;
}

/* ------------------------------------------------------------------ e+e- -> μ+μ- */

void as_ee_mumu_config_default(as_ee_mumu_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->mz = 91.1876;
    cfg->gamma_z = 2.4952;
    cfg->alpha = 1.0 / 128.952;
    cfg->g_fermi = 1.1663787e-5;
    cfg->kappa_mode = AS_EE_KAPPA_SIN2THETA;
    cfg->kappa = 0.0;
    cfg->width_mode = AS_EE_WIDTH_FIXED;
    cfg->pol_electron = 0.0;
    cfg->pol_positron = 0.0;
    cfg->cos_max = 1.0;
    cfg->pt_min = 0.0;
    cfg->output = AS_EE_OUTPUT_COSTHETA;
    cfg->theta_lo = 0.1;
    cfg->theta_hi = 0.4;
    cfg->phi_lo = 10.0;
    cfg->phi_hi = 100.0;
}

int as_ee_mumu_check(const as_ee_mumu_config *cfg, as_error *err)
{
    if (cfg == NULL) return as_error_set(err, AS_EINVAL, "cfg must not be NULL");
    if (!(cfg->mz > 0.0) || !isfinite(cfg->mz))
        return as_error_set(err, AS_EINVAL, "mz (the Z mass) must be a finite number > 0 GeV, "
                            "got %g", cfg->mz);
    if (!(cfg->gamma_z > 0.0) || !isfinite(cfg->gamma_z))
        return as_error_set(err, AS_EINVAL, "gamma_z (the Z width) must be a finite number > 0 "
                            "GeV, got %g", cfg->gamma_z);
    if (!(cfg->alpha > 0.0 && cfg->alpha < 1.0))
        return as_error_set(err, AS_EINVAL, "alpha must be in (0, 1), got %g", cfg->alpha);
    if (cfg->kappa_mode == AS_EE_KAPPA_FERMI && (!(cfg->g_fermi > 0.0) || !isfinite(cfg->g_fermi)))
        return as_error_set(err, AS_EINVAL, "g_fermi must be a finite number > 0 GeV^-2, got %g",
                            cfg->g_fermi);
    if (cfg->kappa_mode == AS_EE_KAPPA_VALUE && (!(cfg->kappa > 0.0) || !isfinite(cfg->kappa)))
        return as_error_set(err, AS_EINVAL, "kappa must be a finite number > 0, got %g",
                            cfg->kappa);
    if (cfg->kappa_mode < AS_EE_KAPPA_SIN2THETA || cfg->kappa_mode > AS_EE_KAPPA_VALUE)
        return as_error_set(err, AS_EINVAL, "kappa_mode must be 0 (sin2theta), 1 (fermi) or 2 "
                            "(value), got %d", cfg->kappa_mode);
    if (cfg->width_mode != AS_EE_WIDTH_FIXED && cfg->width_mode != AS_EE_WIDTH_RUNNING)
        return as_error_set(err, AS_EINVAL, "width_mode must be 0 (fixed) or 1 (running), got %d",
                            cfg->width_mode);
    if (!(cfg->pol_electron >= -1.0 && cfg->pol_electron <= 1.0))
        return as_error_set(err, AS_EINVAL, "electron polarization must be in [-1, 1], got %g",
                            cfg->pol_electron);
    if (!(cfg->pol_positron >= -1.0 && cfg->pol_positron <= 1.0))
        return as_error_set(err, AS_EINVAL, "positron polarization must be in [-1, 1], got %g",
                            cfg->pol_positron);
    if (cfg->pol_electron * cfg->pol_positron == 1.0)
        return as_error_set(err, AS_EINVAL, "electron and positron polarizations of %g and %g "
                            "give no annihilation through a vector boson; change one of them",
                            cfg->pol_electron, cfg->pol_positron);
    if (!(cfg->cos_max > 0.0 && cfg->cos_max <= 1.0))
        return as_error_set(err, AS_EINVAL, "cos_max (the acceptance |cos theta| < cos_max) must "
                            "be in (0, 1], got %g", cfg->cos_max);
    if (!(cfg->pt_min >= 0.0) || !isfinite(cfg->pt_min))
        return as_error_set(err, AS_EINVAL, "pt_min (the muon pT cut) must be a finite number "
                            ">= 0 GeV, got %g", cfg->pt_min);
    if (cfg->output != AS_EE_OUTPUT_COSTHETA && cfg->output != AS_EE_OUTPUT_MOMENTA)
        return as_error_set(err, AS_EINVAL, "output must be 0 (costheta) or 1 (four-momenta), "
                            "got %d", cfg->output);
    if (!(cfg->theta_lo > 0.0 && cfg->theta_lo < cfg->theta_hi && cfg->theta_hi < 1.0))
        return as_error_set(err, AS_EINVAL, "theta bounds (sin^2 theta_W) must satisfy 0 < lower "
                            "< upper < 1, got (%g, %g)", cfg->theta_lo, cfg->theta_hi);
    if (!(cfg->phi_lo > 0.0 && cfg->phi_lo < cfg->phi_hi) || !isfinite(cfg->phi_hi))
        return as_error_set(err, AS_EINVAL, "phi bounds (the beam energy in GeV) must satisfy "
                            "0 < lower < upper < inf, got (%g, %g)", cfg->phi_lo, cfg->phi_hi);
    return AS_OK;
}

/* ξ = s / (s - M² + i w), w = M Γ (fixed) or s Γ / M (running): χ = κ ξ. */
static void as_ee_xi(const as_ee_mumu_config *cfg, double s, double *re, double *abs2)
{
    const double m2 = cfg->mz * cfg->mz;
    const double w = cfg->width_mode == AS_EE_WIDTH_RUNNING ? s * cfg->gamma_z / cfg->mz
                                                            : cfg->mz * cfg->gamma_z;
    const double d = s - m2;
    const double den = d * d + w * w;
    *re = s * d / den;
    *abs2 = s * s / den;
}

static double as_ee_c_eff(const as_ee_mumu_config *cfg, double s)
{
    double c = cfg->cos_max;
    if (cfg->pt_min > 0.0) {
        double x2 = 4.0 * cfg->pt_min * cfg->pt_min / s; /* (pT_min / E_beam)² = sin²θ_min */
        if (x2 >= 1.0) return 0.0;
        double cp = sqrt(1.0 - x2);
        if (cp < c) c = cp;
    }
    return c;
}

/* |M|² = 1 + 2 G κ Re ξ + G² κ² |ξ|² and its θ-derivative, for G = g_i g_j. */
static inline void as_ee_amp2(double g, double dg, double kappa, double dkappa, double re,
                              double abs2, double *m2, double *dm2)
{
    const double gk = g * kappa;
    *m2 = 1.0 + 2.0 * gk * re + gk * gk * abs2;
    *dm2 = 2.0 * (dg * kappa + g * dkappa) * (re + gk * abs2);
}

static void as_ee_coef_xi(const as_ee_mumu_config *cfg, double theta, double re, double abs2,
                          as_ee_mumu_coef *out)
{
    double kappa, dkappa;
    if (cfg->kappa_mode == AS_EE_KAPPA_SIN2THETA) {
        const double sc = theta * (1.0 - theta);
        kappa = 0.25 / sc;
        dkappa = -kappa * (1.0 - 2.0 * theta) / sc;
    } else if (cfg->kappa_mode == AS_EE_KAPPA_FERMI) {
        kappa = 1.41421356237309504880 * cfg->g_fermi * cfg->mz * cfg->mz / (4.0 * M_PI * cfg->alpha);
        dkappa = 0.0;
    } else {
        kappa = cfg->kappa;
        dkappa = 0.0;
    }
    /* v = -1/2 + 2θ, a = -1/2: g_L = v + a, g_R = v - a; dg/dθ = 2 */
    const double gl = -1.0 + 2.0 * theta, gr = 2.0 * theta;
    double ll, rr, lr, dll, drr, dlr;
    as_ee_amp2(gl * gl, 4.0 * gl, kappa, dkappa, re, abs2, &ll, &dll);
    as_ee_amp2(gr * gr, 4.0 * gr, kappa, dkappa, re, abs2, &rr, &drr);
    as_ee_amp2(gl * gr, 2.0 * (gl + gr), kappa, dkappa, re, abs2, &lr, &dlr);
    /* helicity weights: e-_L e+_R and e-_R e+_L (unpolarised: 1 each) */
    const double wl = (1.0 - cfg->pol_electron) * (1.0 + cfg->pol_positron);
    const double wr = (1.0 + cfg->pol_electron) * (1.0 - cfg->pol_positron);
    out->a0 = 0.25 * (wl * (ll + lr) + wr * (rr + lr));
    out->a1 = 0.5 * (wl * (ll - lr) + wr * (rr - lr));
    out->da0 = 0.25 * (wl * (dll + dlr) + wr * (drr + dlr));
    out->da1 = 0.5 * (wl * (dll - dlr) + wr * (drr - dlr));
}

int as_ee_mumu_coefficients(const as_ee_mumu_config *cfg, double theta, double sqrt_s,
                            as_ee_mumu_coef *out, as_error *err)
{
    int st = as_ee_mumu_check(cfg, err);
    if (st != AS_OK) return st;
    if (!(theta > 0.0 && theta < 1.0))
        return as_error_set(err, AS_EINVAL, "theta (sin^2 theta_W) must be in (0, 1), got %g",
                            theta);
    if (!(sqrt_s > 0.0) || !isfinite(sqrt_s))
        return as_error_set(err, AS_EINVAL, "sqrt_s must be a finite energy > 0 GeV, got %g",
                            sqrt_s);
    const double s = sqrt_s * sqrt_s;
    double re, abs2;
    as_ee_xi(cfg, s, &re, &abs2);
    as_ee_coef_xi(cfg, theta, re, abs2, out);
    out->c_eff = as_ee_c_eff(cfg, s);
    return AS_OK;
}

int as_ee_mumu_cross_section(const as_ee_mumu_config *cfg, double theta, double sqrt_s,
                             int fiducial, double *sigma_pb, as_error *err)
{
    as_ee_mumu_coef c;
    int st = as_ee_mumu_coefficients(cfg, theta, sqrt_s, &c, err);
    if (st != AS_OK) return st;
    const double s = sqrt_s * sqrt_s;
    double sigma = AS_HBARC2_PB * 4.0 * M_PI * cfg->alpha * cfg->alpha * c.a0 / (3.0 * s);
    if (fiducial) sigma *= (3.0 * c.c_eff + c.c_eff * c.c_eff * c.c_eff) / 4.0;
    *sigma_pb = sigma;
    return AS_OK;
}

int as_ee_mumu_afb(const as_ee_mumu_config *cfg, double theta, double sqrt_s, int fiducial,
                   double *afb, as_error *err)
{
    as_ee_mumu_coef c;
    int st = as_ee_mumu_coefficients(cfg, theta, sqrt_s, &c, err);
    if (st != AS_OK) return st;
    if (!fiducial) {
        *afb = 3.0 * c.a1 / (8.0 * c.a0);
        return AS_OK;
    }
    if (!(c.c_eff > 0.0))
        return as_error_set(err, AS_EINVAL, "no events pass pt_min = %g GeV at sqrt_s = %g GeV "
                            "(the muon pT is at most sqrt_s/2); lower pt_min or raise the energy",
                            cfg->pt_min, sqrt_s);
    const double ce = c.c_eff;
    *afb = c.a1 * ce * ce / (c.a0 * (2.0 * ce + 2.0 * ce * ce * ce / 3.0));
    return AS_OK;
}

/* Cube root and its reciprocal without branches, divisions or library calls, so that loops over
 * it vectorize (glibc's cbrt is a scalar call of ~13 ns and a division costs several cycles per
 * lane).  r = |x|^(-1/3) starts from the exponent bits (high word: K - hx/3 with K chosen for the
 * smallest maximum error, 3.5%) and takes four Newton steps r <- r (4 - |x| r³)/3 (errors 2e-3,
 * 1e-5, 3e-10, then rounding); cbrt(x) = sign(x) |x| r² and 1/cbrt(x) = sign(x) r.  x must be
 * nonzero and normal, with |x| in [1e-100, 1e100] (the argument here is the larger-magnitude
 * Cardano term, built from O(1) numbers; zero is handled by the caller).  Only +, *, and integer
 * operations: the result is the same bit for bit on every x86-64 level the clones target (no
 * FMA contraction under -std=c11). */
static inline void as_cbrt_pair(double x, double *cb, double *rcb)
{
    const double ax = fabs(x);
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    const uint32_t hx = (uint32_t)(bits >> 32);
    /* hx / 3 by multiplication (vectorizes: 32 x 32 -> 64-bit products) */
    const uint32_t third = (uint32_t)(((uint64_t)hx * 0xAAAAAAABULL) >> 33);
    const uint64_t gbits = (uint64_t)(0x553EF000u - third) << 32;
    double r;
    memcpy(&r, &gbits, sizeof r);
    for (int it = 0; it < 4; ++it) r = r * (4.0 - ax * (r * r * r)) * (1.0 / 3.0);
    const double sg = x < 0.0 ? -1.0 : 1.0;
    *cb = sg * ax * (r * r);
    *rcb = sg * r;
}

/* g(c) = c + c³/3 + h c²/2, the CDF up to normalisation; g'(c) = 1 + c² + h c.  Solve g(c) = τ
 * for τ = g(-ce) + u (g(ce) - g(-ce)). */
static inline double as_ee_icdf(double h, double ce, double half_norm, double u)
{
    const double tau = -half_norm + 0.5 * h * ce * ce + 2.0 * u * half_norm;
    /* c³ + b c² + 3c - 3τ = 0 with b = 3h/2; c = y - h/2 gives y³ + p y + q = 0 */
    const double b = 1.5 * h;
    const double p = 3.0 - b * b / 3.0; /* >= 0 since |h| <= 2: one real root */
    const double q = 2.0 * b * b * b / 27.0 - b - 3.0 * tau;
    double disc = 0.25 * q * q + p * p * p / 27.0;
    disc = disc > 0.0 ? disc : 0.0;
    /* the larger-magnitude Cardano term avoids cancellation; y = t - p/(3t), t = cbrt(a) */
    const double sq = sqrt(disc);
    const double a = -0.5 * q - (q >= 0.0 ? sq : -sq);
    double t, rt;
    as_cbrt_pair(a != 0.0 ? a : 1.0, &t, &rt);
    const double y = a != 0.0 ? t - p * (1.0 / 3.0) * rt : 0.0;
    double c = y - 0.5 * h;
    c = c < -ce ? -ce : (c > ce ? ce : c);
    /* one Newton step on g(c) = τ polishes the rounding of the closed form */
    const double f = c + c * c * c * (1.0 / 3.0) + 0.5 * h * c * c - tau;
    const double fp = 1.0 + c * c + h * c;
    c = fp > 0.0 ? c - f / (fp > 0.0 ? fp : 1.0) : c;
    return c < -ce ? -ce : (c > ce ? ce : c);
}

double as_ee_mumu_inverse_cdf(double h, double c_eff, double u)
{
    return as_ee_icdf(h, c_eff, c_eff + c_eff * c_eff * c_eff / 3.0, u);
}

/* Replace the uniforms x[0..n) by cosθ = F^{-1}(u), in a loop that vectorizes. */
AS_SIMD_CLONES
static void as_ee_icdf_many(double h, double ce, double *x, size_t n)
{
    const double half_norm = ce + ce * ce * ce / 3.0;
    for (size_t i = 0; i < n; ++i) x[i] = as_ee_icdf(h, ce, half_norm, x[i]);
}

/* sin(2πu) and cos(2πu) for u in [0, 1] without library calls (vectorizes): reduce to
 * r = 2π (u - k/4) in [-π/4, π/4] with k = round(4u) (u - k/4 is exact), Taylor polynomials
 * through r^17 / r^16 (truncation below 5e-17), then rotate by k quarter turns. */
static inline void as_sincos_2pi(double u, double *sn, double *cs)
{
    const double k = (double)(int)(4.0 * u + 0.5);
    const double r = 6.283185307179586477 * (u - 0.25 * k);
    const double r2 = r * r;
    double ps = 1.0 / 355687428096000.0; /* 1/17! */
    ps = ps * -r2 + 1.0 / 1307674368000.0;
    ps = ps * -r2 + 1.0 / 6227020800.0;
    ps = ps * -r2 + 1.0 / 39916800.0;
    ps = ps * -r2 + 1.0 / 362880.0;
    ps = ps * -r2 + 1.0 / 5040.0;
    ps = ps * -r2 + 1.0 / 120.0;
    ps = ps * -r2 + 1.0 / 6.0;
    const double s0 = r - r * r2 * ps; /* r - r³/3! + r⁵/5! - ... */
    double pc = 1.0 / 20922789888000.0; /* 1/16! */
    pc = pc * -r2 + 1.0 / 87178291200.0;
    pc = pc * -r2 + 1.0 / 479001600.0;
    pc = pc * -r2 + 1.0 / 3628800.0;
    pc = pc * -r2 + 1.0 / 40320.0;
    pc = pc * -r2 + 1.0 / 720.0;
    pc = pc * -r2 + 1.0 / 24.0;
    pc = pc * -r2 + 0.5;
    const double c0 = 1.0 - r2 * pc; /* 1 - r²/2! + r⁴/4! - ... */
    const int q = (int)k & 3;
    *sn = q == 0 ? s0 : (q == 1 ? c0 : (q == 2 ? -s0 : -c0));
    *cs = q == 0 ? c0 : (q == 1 ? -s0 : (q == 2 ? -c0 : s0));
}

/* Four-momenta (E, px, py, pz) of the μ- and the μ+ (massless, back to back, energy e) into
 * out[8i..8i+8) from cosθ ct[i] and the azimuth's uniform ua[i]. */
AS_SIMD_CLONES
static void as_ee_momenta_fill(double e, const double *ct, const double *ua, double *out,
                               size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        double *o = out + 8 * i;
        const double st2 = 1.0 - ct[i] * ct[i];
        const double sn = sqrt(st2 > 0.0 ? st2 : 0.0);
        double sa, ca;
        as_sincos_2pi(ua[i], &sa, &ca);
        const double px = e * sn * ca, py = e * sn * sa, pz = e * ct[i];
        o[0] = e;
        o[1] = px;
        o[2] = py;
        o[3] = pz;
        o[4] = e;
        o[5] = -px;
        o[6] = -py;
        o[7] = -pz;
    }
}

static int as_ee_simulate(const as_model *m, const double *theta, as_rng *rng, double *out,
                          double *work, as_error *err)
{
    const as_ee_mumu_config *cfg = (const as_ee_mumu_config *)m->config;
    return as_ee_mumu_sample_costheta(cfg, theta[0], cfg->n_events, rng, out, err);
}

/* A copy of rng positioned `skip` words further along its stream (O(1): Philox is
 * counter-based).  The next word of rng is word 4 ctr - 4 + pos of the stream (pos = 4: none
 * buffered). */
static void as_rng_ahead(const as_rng *rng, uint64_t skip, as_rng *out)
{
    *out = *rng;
    const uint64_t w = 4 * rng->ctr[0] - 4 + (uint64_t)rng->pos + skip;
    as_rng_seek(out, w / 4);
    out->ctr[1] = rng->ctr[1];
    for (uint64_t k = 0; k < w % 4; ++k) (void)as_rng_next(out);
}

/* Events are produced in chunks that stay in L1 (the uniforms, then the vectorized transform). */
#define AS_EE_CHUNK 512

int as_ee_mumu_sample_costheta(const as_ee_mumu_config *cfg, double theta, size_t n_events,
                               as_rng *rng, double *out, as_error *err)
{
    int st = as_theta_in(theta, cfg->theta_lo, cfg->theta_hi, "sin^2 theta_W", err);
    if (st != AS_OK) return st;
    as_ee_mumu_coef c;
    as_ee_coef_xi(cfg, theta, cfg->re_xi, cfg->abs2_xi, &c);
    double h = c.a1 / c.a0;
    if (h > 2.0) h = 2.0; /* rounding only: A0 (1 + c²) + A1 c >= 0 implies |h| <= 2 */
    if (h < -2.0) h = -2.0;
    const double ce = cfg->c_eff;
    if (cfg->output == AS_EE_OUTPUT_COSTHETA) {
        for (size_t i = 0; i < n_events; i += AS_EE_CHUNK) {
            const size_t m = n_events - i < AS_EE_CHUNK ? n_events - i : AS_EE_CHUNK;
            as_rng_fill_uniform(rng, out + i, m);
            as_ee_icdf_many(h, ce, out + i, m);
        }
        return AS_OK;
    }
    /* four-momenta: the stream's first n_events words give cosθ (the same values as the cosθ
     * output), the next n_events the azimuths; two cursors keep one pass over the output */
    as_rng raz;
    as_rng_ahead(rng, n_events, &raz);
    double ct[AS_EE_CHUNK], ua[AS_EE_CHUNK];
    for (size_t i = 0; i < n_events; i += AS_EE_CHUNK) {
        const size_t m = n_events - i < AS_EE_CHUNK ? n_events - i : AS_EE_CHUNK;
        as_rng_fill_uniform(rng, ct, m);
        as_rng_fill_uniform(&raz, ua, m);
        as_ee_icdf_many(h, ce, ct, m);
        as_ee_momenta_fill(cfg->phi, ct, ua, out + 8 * i, m);
    }
    *rng = raz; /* leave the generator after the 2 n_events words used */
    return AS_OK;
}

int as_model_ee_mumu(as_model *m, as_ee_mumu_config *cfg, double phi, size_t n_events,
                     as_error *err)
{
    if (m == NULL) return as_error_set(err, AS_EINVAL, "model must not be NULL");
    int st = as_ee_mumu_check(cfg, err);
    if (st != AS_OK) return st;
    if (!(phi >= cfg->phi_lo && phi <= cfg->phi_hi))
        return as_error_set(err, AS_EINVAL, "phi (the beam energy) = %g GeV is outside its bounds "
                            "[%g, %g]", phi, cfg->phi_lo, cfg->phi_hi);
    if (n_events > ((size_t)1 << 40))
        return as_error_set(err, AS_EINVAL, "n_events = %zu is too large", n_events);
    const double s = 4.0 * phi * phi;
    const double ce = as_ee_c_eff(cfg, s);
    if (!(ce > 0.0))
        return as_error_set(err, AS_EINVAL, "no events pass pt_min = %g GeV at the beam energy "
                            "phi = %g GeV (the muon pT is at most the beam energy); lower pt_min "
                            "or raise phi", cfg->pt_min, phi);
    cfg->phi = phi;
    cfg->n_events = n_events;
    cfg->s = s;
    as_ee_xi(cfg, s, &cfg->re_xi, &cfg->abs2_xi);
    cfg->c_eff = ce;
    m->name = "ee_mumu";
    m->n_params = 1;
    m->n_outputs = cfg->output == AS_EE_OUTPUT_MOMENTA ? 8 * n_events : n_events;
    m->work_size = 0;
    m->config = cfg;
    m->simulate = as_ee_simulate;
    return AS_OK;
}

int as_ee_mumu_logpdf(const as_model *m, const double *theta, size_t n_theta, const double *x,
                      size_t n_x, double *logp, double *score, as_error *err)
{
    if (m == NULL || m->simulate != as_ee_simulate)
        return as_error_set(err, AS_EINVAL, "model must be built by as_model_ee_mumu");
    const as_ee_mumu_config *cfg = (const as_ee_mumu_config *)m->config;
    for (size_t b = 0; b < n_theta; ++b) {
        int st = as_theta_in(theta[b], cfg->theta_lo, cfg->theta_hi, "sin^2 theta_W", err);
        if (st != AS_OK) return st;
    }
    const double ce = cfg->c_eff;
    const double log_norm = log(2.0 * ce + 2.0 * ce * ce * ce / 3.0);
    for (size_t b = 0; b < n_theta; ++b) {
        as_ee_mumu_coef c;
        as_ee_coef_xi(cfg, theta[b], cfg->re_xi, cfg->abs2_xi, &c);
        const double h = c.a1 / c.a0;
        const double dh = (c.da1 * c.a0 - c.a1 * c.da0) / (c.a0 * c.a0);
        const double *xb = x + b * n_x;
        for (size_t i = 0; i < n_x; ++i) {
            const double ct = xb[i];
            double lp, sc;
            if (!(fabs(ct) <= ce)) { /* outside the window (or NaN) */
                lp = -INFINITY;
                sc = 0.0;
            } else {
                const double f = 1.0 + ct * ct + h * ct;
                lp = f > 0.0 ? log(f) - log_norm : -INFINITY;
                sc = f > 0.0 ? dh * ct / f : 0.0;
            }
            logp[b * n_x + i] = lp;
            if (score != NULL) score[b * n_x + i] = sc;
        }
    }
    return AS_OK;
}

void as_gauss_legendre(int n, double *nodes, double *weights)
{
    /* Newton on P_n from the Tricomi-style initial guess cos(π (k - 1/4) / (n + 1/2)). */
    for (int k = 0; k < (n + 1) / 2; ++k) {
        double x = cos(M_PI * (k + 0.75) / (n + 0.5));
        double dp = 1.0;
        for (int it = 0; it < 100; ++it) {
            double p0 = 1.0, p1 = x;
            for (int j = 2; j <= n; ++j) {
                double p2 = ((2.0 * j - 1.0) * x * p1 - (j - 1.0) * p0) / j;
                p0 = p1;
                p1 = p2;
            }
            /* P_n'(x) = n (x P_n - P_{n-1}) / (x² - 1) */
            dp = n * (x * p1 - p0) / (x * x - 1.0);
            double dx = p1 / dp;
            x -= dx;
            if (fabs(dx) <= 1e-16 * (1.0 + fabs(x))) break;
        }
        /* re-evaluate the derivative at the converged node */
        double p0 = 1.0, p1 = x;
        for (int j = 2; j <= n; ++j) {
            double p2 = ((2.0 * j - 1.0) * x * p1 - (j - 1.0) * p0) / j;
            p0 = p1;
            p1 = p2;
        }
        dp = n * (x * p1 - p0) / (x * x - 1.0);
        double w = 2.0 / ((1.0 - x * x) * dp * dp);
        nodes[k] = -x;
        nodes[n - 1 - k] = x;
        weights[k] = w;
        weights[n - 1 - k] = w;
    }
    if (n % 2 == 1) nodes[n / 2] = 0.0; /* exact zero for odd n */
}

int as_ee_mumu_fisher(const as_ee_mumu_config *cfg, const double *theta, const double *phi,
                      size_t n, int n_nodes, double *out, as_error *err)
{
    int st = as_ee_mumu_check(cfg, err);
    if (st != AS_OK) return st;
    if (n_nodes == 0) n_nodes = 96;
    if (n_nodes < 2 || n_nodes > 1000)
        return as_error_set(err, AS_EINVAL, "n_nodes must be in [2, 1000] (or 0 for the default "
                            "96), got %d", n_nodes);
    for (size_t i = 0; i < n; ++i) {
        if (!(theta[i] > 0.0 && theta[i] < 1.0))
            return as_error_set(err, AS_EINVAL, "theta (sin^2 theta_W) must be in (0, 1), got %g "
                                "at index %zu", theta[i], i);
        if (!(phi[i] > 0.0) || !isfinite(phi[i]))
            return as_error_set(err, AS_EINVAL, "phi (the beam energy) must be a finite number > 0 "
                                "GeV, got %g at index %zu", phi[i], i);
    }
    double *xw = malloc(2 * (size_t)n_nodes * sizeof *xw);
    if (xw == NULL) return as_error_set(err, AS_ENOMEM, "cannot allocate %d quadrature nodes",
                                        n_nodes);
    double *xs = xw, *ws = xw + n_nodes;
    as_gauss_legendre(n_nodes, xs, ws);
    for (size_t i = 0; i < n; ++i) {
        const double s = 4.0 * phi[i] * phi[i];
        const double ce = as_ee_c_eff(cfg, s);
        if (!(ce > 0.0)) {
            out[i] = 0.0;
            continue;
        }
        double re, abs2;
        as_ee_xi(cfg, s, &re, &abs2);
        as_ee_mumu_coef c;
        as_ee_coef_xi(cfg, theta[i], re, abs2, &c);
        const double norm = 2.0 * ce + 2.0 * ce * ce * ce / 3.0; /* ∫ (1 + c²) over the window */
        const double dlog_norm = c.da0 / c.a0;
        double sum = 0.0;
        for (int k = 0; k < n_nodes; ++k) {
            const double ct = ce * xs[k];
            const double f = c.a0 * (1.0 + ct * ct) + c.a1 * ct; /* unnormalised density */
            if (!(f > 0.0)) continue;
            const double df = c.da0 * (1.0 + ct * ct) + c.da1 * ct;
            const double sc = df / f - dlog_norm; /* ∂ log p / ∂θ */
            const double p = f / (c.a0 * norm);
            sum += ws[k] * p * sc * sc;
        }
        out[i] = ce * sum;
    }
    free(xw);
    return AS_OK;
}
