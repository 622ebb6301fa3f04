/* test_calibration.c -- histogram densities and pool-adjacent-violators (calibration.c):
 * bin lookup at and beyond the edges, normalization with weights and pseudo-counts, the
 * log-ratio of two histograms, PAV against a brute-force monotone least-squares check (KKT
 * conditions), ties, weights, both prediction modes, bad arguments. */
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "calibration.h"
#include "rng.h"

static void test_hist_bin(void)
{
    const double e[5] = {0.0, 1.0, 2.0, 3.0, 4.0};
    AS_CHECK(as_hist_bin(e, 4, -5.0) == 0);
    AS_CHECK(as_hist_bin(e, 4, 0.0) == 0);
    AS_CHECK(as_hist_bin(e, 4, 0.999) == 0);
    AS_CHECK(as_hist_bin(e, 4, 1.0) == 1);
    AS_CHECK(as_hist_bin(e, 4, 2.5) == 2);
    AS_CHECK(as_hist_bin(e, 4, 3.0) == 3);
    AS_CHECK(as_hist_bin(e, 4, 4.0) == 3);
    AS_CHECK(as_hist_bin(e, 4, 1e9) == 3);
    AS_CHECK(as_hist_bin(e, 4, NAN) == 0);
    AS_CHECK(as_hist_bin(e, 1, 7.0) == 0);
}

static void test_hist_density(void)
{
    const double e[4] = {0.0, 1.0, 3.0, 4.0};
    const double s[6] = {0.5, 0.5, 2.0, 2.5, 3.5, -1.0}; /* -1 counts in bin 0 */
    const double w[6] = {1, 1, 2, 2, 1, 1};
    double d[3];
    as_error err;
    AS_CHECK(as_hist_density(s, NULL, 6, e, 3, 0.0, d, &err) == AS_OK);
    AS_CHECK_CLOSE(d[0], 3.0 / 6.0, 1e-15, 0);
    AS_CHECK_CLOSE(d[1], 2.0 / 6.0 / 2.0, 1e-15, 0);
    AS_CHECK_CLOSE(d[2], 1.0 / 6.0, 1e-15, 0);
    AS_CHECK(as_hist_density(s, w, 6, e, 3, 0.5, d, &err) == AS_OK);
    AS_CHECK_CLOSE(d[0], 3.5 / 9.5, 1e-15, 0);
    AS_CHECK_CLOSE(d[1], 4.5 / 9.5 / 2.0, 1e-15, 0);
    double integral = d[0] + 2.0 * d[1] + d[2];
    AS_CHECK_CLOSE(integral, 1.0, 1e-15, 0);
    double lr[2], x[2] = {0.2, 3.9}, d2[3] = {0.25, 0.125, 0.5};
    as_hist_log_ratio(e, 3, d, d2, x, 2, lr);
    AS_CHECK_CLOSE(lr[0], log(d[0] / 0.25), 1e-14, 1e-15);
    AS_CHECK_CLOSE(lr[1], log(d[2] / 0.5), 1e-14, 1e-15);
    double v[2];
    as_hist_eval(e, 3, d2, x, 2, v);
    AS_CHECK(v[0] == 0.25 && v[1] == 0.5);
    /* bad arguments */
    const double bad_e[3] = {0.0, 0.0, 1.0};
    as_error_clear(&err);
    AS_CHECK(as_hist_density(s, NULL, 6, bad_e, 2, 0.0, d, &err) == AS_EINVAL);
    AS_CHECK(strstr(err.msg, "increasing") != NULL);
    const double neg[6] = {1, -1, 1, 1, 1, 1};
    AS_CHECK(as_hist_density(s, neg, 6, e, 3, 0.0, d, &err) == AS_EINVAL);
    AS_CHECK(as_hist_density(s, NULL, 0, e, 3, 0.0, d, &err) == AS_EINVAL);
    AS_CHECK(as_hist_density(s, NULL, 6, e, 0, 0.0, d, &err) == AS_EINVAL);
}

