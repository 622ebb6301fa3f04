/* test_simulators.c -- built-in simulators (simulators.c): the e+e- -> μ+μ- coefficients against
 * the textbook formula and finite differences, the Z-pole and QED-limit numbers, the exact
 * inverse CDF, sample moments against the exact density, Fisher information against its closed
 * form and Monte Carlo, Gauss-Legendre exactness, four-momenta, reproducibility and independence
 * of batching and threads, interruption, and every bad argument. */
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "simulators.h"

static int quick(void)
{
    return getenv("AS_TEST_QUICK") != NULL;
}

/* the formula at P = 0, written independently of simulators.c */
static void textbook(double theta, double sqrt_s, double *a0, double *a1)
{
    const double mz = 91.1876, gz = 2.4952;
    const double s = sqrt_s * sqrt_s;
    const double kappa = 1.0 / (4.0 * theta * (1.0 - theta));
    const double dr = s - mz * mz, di = mz * gz;
    const double re = kappa * s * dr / (dr * dr + di * di);
    const double ab2 = kappa * kappa * s * s / (dr * dr + di * di);
    const double v = -0.5 + 2.0 * theta, a = -0.5;
    *a0 = 1.0 + 2.0 * v * v * re + (v * v + a * a) * (v * v + a * a) * ab2;
    *a1 = 4.0 * a * a * re + 8.0 * v * v * a * a * ab2;
}

static void test_coefficients_match_textbook(void)
{
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    const double energies[] = {10.0, 20.0, 60.0, 88.0, 91.1876, 94.0, 130.0, 200.0};
    const double thetas[] = {0.15, 0.2312, 0.3};
    for (size_t i = 0; i < sizeof energies / sizeof *energies; ++i) {
        for (size_t j = 0; j < 3; ++j) {
            as_ee_mumu_coef c;
            as_error err;
            AS_CHECK(as_ee_mumu_coefficients(&cfg, thetas[j], energies[i], &c, &err) == AS_OK);
            double a0, a1;
            textbook(thetas[j], energies[i], &a0, &a1);
            AS_CHECK_CLOSE(c.a0, a0, 1e-12, 0.0);
            AS_CHECK_CLOSE(c.a1, a1, 1e-12, 1e-14);
            AS_CHECK(c.c_eff == 1.0);
        }
    }
}

static void test_z_pole_and_qed_limit(void)
{
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    as_error err;
    double afb, sigma;
    AS_CHECK(as_ee_mumu_afb(&cfg, 0.2312, 91.1876, 0, &afb, &err) == AS_OK);
    AS_CHECK(as_ee_mumu_cross_section(&cfg, 0.2312, 91.1876, 0, &sigma, &err) == AS_OK);
    AS_CHECK_CLOSE(afb, 0.0167, 0.0, 0.00005);     /* the 0.0167 */
    AS_CHECK_CLOSE(sigma / 1000.0, 1.98, 0.0, 0.005); /* 1.98 nb */
    /* the running width gives the same numbers at s = M_Z² */
    cfg.width_mode = AS_EE_WIDTH_RUNNING;
    double sigma_run;
    AS_CHECK(as_ee_mumu_cross_section(&cfg, 0.2312, 91.1876, 0, &sigma_run, &err) == AS_OK);
    AS_CHECK_CLOSE(sigma_run, sigma, 1e-12, 0.0);
    cfg.width_mode = AS_EE_WIDTH_FIXED;
    /* far below the Z: 4πα²/(3s) */
    const double alpha = 1.0 / 128.952;
    for (double e = 0.5; e < 5.0; e *= 2.0) {
        double ref = AS_HBARC2_PB * 4.0 * M_PI * alpha * alpha / (3.0 * e * e);
        AS_CHECK(as_ee_mumu_cross_section(&cfg, 0.2312, e, 0, &sigma, &err) == AS_OK);
        AS_CHECK_CLOSE(sigma, ref, 1e-4, 0.0);
        /* A_FB -> (3/2) a² Re χ = (3/8) Re χ, small and negative */
        AS_CHECK(as_ee_mumu_afb(&cfg, 0.2312, e, 0, &afb, &err) == AS_OK);
        const double kappa = 1.0 / (4.0 * 0.2312 * 0.7688), mz = 91.1876, gz = 2.4952;
        const double s = e * e, re_chi = kappa * s * (s - mz * mz) /
                                         ((s - mz * mz) * (s - mz * mz) + mz * mz * gz * gz);
        AS_CHECK(afb < 0.0);
        AS_CHECK_CLOSE(afb, 0.375 * re_chi, 0.01, 0.0);
    }
}

