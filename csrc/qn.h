/* qn.h -- bound-constrained quasi-Newton minimization (L-BFGS with projection onto a box).
 *
 * Minimizes f(x) subject to lower <= x <= upper.  Used for GP hyperparameters and for polishing
 * acquisition maxima.  The objective returns AS_OK with f and its gradient; any other return
 * (except AS_EINTR, which aborts) or a non-finite f is treated as an infinitely bad point, so the
 * line search backs off instead of failing (a Cholesky failure inside a GP fit is such a point).
 */
#ifndef AS_QN_H
#define AS_QN_H

#include <stddef.h>

#include "as_common.h"

typedef int (*as_qn_objective)(void *ctx, const double *x, double *f, double *grad);

typedef struct {
    int m;          /* number of correction pairs kept (default 10)                       */
    int max_iter;   /* iterations (default 15000)                                         */
    int max_fun;    /* objective evaluations (default 15000)                              */
    double pgtol;   /* stop when the projected gradient's inf-norm <= pgtol (default 1e-5) */
    double ftol;    /* stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol
                       (default 1e7 * DBL_EPSILON, scipy's factr = 1e7)                    */
} as_qn_options;

typedef enum {
    AS_QN_CONVERGED_PGTOL = 0,
    AS_QN_CONVERGED_FTOL = 1,
    AS_QN_MAX_ITER = 2,
    AS_QN_MAX_FUN = 3,
    AS_QN_LINE_SEARCH_FAILED = 4, /* no decrease possible along the search direction */
    AS_QN_NO_FINITE_START = 5     /* the objective is not finite at the start point  */
} as_qn_reason;

typedef struct {
    double f;      /* best objective value found  */
    int n_iter;
    int n_fun;
    int reason;    /* an as_qn_reason              */
} as_qn_result;

void as_qn_default_options(as_qn_options *opt);

/* Doubles of workspace needed for dimension n with m correction pairs. */
size_t as_qn_workspace_size(size_t n, int m);

/* Minimize from x (in: start, projected onto the box; out: the best point found).
 * lower/upper may be NULL or hold -INFINITY/+INFINITY for unbounded coordinates.
 * Returns AS_OK (see res->reason for why it stopped), AS_EINVAL (bad arguments: n == 0,
 * lower > upper, lwork too small), or AS_EINTR if the objective asked to abort. */
int as_qn_minimize(as_qn_objective fun, void *ctx, size_t n, double *x, const double *lower,
                   const double *upper, const as_qn_options *opt, double *work, size_t lwork,
                   as_qn_result *res, as_error *err);

#endif /* AS_QN_H */
