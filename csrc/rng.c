/* rng.c -- Philox4x64-10 and the variates built on it. */
#include "rng.h"

#include <math.h>

#include "rng_ziggurat.h"

#define PHILOX_M0 0xD2E7470EE14C6C93ULL
#define PHILOX_M1 0xCA5A826395121157ULL
#define PHILOX_W0 0x9E3779B97F4A7C15ULL
#define PHILOX_W1 0xBB67AE8584CAA73BULL

static inline void mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    __uint128_t p = (__uint128_t)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}

void as_philox4x64_10(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4])
{
    uint64_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint64_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
        uint64_t hi0, lo0, hi1, lo1;
        if (round > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        mul128(PHILOX_M0, c0, &hi0, &lo0);
        mul128(PHILOX_M1, c2, &hi1, &lo1);
        uint64_t n0 = hi1 ^ c1 ^ k0;
        uint64_t n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

void as_rng_init(as_rng *rng, uint64_t seed, uint64_t stream)
{
    rng->key[0] = seed;
    rng->key[1] = stream;
    as_rng_seek(rng, 0);
}

void as_rng_seek(as_rng *rng, uint64_t block)
{
    rng->ctr[0] = block;
    rng->ctr[1] = 0;
    rng->pos = 4;
}

static void refill(as_rng *rng)
{
    uint64_t c[4] = {rng->ctr[0], rng->ctr[1], 0, 0};
    as_philox4x64_10(c, rng->key, rng->buf);
    if (++rng->ctr[0] == 0) ++rng->ctr[1];
    rng->pos = 0;
}

uint64_t as_rng_next(as_rng *rng)
{
    if (rng->pos >= 4) refill(rng);
    return rng->buf[rng->pos++];
}

double as_rng_uniform(as_rng *rng)
{
    return (double)(as_rng_next(rng) >> 11) * 0x1.0p-53;
}

double as_rng_uniform_open(as_rng *rng)
{
    return ((double)(as_rng_next(rng) >> 12) + 0.5) * 0x1.0p-52;
}

double as_rng_exponential(as_rng *rng)
{
    return -log(as_rng_uniform_open(rng));
}

uint64_t as_rng_bounded(as_rng *rng, uint64_t n)
{
    /* Lemire, "Fast random integer generation in an interval", ACM TOMACS 29 (2019). */
    __uint128_t m = (__uint128_t)as_rng_next(rng) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (__uint128_t)as_rng_next(rng) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

static double normal_tail(as_rng *rng, int negative)
{
    /* Marsaglia (1964): x > R with density proportional to exp(-x^2/2). */
    double x, y;
    do {
        x = -log(as_rng_uniform_open(rng)) / AS_ZIG_R;
        y = -log(as_rng_uniform_open(rng));
    } while (y + y < x * x);
    return negative ? -(AS_ZIG_R + x) : AS_ZIG_R + x;
}

double as_rng_normal(as_rng *rng)
{
    for (;;) {
        uint64_t bits = as_rng_next(rng);
        int layer = (int)(bits & 0xFF);
        /* u uniform on (-1, 1) from the top 53 bits, independent of the layer bits */
        double u = 2.0 * (((double)(bits >> 11) + 0.5) * 0x1.0p-53) - 1.0;
        if (fabs(u) < as_zig_ratio[layer]) return u * as_zig_x[layer];
        if (layer == 0) return normal_tail(rng, u < 0.0);
        double x = u * as_zig_x[layer];
        double f0 = exp(-0.5 * (as_zig_x[layer] * as_zig_x[layer] - x * x));
        double f1 = exp(-0.5 * (as_zig_x[layer + 1] * as_zig_x[layer + 1] - x * x));
        if (f1 + as_rng_uniform(rng) * (f0 - f1) < 1.0) return x;
    }
}

void as_rng_fill_uniform(as_rng *rng, double *out, size_t n)
{
    for (size_t i = 0; i < n; ++i) out[i] = as_rng_uniform(rng);
}

void as_rng_fill_normal(as_rng *rng, double *out, size_t n)
{
    for (size_t i = 0; i < n; ++i) out[i] = as_rng_normal(rng);
}

uint64_t as_rng_mix(uint64_t a, uint64_t b)
{
    uint64_t z = a + 0x9E3779B97F4A7C15ULL * (b + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