static void test_derivatives_match_finite_differences(void)
{
    const int modes[] = {AS_EE_KAPPA_SIN2THETA, AS_EE_KAPPA_FERMI, AS_EE_KAPPA_VALUE};
    const double pols[][2] = {{0.0, 0.0}, {-0.8, 0.3}, {0.9, 0.0}};
    for (int mi = 0; mi < 3; ++mi) {
        for (int pi = 0; pi < 3; ++pi) {
            as_ee_mumu_config cfg;
            as_ee_mumu_config_default(&cfg);
            cfg.kappa_mode = modes[mi];
            cfg.kappa = 1.3;
            cfg.pol_electron = pols[pi][0];
            cfg.pol_positron = pols[pi][1];
            cfg.width_mode = pi == 2 ? AS_EE_WIDTH_RUNNING : AS_EE_WIDTH_FIXED;
            for (double e = 30.0; e < 200.0; e += 30.7) {
                as_ee_mumu_coef c, cp, cm;
                as_error err;
                const double th = 0.23, hstep = 1e-6;
                AS_CHECK(as_ee_mumu_coefficients(&cfg, th, e, &c, &err) == AS_OK);
                as_ee_mumu_coefficients(&cfg, th + hstep, e, &cp, &err);
                as_ee_mumu_coefficients(&cfg, th - hstep, e, &cm, &err);
                AS_CHECK_CLOSE(c.da0, (cp.a0 - cm.a0) / (2 * hstep), 1e-6, 1e-7);
                AS_CHECK_CLOSE(c.da1, (cp.a1 - cm.a1) / (2 * hstep), 1e-6, 1e-7);
                /* positivity of the density on [-1, 1]: |A1| <= 2 A0 */
                AS_CHECK(fabs(c.a1) <= 2.0 * c.a0);
            }
        }
    }
}

static void test_polarisation(void)
{
    /* σ(P_e) = σ(0) (1 - P_e A_LR); at the Z pole A_LR ≈ A_e = 2 v a / (v² + a²) */
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    as_error err;
    double s0, sl, sr;
    as_ee_mumu_cross_section(&cfg, 0.2312, 91.1876, 0, &s0, &err);
    cfg.pol_electron = -1.0;
    as_ee_mumu_cross_section(&cfg, 0.2312, 91.1876, 0, &sl, &err);
    cfg.pol_electron = 1.0;
    as_ee_mumu_cross_section(&cfg, 0.2312, 91.1876, 0, &sr, &err);
    const double v = -0.5 + 2 * 0.2312, a = -0.5;
    AS_CHECK_CLOSE((sl - sr) / (sl + sr), 2 * v * a / (v * v + a * a), 0.01, 0.0);
    AS_CHECK_CLOSE(0.5 * (sl + sr), s0, 1e-12, 0.0);
    /* linear in P_e */
    cfg.pol_electron = 0.3;
    double s3;
    as_ee_mumu_cross_section(&cfg, 0.2312, 91.1876, 0, &s3, &err);
    AS_CHECK_CLOSE(s3, 0.65 * sr + 0.35 * sl, 1e-12, 0.0);
}

