/* rng.h -- a counter-based, splittable random number generator (Philox4x64-10).
 *
 * Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11.
 * A stream is identified by (seed, stream): the 128-bit Philox key is (seed, stream) and the
 * 128-bit counter numbers the blocks of 4 x 64 bits.  Any stream, at any block, is reachable in
 * O(1), so work split into numbered tasks (batch b uses stream b) gives results that do not depend
 * on how many threads run the tasks or in which order.  The block function is bit-for-bit that of
 * numpy.random.Philox (tested).
 *
 * Variates: uniform doubles with 53 random bits; standard normals by the ziggurat method
 * (Marsaglia & Tsang 2000, with Doornik's 2005 correction of the layer/sign correlation).
 * An as_rng is a plain value owned by the caller; no global state.
 */
#ifndef AS_RNG_H
#define AS_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t key[2];   /* (seed, stream)                       */
    uint64_t ctr[2];   /* block counter (128-bit, low word first) */
    uint64_t buf[4];   /* the current block                     */
    int pos;           /* next unused word of buf, 4 = empty    */
} as_rng;

/* The Philox4x64-10 bijection: out = philox(ctr, key). */
void as_philox4x64_10(const uint64_t ctr[4], const uint64_t key[2], uint64_t out[4]);

/* A generator positioned at the start of stream `stream` of `seed`. */
void as_rng_init(as_rng *rng, uint64_t seed, uint64_t stream);

/* Position at block `block` (each block is 4 words) of the stream. */
void as_rng_seek(as_rng *rng, uint64_t block);

/* 64 random bits. */
uint64_t as_rng_next(as_rng *rng);

/* Uniform on [0, 1) with 53 random bits. */
double as_rng_uniform(as_rng *rng);

/* Uniform on the open interval (0, 1) (safe for log). */
double as_rng_uniform_open(as_rng *rng);

/* Standard normal. */
double as_rng_normal(as_rng *rng);

/* Exponential with rate 1. */
double as_rng_exponential(as_rng *rng);

/* Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject); n >= 1. */
uint64_t as_rng_bounded(as_rng *rng, uint64_t n);

/* Fill out[0..n) with uniforms on [0, 1) / standard normals. */
void as_rng_fill_uniform(as_rng *rng, double *out, size_t n);
void as_rng_fill_normal(as_rng *rng, double *out, size_t n);

/* A 64-bit mix of (a, b) (SplitMix64 finalizer) for deriving sub-seeds deterministically. */
uint64_t as_rng_mix(uint64_t a, uint64_t b);

#endif /* AS_RNG_H */
