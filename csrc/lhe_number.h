/* lhe_number.h -- exact decimal-to-double conversion used by the LHE parser (internal).
 *
 * as_lhe_number(s, &end, padded) parses [+-]digits[.digits][(e|E|d|D)[+-]digits] and returns
 * the double nearest to it (ties to even): bit for bit what strtod returns for the same text
 * (with a Fortran D exponent read as E).  Three tiers: Clinger's exact fast path (mantissa
 * <= 2^53, |power of ten| <= 22), the Eisel-Lemire 128-bit product (<= 19 significant digits;
 * Lemire, Software: Practice and Experience 51 (2021) 1700), and strtod for what neither can
 * decide (more than 19 significant digits, subnormals, overflow, nan/inf spellings).
 * padded != 0 promises that 8 bytes may be read from any position of the NUL-terminated
 * string, including past its terminator (the parser's line buffers keep 16 zero bytes of
 * padding); digits are then converted 8 at a time. */
#ifndef AS_LHE_NUMBER_H
#define AS_LHE_NUMBER_H

#include <stddef.h>
#include <stdint.h>

#include <string.h>

/* out-of-line tiers: strtod (with D exponents), and Eisel-Lemire then strtod */
double as_lhe_slow_number(const char *s, const char **end);
double as_lhe_number_rest(const char *s, const char **end, uint64_t w, int64_t exp10, int neg,
                          const char *p);
extern const double as_lhe_pow10_exact[23];

static inline int as_lhe_is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* ------------------------------------------------------------------ digits */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define AS_LHE_SWAR 1
static inline uint64_t as_lhe_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline int as_lhe_all_digits8(uint64_t v)
{
    return ((v & 0xf0f0f0f0f0f0f0f0ULL) |
            (((v + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) >> 4)) ==
           0x3333333333333333ULL;
}

static inline int as_lhe_ctz(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(x);
#else
    int n = 0;
    while (!(x & 1)) {
        x >>= 1;
        ++n;
    }
    return n;
#endif
}

static const uint64_t as_lhe_pow10_u64[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};

/* eight ASCII digits (first digit in the lowest byte) to their value */
static inline uint64_t as_lhe_digits8(uint64_t v)
{
    v -= 0x3030303030303030ULL;
    v = v * 10 + (v >> 8); /* pairs */
    v = (((v & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
         (((v >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >> 32;
    return v & 0xffffffffu;
}
#else
#define AS_LHE_SWAR 0
#endif

static inline double as_lhe_number(const char *s, const char **end, int padded)
{
    const char *p = s;
    int neg = 0;
    if (*p == '+' || *p == '-') neg = (*p++ == '-');
    const char *first = p;
    uint64_t w = 0; /* wraps when there are more than 19 digits: checked below */
    if (as_lhe_is_digit(p[0]) && p[1] == '.') { /* the usual d.ddd: no loop */
        w = (uint64_t)(p[0] - '0');
        ++p;
    } else {
        while (as_lhe_is_digit(*p)) w = w * 10 + (uint64_t)(*p++ - '0');
    }
    int64_t n_digits = p - first, n_frac = 0;
    if (*p == '.') {
        const char *f = ++p;
#if AS_LHE_SWAR
        if (padded) {
            uint64_t v;
            while (as_lhe_all_digits8(v = as_lhe_load8(p))) {
                w = w * 100000000u + as_lhe_digits8(v);
                p += 8;
            }
            /* the last 0-7 digits at once: find the first byte that is not a digit (no carry
             * can reach it from the digit bytes below), shift the digits to the top and fill
             * the bytes below with '0' */
            uint64_t x = ((v & 0xf0f0f0f0f0f0f0f0ULL) |
                          (((v + 0x0606060606060606ULL) & 0xf0f0f0f0f0f0f0f0ULL) >> 4)) ^
                         0x3333333333333333ULL;
            int k = as_lhe_ctz(x) >> 3;
            if (k > 0) {
                uint64_t t = (v << (8 * (8 - k))) | (0x3030303030303030ULL >> (8 * k));
                w = w * as_lhe_pow10_u64[k] + as_lhe_digits8(t);
                p += k;
            }
        } else
#endif
            while (as_lhe_is_digit(*p)) w = w * 10 + (uint64_t)(*p++ - '0');
        n_frac = p - f;
        n_digits += n_frac;
    }
    if (n_digits == 0) return as_lhe_slow_number(s, end); /* nan, inf, or not a number */
    int64_t exp10 = -n_frac;
    if (*p == 'e' || *p == 'E' || *p == 'd' || *p == 'D') {
        const char *q = p + 1;
        int eneg = 0;
        int64_t e = 0;
        if (*q == '+' || *q == '-') eneg = (*q++ == '-');
        const char *e0 = q;
        if (as_lhe_is_digit(q[0]) && as_lhe_is_digit(q[1]) && !as_lhe_is_digit(q[2])) {
            e = (q[0] - '0') * 10 + (q[1] - '0'); /* the usual two exponent digits */
            q += 2;
        } else {
            for (; as_lhe_is_digit(*q); ++q)
                if (e < 100000) e = e * 10 + (*q - '0');
        }
        if (q > e0) { /* an exponent letter without digits ends the number before it */
            exp10 += eneg ? -e : e;
            p = q;
        }
    }
    if (*p == '.' || as_lhe_is_digit(*p)) return as_lhe_slow_number(s, end);
    if (n_digits > 19) {
        /* leading zeros do not count; more than 19 significant digits go to strtod */
        const char *q = first;
        while (*q == '0' || *q == '.') n_digits -= (*q++ == '0');
        if (n_digits > 19) return as_lhe_slow_number(s, end);
    }
    *end = p;
    if (w == 0) return neg ? -0.0 : 0.0;
    if (w <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger: both operands exact, so one correctly rounded operation */
        double v = (double)w;
        v = exp10 >= 0 ? v * as_lhe_pow10_exact[exp10] : v / as_lhe_pow10_exact[-exp10];
        return neg ? -v : v;
    }
    return as_lhe_number_rest(s, end, w, exp10, neg, p);
}


/* The Eisel-Lemire step on its own (for tests): returns 1 and the correctly rounded
 * w * 10^q in *out when it can decide it, 0 when the caller must fall back to strtod. */
int as_lhe_eisel_lemire(uint64_t w, int q, int negative, double *out);

#endif /* AS_LHE_NUMBER_H */