/* expand the blocks back to one fitted value per (sorted) input */
static void expand(const double *lo, const double *hi, const double *val, size_t nb,
                   const double *x, size_t n, double *fit)
{
    size_t j = 0;
    for (size_t i = 0; i < n; ++i) {
        while (j + 1 < nb && x[i] > hi[j]) ++j;
        fit[i] = val[j];
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_pav_optimality(void)
{
    enum { N = 300 };
    double x[N], y[N], w[N], lo[N], hi[N], xm[N], val[N], wt[N], fit[N];
    as_rng r;
    as_rng_init(&r, 5, 0);
    for (size_t i = 0; i < N; ++i) x[i] = floor(40.0 * as_rng_uniform(&r)) / 4.0; /* ties */
    qsort(x, N, sizeof(double), cmp_double);
    for (size_t i = 0; i < N; ++i) {
        y[i] = sin(x[i]) + as_rng_normal(&r);
        w[i] = 0.2 + as_rng_uniform(&r);
    }
    size_t nb = 0;
    as_error err;
    AS_CHECK(as_isotonic_fit(x, y, w, N, lo, hi, xm, val, wt, &nb, &err) == AS_OK);
    AS_CHECK(nb >= 2 && nb < N);
    for (size_t j = 1; j < nb; ++j) {
        AS_CHECK(val[j] > val[j - 1]);
        AS_CHECK(lo[j] > hi[j - 1]);
    }
    expand(lo, hi, val, nb, x, N, fit);
    /* ties share a value */
    for (size_t i = 1; i < N; ++i)
        if (x[i] == x[i - 1]) AS_CHECK(fit[i] == fit[i - 1]);
    /* KKT: each block's value is the weighted mean of its y; partial sums from the block
     * start of w (y - fit) are >= 0 (a prefix of a pooled block has the larger mean, else
     * splitting it would lower the squared error without breaking monotonicity) */
    size_t i = 0;
    double total_w = 0;
    for (size_t j = 0; j < nb; ++j) {
        double sw = 0, swy = 0, partial = 0, minpartial = INFINITY;
        size_t start = i;
        while (i < N && x[i] <= hi[j]) {
            sw += w[i];
            swy += w[i] * y[i];
            partial += w[i] * (y[i] - val[j]);
            if (i + 1 < N && x[i + 1] > x[i] && x[i + 1] <= hi[j])
                minpartial = partial < minpartial ? partial : minpartial;
            ++i;
        }
        AS_CHECK(i > start);
        AS_CHECK_CLOSE(val[j], swy / sw, 1e-12, 1e-12);
        AS_CHECK_CLOSE(wt[j], sw, 1e-12, 0);
        AS_CHECK(minpartial >= -1e-9);
        total_w += sw;
    }
    AS_CHECK(i == N);
    (void)total_w;
}

static void test_pav_known(void)
{
    /* y = 1, 3, 2, 4 -> 1, 2.5, 2.5, 4 */
    const double x[4] = {0, 1, 2, 3}, y[4] = {1, 3, 2, 4};
    double lo[4], hi[4], xm[4], val[4], wt[4], out[5];
    size_t nb;
    as_error err;
    AS_CHECK(as_isotonic_fit(x, y, NULL, 4, lo, hi, xm, val, wt, &nb, &err) == AS_OK);
    AS_CHECK(nb == 3);
    AS_CHECK(val[0] == 1.0 && val[1] == 2.5 && val[2] == 4.0);
    AS_CHECK(lo[1] == 1.0 && hi[1] == 2.0 && xm[1] == 1.5);
    const double t[5] = {-1.0, 0.5, 1.5, 2.5, 9.0};
    as_isotonic_predict(lo, hi, xm, val, nb, 0, t, 5, out);
    AS_CHECK(out[0] == 1.0);
    AS_CHECK_CLOSE(out[1], 1.75, 1e-15, 0); /* between hi[0] = 0 and lo[1] = 1 */
    AS_CHECK(out[2] == 2.5);
    AS_CHECK_CLOSE(out[3], 3.25, 1e-15, 0);
    AS_CHECK(out[4] == 4.0);
    as_isotonic_predict(lo, hi, xm, val, nb, 1, t, 5, out);
    AS_CHECK(out[0] == 1.0);
    AS_CHECK_CLOSE(out[1], 1.0 + 1.5 * 0.5 / 1.5, 1e-15, 0); /* between xm 0 and 1.5 */
    AS_CHECK(out[2] == 2.5);
    AS_CHECK_CLOSE(out[3], 2.5 + 1.5 * 1.0 / 1.5, 1e-15, 0);
    AS_CHECK(out[4] == 4.0);
    /* decreasing data pool into one block at the mean */
    const double yd[4] = {4, 3, 2, 1};
    AS_CHECK(as_isotonic_fit(x, yd, NULL, 4, lo, hi, xm, val, wt, &nb, &err) == AS_OK);
    AS_CHECK(nb == 1 && val[0] == 2.5 && wt[0] == 4.0);
    /* one sample */
    AS_CHECK(as_isotonic_fit(x, y, NULL, 1, lo, hi, xm, val, wt, &nb, &err) == AS_OK);
    AS_CHECK(nb == 1 && val[0] == 1.0);
    as_isotonic_predict(lo, hi, xm, val, nb, 0, t, 5, out);
    AS_CHECK(out[0] == 1.0 && out[4] == 1.0);
}

static void test_pav_bad(void)
{
    const double x[3] = {0, 2, 1}, y[3] = {1, 2, 3}, w0[3] = {0, 0, 0}, wn[3] = {1, -1, 1};
    double lo[3], hi[3], xm[3], val[3], wt[3];
    size_t nb;
    as_error err;
    as_error_clear(&err);
    AS_CHECK(as_isotonic_fit(x, y, NULL, 3, lo, hi, xm, val, wt, &nb, &err) == AS_EINVAL);
    AS_CHECK(strstr(err.msg, "sorted") != NULL);
    const double xs[3] = {0, 1, 2};
    AS_CHECK(as_isotonic_fit(xs, y, w0, 3, lo, hi, xm, val, wt, &nb, &err) == AS_EINVAL);
    AS_CHECK(as_isotonic_fit(xs, y, wn, 3, lo, hi, xm, val, wt, &nb, &err) == AS_EINVAL);
    AS_CHECK(as_isotonic_fit(xs, y, NULL, 0, lo, hi, xm, val, wt, &nb, &err) == AS_EINVAL);
}

int main(void)
{
    AS_RUN(test_hist_bin);
    AS_RUN(test_hist_density);
    AS_RUN(test_pav_optimality);
    AS_RUN(test_pav_known);
    AS_RUN(test_pav_bad);
    AS_TEST_EXIT();
}
