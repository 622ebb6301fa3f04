/* simulators.h -- built-in simulators with known likelihoods, runnable without Python.
 *
 * Three models, each exposed through the as_model interface of model.h so that inference loops
 * (ABC, design) can run them in threads:
 *
 *   gaussian_toy   x ~ N(θ, φ)            φ the variance                     (n_params = 1)
 *   gaussian_demo  x ~ N(θ, 2 + cos φ)    φ in [0, 2π], most informative at π (n_params = 1)
 *   ee_mumu        e+e- -> μ+μ- at Born level (γ and Z exchange, massless fermions);
 *                  θ = sin²θ_W, φ = beam energy E_beam = √s/2 in GeV         (n_params = 1)
 *
 * A data set is n_events independent events.  One data set per θ row; row b of a batch draws
 * from rng stream (seed, first_stream + b), so results depend neither on how a batch is split
 * nor on the number of threads.
 *
 * e+e- -> μ+μ- conventions (docs/simulators.md has the derivation and references: PDG review
 * "Electroweak model and constraints on new physics"; Halzen & Martin, "Quarks and Leptons",
 * ch. 13; Peskin & Schroeder ch. 5):
 *   cosθ is the angle between the outgoing μ- and the incoming e- (the +z axis);
 *   dσ/dcosθ = (πα²/2s) [A0 (1 + cos²θ) + A1 cosθ], A_FB = 3 A1 / (8 A0) (forward: μ- along e-);
 *   v = -1/2 + 2 sin²θ_W, a = -1/2 (same for e and μ), χ = κ s / (s - M_Z² + i M_Z Γ_Z)
 *   (or i s Γ_Z / M_Z with the s-dependent width);
 *   κ = 1 / (4 sin²θ_W cos²θ_W) (tied to θ) or √2 G_F M_Z² / (4πα) (fixed; the effective-angle
 *   convention) or a given number;
 *   beam polarisations P = (N_R - N_L)/(N_R + N_L) by helicity, for the e- and the e+ beams;
 *   A0 and A1 then follow from the four helicity amplitudes M_ij = 1 + g_i g_j χ with g_L = v + a,
 *   g_R = v - a (i the electron's, j the muon's helicity), which reproduce the formula above at
 *   P = 0;
 *   cuts: |cosθ| < cos_max and muon pT > pt_min.  For massless muons at √s, pT = (√s/2) sinθ,
 *   so both cuts are one symmetric window |cosθ| < c_eff = min(cos_max, sqrt(1 - 4 pt_min²/s)).
 *   A symmetric window leaves the normalisation independent of A1:
 *   p(cosθ) = (1 + cos²θ + h cosθ) / (2 c_eff + 2 c_eff³/3) on |cosθ| <= c_eff, h = A1/A0.
 *
 * Sampling is exact: cosθ = F^{-1}(u) for one uniform u per event, where F (the truncated CDF, a
 * cubic in cosθ with positive derivative) is inverted in closed form (Cardano, one real root) and
 * polished by one Newton step.  Four-momenta add one uniform azimuth per event.
 */
#ifndef AS_SIMULATORS_H
#define AS_SIMULATORS_H

#include <stddef.h>
#include <stdint.h>

#include "as_common.h"
#include "model.h"
#include "rng.h"

/* ------------------------------------------------------------------ common batch driver */

/* Run model `m` for n_theta rows of theta (row-major, n_theta x m->n_params) into out
 * (n_theta x m->n_outputs).  Row b uses stream (seed, first_stream + b).  n_threads <= 1 runs in
 * the caller's thread; otherwise rows are split over min(n_threads, n_theta) pthreads (results
 * are identical).  intr may be NULL; it is polled by the calling thread about every 2^20 output
 * values; on interruption the function returns AS_EINTR and every row finished so far holds its
 * result (rows not reached are left untouched).  On an AS_EINVAL from the model, err describes
 * the failing row with the lowest index. */
int as_model_simulate_batch(const as_model *m, const double *theta, size_t n_theta, uint64_t seed,
                            uint64_t first_stream, int n_threads, double *out,
                            const as_interrupt *intr, as_error *err);

/* ------------------------------------------------------------------ Gaussian models */

typedef struct {
    double theta_lo, theta_hi; /* bounds of θ (finite, lo < hi); simulate rejects θ outside   */
    double phi_lo, phi_hi;     /* bounds of the design φ (finite, lo < hi)                      */
    /* set by as_model_gaussian_toy / as_model_gaussian_demo: */
    double phi;                /* the design                                                    */
    double sd;                 /* standard deviation sqrt(variance(φ))                          */
    size_t n_events;           /* values per data set                                           */
} as_gaussian_config;

typedef as_gaussian_config as_gaussian_toy_config;
typedef as_gaussian_config as_gaussian_demo_config;