static void test_inverse_cdf(void)
{
    const double hs[] = {-2.0, -1.999, -1.3, -0.2, 0.0, 1e-9, 0.7, 1.6, 1.9999, 2.0};
    const double ces[] = {1.0, 0.8, 0.3, 1e-3};
    double worst = 0.0;
    int monotone = 1;
    for (size_t i = 0; i < sizeof hs / sizeof *hs; ++i) {
        for (size_t j = 0; j < 4; ++j) {
            const double h = hs[i], ce = ces[j];
            const double half = ce + ce * ce * ce / 3.0;
            double prev = -2.0;
            for (int k = 0; k <= 2000; ++k) {
                const double u = k / 2000.0;
                const double c = as_ee_mumu_inverse_cdf(h, ce, u);
                const double g = c + c * c * c / 3.0 + 0.5 * h * c * c;
                const double gm = -ce - ce * ce * ce / 3.0 + 0.5 * h * ce * ce;
                const double f = (g - gm) / (2.0 * half);
                /* error in u, relative to the density's scale: compare in c-units */
                double dens = (1.0 + c * c + h * c) / (2.0 * half);
                double err_c = fabs(f - u) / (dens > 1e-3 ? dens : 1e-3);
                if (err_c > worst) worst = err_c;
                if (c < prev - 1e-15) monotone = 0;
                if (c < -ce || c > ce) monotone = 0;
                prev = c;
            }
            /* the ends map to the ends, up to rounding in probability (at |h| = 2 the density
             * vanishes like (1 + c)² at an end, so c itself is only accurate to eps^(1/3)) */
            for (int e = 0; e < 2; ++e) {
                const double c = as_ee_mumu_inverse_cdf(h, ce, (double)e);
                const double g = c + c * c * c / 3.0 + 0.5 * h * c * c;
                const double gm = -ce - ce * ce * ce / 3.0 + 0.5 * h * ce * ce;
                AS_CHECK(fabs((g - gm) / (2.0 * half) - e) < 1e-15);
                AS_CHECK(fabs(c - (e ? ce : -ce)) < 1e-5 * ce);
            }
        }
    }
    AS_CHECK(worst < 1e-12);
    AS_CHECK(monotone);
}

static void test_gauss_legendre(void)
{
    for (int n = 1; n <= 40; n += 3) {
        double x[40], w[40];
        as_gauss_legendre(n, x, w);
        /* exact for degree <= 2n - 1 */
        for (int d = 0; d <= 2 * n - 1 && d <= 20; ++d) {
            double sum = 0.0;
            for (int k = 0; k < n; ++k) sum += w[k] * pow(x[k], d);
            double ref = d % 2 ? 0.0 : 2.0 / (d + 1);
            AS_CHECK_CLOSE(sum, ref, 1e-13, 1e-14);
        }
        for (int k = 1; k < n; ++k) AS_CHECK(x[k] > x[k - 1]);
    }
    double x[1000], w[1000];
    as_gauss_legendre(1000, x, w);
    double sum = 0.0;
    for (int k = 0; k < 1000; ++k) sum += w[k] * exp(x[k]);
    AS_CHECK_CLOSE(sum, exp(1.0) - exp(-1.0), 1e-13, 0.0);
}

/* ∫ c²/(1 + c² + h c) over [-ce, ce], in closed form */
static double closed_form_integral(double h, double ce)
{
    const double w = sqrt(1.0 - 0.25 * h * h);
    double F[2];
    for (int k = 0; k < 2; ++k) {
        const double c = k ? ce : -ce;
        const double q = c * c + h * c + 1.0;
        F[k] = c - 0.5 * h * log(q) - (1.0 - 0.5 * h * h) / w * atan((c + 0.5 * h) / w);
    }
    return F[1] - F[0];
}

static void test_fisher_closed_form(void)
{
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    for (int variant = 0; variant < 3; ++variant) {
        if (variant == 1) cfg.cos_max = 0.8;
        if (variant == 2) {
            cfg.pt_min = 20.0;
            cfg.pol_electron = -0.8;
        }
        for (double e = 10.0; e <= 100.0; e += 4.5) {
            const double th = 0.2312;
            double info;
            as_error err;
            AS_CHECK(as_ee_mumu_fisher(&cfg, &th, &e, 1, 0, &info, &err) == AS_OK);
            as_ee_mumu_coef c;
            as_ee_mumu_coefficients(&cfg, th, 2 * e, &c, &err);
            const double h = c.a1 / c.a0, dh = (c.da1 * c.a0 - c.a1 * c.da0) / (c.a0 * c.a0);
            const double ce = c.c_eff;
            if (ce == 0.0) {
                AS_CHECK(info == 0.0);
                continue;
            }
            const double ref = dh * dh * closed_form_integral(h, ce) /
                               (2.0 * ce + 2.0 * ce * ce * ce / 3.0);
            AS_CHECK_CLOSE(info, ref, 1e-10, 1e-300);
        }
    }
}

