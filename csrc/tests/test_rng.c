/* test_rng.c -- Philox known answers, stream independence and variate moments. */
#include <stdint.h>
#include <string.h>

#include "as_test.h"
#include "rng.h"

static void test_philox_known_answer(void)
{
    /* Random123 known-answer vectors for philox4x64_10 (kat_vectors). */
    uint64_t ctr0[4] = {0, 0, 0, 0}, key0[2] = {0, 0}, out[4];
    as_philox4x64_10(ctr0, key0, out);
    AS_CHECK(out[0] == 0x16554d9eca36314cULL);
    AS_CHECK(out[1] == 0xdb20fe9d672d0fdcULL);
    AS_CHECK(out[2] == 0xd7e772cee186176bULL);
    AS_CHECK(out[3] == 0x7e68b68aec7ba23bULL);
    uint64_t ctr1[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    uint64_t key1[2] = {UINT64_MAX, UINT64_MAX};
    as_philox4x64_10(ctr1, key1, out);
    AS_CHECK(out[0] == 0x87b092c3013fe90bULL);
    AS_CHECK(out[1] == 0x438c3c67be8d0224ULL);
    AS_CHECK(out[2] == 0x9cc7d7c69cd777b6ULL);
    AS_CHECK(out[3] == 0xa09caebf594f0ba0ULL);
}

static void test_streams_reproducible_and_distinct(void)
{
    as_rng a, b, c;
    as_rng_init(&a, 42, 7);
    as_rng_init(&b, 42, 7);
    as_rng_init(&c, 42, 8);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; ++i) {
        uint64_t x = as_rng_next(&a), y = as_rng_next(&b), z = as_rng_next(&c);
        same &= (x == y);
        differ += (x != z);
    }
    AS_CHECK(same);
    AS_CHECK(differ == 1000);
    /* seek: block 3 of the stream equals words 12..15 */
    as_rng_init(&a, 1, 2);
    uint64_t first[16];
    for (int i = 0; i < 16; ++i) first[i] = as_rng_next(&a);
    as_rng_seek(&a, 3);
    for (int i = 12; i < 16; ++i) AS_CHECK(as_rng_next(&a) == first[i]);
}

static void test_variate_moments(void)
{
    as_rng r;
    as_rng_init(&r, 123, 0);
    const int n = getenv("AS_TEST_QUICK") ? 200000 : 2000000;
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0, u1 = 0, u2 = 0, e1 = 0;
    long tail = 0;
    for (int i = 0; i < n; ++i) {
        double z = as_rng_normal(&r);
        s1 += z; s2 += z * z; s3 += z * z * z; s4 += z * z * z * z;
        if (fabs(z) > 3.6541528853610092) ++tail;
        double u = as_rng_uniform(&r);
        if (!(u >= 0.0 && u < 1.0)) AS_CHECK(u >= 0.0 && u < 1.0);
        u1 += u; u2 += u * u;
        e1 += as_rng_exponential(&r);
    }
    double se = 1.0 / sqrt((double)n);
    AS_CHECK_CLOSE(s1 / n, 0.0, 0, 5 * se);
    AS_CHECK_CLOSE(s2 / n, 1.0, 0, 5 * sqrt(2.0) * se);
    AS_CHECK_CLOSE(s3 / n, 0.0, 0, 5 * sqrt(15.0) * se);
    AS_CHECK_CLOSE(s4 / n, 3.0, 0, 5 * sqrt(96.0) * se);
    AS_CHECK_CLOSE(u1 / n, 0.5, 0, 5 * sqrt(1.0 / 12) * se);
    AS_CHECK_CLOSE(u2 / n, 1.0 / 3, 0, 5 * 0.3 * se);
    AS_CHECK_CLOSE(e1 / n, 1.0, 0, 5 * se);
    /* P(|Z| > R) = erfc(R / sqrt 2) = 2.58e-4: the tail sampler is exercised */
    double p = erfc(3.6541528853610092 / sqrt(2.0));
    AS_CHECK_CLOSE((double)tail / n, p, 0, 5 * sqrt(p / n));
}

static void test_bounded_integers(void)
{
    as_rng r;
    as_rng_init(&r, 9, 9);
    long counts[7] = {0};
    const int n = 70000;
    for (int i = 0; i < n; ++i) {
        uint64_t k = as_rng_bounded(&r, 7);
        AS_CHECK(k < 7);
        if (k < 7) ++counts[k];
    }
    for (int k = 0; k < 7; ++k) AS_CHECK_CLOSE((double)counts[k], n / 7.0, 0, 5 * sqrt(n / 7.0));
}

int main(void)
{
    AS_RUN(test_philox_known_answer);
    AS_RUN(test_streams_reproducible_and_distinct);
    AS_RUN(test_variate_moments);
    AS_RUN(test_bounded_integers);
    AS_TEST_EXIT();
}
