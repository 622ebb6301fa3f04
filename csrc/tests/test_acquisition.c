/* test_acquisition.c -- acquisition functions (acquisition.c): known values, the stable
 * log-EI against a long-double continued fraction, derivatives against finite differences,
 * and the candidate search + quasi-Newton polish against the GP's own predictions; bad
 * arguments and workspace bounds. */
#include <stdlib.h>
#include <string.h>

#include "acquisition.h"
#include "as_test.h"
#include "gp.h"

static const double INV_SQRT_2PI = 0.39894228040143267794;

static void test_known_values(void)
{
    double v, dm, ds;
    as_acq ei = {AS_ACQ_EI, 1.0, 0.0, 0.0};
    as_acq_point(&ei, 1.0, 2.0, &v, &dm, &ds); /* z = 0: EI = s phi(0) */
    AS_CHECK_CLOSE(v, -2.0 * INV_SQRT_2PI, 1e-15, 0);
    AS_CHECK_CLOSE(dm, 0.5, 1e-15, 0);
    AS_CHECK_CLOSE(ds, -INV_SQRT_2PI, 1e-15, 0);
    as_acq pi = {AS_ACQ_PI, 1.0, 0.0, 0.0};
    as_acq_point(&pi, 1.0, 2.0, &v, NULL, NULL);
    AS_CHECK_CLOSE(v, -0.5, 1e-15, 0);
    as_acq lcb = {AS_ACQ_LCB, 0.0, 0.0, 1.5};
    as_acq_point(&lcb, 0.25, 2.0, &v, &dm, &ds);
    AS_CHECK_CLOSE(v, 0.25 - 3.0, 1e-15, 0);
    AS_CHECK(dm == 1.0 && ds == -1.5);
    as_acq mean = {AS_ACQ_MEAN, 0.0, 0.0, 0.0};
    as_acq_point(&mean, -0.75, 2.0, &v, &dm, &ds);
    AS_CHECK(v == -0.75 && dm == 1.0 && ds == 0.0);
    /* std = 0: the noise-free limits */
    as_acq_point(&ei, 0.25, 0.0, &v, &dm, &ds);
    AS_CHECK_CLOSE(v, -0.75, 1e-15, 0);
    as_acq_point(&ei, 3.0, 0.0, &v, &dm, &ds);
    AS_CHECK(v == 0.0 && ds == 0.0);
    as_acq lei = {AS_ACQ_LOG_EI, 1.0, 0.0, 0.0};
    as_acq_point(&lei, 3.0, 0.0, &v, NULL, NULL);
    AS_CHECK(isinf(v) && v > 0);
    /* xi shifts the incumbent */
    as_acq eix = {AS_ACQ_EI, 1.5, 0.5, 0.0};
    double v2;
    as_acq_point(&eix, 1.0, 2.0, &v2, NULL, NULL);
    as_acq_point(&ei, 1.0, 2.0, &v, NULL, NULL);
    AS_CHECK_CLOSE(v2, v, 1e-15, 0);
}

/* log(z Phi(z) + phi(z)) in long double: direct for z > -4, else the continued fraction
 * with 3000 terms. */
static long double ref_log_h(long double z)
{
    if (z > -4.0L) {
        long double P = 0.5L * erfcl(-z / sqrtl(2.0L));
        long double p = expl(-0.5L * z * z) / sqrtl(2.0L * 3.14159265358979323846L);
        return logl(z * P + p);
    }
    long double t = -z, g = t;
    for (int k = 3000; k >= 2; --k) g = t + (long double)k / g;
    long double c = 1.0L / g;
    return -0.5L * t * t - 0.5L * logl(2.0L * 3.14159265358979323846L) + logl(c) - logl(t + c);
}

static void test_log_h(void)
{
    for (int i = 0; i <= 200; ++i) {
        double z = -1e6 * pow(10.0, -8.0 * i / 200.0); /* -1e6 ... -1e-2 */
        AS_CHECK_CLOSE(as_acq_log_h(z), (double)ref_log_h(z), 2e-14, 0);
    }
    for (int i = 0; i <= 100; ++i) {
        double z = -4.5 + 12.0 * i / 100.0;
        AS_CHECK_CLOSE(as_acq_log_h(z), (double)ref_log_h(z), 2e-14, 1e-15);
    }
    /* continuity at the branch point and monotonicity */
    AS_CHECK(fabs(as_acq_log_h(-4.0 - 1e-12) - as_acq_log_h(-4.0 + 1e-12)) < 1e-9);
    double prev = -INFINITY;
    for (int i = 0; i <= 400; ++i) {
        double z = -60.0 + 70.0 * i / 400.0, h = as_acq_log_h(z);
        AS_CHECK(isfinite(h) && h > prev);
        prev = h;
    }
}