static void test_sampling_moments_and_fisher_mc(void)
{
    /* E[cosθ] = h (2 ce³/3) / Z and E[score²] = I, from 2e5 events per case */
    const size_t n = quick() ? 20000 : 200000;
    const double energies[] = {15.0, 45.0, 45.5938, 50.0, 90.0};
    for (int variant = 0; variant < 2; ++variant) {
        as_ee_mumu_config cfg;
        as_ee_mumu_config_default(&cfg);
        if (variant) {
            cfg.cos_max = 0.9;
            cfg.pt_min = 12.0;
            cfg.pol_electron = 0.6;
        }
        double *x = malloc(n * sizeof *x), *lp = malloc(n * sizeof *lp),
               *sc = malloc(n * sizeof *sc);
        for (size_t i = 0; i < sizeof energies / sizeof *energies; ++i) {
            as_model m;
            as_error err;
            const double th = 0.2312;
            AS_CHECK(as_model_ee_mumu(&m, &cfg, energies[i], n, &err) == AS_OK);
            AS_CHECK(as_model_simulate_batch(&m, &th, 1, 123, 0, 1, x, NULL, &err) == AS_OK);
            AS_CHECK(as_ee_mumu_logpdf(&m, &th, 1, x, n, lp, sc, &err) == AS_OK);
            as_ee_mumu_coef c;
            as_ee_mumu_coefficients(&cfg, th, 2 * energies[i], &c, &err);
            const double ce = c.c_eff, h = c.a1 / c.a0, z = 2.0 * ce + 2.0 * ce * ce * ce / 3.0;
            const double mean_ref = h * (2.0 * ce * ce * ce / 3.0) / z;
            const double m2_ref = (2.0 * ce * ce * ce / 3.0 + 2.0 * ce * ce * ce * ce * ce / 5.0) / z;
            double mean = 0.0, s2 = 0.0, s4 = 0.0;
            int inside = 1, finite = 1;
            for (size_t k = 0; k < n; ++k) {
                mean += x[k];
                s2 += sc[k] * sc[k];
                s4 += sc[k] * sc[k] * sc[k] * sc[k];
                if (fabs(x[k]) > ce) inside = 0;
                if (!isfinite(lp[k])) finite = 0;
            }
            mean /= n;
            s2 /= n;
            s4 /= n;
            const double sd_mean = sqrt((m2_ref - mean_ref * mean_ref) / n);
            AS_CHECK(fabs(mean - mean_ref) < 4.5 * sd_mean);
            AS_CHECK(inside);
            AS_CHECK(finite);
            double info;
            AS_CHECK(as_ee_mumu_fisher(&cfg, &th, &energies[i], 1, 0, &info, &err) == AS_OK);
            const double sd_info = sqrt((s4 - s2 * s2) / n);
            AS_CHECK(fabs(s2 - info) < 4.5 * sd_info + 1e-12 * info);
        }
        free(x);
        free(lp);
        free(sc);
    }
}

static void test_logpdf_normalised_and_score(void)
{
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    cfg.cos_max = 0.7;
    cfg.pol_electron = -0.5;
    as_model m;
    as_error err;
    AS_CHECK(as_model_ee_mumu(&m, &cfg, 40.0, 1, &err) == AS_OK);
    double x[200], lp[200], sc[200];
    double th = 0.25;
    /* midpoint rule over a grid of the window: integral of p = 1 */
    for (int k = 0; k < 200; ++k) x[k] = -0.7 + 1.4 * (k + 0.5) / 200;
    AS_CHECK(as_ee_mumu_logpdf(&m, &th, 1, x, 200, lp, sc, &err) == AS_OK);
    double integral = 0.0;
    for (int k = 0; k < 200; ++k) integral += exp(lp[k]) * 1.4 / 200;
    AS_CHECK_CLOSE(integral, 1.0, 1e-4, 0.0);
    /* score = finite difference of logpdf in θ */
    double lpp[200], lpm[200], thp = th + 1e-6, thm = th - 1e-6;
    as_ee_mumu_logpdf(&m, &thp, 1, x, 200, lpp, NULL, &err);
    as_ee_mumu_logpdf(&m, &thm, 1, x, 200, lpm, NULL, &err);
    for (int k = 0; k < 200; k += 17) AS_CHECK_CLOSE(sc[k], (lpp[k] - lpm[k]) / 2e-6, 1e-5, 1e-8);
    /* outside the window: -inf */
    double out_x[3] = {0.71, -0.9, NAN}, out_lp[3];
    as_ee_mumu_logpdf(&m, &th, 1, out_x, 3, out_lp, NULL, &err);
    AS_CHECK(isinf(out_lp[0]) && out_lp[0] < 0 && isinf(out_lp[1]) && isinf(out_lp[2]));
}

