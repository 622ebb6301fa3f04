/* lhe_number.c -- exact decimal-to-double conversion for the LHE parser (see lhe_number.h). */
#include "lhe_number.h"

#include <stdlib.h>
#include <string.h>

#include "lhe.h"
#include "lhe_pow5.h"

const double as_lhe_pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* ------------------------------------------------------------------ 64 x 64 -> 128 */

static inline uint64_t mul_128(uint64_t a, uint64_t b, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
    __uint128_t r = (__uint128_t)a * b;
    *lo = (uint64_t)r;
    return (uint64_t)(r >> 64);
#else
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

static inline int leading_zeros(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_clzll(x);
#else
    int n = 0;
    while (!(x & (1ULL << 63))) {
        x <<= 1;
        ++n;
    }
    return n;
#endif
}

/* floor(q * log2(10)) for |q| < 1500: 217706 / 2^16 approximates log2(10) closely enough */
static inline int64_t floor_log2_pow10(int64_t q)
{
    int64_t x = 217706 * q;
    return x >= 0 ? x >> 16 : -((-x + 65535) >> 16);
}

int as_lhe_eisel_lemire(uint64_t w, int q, int negative, double *out)
{
    if (w == 0 || q < AS_LHE_POW5_MIN || q > AS_LHE_POW5_MAX) return 0;
    int lz = leading_zeros(w);
    w <<= lz;
    const uint64_t *t = as_lhe_pow5[q - AS_LHE_POW5_MIN];
    uint64_t lo, hi = mul_128(w, t[0], &lo);
    /* 54 bits + rounding bit are needed: the low 9 bits of hi all ones means the truncated
     * table could still carry into them, so add the product with the table's low word */
    if ((hi & 0x1ff) == 0x1ff) {
        uint64_t lo2, hi2 = mul_128(w, t[1], &lo2);
        (void)lo2;
        uint64_t sum = lo + hi2;
        if (sum < lo) ++hi;
        lo = sum;
    }
    if (lo == UINT64_MAX && (q < -27 || q > 55)) return 0; /* cannot decide: strtod */
    int upper = (int)(hi >> 63);
    uint64_t m = hi >> (upper + 9);
    int64_t e2 = floor_log2_pow10(q) + 63 + upper - lz + 1023;
    if (e2 <= 0) return 0; /* subnormal or zero: strtod */
    /* an exact halfway case can only arise for small |q|: round it to even */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << (upper + 9)) == hi)
        m &= ~(uint64_t)1;
    m += m & 1;
    m >>= 1;
    if (m >= (2ULL << 52)) { /* rounding carried into a new bit */
        m = 1ULL << 52;
        ++e2;
    }
    m &= ~(1ULL << 52);
    if (e2 >= 0x7ff) return 0; /* overflow: strtod gives inf and ERANGE */
    uint64_t bits = m | ((uint64_t)e2 << 52) | ((uint64_t)(negative != 0) << 63);
    memcpy(out, &bits, sizeof bits);
    return 1;
}

double as_lhe_slow_number(const char *s, const char **end)
{
    /* strtod on a NUL-terminated copy, with Fortran's D exponent made an E */
    char buf[128];
    size_t n = 0;
    const char *q = s;
    while (*q && !is_space(*q) && *q != '<' && n < sizeof buf - 1) {
        buf[n++] = (*q == 'd' || *q == 'D') ? 'e' : *q;
        ++q;
    }
    buf[n] = '\0';
    char *e = NULL;
    double v = strtod(buf, &e);
    if (e == buf) {
        *end = s;
        return 0.0;
    }
    *end = s + (e - buf);
    return v;
}

double as_lhe_number_rest(const char *s, const char **end, uint64_t w, int64_t exp10,
                          int neg, const char *p)
{
    double v;
    if (exp10 >= AS_LHE_POW5_MIN && exp10 <= AS_LHE_POW5_MAX &&
        as_lhe_eisel_lemire(w, (int)exp10, neg, &v)) {
        *end = p;
        return v;
    }
    return as_lhe_slow_number(s, end);
}

double as_lhe_parse_double(const char *s, const char **end)
{
    return as_lhe_number(s, end, 0);
}
