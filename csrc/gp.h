/* gp.h -- Gaussian-process regression: fit, log marginal likelihood with its analytic
 * gradient, hyperparameter optimization, prediction, and O(n²) updates.
 *
 * Rasmussen & Williams, "Gaussian Processes for Machine Learning" (2006), Algorithm 2.1 and
 * eq. 5.9: with K = k(X, X) + diag(noise) = L Lᵀ and α = K⁻¹ y,
 *   log p(y | X, θ) = -½ yᵀα - Σ log L_ii - (n/2) log 2π          (summed over outputs)
 *   ∂/∂θ_p = ½ tr((ααᵀ - K⁻¹) ∂K/∂θ_p)
 * K⁻¹ comes from dpotri on the Cholesky factor; the kernel folds its derivatives into the trace
 * pair by pair, so memory is O(n²) whatever the number of hyperparameters.
 *
 * Storage: row-major.  L is the lower Cholesky factor in an n x n buffer (upper part unused).
 * y and α are n x n_out.  Outputs are on the normalized scale; de-normalization is the caller's
 * (the model view below carries y_mean/y_std for prediction).
 */
#ifndef AS_GP_H
#define AS_GP_H

#include <stddef.h>

#include "as_common.h"
#include "kernels.h"
#include "qn.h"

/* A fitted GP, as views of caller-owned arrays (the Python estimator owns them). */
typedef struct {
    const as_kernel *kernel;
    size_t n, d, n_out;
    const double *X;      /* n x d training inputs                        */
    const double *L;      /* n x n lower Cholesky factor of K + diag(noise) */
    const double *alpha;  /* n x n_out, K⁻¹ y on the normalized scale       */
    const double *y_mean; /* n_out: prediction = y_mean + y_std * f         */
    const double *y_std;  /* n_out                                          */
} as_gp_model;

/* Doubles of workspace for as_gp_lml (K, α, kernel scratch) and for as_gp_fit (which builds K
 * directly in its output L, so needs no n x n scratch). */
size_t as_gp_workspace_size(const as_kernel *k, size_t n, size_t n_out);
size_t as_gp_fit_workspace_size(const as_kernel *k, size_t n, size_t n_out);

/* Fit at fixed hyperparameters: L, alpha, the log marginal likelihood and the jitter used.
 * When K + diag(noise) is not positive definite, jitter is added to the diagonal in growing
 * steps (1e-10, 1e-9, ... times the mean diagonal, up to max_jitter_rel times it); *jitter is
 * the absolute amount that succeeded (0 if none was needed).  AS_ELINALG if all steps fail. */
int as_gp_fit(const as_kernel *k, const double *X, size_t n, const double *y, size_t n_out,
              const double *noise, double max_jitter_rel, double *L, double *alpha,
              double *lml, double *jitter, double *work, size_t lwork, as_error *err);

/* Log marginal likelihood and (if grad != NULL) its gradient w.r.t. the log of the free
 * parameters (is_free[p] != 0; is_free == NULL: all).  No jitter: a non-PD K returns AS_ELINALG
 * (the optimizer treats it as an infinitely bad point). */
int as_gp_lml(const as_kernel *k, const double *X, size_t n, const double *y, size_t n_out,
              const double *noise, const unsigned char *is_free, double *lml, double *grad,
              double *work, size_t lwork, as_error *err);

/* Maximize the log marginal likelihood over the log of the free parameters, within
 * [log_lower, log_upper] (n_free each), from n_starts start points thetas (n_starts x n_free;
 * on return each row holds the optimum reached from it and lmls[s] its value, -inf if the
 * start was not finite).  Starts run in up to n_threads threads (one BLAS thread each), start s
 * always on the same data, so results do not depend on n_threads.
 * polish_ftol > 0: the best start (highest lml, lowest index on ties) is minimized once more
 * from its optimum with ftol = polish_ftol, and its row replaced by the result if that is at
 * least as good.  A thread left without a start polishes the best start finished so far ahead
 * of time, so the polish overlaps the starts still running; when a later start overtakes it,
 * that work is wasted and the new best is polished.  The output is the same as polishing after
 * all starts.
 * abandon != 0: a start s > 0 that is clearly heading for a worse optimum than start 0's is
 * abandoned: its row keeps the start point and lmls[s] = -inf.  With b the best value of s
 * after e >= 10 evaluations and g its gain over the last 5, s is abandoned when start 0's
 * optimum exceeds b + max(3, 10 g) at any e (3 nats: a likelihood ratio of 20; 10 g: what ten
 * more windows at the current rate would gain).  Start 0's optimum is known only when it
 * finishes; a start that is still running then stops at its next evaluation, one that finished
 * earlier is judged on its whole run, so which starts are abandoned does not depend on
 * n_threads or timing, only how many evaluations they spent before stopping.
 * n_evals[0]: objective evaluations of every start that was not abandoned plus the polish of the
 * best one (independent of n_threads); n_evals[1]: the others (abandoned starts, ahead-of-time
 * polishes that were discarded).
 * Workspaces are allocated once per thread and reused by every evaluation. */
int as_gp_optimize(const as_kernel *k, const double *X, size_t n, const double *y, size_t n_out,
                   const double *noise, const unsigned char *is_free, const double *log_lower,
                   const double *log_upper, size_t n_starts, double *thetas, double *lmls,
                   long n_evals[2], const as_qn_options *opt, double polish_ftol, int abandon,
                   int n_threads, const as_interrupt *intr, as_error *err);

/* Predictive mean (m x n_out), standard deviation (m x n_out, may be NULL) and covariance
 * (m x m x n_out, may be NULL) at Xs, de-normalized with y_mean/y_std as scikit-learn does:
 * the latent variance is shared by the outputs and scaled by y_std[c]^2 for output c.
 * One triangular solve V = L⁻¹ k(X, Xs) serves both std and cov. */
size_t as_gp_predict_workspace_size(const as_gp_model *gp, size_t m, int want_cov);
int as_gp_predict(const as_gp_model *gp, const double *Xs, size_t m, double *mean, double *std,
                  double *cov, double *work, size_t lwork, as_error *err);

/* One point x (single output 0): mean, std and their gradients w.r.t. x (d each), on the
 * de-normalized scale.  work: as_gp_predict_grad_workspace_size doubles. */
size_t as_gp_predict_grad_workspace_size(const as_gp_model *gp);
int as_gp_predict_grad(const as_gp_model *gp, const double *x, double *mean, double *std,
                       double *dmean, double *dstd, double *work, as_error *err);

/* Append one training point at fixed hyperparameters in O(n²): given L (n x n, stored with
 * leading dimension ld >= n+1), the kernel column k(X, x_new) (n) and k(x_new, x_new) + noise,
 * writes row n of L.  Returns AS_ELINALG if the new pivot is not positive. */
int as_gp_cholesky_append(double *L, size_t n, size_t ld, const double *kcol, double kself,
                          as_error *err);

/* Solve (L Lᵀ) Z = B in place for B (n x nrhs, row-major) with the factor of as_gp_fit. */
int as_gp_cho_solve(const double *L, size_t n, double *B, size_t nrhs, double *work,
                    as_error *err);

#endif /* AS_GP_H */