static void test_four_momenta(void)
{
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    as_model mc, mp;
    as_error err;
    AS_CHECK(as_model_ee_mumu(&mc, &cfg, 45.0, 500, &err) == AS_OK);
    as_ee_mumu_config cfg2 = cfg;
    cfg2.output = AS_EE_OUTPUT_MOMENTA;
    AS_CHECK(as_model_ee_mumu(&mp, &cfg2, 45.0, 500, &err) == AS_OK);
    AS_CHECK(mp.n_outputs == 4000 && mc.n_outputs == 500);
    double th[2] = {0.2, 0.3};
    double *c = malloc(2 * 500 * sizeof *c), *p = malloc(2 * 4000 * sizeof *p);
    AS_CHECK(as_model_simulate_batch(&mc, th, 2, 9, 0, 1, c, NULL, &err) == AS_OK);
    AS_CHECK(as_model_simulate_batch(&mp, th, 2, 9, 0, 1, p, NULL, &err) == AS_OK);
    int ok = 1;
    for (int k = 0; k < 1000; ++k) {
        const double *q = p + 8 * k;
        if (fabs(q[3] / q[0] - c[k]) > 1e-15) ok = 0;                      /* same cosθ */
        if (fabs(q[0] - 45.0) > 0 || fabs(q[4] - 45.0) > 0) ok = 0;       /* E = E_beam */
        double m2 = q[0] * q[0] - q[1] * q[1] - q[2] * q[2] - q[3] * q[3];
        if (fabs(m2) > 1e-9) ok = 0;                                       /* massless */
        for (int j = 1; j < 4; ++j)
            if (q[j] + q[4 + j] != 0.0) ok = 0;                            /* back to back */
    }
    AS_CHECK(ok);
    /* the azimuths are 2π times the stream's words n_events .. 2 n_events - 1 (a polynomial
     * sincos: compare with libm), and the generator is left after those words */
    as_rng r, r2;
    as_rng_init(&r, 9, 0);
    for (int k = 0; k < 500; ++k) (void)as_rng_uniform(&r);
    double worst = 0.0;
    for (int k = 0; k < 500; ++k) {
        const double *q = p + 8 * k;
        const double az = 2.0 * M_PI * as_rng_uniform(&r);
        const double pt = sqrt(q[1] * q[1] + q[2] * q[2]);
        if (pt < 1e-6) continue;
        const double dx = fabs(q[1] / pt - cos(az)), dy = fabs(q[2] / pt - sin(az));
        if (dx > worst) worst = dx;
        if (dy > worst) worst = dy;
    }
    AS_CHECK(worst < 1e-14);
    as_rng_init(&r2, 9, 0);
    double one[8 * 7];
    as_ee_mumu_config cfg3 = cfg2;
    as_model m3;
    AS_CHECK(as_model_ee_mumu(&m3, &cfg3, 45.0, 7, &err) == AS_OK);
    (void)as_rng_uniform(&r2); /* start mid-block: the look-ahead must count buffered words */
    AS_CHECK(as_ee_mumu_sample_costheta(&cfg3, 0.2, 7, &r2, one, &err) == AS_OK);
    as_rng_init(&r, 9, 0);
    for (int k = 0; k < 1 + 14; ++k) (void)as_rng_uniform(&r);
    AS_CHECK(as_rng_uniform(&r) == as_rng_uniform(&r2));
    /* and its first event's cosθ comes from the word after the one drawn before */
    as_rng_init(&r, 9, 0);
    (void)as_rng_uniform(&r);
    as_ee_mumu_coef cc;
    AS_CHECK(as_ee_mumu_coefficients(&cfg3, 0.2, 90.0, &cc, &err) == AS_OK);
    AS_CHECK(fabs(one[3] / one[0] - as_ee_mumu_inverse_cdf(cc.a1 / cc.a0, 1.0,
                                                           as_rng_uniform(&r))) < 1e-15);
    free(c);
    free(p);
}

