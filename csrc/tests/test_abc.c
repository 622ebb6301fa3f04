/* test_abc.c -- unit tests of abc.c against plain reference computations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "abc.h"
#include "as_test.h"
#include "rng_ziggurat.h"

static int quick(void)
{
    return getenv("AS_TEST_QUICK") != NULL;
}

/* ---------------------------------------------------------------- plain references */

static double ref_mean(const double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) s += x[i];
    return s / (double)n;
}

static double ref_autocov(const double *x, size_t n, size_t k, int center)
{
    double m = center ? ref_mean(x, n) : 0.0, s = 0.0;
    for (size_t t = 0; t + k < n; ++t) s += (x[t] - m) * (x[t + k] - m);
    return s / (double)n;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double ref_quantile(const double *x, size_t n, double p)
{
    double *s = malloc(n * sizeof *s);
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp);
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    double v = lo + 1 < n ? s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]) : s[n - 1];
    free(s);
    return v;
}

static void test_summaries_match_reference(void)
{
    as_rng rng;
    as_rng_init(&rng, 3, 0);
    double lags[3] = {0, 1, 4}, probs[4] = {0.0, 0.3, 0.5, 1.0}, edges[4] = {-1.0, 0.0, 0.5, 1.0};
    as_abc_summary items[7] = {
        {AS_ABC_SUM_MEAN, 0, NULL},        {AS_ABC_SUM_VAR, 0, NULL},
        {AS_ABC_SUM_AUTOCOV, 3, lags},     {AS_ABC_SUM_AUTOCOV_RAW, 2, lags + 1},
        {AS_ABC_SUM_QUANTILE, 4, probs},   {AS_ABC_SUM_HIST, 4, edges},
        {AS_ABC_SUM_IDENTITY, 0, NULL},
    };
    size_t sizes[] = {5, 7, 33, 101};
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; ++c) {
        size_t n = sizes[c], n_out, ws;
        as_error err;
        as_error_clear(&err);
        AS_CHECK(as_abc_summary_check(items, 7, n, &n_out, &ws, &err) == AS_OK);
        AS_CHECK(n_out == 1 + 1 + 3 + 2 + 4 + 3 + n);
        double *x = malloc(n * sizeof *x), *out = malloc(n_out * sizeof *out);
        double *work = malloc((ws ? ws : 1) * sizeof *work);
        for (size_t i = 0; i < n; ++i) x[i] = as_rng_uniform(&rng) * 2.4 - 1.2;
        x[0] = 1.0; /* on the last edge: counted in the last bin */
        x[1] = 0.0; /* on an inner edge: counted in the bin it opens */
        as_abc_summarize_row(items, 7, x, n, out, work);
        double m = ref_mean(x, n), v = 0.0;
        for (size_t i = 0; i < n; ++i) v += (x[i] - m) * (x[i] - m);
        AS_CHECK_CLOSE(out[0], m, 1e-13, 1e-15);
        AS_CHECK_CLOSE(out[1], v / (double)(n - 1), 1e-13, 1e-15);
        for (int j = 0; j < 3; ++j)
            AS_CHECK_CLOSE(out[2 + j], ref_autocov(x, n, (size_t)lags[j], 1), 1e-12, 1e-15);
        for (int j = 0; j < 2; ++j)
            AS_CHECK_CLOSE(out[5 + j], ref_autocov(x, n, (size_t)lags[1 + j], 0), 1e-12, 1e-15);
        for (int j = 0; j < 4; ++j) AS_CHECK_CLOSE(out[7 + j], ref_quantile(x, n, probs[j]), 0, 0);
        double counts[3] = {0, 0, 0};
        for (size_t i = 0; i < n; ++i) {
            if (x[i] < -1.0 || x[i] > 1.0) continue;
            int b = x[i] < 0.0 ? 0 : (x[i] < 0.5 ? 1 : 2);
            counts[b] += 1.0;
        }
        for (int j = 0; j < 3; ++j) AS_CHECK(out[11 + j] == counts[j]);
        AS_CHECK(memcmp(out + 14, x, n * sizeof *x) == 0);
        free(x);
        free(out);
        free(work);
    }
}