static void test_derivatives(void)
{
    int kinds[] = {AS_ACQ_EI, AS_ACQ_LOG_EI, AS_ACQ_PI, AS_ACQ_LCB, AS_ACQ_MEAN};
    double means[] = {-2.0, -0.3, 0.0, 0.4, 1.7, 6.0, 25.0};
    double stds[] = {0.1, 0.7, 1.0, 2.5};
    for (size_t q = 0; q < 5; ++q) {
        as_acq a = {kinds[q], 0.2, 0.01, 1.3};
        for (size_t i = 0; i < 7; ++i)
            for (size_t j = 0; j < 4; ++j) {
                double mu = means[i], s = stds[j], v, dm, ds, vp, vm;
                as_acq_point(&a, mu, s, &v, &dm, &ds);
                if (!isfinite(v)) continue;
                double h = 1e-6 * (1.0 + fabs(mu));
                as_acq_point(&a, mu + h, s, &vp, NULL, NULL);
                as_acq_point(&a, mu - h, s, &vm, NULL, NULL);
                if (fabs(v) > 1e-280) AS_CHECK_CLOSE(dm, (vp - vm) / (2 * h), 1e-5, 1e-8 * (1 + fabs(v)));
                h = 1e-6 * s;
                as_acq_point(&a, mu, s + h, &vp, NULL, NULL);
                as_acq_point(&a, mu, s - h, &vm, NULL, NULL);
                if (fabs(v) > 1e-280) AS_CHECK_CLOSE(ds, (vp - vm) / (2 * h), 1e-5, 1e-8 * (1 + fabs(v)));
            }
    }
}

static void test_check(void)
{
    as_error err;
    as_acq bad = {7, 0.0, 0.0, 0.0};
    AS_CHECK(as_acq_check(&bad, &err) == AS_EINVAL);
    as_acq neg = {AS_ACQ_LCB, 0.0, 0.0, -1.0};
    AS_CHECK(as_acq_check(&neg, &err) == AS_EINVAL);
    as_acq nan = {AS_ACQ_EI, NAN, 0.0, 0.0};
    AS_CHECK(as_acq_check(&nan, &err) == AS_EINVAL);
    AS_CHECK(as_acq_check(NULL, &err) == AS_EINVAL);
    double m = 0.0, s = 1.0, out;
    AS_CHECK(as_acq_values(&bad, &m, &s, 1, &out, &err) == AS_EINVAL);
}

/* A small fitted GP on [0, 1]^2: k = 1.5 * RBF([0.3, 0.4]), f = sin(5 x0) + x1^2. */
#define N 8
#define D 2
typedef struct {
    as_kernel_node nodes[3];
    double params[3];
    as_kernel k;
    double X[N * D], y[N], noise[N], L[N * N], alpha[N], ym, ys;
    as_gp_model gp;
} small_gp;

static void small_gp_init(small_gp *g)
{
    as_kernel_node nodes[3] = {{AS_KERNEL_PRODUCT, 0, 0}, {AS_KERNEL_CONSTANT, 1, 0},
                               {AS_KERNEL_RBF, 2, 0}};
    memcpy(g->nodes, nodes, sizeof nodes);
    g->params[0] = 1.5;
    g->params[1] = 0.3;
    g->params[2] = 0.4;
    g->k = (as_kernel){3, g->nodes, 3, g->params, D};
    for (size_t i = 0; i < N; ++i) {
        g->X[i * D] = fmod(0.137 + 0.618034 * i, 1.0);
        g->X[i * D + 1] = fmod(0.71 + 0.41421 * i, 1.0);
        g->y[i] = sin(5 * g->X[i * D]) + g->X[i * D + 1] * g->X[i * D + 1];
        g->noise[i] = 1e-8;
    }
    size_t lf = as_gp_fit_workspace_size(&g->k, N, 1);
    double *w = malloc(lf * sizeof(double));
    double lml, jit;
    as_error err;
    AS_CHECK(as_gp_fit(&g->k, g->X, N, g->y, 1, g->noise, 1e-4, g->L, g->alpha, &lml, &jit, w,
                       lf, &err) == AS_OK);
    free(w);
    g->ym = 0.0;
    g->ys = 1.0;
    g->gp = (as_gp_model){&g->k, N, D, 1, g->X, g->L, g->alpha, &g->ym, &g->ys};
}