/* Defaults: toy θ in [-10, 10], φ (the variance) in [0.01, 100]; demo θ in [-10, 10],
 * φ in [0, 2π]. */
void as_gaussian_toy_config_default(as_gaussian_toy_config *cfg);
void as_gaussian_demo_config_default(as_gaussian_demo_config *cfg);

/* The variance of x at design φ: toy φ; demo 2 + cos φ.  No checks. */
double as_gaussian_toy_variance(double phi);
double as_gaussian_demo_variance(double phi);

/* Fill *m (n_params 1, n_outputs n_events, work_size 0) for design φ.  cfg must outlive m; its
 * phi, sd and n_events are written.  AS_EINVAL names the bad argument (bounds not finite or
 * reversed, φ outside the bounds or not positive for the toy). */
int as_model_gaussian_toy(as_model *m, as_gaussian_toy_config *cfg, double phi, size_t n_events,
                          as_error *err);
int as_model_gaussian_demo(as_model *m, as_gaussian_demo_config *cfg, double phi,
                           size_t n_events, as_error *err);

/* log N(x; θ_b, var) for rows b < n_theta of x (n_theta x n_x, row-major) into out (same shape).
 * Uses m built by as_model_gaussian_toy/demo (its φ).  AS_EINVAL for θ outside the bounds. */
int as_gaussian_logpdf(const as_model *m, const double *theta, size_t n_theta, const double *x,
                       size_t n_x, double *out, as_error *err);

/* ------------------------------------------------------------------ e+e- -> μ+μ- */

enum {
    AS_EE_KAPPA_SIN2THETA = 0, /* κ = 1/(4 θ (1 - θ)), varies with θ (default)  */
    AS_EE_KAPPA_FERMI = 1,     /* κ = √2 G_F M_Z² / (4πα), independent of θ     */
    AS_EE_KAPPA_VALUE = 2      /* κ = cfg->kappa, independent of θ               */
};
enum {
    AS_EE_WIDTH_FIXED = 0,  /* s - M_Z² + i M_Z Γ_Z (default)                    */
    AS_EE_WIDTH_RUNNING = 1 /* s - M_Z² + i s Γ_Z / M_Z (s-dependent width)       */
};
enum {
    AS_EE_OUTPUT_COSTHETA = 0, /* one value per event: cosθ of the μ-                         */
    AS_EE_OUTPUT_MOMENTA = 1   /* eight per event: (E, px, py, pz) of the μ-, then of the μ+,
                                  in GeV, e- beam along +z, lab = centre-of-mass frame         */
};

typedef struct {
    double mz;            /* Z mass, GeV (91.1876)                                             */
    double gamma_z;       /* Z width, GeV (2.4952)                                             */
    double alpha;         /* fine-structure constant at the scale used (1/128.952 = α(M_Z))    */
    double g_fermi;       /* Fermi constant, GeV^-2 (1.1663787e-5), for AS_EE_KAPPA_FERMI      */
    int kappa_mode;       /* AS_EE_KAPPA_*                                                     */
    double kappa;         /* κ for AS_EE_KAPPA_VALUE (> 0)                                     */
    int width_mode;       /* AS_EE_WIDTH_*                                                     */
    double pol_electron;  /* e- beam helicity polarisation in [-1, 1] (0)                      */
    double pol_positron;  /* e+ beam helicity polarisation in [-1, 1] (0)                      */
    double cos_max;       /* acceptance |cosθ| < cos_max, in (0, 1] (1)                        */
    double pt_min;        /* acceptance muon pT > pt_min GeV, >= 0 (0)                         */
    int output;           /* AS_EE_OUTPUT_*                                                    */
    double theta_lo, theta_hi; /* bounds of θ = sin²θ_W, 0 < lo < hi < 1 ((0.1, 0.4))          */
    double phi_lo, phi_hi;     /* bounds of the beam energy in GeV, 0 < lo < hi ((10, 100))    */
    /* set by as_model_ee_mumu (derived constants at the design's energy): */
    double phi;           /* beam energy                                                       */
    size_t n_events;
    double s;             /* (2 φ)²                                                            */
    double re_xi, abs2_xi;/* ξ = s / (s - M_Z² + i M_Z Γ): χ = κ ξ                             */
    double c_eff;         /* the acceptance window |cosθ| <= c_eff                             */
} as_ee_mumu_config;

/* The coefficients at one (θ, √s) and their θ-derivatives. */
typedef struct {
    double a0, a1;   /* dσ/dcosθ = (πα²/2s)[A0 (1 + c²) + A1 c], polarisation included */
    double da0, da1; /* ∂A0/∂θ, ∂A1/∂θ                                                    */
    double c_eff;    /* the acceptance window at this energy (0: nothing passes)           */
} as_ee_mumu_coef;