static void test_summary_edge_cases(void)
{
    as_error err;
    size_t n_out, ws;
    double lag5 = 5, lagfrac = 1.5, p_bad = 1.5, bad_edges[2] = {1.0, 1.0};
    as_abc_summary a = {AS_ABC_SUM_AUTOCOV, 1, &lag5};
    AS_CHECK(as_abc_summary_check(&a, 1, 5, &n_out, &ws, &err) == AS_EINVAL);
    AS_CHECK(strstr(err.msg, "lag") != NULL);
    a.param = &lagfrac;
    AS_CHECK(as_abc_summary_check(&a, 1, 5, &n_out, &ws, &err) == AS_EINVAL);
    as_abc_summary q = {AS_ABC_SUM_QUANTILE, 1, &p_bad};
    AS_CHECK(as_abc_summary_check(&q, 1, 5, &n_out, &ws, &err) == AS_EINVAL);
    as_abc_summary h = {AS_ABC_SUM_HIST, 2, bad_edges};
    AS_CHECK(as_abc_summary_check(&h, 1, 5, &n_out, &ws, &err) == AS_EINVAL);
    as_abc_summary u = {42, 0, NULL};
    AS_CHECK(as_abc_summary_check(&u, 1, 5, &n_out, &ws, &err) == AS_EINVAL);
    AS_CHECK(as_abc_summary_check(&u, 0, 5, &n_out, &ws, &err) == AS_EINVAL);
    /* one observation: the variance is NaN, the mean and quantiles are the value */
    double x = 2.5, probs[2] = {0.0, 1.0}, out[4], work[2];
    as_abc_summary items[3] = {{AS_ABC_SUM_MEAN, 0, NULL}, {AS_ABC_SUM_VAR, 0, NULL},
                               {AS_ABC_SUM_QUANTILE, 2, probs}};
    AS_CHECK(as_abc_summary_check(items, 3, 1, &n_out, &ws, &err) == AS_OK && n_out == 4);
    AS_CHECK(ws <= 2);
    as_abc_summarize_row(items, 3, &x, 1, out, work);
    AS_CHECK(out[0] == 2.5 && isnan(out[1]) && out[2] == 2.5 && out[3] == 2.5);
    /* NaN is not counted by the histogram */
    double xs[3] = {0.5, NAN, 1.5}, edges[3] = {0.0, 1.0, 2.0}, c[2];
    as_abc_summary hh = {AS_ABC_SUM_HIST, 3, edges};
    as_abc_summarize_row(&hh, 1, xs, 3, c, NULL);
    AS_CHECK(c[0] == 1.0 && c[1] == 1.0);
}

static void test_distance(void)
{
    double S[6] = {3.0, 4.0, 0.0, 0.0, 1.0, NAN}, s_obs[2] = {0.0, 0.0}, w[2] = {2.0, 0.5}, d[3];
    as_abc_distance(S, 3, 2, s_obs, NULL, d);
    AS_CHECK_CLOSE(d[0], 5.0, 1e-15, 0);
    AS_CHECK(d[1] == 0.0 && isnan(d[2]));
    as_abc_distance(S, 3, 2, s_obs, w, d);
    AS_CHECK_CLOSE(d[0], sqrt(36.0 + 4.0), 1e-15, 0);
}

/* ---------------------------------------------------------------- the k closest */