static int poll_yes(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_batch_reproducible_split_and_threads(void)
{
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    as_model m;
    as_error err;
    const size_t n_ev = 64, n_th = 11;
    AS_CHECK(as_model_ee_mumu(&m, &cfg, 45.0, n_ev, &err) == AS_OK);
    double th[11];
    for (size_t b = 0; b < n_th; ++b) th[b] = 0.15 + 0.02 * b;
    double a[11 * 64], b1[11 * 64], c[11 * 64], d[11 * 64];
    AS_CHECK(as_model_simulate_batch(&m, th, n_th, 77, 0, 1, a, NULL, &err) == AS_OK);
    AS_CHECK(as_model_simulate_batch(&m, th, n_th, 77, 0, 1, b1, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(a, b1, sizeof a) == 0);
    AS_CHECK(as_model_simulate_batch(&m, th, n_th, 77, 0, 4, c, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(a, c, sizeof a) == 0);
    /* split into two calls with first_stream = start row */
    AS_CHECK(as_model_simulate_batch(&m, th, 4, 77, 0, 1, d, NULL, &err) == AS_OK);
    AS_CHECK(as_model_simulate_batch(&m, th + 4, 7, 77, 4, 3, d + 4 * n_ev, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(a, d, sizeof a) == 0);
    /* a different seed differs */
    AS_CHECK(as_model_simulate_batch(&m, th, n_th, 78, 0, 1, d, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(a, d, sizeof a) != 0);
    /* interruption: the caller's task stops, status AS_EINTR */
    as_model big;
    double *buf = malloc((size_t)4 * (1u << 20) * sizeof *buf);
    AS_CHECK(as_model_ee_mumu(&big, &cfg, 45.0, (size_t)1 << 20, &err) == AS_OK);
    double th4[4] = {0.2, 0.2, 0.2, 0.2};
    as_interrupt intr = {poll_yes, NULL};
    AS_CHECK(as_model_simulate_batch(&big, th4, 4, 1, 0, 1, buf, &intr, &err) == AS_EINTR);
    free(buf);
    /* gaussian batches are reproducible and split-independent too */
    as_gaussian_toy_config g;
    as_gaussian_toy_config_default(&g);
    AS_CHECK(as_model_gaussian_toy(&m, &g, 2.0, n_ev, &err) == AS_OK);
    AS_CHECK(as_model_simulate_batch(&m, th, n_th, 5, 0, 2, a, NULL, &err) == AS_OK);
    AS_CHECK(as_model_simulate_batch(&m, th, 6, 5, 0, 1, b1, NULL, &err) == AS_OK);
    AS_CHECK(as_model_simulate_batch(&m, th + 6, 5, 5, 6, 1, b1 + 6 * n_ev, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(a, b1, sizeof a) == 0);
}

static void test_gaussian_models(void)
{
    const size_t n = quick() ? 20000 : 200000;
    double *x = malloc(n * sizeof *x), *lp = malloc(4 * sizeof *lp);
    for (int demo = 0; demo < 2; ++demo) {
        as_gaussian_config g;
        as_model m;
        as_error err;
        if (demo) as_gaussian_demo_config_default(&g);
        else as_gaussian_toy_config_default(&g);
        const double phi = demo ? 2.5 : 3.0;
        const double var = demo ? 2.0 + cos(2.5) : 3.0;
        AS_CHECK((demo ? as_model_gaussian_demo(&m, &g, phi, n, &err)
                       : as_model_gaussian_toy(&m, &g, phi, n, &err)) == AS_OK);
        double th = 1.5;
        AS_CHECK(as_model_simulate_batch(&m, &th, 1, 3, 0, 1, x, NULL, &err) == AS_OK);
        double mean = 0.0, m2 = 0.0;
        for (size_t k = 0; k < n; ++k) mean += x[k];
        mean /= n;
        for (size_t k = 0; k < n; ++k) m2 += (x[k] - mean) * (x[k] - mean);
        m2 /= n - 1;
        AS_CHECK(fabs(mean - th) < 4.5 * sqrt(var / n));
        AS_CHECK(fabs(m2 - var) < 4.5 * var * sqrt(2.0 / n));
        double xs[4] = {-1.0, 0.0, 1.5, 4.0};
        AS_CHECK(as_gaussian_logpdf(&m, &th, 1, xs, 4, lp, &err) == AS_OK);
        for (int k = 0; k < 4; ++k)
            AS_CHECK_CLOSE(lp[k], -0.5 * log(2 * M_PI * var) - (xs[k] - th) * (xs[k] - th) /
                                      (2 * var), 1e-14, 1e-14);
    }
    free(x);
    free(lp);
}

static int has(const as_error *err, const char *word)
{
    return strstr(err->msg, word) != NULL;
}

static void test_bad_arguments(void)
{
    as_error err;
    as_model m;
    as_ee_mumu_config cfg;
    as_ee_mumu_config_default(&cfg);
    double out[8];
    /* φ outside its bounds, NaN */
    AS_CHECK(as_model_ee_mumu(&m, &cfg, 5.0, 1, &err) == AS_EINVAL && has(&err, "phi"));
    AS_CHECK(as_model_ee_mumu(&m, &cfg, NAN, 1, &err) == AS_EINVAL && has(&err, "phi"));
    /* θ outside its bounds, NaN */
    AS_CHECK(as_model_ee_mumu(&m, &cfg, 45.0, 1, &err) == AS_OK);
    double bad[3] = {0.05, 0.5, NAN};
    for (int k = 0; k < 3; ++k) {
        AS_CHECK(as_model_simulate_batch(&m, &bad[k], 1, 1, 0, 1, out, NULL, &err) == AS_EINVAL);
        AS_CHECK(has(&err, "theta"));
        AS_CHECK(as_ee_mumu_logpdf(&m, &bad[k], 1, out, 1, out, NULL, &err) == AS_EINVAL);
    }
    /* the lowest failing row is reported, whatever the threads */
    double rows[6] = {0.2, 0.2, 0.2, 0.05, 0.2, 0.45};
    AS_CHECK(as_model_simulate_batch(&m, rows, 6, 1, 0, 3, out, NULL, &err) == AS_EINVAL);
    AS_CHECK(has(&err, "0.05"));
    /* options */
    as_ee_mumu_config c;
#define BAD_OPTION(stmt, word)                                                             \
    do {                                                                                   \
        as_ee_mumu_config_default(&c);                                                     \
        stmt;                                                                              \
        AS_CHECK(as_ee_mumu_check(&c, &err) == AS_EINVAL && has(&err, word));             \
        AS_CHECK(as_model_ee_mumu(&m, &c, 45.0, 1, &err) == AS_EINVAL);                   \
    } while (0)
    BAD_OPTION(c.mz = -1.0, "mz");
    BAD_OPTION(c.gamma_z = 0.0, "gamma_z");
    BAD_OPTION(c.alpha = NAN, "alpha");
    BAD_OPTION((c.kappa_mode = AS_EE_KAPPA_VALUE, c.kappa = 0.0), "kappa");
    BAD_OPTION(c.kappa_mode = 7, "kappa_mode");
    BAD_OPTION(c.width_mode = 3, "width_mode");
    BAD_OPTION(c.pol_electron = 1.5, "electron");
    BAD_OPTION(c.pol_positron = -1.01, "positron");
    BAD_OPTION((c.pol_electron = 1.0, c.pol_positron = 1.0), "polarizations");
    BAD_OPTION(c.cos_max = 0.0, "cos_max");
    BAD_OPTION(c.pt_min = -1.0, "pt_min");
    BAD_OPTION(c.output = 2, "output");
    BAD_OPTION(c.theta_hi = 1.0, "theta bounds");
    BAD_OPTION(c.phi_lo = 0.0, "phi bounds");
    /* a pT cut above the beam energy: nothing passes */
    as_ee_mumu_config_default(&c);
    c.pt_min = 50.0;
    AS_CHECK(as_model_ee_mumu(&m, &c, 45.0, 1, &err) == AS_EINVAL && has(&err, "pt_min"));
    double sigma, afb;
    AS_CHECK(as_ee_mumu_cross_section(&c, 0.23, 90.0, 1, &sigma, &err) == AS_OK && sigma == 0.0);
    AS_CHECK(as_ee_mumu_afb(&c, 0.23, 90.0, 1, &afb, &err) == AS_EINVAL);
    AS_CHECK(as_ee_mumu_cross_section(&c, 1.0, 90.0, 1, &sigma, &err) == AS_EINVAL &&
             has(&err, "theta"));
    AS_CHECK(as_ee_mumu_cross_section(&c, 0.2, -1.0, 1, &sigma, &err) == AS_EINVAL &&
             has(&err, "sqrt_s"));
    double th = 0.2, ph = 0.0, info;
    AS_CHECK(as_ee_mumu_fisher(&c, &th, &ph, 1, 0, &info, &err) == AS_EINVAL && has(&err, "phi"));
    ph = 40.0;
    AS_CHECK(as_ee_mumu_fisher(&c, &th, &ph, 1, 1, &info, &err) == AS_EINVAL &&
             has(&err, "n_nodes"));
    /* Gaussian models */
    as_gaussian_config g;
    as_gaussian_toy_config_default(&g);
    AS_CHECK(as_model_gaussian_toy(&m, &g, 0.0, 1, &err) == AS_EINVAL && has(&err, "phi"));
    AS_CHECK(as_model_gaussian_toy(&m, &g, -1.0, 1, &err) == AS_EINVAL && has(&err, "phi"));
    g.phi_lo = -1.0;
    AS_CHECK(as_model_gaussian_toy(&m, &g, 1.0, 1, &err) == AS_EINVAL && has(&err, "phi"));
    as_gaussian_demo_config_default(&g);
    AS_CHECK(as_model_gaussian_demo(&m, &g, 7.0, 1, &err) == AS_EINVAL && has(&err, "phi"));
    AS_CHECK(as_model_gaussian_demo(&m, &g, 0.0, 1, &err) == AS_OK);
    double gth = 11.0;
    AS_CHECK(as_model_simulate_batch(&m, &gth, 1, 1, 0, 1, out, NULL, &err) == AS_EINVAL &&
             has(&err, "theta"));
    g.theta_hi = -20.0;
    AS_CHECK(as_model_gaussian_demo(&m, &g, 1.0, 1, &err) == AS_EINVAL && has(&err, "theta"));
    /* an uninitialised model */
    as_model z;
    memset(&z, 0, sizeof z);
    AS_CHECK(as_model_simulate_batch(&z, &gth, 1, 1, 0, 1, out, NULL, &err) == AS_EINVAL);
    AS_CHECK(as_ee_mumu_logpdf(&z, &gth, 1, out, 1, out, NULL, &err) == AS_EINVAL);
    AS_CHECK(as_gaussian_logpdf(&z, &gth, 1, out, 1, out, &err) == AS_EINVAL);
}

int main(void)
{
    AS_RUN(test_coefficients_match_textbook);
    AS_RUN(test_z_pole_and_qed_limit);
    AS_RUN(test_derivatives_match_finite_differences);
    AS_RUN(test_polarisation);
    AS_RUN(test_inverse_cdf);
    AS_RUN(test_gauss_legendre);
    AS_RUN(test_fisher_closed_form);
    AS_RUN(test_sampling_moments_and_fisher_mc);
    AS_RUN(test_logpdf_normalised_and_score);
    AS_RUN(test_four_momenta);
    AS_RUN(test_batch_reproducible_split_and_threads);
    AS_RUN(test_gaussian_models);
    AS_RUN(test_bad_arguments);
    AS_TEST_EXIT();
}