/* Defaults as listed above. */
void as_ee_mumu_config_default(as_ee_mumu_config *cfg);

/* Check the options (not φ, θ or the derived fields).  AS_EINVAL names the bad field. */
int as_ee_mumu_check(const as_ee_mumu_config *cfg, as_error *err);

/* A0, A1, their θ-derivatives and c_eff at θ (0 < θ < 1; the θ bounds are not applied) and
 * √s > 0.  AS_EINVAL for bad options or arguments. */
int as_ee_mumu_coefficients(const as_ee_mumu_config *cfg, double theta, double sqrt_s,
                            as_ee_mumu_coef *out, as_error *err);

/* Total cross section in pb, (ħc)² 4πα² A0 / (3s), times the fraction (3 c_eff + c_eff³)/4
 * inside the acceptance when `fiducial` is nonzero (0 when nothing passes). */
int as_ee_mumu_cross_section(const as_ee_mumu_config *cfg, double theta, double sqrt_s,
                             int fiducial, double *sigma_pb, as_error *err);

/* Forward-backward asymmetry of the μ- (forward: cosθ > 0), 3 A1 / (8 A0) over the full range;
 * with `fiducial`, (σ_F - σ_B)/(σ_F + σ_B) inside the window: A1 c_eff² / (A0 (2 c_eff +
 * 2 c_eff³/3)).  AS_EINVAL when `fiducial` and nothing passes the cuts. */
int as_ee_mumu_afb(const as_ee_mumu_config *cfg, double theta, double sqrt_s, int fiducial,
                   double *afb, as_error *err);

/* Fill *m for beam energy φ (GeV) and n_events events per data set; cfg must outlive m, and its
 * derived fields are written.  n_outputs = n_events (cosθ) or 8 n_events (four-momenta).
 * AS_EINVAL for bad options, φ outside the bounds, or cuts that nothing passes at this energy. */
int as_model_ee_mumu(as_model *m, as_ee_mumu_config *cfg, double phi, size_t n_events,
                     as_error *err);

/* Sample n_events values of cosθ (the μ-) at θ into out by inverting the exact truncated CDF,
 * one uniform per event, using the energy of a config prepared by as_model_ee_mumu. */
int as_ee_mumu_sample_costheta(const as_ee_mumu_config *cfg, double theta, size_t n_events,
                               as_rng *rng, double *out, as_error *err);

/* The inverse CDF for the normalised cubic: given h = A1/A0 (|h| <= 2) and the window c_eff in
 * (0, 1], the cosθ with F(cosθ) = u for u in [0, 1].  Exposed for tests. */
double as_ee_mumu_inverse_cdf(double h, double c_eff, double u);

/* Normalised log density of cosθ (the exact one, cuts and polarisation included; -inf outside
 * the window) at rows b < n_theta of x (n_theta x n_x cosθ values), and optionally (score !=
 * NULL) its θ-derivative ∂ log p / ∂θ.  Uses the energy of m (as_model_ee_mumu).  For the
 * four-momenta output pass cosθ = pz/E of the μ-; the azimuth adds -log(2π). */
int as_ee_mumu_logpdf(const as_model *m, const double *theta, size_t n_theta, const double *x,
                      size_t n_x, double *logp, double *score, as_error *err);

/* Per-event Fisher information I(θ; φ) = E[(∂ log p(cosθ | θ, φ)/∂θ)²] at n pairs
 * (theta[i], phi[i]) (φ the beam energy), by n_nodes-point Gauss-Legendre quadrature (2..1000;
 * 0 picks 96) of the exact density and its analytic θ-derivative over the acceptance window.
 * The θ and φ bounds of cfg are not applied (0 < θ < 1, φ > 0); 0 where nothing passes. */
int as_ee_mumu_fisher(const as_ee_mumu_config *cfg, const double *theta, const double *phi,
                      size_t n, int n_nodes, double *out, as_error *err);

/* Gauss-Legendre nodes and weights on [-1, 1] (n >= 1), by Newton's method on P_n. */
void as_gauss_legendre(int n, double *nodes, double *weights);

/* ------------------------------------------------------------------ any built-in model */

/* A built-in model together with its config, for code that builds one of the three by name
 * (e.g. the Python binding from a simulator's _c_model_spec()).  model.config points into the
 * struct itself, so it must not be copied or moved while model is in use. */
typedef struct {
    as_model model;
    union {
        as_gaussian_config gauss;
        as_ee_mumu_config ee;
    } cfg;
} as_builtin_model;

/* Physical constants used above. */
#define AS_HBARC2_PB 0.3893794e9 /* (ħc)² in pb GeV² */

#endif /* AS_SIMULATORS_H */
