/* test_qn.c -- bound-constrained quasi-Newton (qn.c): known minimizers, KKT conditions at the
 * result, infinitely bad points, projection of the start, degenerate bounds, limits, bad
 * arguments and workspace bounds.  Every objective records what the optimizer asked for, so
 * each test also checks the invariants: no point outside the box is evaluated, the returned
 * f is the lowest value seen and belongs to the returned x, n_fun counts the calls. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "qn.h"

#define MAXN 64

/* ------------------------------------------------------------------ recording objectives */

typedef struct {
    size_t n;
    const double *lo, *up; /* box the evaluations must respect (NULL: none) */
    int calls, outside;
    double fmin;           /* lowest finite value returned */
    double xmin[MAXN];
    /* problem data */
    double H[MAXN * MAXN], b[MAXN];
    double nan_above;      /* f is NaN when x[0] > nan_above                  */
    double fail_above;     /* status AS_ELINALG when x[0] > fail_above         */
    int intr_after;        /* return AS_EINTR on call intr_after + 1 (0: never) */
    int kind;              /* 0 quadratic, 1 Rosenbrock, 2 sum(x - log x), 3 (x-3)^2 */
} rec;

static void rec_init(rec *r, size_t n, int kind, const double *lo, const double *up)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->kind = kind;
    r->lo = lo;
    r->up = up;
    r->fmin = INFINITY;
    r->nan_above = INFINITY;
    r->fail_above = INFINITY;
}

static double rosen(size_t n, const double *x, double *g)
{
    double f = 0.0;
    for (size_t i = 0; i < n; ++i) g[i] = 0.0;
    for (size_t i = 0; i + 1 < n; ++i) {
        const double t = x[i + 1] - x[i] * x[i], u = 1.0 - x[i];
        f += 100.0 * t * t + u * u;
        g[i] += -400.0 * x[i] * t - 2.0 * u;
        g[i + 1] += 200.0 * t;
    }
    return f;
}

static int rec_fun(void *ctx, const double *x, double *f, double *g)
{
    rec *r = (rec *)ctx;
    const size_t n = r->n;
    ++r->calls;
    for (size_t i = 0; i < n; ++i) {
        if ((r->lo && x[i] < r->lo[i]) || (r->up && x[i] > r->up[i])) ++r->outside;
    }
    if (r->intr_after > 0 && r->calls > r->intr_after) return AS_EINTR;
    if (x[0] > r->fail_above) return AS_ELINALG; /* like a failed Cholesky */
    double v = 0.0;
    switch (r->kind) {
    case 0: /* 0.5 x'Hx - b'x */
        for (size_t i = 0; i < n; ++i) {
            double hx = 0.0;
            for (size_t j = 0; j < n; ++j) hx += r->H[i * n + j] * x[j];
            g[i] = hx - r->b[i];
            v += 0.5 * x[i] * hx - r->b[i] * x[i];
        }
        break;
    case 1:
        v = rosen(n, x, g);
        break;
    case 2: /* sum x - log x: NaN for x < 0, minimum at x = 1 */
        for (size_t i = 0; i < n; ++i) {
            v += x[i] - log(x[i]);
            g[i] = 1.0 - 1.0 / x[i];
        }
        break;
    default: /* (x0 - 3)^2 */
        v = (x[0] - 3.0) * (x[0] - 3.0);
        g[0] = 2.0 * (x[0] - 3.0);
        break;
    }
    if (x[0] > r->nan_above) v = NAN;
    *f = v;
    if (isfinite(v) && v < r->fmin) {
        r->fmin = v;
        memcpy(r->xmin, x, n * sizeof *x);
    }
    return AS_OK;
}

