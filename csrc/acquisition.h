/* acquisition.h -- acquisition functions for Bayesian optimization and their maximization.
 *
 * All acquisitions are written as values to MINIMIZE (scikit-optimize's convention), for a
 * minimization problem with incumbent y_opt, predictive mean mu and std s, and
 * z = (y_opt - xi - mu) / s:
 *   EI      -(s z Phi(z) + s phi(z))                    (Jones, Schonlau & Welch 1998)
 *   LOG_EI  -log(s h(z)), h(z) = z Phi(z) + phi(z), evaluated without cancellation for
 *           z << 0 through the continued fraction of Mills' ratio (Laplace): with t = -z,
 *           1 - t R(t) = c / (t + c), c = 1 / (t + 2 / (t + 3 / (t + ...))), so
 *           log h(-t) = -t^2/2 - log(2 pi)/2 + log c - log(t + c)
 *           (Ament et al., "Unexpected improvements to expected improvement", NeurIPS 2023)
 *   PI      -Phi(z)                                      (Kushner 1964)
 *   LCB     mu - kappa s                                 (Srinivas et al. 2010)
 *   MEAN    mu                                           (the model's minimum)
 * Derivatives with respect to mu and s are analytic; chained with the GP's predictive
 * gradients (gp.h) they give the gradient with respect to x used by the quasi-Newton polish.
 */
#ifndef AS_ACQUISITION_H
#define AS_ACQUISITION_H

#include <stddef.h>

#include "as_common.h"
#include "gp.h"

typedef enum {
    AS_ACQ_EI = 0,
    AS_ACQ_LOG_EI = 1,
    AS_ACQ_PI = 2,
    AS_ACQ_LCB = 3,
    AS_ACQ_MEAN = 4
} as_acq_kind;

typedef struct {
    int kind;      /* an as_acq_kind                        */
    double y_opt;  /* incumbent (best observed value)        */
    double xi;     /* improvement margin for EI, LOG_EI, PI  */
    double kappa;  /* exploration weight for LCB (>= 0)      */
} as_acq;

/* Validate kind and finiteness of the parameters (kappa >= 0). */
int as_acq_check(const as_acq *a, as_error *err);

/* log h(z), h(z) = z Phi(z) + phi(z) > 0, accurate to a few ulps for every finite z. */
double as_acq_log_h(double z);

/* Value (to minimize) at one (mean, std) and its derivatives with respect to them.  std <= 0
 * gives the noise-free limit (derivative 0 with respect to std); LOG_EI is +inf where there is
 * no possible improvement. dmean, dstd may be NULL. */
void as_acq_point(const as_acq *a, double mean, double std, double *val, double *dmean,
                  double *dstd);

/* out[i] = value at (mean[i], std[i]) for i < m. */
int as_acq_values(const as_acq *a, const double *mean, const double *std, size_t m,
                  double *out, as_error *err);

/* Doubles of workspace for as_acq_optimize. */
size_t as_acq_optimize_workspace_size(const as_gp_model *gp, size_t m, size_t n_polish);

/* Minimize n_acq acquisitions of one fitted GP (single output) over candidates and a box.
 *  cand:       m x d candidate points (row-major), inside [lower, upper]
 *  free_dims:  d flags; coordinates with free_dims[j] == 0 (integer or categorical columns)
 *              stay at the start's value during polishing (NULL: all free)
 *  n_polish:   the n_polish best candidates of each acquisition start a bounded quasi-Newton
 *              run (qn.h) of at most max_iter iterations; 0 means sampling only
 * Outputs: mean, std (m): the predictive mean and std at every candidate, computed once (one
 * triangular solve per block of candidates) and shared by all acquisitions; values
 * (n_acq x m): each acquisition at each candidate; x_best (n_acq x d), f_best (n_acq): the best
 * point found for each acquisition (the best candidate, or a polished point that improves on
 * it).  Returns AS_OK, AS_EINVAL (bad arguments, workspace too small), or the GP's error. */
int as_acq_optimize(const as_gp_model *gp, const as_acq *acqs, size_t n_acq, const double *cand,
                    size_t m, const double *lower, const double *upper,
                    const unsigned char *free_dims, size_t n_polish, int max_iter,
                    double *mean, double *std, double *values, double *x_best, double *f_best,
                    double *work, size_t lwork, as_error *err);

#endif /* AS_ACQUISITION_H */
