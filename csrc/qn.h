/* qn.h -- bound-constrained quasi-Newton minimization (L-BFGS-B; see docs/qn.md).
 *
 * Minimizes f(x) subject to lower <= x <= upper.  Used for GP hyperparameters and for polishing
 * acquisition maxima.  The objective returns AS_OK with f and its gradient; any other return
 * (except AS_EINTR, which aborts) or a non-finite f or gradient is treated as an infinitely bad
 * point, so the line search backs off instead of failing (a Cholesky failure inside a GP fit is
 * such a point).  The objective is never called outside the box.
 *
 * No allocation, no global state: all memory is the caller's workspace, so one workspace per
 * thread makes concurrent calls safe.
 */
#ifndef AS_QN_H
#define AS_QN_H

#include <stddef.h>

#include "as_common.h"

/* Objective: from x (n values, inside the box) write f and grad (n values); return AS_OK,
 * AS_EINTR to abort the minimization, or any other code for a point where f is undefined. */
typedef int (*as_qn_objective)(void *ctx, const double *x, double *f, double *grad);

typedef struct {
    int m;          /* number of correction pairs kept (default 10)                       */
    int max_iter;   /* iterations (default 15000)                                         */
    int max_fun;    /* objective evaluations (default 15000)                              */
    double pgtol;   /* stop when the projected gradient's inf-norm <= pgtol (default 1e-5) */
    double ftol;    /* stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol
                       (default 1e7 * DBL_EPSILON, scipy's factr = 1e7), unless the
                       quadratic model predicts a larger relative gain for the next step
                       (at most 3 times in a row), or when no decrease is measurable in
                       floating point                                                      */
} as_qn_options;

typedef enum {
    AS_QN_CONVERGED_PGTOL = 0,
    AS_QN_CONVERGED_FTOL = 1,
    AS_QN_MAX_ITER = 2,
    AS_QN_MAX_FUN = 3,            /* a hard limit: fun is called at most max_fun times */
    AS_QN_LINE_SEARCH_FAILED = 4, /* no decrease possible along the search direction */
    AS_QN_NO_FINITE_START = 5     /* the objective is not finite at the start point  */
} as_qn_reason;

typedef struct {
    double f;      /* best objective value found (+inf if none is finite)  */
    int n_iter;
    int n_fun;
    int reason;    /* an as_qn_reason              */
} as_qn_result;

void as_qn_default_options(as_qn_options *opt);

/* Doubles of workspace needed for dimension n with m correction pairs:
 * 2 n m + 7 m^2 + 14 n + 12 m (SIZE_MAX if that overflows). */
size_t as_qn_workspace_size(size_t n, int m);

/* Minimize from x (in: start, projected onto the box; out: the best point found -- the lowest
 * f seen, or the final iterate when it ties with it to rounding; res->f is f(x)).
 * lower/upper may be NULL or hold -INFINITY/+INFINITY for unbounded coordinates; lower[i] ==
 * upper[i] fixes coordinate i.  opt may be NULL (defaults).  work: lwork >=
 * as_qn_workspace_size(n, opt->m) doubles, no alignment needs beyond double's.
 * Returns AS_OK (see res->reason for why it stopped; AS_QN_NO_FINITE_START leaves x at the
 * projected start and res->f = +inf), AS_EINVAL (bad arguments: n == 0, NULL fun/x/res/work,
 * NaN in x or the bounds, lower > upper, lower = +inf or upper = -inf, m outside [1, 1000],
 * max_iter < 0, max_fun < 1, negative or non-finite pgtol/ftol, lwork too small), or AS_EINTR
 * if the objective asked to abort (x and res then hold the best point so far). */
int as_qn_minimize(as_qn_objective fun, void *ctx, size_t n, double *x, const double *lower,
                   const double *upper, const as_qn_options *opt, double *work, size_t lwork,
                   as_qn_result *res, as_error *err);

#endif /* AS_QN_H */