/* Run the optimizer with a workspace of exactly the advertised size, guarded at the end. */
static int run(rec *r, double *x, const double *lo, const double *up, const as_qn_options *opt,
               as_qn_result *res, as_error *err)
{
    const int m = opt ? opt->m : 10;
    const size_t lw = as_qn_workspace_size(r->n, m);
    double *work = malloc((lw + 8) * sizeof *work);
    if (work == NULL) return -1;
    for (size_t i = 0; i < lw + 8; ++i) work[i] = 12345.0;
    int st = as_qn_minimize(rec_fun, r, r->n, x, lo, up, opt, work, lw, res, err);
    for (size_t i = lw; i < lw + 8; ++i) AS_CHECK(work[i] == 12345.0); /* stays in bounds */
    free(work);
    return st;
}

/* Invariants every run must satisfy: nothing evaluated outside the box, n_fun counts the
 * calls, and x is the lowest point seen (or ties with it to rounding), with f(x) = res->f. */
static void check_invariants(const rec *r, const double *x, const as_qn_result *res)
{
    AS_CHECK(r->outside == 0);
    AS_CHECK(res->n_fun == r->calls);
    if (isfinite(r->fmin)) {
        AS_CHECK(res->f <= r->fmin + 2.0 * DBL_EPSILON * fabs(r->fmin));
        rec copy = *r;
        double fx = NAN, g[MAXN];
        copy.intr_after = 0;
        AS_CHECK(rec_fun(&copy, x, &fx, g) == AS_OK);
        AS_CHECK(fx == res->f);
    }
}

/* Projected-gradient inf-norm at x (KKT residual of the box-constrained problem). */
static double pg_norm(rec *r, const double *x, const double *lo, const double *up)
{
    double g[MAXN], f, mx = 0.0;
    rec copy = *r;
    copy.lo = copy.up = NULL;
    rec_fun(&copy, x, &f, g);
    for (size_t i = 0; i < r->n; ++i) {
        double gi = g[i];
        if (up && gi < 0.0) gi = fmax(x[i] - up[i], gi);
        if (lo && gi > 0.0) gi = fmin(x[i] - lo[i], gi);
        mx = fmax(mx, fabs(gi));
    }
    return mx;
}

/* ------------------------------------------------------------------ tests */