static void test_optimize(void)
{
    small_gp g;
    small_gp_init(&g);
    const size_t m = 300; /* more than one prediction block */
    double *cand = malloc(m * D * sizeof(double));
    for (size_t i = 0; i < m; ++i) {
        cand[i * D] = fmod(0.05 + 0.7548776662 * i, 1.0);
        cand[i * D + 1] = fmod(0.31 + 0.5698402910 * i, 1.0);
    }
    double ymin = g.y[0];
    for (size_t i = 1; i < N; ++i) ymin = g.y[i] < ymin ? g.y[i] : ymin;
    as_acq acqs[4] = {{AS_ACQ_LOG_EI, ymin, 0.01, 1.96}, {AS_ACQ_PI, ymin, 0.01, 1.96},
                      {AS_ACQ_LCB, ymin, 0.01, 1.96}, {AS_ACQ_MEAN, ymin, 0.0, 0.0}};
    double lo[D] = {0, 0}, up[D] = {1, 1};
    double *mean = malloc(m * sizeof(double)), *std = malloc(m * sizeof(double));
    double *vals = malloc(4 * m * sizeof(double)), xb[4 * D], fb[4];
    double xs[4 * D], fs[4];
    size_t lw = as_acq_optimize_workspace_size(&g.gp, m, 5);
    double *w = malloc(lw * sizeof(double));
    as_error err;
    /* sampling only: the best candidate of each */
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, m, lo, up, NULL, 0, 20, mean, std, vals, xs,
                             fs, w, lw, &err) == AS_OK);
    /* mean and std agree with as_gp_predict */
    size_t lp = as_gp_predict_workspace_size(&g.gp, m, 0);
    double *pw = malloc(lp * sizeof(double)), *pm = malloc(m * sizeof(double)),
           *ps = malloc(m * sizeof(double));
    AS_CHECK(as_gp_predict(&g.gp, cand, m, pm, ps, NULL, pw, lp, &err) == AS_OK);
    for (size_t i = 0; i < m; ++i) {
        AS_CHECK_CLOSE(mean[i], pm[i], 1e-12, 1e-14);
        AS_CHECK_CLOSE(std[i], ps[i], 1e-10, 1e-12);
    }
    for (size_t q = 0; q < 4; ++q) {
        size_t best = 0;
        for (size_t i = 0; i < m; ++i) {
            double v;
            as_acq_point(&acqs[q], mean[i], std[i], &v, NULL, NULL);
            AS_CHECK(v == vals[q * m + i]);
            if (vals[q * m + i] < vals[q * m + best]) best = i;
        }
        AS_CHECK(fs[q] == vals[q * m + best]);
        AS_CHECK(xs[q * D] == cand[best * D] && xs[q * D + 1] == cand[best * D + 1]);
    }
    /* polished: at least as good, inside the box, and f_best is the value at x_best */
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, m, lo, up, NULL, 5, 50, mean, std, vals, xb,
                             fb, w, lw, &err) == AS_OK);
    double pwk[64];
    AS_CHECK(as_gp_predict_grad_workspace_size(&g.gp) <= 64);
    for (size_t q = 0; q < 4; ++q) {
        AS_CHECK(fb[q] <= fs[q]);
        for (size_t j = 0; j < D; ++j) AS_CHECK(xb[q * D + j] >= 0.0 && xb[q * D + j] <= 1.0);
        double mu, sd, dm[D], ds[D], v;
        AS_CHECK(as_gp_predict_grad(&g.gp, xb + q * D, &mu, &sd, dm, ds, pwk, &err) == AS_OK);
        as_acq_point(&acqs[q], mu, sd, &v, NULL, NULL);
        AS_CHECK_CLOSE(v, fb[q], 1e-12, 1e-14);
    }
    /* a fixed coordinate keeps its candidate's value */
    unsigned char fr[D] = {1, 0};
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, m, lo, up, fr, 5, 50, mean, std, vals, xb,
                             fb, w, lw, &err) == AS_OK);
    for (size_t q = 0; q < 4; ++q) {
        int found = 0;
        for (size_t i = 0; i < m; ++i) found |= cand[i * D + 1] == xb[q * D + 1];
        AS_CHECK(found);
    }
    /* bad arguments */
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, 0, lo, up, NULL, 5, 50, mean, std, vals, xb,
                             fb, w, lw, &err) == AS_EINVAL);
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, m, lo, up, NULL, 5, 50, mean, std, vals, xb,
                             fb, w, lw - 1, &err) == AS_EINVAL);
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, NULL, m, lo, up, NULL, 5, 50, mean, std, vals, xb,
                             fb, w, lw, &err) == AS_EINVAL);
    double badlo[D] = {0.5, 0}, badup[D] = {0.4, 1};
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, m, badlo, badup, NULL, 5, 50, mean, std,
                             vals, xb, fb, w, lw, &err) == AS_EINVAL);
    as_acq badk = {9, 0, 0, 0};
    AS_CHECK(as_acq_optimize(&g.gp, &badk, 1, cand, m, lo, up, NULL, 5, 50, mean, std, vals, xb,
                             fb, w, lw, &err) == AS_EINVAL);
    AS_CHECK(as_acq_optimize(&g.gp, acqs, 4, cand, m, lo, up, NULL, 5, -1, mean, std, vals, xb,
                             fb, w, lw, &err) == AS_EINVAL);
    free(cand);
    free(mean);
    free(std);
    free(vals);
    free(w);
    free(pw);
    free(pm);
    free(ps);
}

int main(void)
{
    AS_RUN(test_known_values);
    AS_RUN(test_log_h);
    AS_RUN(test_derivatives);
    AS_RUN(test_check);
    AS_RUN(test_optimize);
    AS_TEST_EXIT();
}