typedef struct {
    double d;
    int64_t i;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void test_heap_keeps_the_k_closest(void)
{
    enum { N = 2000, K = 37 };
    as_rng rng;
    as_rng_init(&rng, 5, 1);
    static double d[N], theta[N], S[2 * N];
    for (int i = 0; i < N; ++i) {
        d[i] = (double)as_rng_bounded(&rng, 300); /* many ties */
        if (i % 97 == 0) d[i] = NAN;             /* skipped */
        theta[i] = i;
        S[2 * i] = -i;
        S[2 * i + 1] = 2 * i;
    }
    pair ref[N];
    int m = 0;
    for (int i = 0; i < N; ++i)
        if (!isnan(d[i])) ref[m++] = (pair){d[i], i};
    qsort(ref, (size_t)m, sizeof *ref, cmp_pair);
    size_t batch_sizes[3] = {N, 1, 173};
    for (int c = 0; c < 3; ++c) {
        double dist[K], ts[K], ss[2 * K];
        int64_t index[K];
        size_t slot[K], order[K];
        as_abc_heap h;
        as_abc_heap_init(&h, K, dist, index, slot);
        for (size_t b0 = 0; b0 < N; b0 += batch_sizes[c]) {
            size_t nb = b0 + batch_sizes[c] > N ? N - b0 : batch_sizes[c];
            as_abc_heap_offer(&h, d + b0, nb, (int64_t)b0, theta + b0, 1, S + 2 * b0, 2, ts, ss);
        }
        AS_CHECK(h.size == K);
        as_error err;
        AS_CHECK(as_abc_heap_sorted(&h, order, &err) == AS_OK);
        for (int j = 0; j < K; ++j) {
            size_t sl = order[j];
            AS_CHECK(ts[sl] == (double)ref[j].i);
            AS_CHECK(ss[2 * sl] == -(double)ref[j].i && ss[2 * sl + 1] == 2.0 * ref[j].i);
            AS_CHECK(d[ref[j].i] == ref[j].d);
        }
    }
    /* fewer offers than the capacity */
    double dist[K], ts[K];
    int64_t index[K];
    size_t slot[K];
    as_abc_heap h;
    as_abc_heap_init(&h, K, dist, index, slot);
    AS_CHECK(as_abc_heap_offer(&h, d + 1, 10, 1, theta + 1, 1, NULL, 0, ts, NULL) == 10);
    AS_CHECK(h.size == 10);
}

/* ---------------------------------------------------------------- simulators */

static void test_fast_normals(void)
{
    size_t n = quick() ? 200000 : 2000000;
    double *x = malloc(n * sizeof *x);
    as_rng rng;
    as_rng_init(&rng, 11, 4);
    as_abc_fill_normal(&rng, x, n);
    AS_CHECK(rng.ctr[0] > 0); /* the stream advanced */
    double m = 0, m2 = 0, m4 = 0, tail = 0;
    for (size_t i = 0; i < n; ++i) {
        m += x[i];
        m2 += x[i] * x[i];
        m4 += x[i] * x[i] * x[i] * x[i];
        tail += fabs(x[i]) > 3.0;
    }
    m /= n;
    m2 /= n;
    m4 /= n;
    tail /= n;
    double se = 1.0 / sqrt((double)n);
    AS_CHECK(fabs(m) < 5 * se);
    AS_CHECK(fabs(m2 - 1.0) < 5 * sqrt(2.0) * se);
    AS_CHECK(fabs(m4 - 3.0) < 5 * sqrt(96.0) * se);
    double p3 = 0.0026997960632601866; /* P(|Z| > 3) */
    AS_CHECK(fabs(tail - p3) < 5 * sqrt(p3 / n));
    /* same stream -> same values; another stream -> different */
    double a[64], b[64];
    as_rng_init(&rng, 11, 4);
    as_abc_fill_normal(&rng, a, 64);
    AS_CHECK(memcmp(a, x, sizeof a) == 0);
    as_rng_init(&rng, 11, 5);
    as_abc_fill_normal(&rng, b, 64);
    AS_CHECK(memcmp(a, b, sizeof a) != 0);
    free(x);
}

/* The fast generator draws the Philox blocks of rng.h: each 32-bit half of each word, in
 * order, gives one normal; check against as_philox4x64_10 wherever the fast ziggurat path
 * applies (it does for ~99% of the halves). */
static void test_fast_normals_use_the_philox_blocks_of_rng_h(void)
{
    uint64_t key[2] = {123456789, 42};
    as_rng rng;
    as_rng_init(&rng, key[0], key[1]);
    double x[64];
    as_abc_fill_normal(&rng, x, 64);
    int compared = 0, k = 0;
    for (uint64_t block = 0; block < 8 && k < 64; ++block) {
        uint64_t ctr[4] = {block, 0, 0, 0}, w[4];
        as_philox4x64_10(ctr, key, w);
        for (int i = 0; i < 8 && k < 64; ++i) {
            uint32_t b = (uint32_t)(w[i / 2] >> (32 * (i % 2)));
            int layer = (int)(b & 0xFF);
            double u = ((double)(b >> 8) + 0.5) * 0x1.0p-23 - 1.0;
            if (!(fabs(u) < as_zig_ratio[layer])) goto done; /* slow path: stop comparing */
            AS_CHECK(x[k] == u * as_zig_x[layer]);
            ++compared;
            ++k;
        }
    }
done:
    AS_CHECK(compared >= 8);
}

static void test_ma2_autocovariances(void)
{
    size_t n = quick() ? 100000 : 1000000;
    double *x = malloc(n * sizeof *x);
    double t1 = 0.6, t2 = 0.2;
    as_rng rng;
    as_rng_init(&rng, 2, 0);
    as_abc_ma2_simulate(t1, t2, n, &rng, x);
    double g0 = 1 + t1 * t1 + t2 * t2, g1 = t1 * (1 + t2), g2 = t2;
    /* standard errors of sample autocovariances of an MA(2) are O(1/sqrt(n)) with a constant
     * below 3 for these values (Bartlett's formula) */
    double tol = 5 * 3.0 / sqrt((double)n);
    AS_CHECK(fabs(ref_autocov(x, n, 0, 0) - g0) < tol);
    AS_CHECK(fabs(ref_autocov(x, n, 1, 0) - g1) < tol);
    AS_CHECK(fabs(ref_autocov(x, n, 2, 0) - g2) < tol);
    AS_CHECK(fabs(ref_autocov(x, n, 3, 0)) < tol);
    free(x);
}

static int poll_always(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_run_batch_streams_and_interrupt(void)
{
    as_abc_ma2_config cfg = {50};
    as_model m;
    as_error err;
    AS_CHECK(as_abc_model_ma2(&m, &cfg, &err) == AS_OK);
    enum { R = 5000 };
    static double theta[2 * R], out[2 * R], out2[2 * R];
    for (int i = 0; i < R; ++i) {
        theta[2 * i] = 0.5 * sin(i);
        theta[2 * i + 1] = 0.3 * cos(i);
    }
    double lags[2] = {1, 2};
    as_abc_summary it = {AS_ABC_SUM_AUTOCOV_RAW, 2, lags};
    size_t n_out, ws, done;
    AS_CHECK(as_abc_summary_check(&it, 1, m.n_outputs, &n_out, &ws, &err) == AS_OK);
    double *work = malloc(as_abc_batch_work_size(&m, ws) * sizeof *work);
    AS_CHECK(as_abc_run_batch(&m, theta, R, 9, 100, &it, 1, n_out, out, work, &done, NULL,
                              &err) == AS_OK);
    AS_CHECK(done == R);
    /* the second half alone, with its first stream, gives the same rows */
    AS_CHECK(as_abc_run_batch(&m, theta + R, R / 2, 9, 100 + R / 2, &it, 1, n_out, out2, work,
                              &done, NULL, &err) == AS_OK);
    AS_CHECK(memcmp(out2, out + R, (R / 2) * 2 * sizeof *out) == 0);
    /* the summaries are those of the simulated series */
    as_rng rng;
    double x[50];
    as_rng_init(&rng, 9, 100 + 7);
    as_abc_ma2_simulate(theta[14], theta[15], 50, &rng, x);
    AS_CHECK_CLOSE(out[14], ref_autocov(x, 50, 1, 0), 1e-12, 1e-15);
    AS_CHECK_CLOSE(out[15], ref_autocov(x, 50, 2, 0), 1e-12, 1e-15);
    /* interruption: the rows done are kept */
    as_interrupt intr = {poll_always, NULL};
    memset(out2, 0, sizeof out2);
    AS_CHECK(as_abc_run_batch(&m, theta, R, 9, 100, &it, 1, n_out, out2, work, &done, &intr,
                              &err) == AS_EINTR);
    AS_CHECK(done == 4095);
    AS_CHECK(memcmp(out2, out, done * 2 * sizeof *out) == 0);
    /* a non-finite theta is an error naming the row */
    theta[2 * 3] = NAN;
    AS_CHECK(as_abc_run_batch(&m, theta, 10, 9, 0, &it, 1, n_out, out2, work, &done, NULL,
                              &err) == AS_EINVAL);
    AS_CHECK(strstr(err.msg, "row 3") != NULL && done == 3);
    free(work);
}

static void test_gaussian_model(void)
{
    as_abc_gaussian_config cfg = {4000, 2, 0.5};
    as_model m;
    as_error err;
    AS_CHECK(as_abc_model_gaussian(&m, &cfg, &err) == AS_OK);
    AS_CHECK(m.n_outputs == 8000 && m.n_params == 2);
    double theta[2] = {1.0, -3.0}, *x = malloc(8000 * sizeof *x);
    as_rng rng;
    as_rng_init(&rng, 1, 1);
    AS_CHECK(m.simulate(&m, theta, &rng, x, NULL, &err) == AS_OK);
    double s0 = 0, s1 = 0, v0 = 0;
    for (int j = 0; j < 4000; ++j) {
        s0 += x[2 * j];
        s1 += x[2 * j + 1];
    }
    s0 /= 4000;
    s1 /= 4000;
    for (int j = 0; j < 4000; ++j) v0 += (x[2 * j] - s0) * (x[2 * j] - s0);
    v0 /= 3999;
    AS_CHECK(fabs(s0 - 1.0) < 5 * 0.5 / sqrt(4000.0));
    AS_CHECK(fabs(s1 + 3.0) < 5 * 0.5 / sqrt(4000.0));
    AS_CHECK(fabs(v0 - 0.25) < 5 * 0.25 * sqrt(2.0 / 4000));
    as_abc_gaussian_config bad = {10, 1, 0.0};
    AS_CHECK(as_abc_model_gaussian(&m, &bad, &err) == AS_EINVAL);
    as_abc_ma2_config bad2 = {0};
    AS_CHECK(as_abc_model_ma2(&m, &bad2, &err) == AS_EINVAL);
    free(x);
}

int main(void)
{
    AS_RUN(test_summaries_match_reference);
    AS_RUN(test_summary_edge_cases);
    AS_RUN(test_distance);
    AS_RUN(test_heap_keeps_the_k_closest);
    AS_RUN(test_fast_normals);
    AS_RUN(test_fast_normals_use_the_philox_blocks_of_rng_h);
    AS_RUN(test_ma2_autocovariances);
    AS_RUN(test_run_batch_streams_and_interrupt);
    AS_RUN(test_gaussian_model);
    AS_TEST_EXIT();
}