static void test_rosenbrock_unbounded(void)
{
    for (size_t n = 2; n <= 10; n += 8) {
        rec r;
        rec_init(&r, n, 1, NULL, NULL);
        double x[MAXN];
        for (size_t i = 0; i < n; ++i) x[i] = (i % 2 == 0) ? -1.2 : 1.0;
        as_qn_options opt;
        as_qn_default_options(&opt);
        as_qn_result res;
        as_error err;
        AS_CHECK(run(&r, x, NULL, NULL, &opt, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        AS_CHECK(res.reason == AS_QN_CONVERGED_PGTOL || res.reason == AS_QN_CONVERGED_FTOL);
        AS_CHECK(res.f < 1e-9);
        for (size_t i = 0; i < n; ++i) AS_CHECK_CLOSE(x[i], 1.0, 0.0, 1e-4);
        AS_CHECK(res.n_fun < 150);
        /* tight tolerances reach the minimizer to near machine precision */
        rec_init(&r, n, 1, NULL, NULL);
        for (size_t i = 0; i < n; ++i) x[i] = (i % 2 == 0) ? -1.2 : 1.0;
        opt.pgtol = 1e-10;
        opt.ftol = 0.0;
        AS_CHECK(run(&r, x, NULL, NULL, &opt, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        AS_CHECK(res.f < 1e-18);
        for (size_t i = 0; i < n; ++i) AS_CHECK_CLOSE(x[i], 1.0, 0.0, 1e-8);
    }
}

static void test_rosenbrock_bounded(void)
{
    /* 2-D: with x0 <= 0.5 the minimizer is (0.5, 0.25), f = 0.25 */
    {
        rec r;
        double lo[2] = {-2.0, -2.0}, up[2] = {0.5, 2.0}, x[2] = {-1.2, 1.0};
        rec_init(&r, 2, 1, lo, up);
        as_qn_result res;
        as_error err;
        AS_CHECK(run(&r, x, lo, up, NULL, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        AS_CHECK(x[0] == 0.5);
        AS_CHECK_CLOSE(x[1], 0.25, 0.0, 1e-6);
        AS_CHECK_CLOSE(res.f, 0.25, 1e-10, 0.0);
    }
    /* 10-D with upper bounds 0.5 on the even coordinates, 4 pairs kept (the memory wraps):
     * the KKT conditions hold and the bounded coordinates sit on their bound */
    {
        const size_t n = 10;
        rec r;
        double lo[MAXN] = {0}, up[MAXN] = {0}, x[MAXN] = {0};
        for (size_t i = 0; i < n; ++i) {
            lo[i] = -2.0;
            up[i] = (i % 2 == 0) ? 0.5 : 2.0;
            x[i] = -1.0 + 0.1 * (double)i;
        }
        rec_init(&r, n, 1, lo, up);
        as_qn_options opt;
        as_qn_default_options(&opt);
        opt.m = 4;
        opt.pgtol = 1e-9;
        opt.ftol = 0.0;
        as_qn_result res;
        as_error err;
        AS_CHECK(run(&r, x, lo, up, &opt, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        /* pgtol = 1e-9 is below what rounding allows here (scipy stops at the same f with
         * a projected gradient of 4e-8): accept the floating-point floor */
        AS_CHECK(res.reason == AS_QN_CONVERGED_PGTOL || res.reason == AS_QN_CONVERGED_FTOL);
        AS_CHECK(pg_norm(&r, x, lo, up) <= 1e-6);
        AS_CHECK_CLOSE(res.f, 7.594812948946874, 1e-14, 0.0); /* scipy L-BFGS-B, same tols */
        AS_CHECK(x[0] == 0.5);
        for (size_t i = 0; i < n; ++i) AS_CHECK(x[i] >= lo[i] && x[i] <= up[i]);
    }
}

/* H = Q diag(ev) Q' from a deterministic pseudo-random orthogonal-ish construction. */
static void make_spd(size_t n, double *H, unsigned seed, double cond)
{
    double A[MAXN * MAXN];
    unsigned s = seed;
    for (size_t i = 0; i < n * n; ++i) {
        s = s * 1103515245u + 12345u;
        A[i] = ((double)(s >> 8) / 16777216.0) - 0.5;
    }
    /* H = A'A scaled + diag: SPD with condition roughly controlled by cond */
    for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
            double v = 0.0;
            for (size_t k = 0; k < n; ++k) v += A[k * n + i] * A[k * n + j];
            H[i * n + j] = v;
        }
        H[i * n + i] += 1.0 + (cond - 1.0) * (double)i / (double)(n > 1 ? n - 1 : 1);
    }
}

static void test_bounded_quadratic_known_solution(void)
{
    /* Build the problem from its KKT point: choose x* with some coordinates on the lower or
     * upper bound and the gradient there pointing outward, zero gradient on the free ones;
     * strict convexity makes x* the unique minimizer. */
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const size_t n = 12;
        rec r;
        double lo[MAXN] = {0}, up[MAXN] = {0}, x[MAXN] = {0}, xs[MAXN], gs[MAXN];
        rec_init(&r, n, 0, lo, up);
        make_spd(n, r.H, seed, 100.0);
        for (size_t i = 0; i < n; ++i) {
            lo[i] = -1.0 - 0.1 * (double)i;
            up[i] = 1.0 + 0.05 * (double)i;
            const int kind = (int)((i + seed) % 4); /* 0 free, 1 at lower, 2 at upper, 3 free */
            xs[i] = kind == 1 ? lo[i] : kind == 2 ? up[i] : 0.3 * sin((double)(i + seed));
            gs[i] = kind == 1 ? 0.5 + 0.1 * (double)i : kind == 2 ? -0.7 : 0.0;
            x[i] = 0.0;
            if (seed == 3) { /* one-sided and absent bounds, consistent with x* */
                if (kind == 1) up[i] = INFINITY;
                else if (kind == 2) lo[i] = -INFINITY;
                else if (kind == 0) lo[i] = -INFINITY, up[i] = INFINITY;
            }
        }
        for (size_t i = 0; i < n; ++i) {
            double hx = 0.0;
            for (size_t j = 0; j < n; ++j) hx += r.H[i * n + j] * xs[j];
            r.b[i] = hx - gs[i];
        }
        as_qn_options opt;
        as_qn_default_options(&opt);
        opt.pgtol = 1e-10;
        opt.ftol = 0.0;
        as_qn_result res;
        as_error err;
        AS_CHECK(run(&r, x, lo, up, &opt, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        AS_CHECK(res.reason == AS_QN_CONVERGED_PGTOL || res.reason == AS_QN_CONVERGED_FTOL);
        AS_CHECK(pg_norm(&r, x, lo, up) <= 1e-7);
        for (size_t i = 0; i < n; ++i) {
            if (gs[i] != 0.0) AS_CHECK(x[i] == xs[i]); /* active bounds are hit exactly */
            else AS_CHECK_CLOSE(x[i], xs[i], 0.0, 1e-8);
        }
        AS_CHECK(res.n_fun < 60);
    }
}

static void test_non_finite_region(void)
{
    /* sum(x - log x) from x = 8: quasi-Newton steps overshoot into x < 0, where log gives
     * NaN; the optimizer must step back and still find x = 1. */
    {
        const size_t n = 5;
        rec r;
        rec_init(&r, n, 2, NULL, NULL);
        double x[MAXN];
        for (size_t i = 0; i < n; ++i) x[i] = 8.0 + (double)i;
        as_qn_options opt;
        as_qn_default_options(&opt);
        opt.pgtol = 1e-9;
        opt.ftol = 0.0;
        as_qn_result res;
        as_error err;
        AS_CHECK(run(&r, x, NULL, NULL, &opt, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        AS_CHECK(res.reason == AS_QN_CONVERGED_PGTOL);
        for (size_t i = 0; i < n; ++i) AS_CHECK_CLOSE(x[i], 1.0, 0.0, 1e-8);
        AS_CHECK(res.n_fun < 60);
    }
    /* Rosenbrock where x0 > 1.05 is a failed evaluation (status AS_ELINALG, e.g. a Cholesky
     * failure) and, separately, where x0 > 1.05 returns NaN: minimizer (1, 1) still found. */
    for (int variant = 0; variant < 2; ++variant) {
        rec r;
        rec_init(&r, 2, 1, NULL, NULL);
        if (variant == 0) r.fail_above = 1.05;
        else r.nan_above = 1.05;
        double x[2] = {-1.2, 1.0};
        as_qn_result res;
        as_error err;
        AS_CHECK(run(&r, x, NULL, NULL, NULL, &res, &err) == AS_OK);
        check_invariants(&r, x, &res);
        AS_CHECK(res.f < 1e-9);
        AS_CHECK_CLOSE(x[0], 1.0, 0.0, 1e-4);
        AS_CHECK_CLOSE(x[1], 1.0, 0.0, 1e-4);
    }
}

static void test_start_outside_box(void)
{
    rec r;
    double lo[2] = {-1.0, -1.0}, up[2] = {2.0, 0.5}, x[2] = {5.0, -7.0};
    rec_init(&r, 2, 1, lo, up);
    as_qn_result res;
    as_error err;
    AS_CHECK(run(&r, x, lo, up, NULL, &res, &err) == AS_OK);
    check_invariants(&r, x, &res);
    /* minimizer with x1 <= 0.5: x1 = 0.5 on its bound, x0 = argmin (1-x0)^2 + 100 (0.5-x0^2)^2 */
    AS_CHECK(x[1] == 0.5);
    AS_CHECK(pg_norm(&r, x, lo, up) <= 1e-5);
    AS_CHECK(x[0] > 0.7 && x[0] < 0.71); /* 0.7071.. region: x0^2 ~ 0.5 */
}

static void test_one_variable(void)
{
    as_qn_result res;
    as_error err;
    /* (x - 3)^2 on [0, 2]: the upper bound */
    {
        rec r;
        double lo = 0.0, up = 2.0, x = -4.0;
        rec_init(&r, 1, 3, &lo, &up);
        AS_CHECK(run(&r, &x, &lo, &up, NULL, &res, &err) == AS_OK);
        check_invariants(&r, &x, &res);
        AS_CHECK(x == 2.0);
        AS_CHECK(res.f == 1.0);
        AS_CHECK(res.reason == AS_QN_CONVERGED_PGTOL);
    }
    /* unbounded */
    {
        rec r;
        double x = -10.0;
        rec_init(&r, 1, 3, NULL, NULL);
        AS_CHECK(run(&r, &x, NULL, NULL, NULL, &res, &err) == AS_OK);
        check_invariants(&r, &x, &res);
        AS_CHECK_CLOSE(x, 3.0, 0.0, 1e-6);
        AS_CHECK(res.n_fun <= 6);
    }
}

static void test_degenerate_bounds(void)
{
    /* quadratic with coordinates 1 and 4 fixed (lower == upper): the others solve the
     * reduced system H_FF x_F = b_F - H_FA x_A, checked by its residual */
    const size_t n = 6;
    rec r;
    double lo[MAXN] = {0}, up[MAXN] = {0}, x[MAXN] = {0};
    for (size_t i = 0; i < n; ++i) {
        lo[i] = -INFINITY;
        up[i] = INFINITY;
        x[i] = 1.0;
    }
    lo[1] = up[1] = 0.75;
    lo[4] = up[4] = -2.0;
    rec_init(&r, n, 0, lo, up);
    make_spd(n, r.H, 7, 10.0);
    for (size_t i = 0; i < n; ++i) r.b[i] = (double)i - 2.0;
    as_qn_options opt;
    as_qn_default_options(&opt);
    opt.pgtol = 1e-10;
    opt.ftol = 0.0;
    as_qn_result res;
    as_error err;
    AS_CHECK(run(&r, x, lo, up, &opt, &res, &err) == AS_OK);
    check_invariants(&r, x, &res);
    AS_CHECK(x[1] == 0.75 && x[4] == -2.0);
    for (size_t i = 0; i < n; ++i) {
        if (i == 1 || i == 4) continue;
        double gi = -r.b[i];
        for (size_t j = 0; j < n; ++j) gi += r.H[i * n + j] * x[j];
        AS_CHECK(fabs(gi) <= 1e-8);
    }
    /* every coordinate fixed: one evaluation, converged */
    for (size_t i = 0; i < n; ++i) lo[i] = up[i] = 0.1 * (double)i;
    for (size_t i = 0; i < n; ++i) x[i] = 3.0;
    rec_init(&r, n, 0, lo, up);
    make_spd(n, r.H, 7, 10.0);
    AS_CHECK(run(&r, x, lo, up, NULL, &res, &err) == AS_OK);
    check_invariants(&r, x, &res);
    AS_CHECK(res.n_fun == 1 && res.n_iter == 0 && res.reason == AS_QN_CONVERGED_PGTOL);
    for (size_t i = 0; i < n; ++i) AS_CHECK(x[i] == lo[i]);
}

static void test_limits_and_interrupt(void)
{
    as_qn_options opt;
    as_qn_result res;
    as_error err;
    rec r;
    double x[2];
    /* max_fun is a hard limit */
    as_qn_default_options(&opt);
    opt.max_fun = 7;
    rec_init(&r, 2, 1, NULL, NULL);
    x[0] = -1.2, x[1] = 1.0;
    AS_CHECK(run(&r, x, NULL, NULL, &opt, &res, &err) == AS_OK);
    check_invariants(&r, x, &res);
    AS_CHECK(res.reason == AS_QN_MAX_FUN && res.n_fun == 7);
    /* max_iter */
    as_qn_default_options(&opt);
    opt.max_iter = 3;
    rec_init(&r, 2, 1, NULL, NULL);
    x[0] = -1.2, x[1] = 1.0;
    AS_CHECK(run(&r, x, NULL, NULL, &opt, &res, &err) == AS_OK);
    check_invariants(&r, x, &res);
    AS_CHECK(res.reason == AS_QN_MAX_ITER && res.n_iter == 3);
    AS_CHECK(res.f < 24.2); /* f(start) = 24.2: progress was made and kept */
    /* max_iter = 0: only the start is evaluated */
    opt.max_iter = 0;
    rec_init(&r, 2, 1, NULL, NULL);
    x[0] = -1.2, x[1] = 1.0;
    AS_CHECK(run(&r, x, NULL, NULL, &opt, &res, &err) == AS_OK);
    AS_CHECK(res.reason == AS_QN_MAX_ITER && res.n_fun == 1 && x[0] == -1.2);
    /* AS_EINTR from the objective: returned, with the best point so far in x */
    rec_init(&r, 2, 1, NULL, NULL);
    r.intr_after = 10;
    x[0] = -1.2, x[1] = 1.0;
    AS_CHECK(run(&r, x, NULL, NULL, NULL, &res, &err) == AS_EINTR);
    AS_CHECK(err.code == AS_EINTR && err.msg[0] != '\0');
    AS_CHECK(res.n_fun == 11);
    AS_CHECK(res.f == r.fmin && x[0] == r.xmin[0] && x[1] == r.xmin[1]);
    AS_CHECK(res.f < 24.2);
    /* non-finite start */
    rec_init(&r, 2, 1, NULL, NULL);
    r.nan_above = 0.0;
    x[0] = 0.5, x[1] = 1.0;
    AS_CHECK(run(&r, x, NULL, NULL, NULL, &res, &err) == AS_OK);
    AS_CHECK(res.reason == AS_QN_NO_FINITE_START && res.f == INFINITY && res.n_fun == 1);
    AS_CHECK(x[0] == 0.5 && x[1] == 1.0);
    rec_init(&r, 2, 1, NULL, NULL);
    r.fail_above = 0.0;
    x[0] = 0.5, x[1] = 1.0;
    AS_CHECK(run(&r, x, NULL, NULL, NULL, &res, &err) == AS_OK);
    AS_CHECK(res.reason == AS_QN_NO_FINITE_START && res.f == INFINITY);
}

static void test_memory_wraps_many_iterations(void)
{
    /* 40-D ill-conditioned quadratic with m = 3: many updates through the ring buffer */
    const size_t n = 40;
    rec r;
    double x[MAXN] = {0}, lo[MAXN] = {0}, up[MAXN] = {0};
    rec_init(&r, n, 0, lo, up);
    make_spd(n, r.H, 11, 1000.0);
    for (size_t i = 0; i < n; ++i) {
        r.b[i] = cos((double)i);
        x[i] = 0.0;
        lo[i] = -0.02;
        up[i] = 0.02;
    }
    as_qn_options opt;
    as_qn_default_options(&opt);
    opt.m = 3;
    opt.pgtol = 1e-8;
    opt.ftol = 0.0;
    as_qn_result res;
    as_error err;
    AS_CHECK(run(&r, x, lo, up, &opt, &res, &err) == AS_OK);
    check_invariants(&r, x, &res);
    AS_CHECK(res.reason == AS_QN_CONVERGED_PGTOL || res.reason == AS_QN_CONVERGED_FTOL);
    AS_CHECK(pg_norm(&r, x, lo, up) <= 1e-7);
}

static void test_bad_arguments(void)
{
    rec r;
    rec_init(&r, 2, 1, NULL, NULL);
    double x[2] = {0.0, 0.0}, lo[2] = {0.0, 0.0}, up[2] = {1.0, 1.0};
    const size_t lw = as_qn_workspace_size(2, 10);
    double *work = malloc(lw * sizeof *work);
    as_qn_options opt;
    as_qn_result res;
    as_error err;
#define EXPECT_EINVAL(call)                                                                \
    do {                                                                                   \
        as_error_clear(&err);                                                              \
        AS_CHECK((call) == AS_EINVAL);                                                     \
        AS_CHECK(err.code == AS_EINVAL && err.msg[0] != '\0');                             \
    } while (0)
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 0, x, lo, up, NULL, work, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(NULL, &r, 2, x, lo, up, NULL, work, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, NULL, lo, up, NULL, work, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, NULL, work, lw - 1, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, NULL, NULL, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, NULL, work, lw, NULL, &err));
    double lo_bad[2] = {0.0, 2.0};
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo_bad, up, NULL, work, lw, &res, &err));
    AS_CHECK(strstr(err.msg, "lower[1]") != NULL);
    double lo_nan[2] = {NAN, 0.0}, lo_inf[2] = {INFINITY, 0.0}, up_inf[2] = {1.0, -INFINITY};
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo_nan, up, NULL, work, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo_inf, NULL, NULL, work, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, NULL, up_inf, NULL, work, lw, &res, &err));
    double x_nan[2] = {NAN, 0.0}, x_inf[2] = {INFINITY, 0.0};
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x_nan, lo, up, NULL, work, lw, &res, &err));
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x_inf, NULL, NULL, NULL, work, lw, &res, &err));
    as_qn_default_options(&opt);
    opt.m = 0;
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, &opt, work, lw, &res, &err));
    as_qn_default_options(&opt);
    opt.max_fun = 0;
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, &opt, work, lw, &res, &err));
    as_qn_default_options(&opt);
    opt.max_iter = -1;
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, &opt, work, lw, &res, &err));
    as_qn_default_options(&opt);
    opt.pgtol = NAN;
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, &opt, work, lw, &res, &err));
    as_qn_default_options(&opt);
    opt.ftol = -1.0;
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, &opt, work, lw, &res, &err));
    as_qn_default_options(&opt);
    opt.m = 20; /* needs a larger workspace than lw */
    EXPECT_EINVAL(as_qn_minimize(rec_fun, &r, 2, x, lo, up, &opt, work, lw, &res, &err));
    AS_CHECK(r.calls == 0); /* nothing was evaluated */
    AS_CHECK(as_qn_workspace_size((size_t)-1 / 2, 10) == (size_t)-1);
    /* x infinite but clipped by a finite bound is fine */
    double x_big[2] = {INFINITY, -INFINITY};
    as_error_clear(&err);
    AS_CHECK(as_qn_minimize(rec_fun, &r, 2, x_big, lo, up, NULL, work, lw, &res, &err) == AS_OK);
    AS_CHECK(x_big[0] >= 0.0 && x_big[0] <= 1.0);
#undef EXPECT_EINVAL
    free(work);
}

int main(void)
{
    AS_RUN(test_rosenbrock_unbounded);
    AS_RUN(test_rosenbrock_bounded);
    AS_RUN(test_bounded_quadratic_known_solution);
    AS_RUN(test_non_finite_region);
    AS_RUN(test_start_outside_box);
    AS_RUN(test_one_variable);
    AS_RUN(test_degenerate_bounds);
    AS_RUN(test_limits_and_interrupt);
    AS_RUN(test_memory_wraps_many_iterations);
    AS_RUN(test_bad_arguments);
    AS_TEST_EXIT();
}
