/* vmath.h -- branch-free elementary functions that compilers vectorize.
 *
 * Kernel matrices spend their time in exp() of every pair; glibc's exp is a scalar call that
 * blocks vectorization of the surrounding loop.  as_exp below is a Cody-Waite range reduction
 * x = n ln2 + r, |r| <= ln2/2, and a degree-13 Taylor polynomial for e^r (truncation error
 * below 4e-18), scaled by 2^n built in the exponent bits: about 1 ulp, no branches, so loops
 * over it run in SIMD lanes.  Arguments below -708 return 0 (the true value is < 3e-308).
 */
#ifndef AS_VMATH_H
#define AS_VMATH_H

#include <stdint.h>
#include <string.h>

/* Hot loops are compiled for AVX-512, AVX2+FMA and baseline x86-64, chosen at load time
 * (GCC function multiversioning); elsewhere they are plain functions.  Build with -fno-trapping-
 * math so that the selects below if-convert and the loops vectorize. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(AS_NO_CLONES)
#define AS_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define AS_SIMD_CLONES
#endif

static inline double as_exp(double x)
{
    const double log2e = 1.4426950408889634074;
    const double ln2_hi = 6.93147180369123816490e-01;
    const double ln2_lo = 1.90821492927058770002e-10;
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52: rounds to an integer */
    double xc = x < -708.0 ? -708.0 : (x > 709.0 ? 709.0 : x);
    double t = xc * log2e + shifter;
    double n = t - shifter;
    double r = (xc - n * ln2_hi) - n * ln2_lo;
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    /* the low bits of t hold n; shift it into the exponent field (n + 1023) << 52 */
    uint64_t sb = (tb + 1023u) << 52;
    double scale;
    memcpy(&scale, &sb, sizeof scale);
    double out = p * scale;
    return x < -708.0 ? 0.0 : out;
}

#endif /* AS_VMATH_H */
