/* abc.c -- rejection ABC kernels (see abc.h). */
#include "abc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ summaries */

static const char *as_abc_kind_name(int kind)
{
    switch (kind) {
    case AS_ABC_SUM_MEAN: return "mean";
    case AS_ABC_SUM_VAR: return "variance";
    case AS_ABC_SUM_AUTOCOV: return "autocov";
    case AS_ABC_SUM_AUTOCOV_RAW: return "autocov (uncentred)";
    case AS_ABC_SUM_QUANTILE: return "quantiles";
    case AS_ABC_SUM_HIST: return "histogram";
    case AS_ABC_SUM_IDENTITY: return "identity";
    default: return "unknown";
    }
}

int as_abc_summary_check(const as_abc_summary *items, size_t n_items, size_t n_obs,
                         size_t *n_out, size_t *work_size, as_error *err)
{
    size_t out = 0, work = 0;
    if (n_items == 0)
        return as_error_set(err, AS_EINVAL, "summary: give at least one summary statistic");
    if (n_obs == 0)
        return as_error_set(err, AS_EINVAL, "summary: data sets must hold at least one value");
    for (size_t s = 0; s < n_items; ++s) {
        const as_abc_summary *it = &items[s];
        const char *name = as_abc_kind_name(it->kind);
        if (it->n_param > 0 && it->param == NULL)
            return as_error_set(err, AS_EINVAL, "summary %zu (%s): parameters missing", s, name);
        switch (it->kind) {
        case AS_ABC_SUM_MEAN:
            out += 1;
            break;
        case AS_ABC_SUM_VAR:
            out += 1;
            if (work < n_obs) work = n_obs;
            break;
        case AS_ABC_SUM_AUTOCOV:
        case AS_ABC_SUM_AUTOCOV_RAW:
            if (it->n_param == 0)
                return as_error_set(err, AS_EINVAL, "summary %zu (%s): give at least one lag",
                                    s, name);
            for (size_t j = 0; j < it->n_param; ++j) {
                double k = it->param[j];
                if (!(k >= 0.0 && k == floor(k) && k < (double)n_obs))
                    return as_error_set(err, AS_EINVAL, "summary %zu (%s): lag %g must be an "
                                        "integer in [0, %zu) (the number of observations)",
                                        s, name, k, n_obs);
            }
            out += it->n_param;
            if (it->kind == AS_ABC_SUM_AUTOCOV && work < n_obs) work = n_obs;
            break;
        case AS_ABC_SUM_QUANTILE:
            if (it->n_param == 0)
                return as_error_set(err, AS_EINVAL, "summary %zu (%s): give at least one "
                                    "probability", s, name);
            for (size_t j = 0; j < it->n_param; ++j)
                if (!(it->param[j] >= 0.0 && it->param[j] <= 1.0))
                    return as_error_set(err, AS_EINVAL, "summary %zu (%s): probability %g is "
                                        "outside [0, 1]", s, name, it->param[j]);
            out += it->n_param;
            if (work < 2 * n_obs) work = 2 * n_obs;
            break;
        case AS_ABC_SUM_HIST:
            if (it->n_param < 2)
                return as_error_set(err, AS_EINVAL, "summary %zu (%s): give at least two bin "
                                    "edges", s, name);
            for (size_t j = 0; j < it->n_param; ++j) {
                if (!isfinite(it->param[j]) || (j > 0 && !(it->param[j] > it->param[j - 1])))
                    return as_error_set(err, AS_EINVAL, "summary %zu (%s): edges must be finite "
                                        "and strictly increasing", s, name);
            }
            out += it->n_param - 1;
            break;
        case AS_ABC_SUM_IDENTITY:
            out += n_obs;
            break;
        default:
            return as_error_set(err, AS_EINVAL, "summary %zu: unknown kind %d", s, it->kind);
        }
    }
    if (n_out) *n_out = out;
    if (work_size) *work_size = work;
    return AS_OK;
}

static int as_abc_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    /* NaN last, as numpy sorts */
    if (isnan(x)) return isnan(y) ? 0 : 1;
    if (isnan(y)) return -1;
    return (x > y) - (x < y);
}

/* Ascending sort with NaN last: insertion sort for short rows, qsort otherwise. */
static void as_abc_sort(double *v, size_t n)
{
    if (n <= 32) {
        for (size_t i = 1; i < n; ++i) {
            double x = v[i];
            size_t j = i;
            while (j > 0 && as_abc_cmp_double(&v[j - 1], &x) > 0) {
                v[j] = v[j - 1];
                --j;
            }
            v[j] = x;
        }
        return;
    }
    qsort(v, n, sizeof *v, as_abc_cmp_double);
}

/* Sums and dot products with four accumulators: the additions of a single running sum wait
 * for each other (4 cycles each), four independent ones overlap.  The order is fixed, so results
 * are reproducible. */
static double as_abc_sum(const double *a, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i];
        s1 += a[i + 1];
        s2 += a[i + 2];
        s3 += a[i + 3];
    }
    for (; i < n; ++i) s0 += a[i];
    return (s0 + s1) + (s2 + s3);
}

static double as_abc_dot(const double *a, const double *b, size_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; ++i) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

void as_abc_summarize_row(const as_abc_summary *items, size_t n_items, const double *x,
                          size_t n_obs, double *out, double *work)
{
    double mean = 0.0;
    int have_mean = 0, sorted = 0, centred = 0;
    double *xc = work, *xs = work + n_obs; /* centred copy, sorted copy */
    size_t o = 0;
    for (size_t s = 0; s < n_items; ++s) {
        const as_abc_summary *it = &items[s];
        int needs_mean = it->kind == AS_ABC_SUM_MEAN || it->kind == AS_ABC_SUM_VAR ||
                         it->kind == AS_ABC_SUM_AUTOCOV;
        if (needs_mean && !have_mean) {
            mean = as_abc_sum(x, n_obs) / (double)n_obs;
            have_mean = 1;
        }
        switch (it->kind) {
        case AS_ABC_SUM_MEAN:
            out[o++] = mean;
            break;
        case AS_ABC_SUM_VAR:
            if (!centred) {
                for (size_t t = 0; t < n_obs; ++t) xc[t] = x[t] - mean;
                centred = 1;
            }
            out[o++] = n_obs > 1 ? as_abc_dot(xc, xc, n_obs) / (double)(n_obs - 1) : NAN;
            break;
        case AS_ABC_SUM_AUTOCOV:
        case AS_ABC_SUM_AUTOCOV_RAW: {
            const double *y = x;
            if (it->kind == AS_ABC_SUM_AUTOCOV) {
                if (!centred) {
                    for (size_t t = 0; t < n_obs; ++t) xc[t] = x[t] - mean;
                    centred = 1;
                }
                y = xc;
            }
            for (size_t j = 0; j < it->n_param; ++j) {
                size_t k = (size_t)it->param[j];
                out[o++] = as_abc_dot(y, y + k, n_obs - k) / (double)n_obs;
            }
            break;
        }
        case AS_ABC_SUM_QUANTILE:
            if (!sorted) {
                memcpy(xs, x, n_obs * sizeof *x);
                as_abc_sort(xs, n_obs);
                sorted = 1;
            }
            for (size_t j = 0; j < it->n_param; ++j) {
                double h = (double)(n_obs - 1) * it->param[j];
                size_t lo = (size_t)floor(h);
                if (lo >= n_obs - 1) {
                    out[o++] = xs[n_obs - 1];
                } else {
                    double f = h - (double)lo;
                    out[o++] = xs[lo] + f * (xs[lo + 1] - xs[lo]);
                }
            }
            break;
        case AS_ABC_SUM_HIST: {
            size_t nb = it->n_param - 1;
            const double *e = it->param;
            double *c = out + o;
            for (size_t j = 0; j < nb; ++j) c[j] = 0.0;
            for (size_t t = 0; t < n_obs; ++t) {
                double v = x[t];
                if (!(v >= e[0] && v <= e[nb])) continue; /* also skips NaN */
                size_t lo = 0, hi = nb;                     /* e[lo] <= v < e[hi] */
                while (hi - lo > 1) {
                    size_t mid = lo + (hi - lo) / 2;
                    if (e[mid] <= v) lo = mid;
                    else hi = mid;
                }
                c[lo] += 1.0;
            }
            o += nb;
            break;
        }
        case AS_ABC_SUM_IDENTITY:
            memcpy(out + o, x, n_obs * sizeof *x);
            o += n_obs;
            break;
        default:
            break;
        }
    }
}

int as_abc_summarize(const as_abc_summary *items, size_t n_items, const double *x, size_t n_rows,
                     size_t n_obs, double *out, as_error *err)
{
    size_t n_out, work_size;
    int st = as_abc_summary_check(items, n_items, n_obs, &n_out, &work_size, err);
    if (st != AS_OK) return st;
    double *work = NULL;
    if (work_size > 0 && (work = malloc(work_size * sizeof *work)) == NULL)
        return as_error_set(err, AS_ENOMEM, "cannot allocate %zu doubles of scratch", work_size);
    for (size_t r = 0; r < n_rows; ++r)
        as_abc_summarize_row(items, n_items, x + r * n_obs, n_obs, out + r * n_out, work);
    free(work);
    return AS_OK;
}

void as_abc_distance(const double *S, size_t n, size_t k, const double *s_obs, const double *w,
                     double *out)
{
    for (size_t i = 0; i < n; ++i) {
        const double *r = S + i * k;
        double acc = 0.0;
        if (w) {
            for (size_t j = 0; j < k; ++j) {
                double d = w[j] * (r[j] - s_obs[j]);
                acc += d * d;
            }
        } else {
            for (size_t j = 0; j < k; ++j) {
                double d = r[j] - s_obs[j];
                acc += d * d;
            }
        }
        out[i] = sqrt(acc);
    }
}

/* ------------------------------------------------------------------ the k closest */

void as_abc_heap_init(as_abc_heap *h, size_t cap, double *dist, int64_t *index, size_t *slot)
{
    h->cap = cap;
    h->size = 0;
    h->dist = dist;
    h->index = index;
    h->slot = slot;
}

/* (d1, i1) > (d2, i2) lexicographically */
static inline int as_abc_after(double d1, int64_t i1, double d2, int64_t i2)
{
    return d1 > d2 || (d1 == d2 && i1 > i2);
}

static void as_abc_heap_sift_down(as_abc_heap *h, size_t pos)
{
    double d = h->dist[pos];
    int64_t ix = h->index[pos];
    size_t sl = h->slot[pos];
    for (;;) {
        size_t c = 2 * pos + 1;
        if (c >= h->size) break;
        if (c + 1 < h->size && as_abc_after(h->dist[c + 1], h->index[c + 1], h->dist[c],
                                            h->index[c]))
            ++c;
        if (!as_abc_after(h->dist[c], h->index[c], d, ix)) break;
        h->dist[pos] = h->dist[c];
        h->index[pos] = h->index[c];
        h->slot[pos] = h->slot[c];
        pos = c;
    }
    h->dist[pos] = d;
    h->index[pos] = ix;
    h->slot[pos] = sl;
}

static void as_abc_heap_sift_up(as_abc_heap *h, size_t pos)
{
    double d = h->dist[pos];
    int64_t ix = h->index[pos];
    size_t sl = h->slot[pos];
    while (pos > 0) {
        size_t p = (pos - 1) / 2;
        if (!as_abc_after(d, ix, h->dist[p], h->index[p])) break;
        h->dist[pos] = h->dist[p];
        h->index[pos] = h->index[p];
        h->slot[pos] = h->slot[p];
        pos = p;
    }
    h->dist[pos] = d;
    h->index[pos] = ix;
    h->slot[pos] = sl;
}

size_t as_abc_heap_offer(as_abc_heap *h, const double *d, size_t n, int64_t first_index,
                         const double *theta, size_t p, const double *S, size_t k,
                         double *theta_store, double *s_store)
{
    size_t entered = 0;
    if (h->cap == 0) return 0;
    for (size_t i = 0; i < n; ++i) {
        double di = d[i];
        int64_t ix = first_index + (int64_t)i;
        size_t sl;
        if (isnan(di)) continue;
        if (h->size < h->cap) {
            sl = h->size;
            h->dist[h->size] = di;
            h->index[h->size] = ix;
            h->slot[h->size] = sl;
            ++h->size;
            as_abc_heap_sift_up(h, h->size - 1);
        } else {
            if (!as_abc_after(h->dist[0], h->index[0], di, ix)) continue;
            sl = h->slot[0];
            h->dist[0] = di;
            h->index[0] = ix;
            as_abc_heap_sift_down(h, 0);
        }
        if (theta_store && p) memcpy(theta_store + sl * p, theta + i * p, p * sizeof *theta);
        if (s_store && k) memcpy(s_store + sl * k, S + i * k, k * sizeof *S);
        ++entered;
    }
    return entered;
}

typedef struct {
    double d;
    int64_t i;
    size_t slot;
} as_abc_entry;

static int as_abc_cmp_entry(const void *a, const void *b)
{
    const as_abc_entry *x = a, *y = b;
    if (as_abc_after(x->d, x->i, y->d, y->i)) return 1;
    if (as_abc_after(y->d, y->i, x->d, x->i)) return -1;
    return 0;
}

int as_abc_heap_sorted(const as_abc_heap *h, size_t *order, as_error *err)
{
    if (h->size == 0) return AS_OK;
    as_abc_entry *tmp = malloc(h->size * sizeof *tmp);
    if (tmp == NULL)
        return as_error_set(err, AS_ENOMEM, "cannot allocate %zu entries to sort", h->size);
    for (size_t i = 0; i < h->size; ++i) {
        tmp[i].d = h->dist[i];
        tmp[i].i = h->index[i];
        tmp[i].slot = h->slot[i];
    }
    qsort(tmp, h->size, sizeof *tmp, as_abc_cmp_entry);
    for (size_t i = 0; i < h->size; ++i) order[i] = tmp[i].slot;
    free(tmp);
    return AS_OK;
}

/* ------------------------------------------------------------------ simulators */

/* A fast normal generator for the built-in ABC simulators.  It draws the same Philox4x64-10
 * blocks as as_rng (key (seed, stream), counter = block number), two blocks at a time so the
 * multiplications of independent blocks overlap (and a simulation of ~100 normals wastes at
 * most 15 of the 16 halves of its last pair), and turns each 32-bit half of a word into one
 * normal by the ziggurat of rng.h (the same 256 layers: 8 bits choose the layer, 24 bits the
 * position; the rare wedge and tail tests use further 32-bit words).  Normals therefore have
 * 24-bit (single-precision) resolution, like NumPy's float32 ziggurat, which is far finer than
 * any ABC tolerance, and cost about a quarter of as_rng_normal's time. */
#include "rng_ziggurat.h"

#define AS_ABC_BLOCKS 2
#define AS_ABC_WORDS32 (8 * AS_ABC_BLOCKS)

typedef struct {
    uint64_t key[2];
    uint64_t block; /* next block to generate */
    uint32_t buf[AS_ABC_WORDS32];
    unsigned pos;
} as_abc_stream;

#define AS_PHILOX_M0 0xD2E7470EE14C6C93ULL
#define AS_PHILOX_M1 0xCA5A826395121157ULL
#define AS_PHILOX_W0 0x9E3779B97F4A7C15ULL
#define AS_PHILOX_W1 0xBB67AE8584CAA73BULL

/* Philox4x64-10 of blocks first, ..., first + AS_ABC_BLOCKS - 1 (counter (block, 0, 0, 0)),
 * two blocks at a time in scalar variables, so that the eight words stay in registers and the
 * multiplications of the two blocks overlap. */
#define AS_PHILOX_ROUND(a0, a1, a2, a3, k0, k1)                                          \
    do {                                                                                 \
        __uint128_t p0_ = (__uint128_t)AS_PHILOX_M0 * a0;                                \
        __uint128_t p1_ = (__uint128_t)AS_PHILOX_M1 * a2;                                \
        a0 = (uint64_t)(p1_ >> 64) ^ a1 ^ k0;                                            \
        a1 = (uint64_t)p1_;                                                              \
        a2 = (uint64_t)(p0_ >> 64) ^ a3 ^ k1;                                            \
        a3 = (uint64_t)p0_;                                                              \
    } while (0)

static void as_abc_philox_blocks(uint64_t first, const uint64_t key[2],
                                 uint32_t out[AS_ABC_WORDS32])
{
    for (int j = 0; j < AS_ABC_BLOCKS; j += 2) {
        uint64_t a0 = first + (uint64_t)j, a1 = 0, a2 = 0, a3 = 0;
        uint64_t b0 = first + (uint64_t)j + 1, b1 = 0, b2 = 0, b3 = 0;
        uint64_t k0 = key[0], k1 = key[1];
        for (int round = 0; round < 10; ++round) {
            AS_PHILOX_ROUND(a0, a1, a2, a3, k0, k1);
            AS_PHILOX_ROUND(b0, b1, b2, b3, k0, k1);
            k0 += AS_PHILOX_W0;
            k1 += AS_PHILOX_W1;
        }
        /* each word's low half, then its high half */
        uint64_t w[8] = {a0, a1, a2, a3, b0, b1, b2, b3};
        uint32_t *o = out + 8 * j;
        for (int i = 0; i < 8; ++i) {
            o[2 * i] = (uint32_t)w[i];
            o[2 * i + 1] = (uint32_t)(w[i] >> 32);
        }
    }
}
#undef AS_PHILOX_ROUND

static void as_abc_stream_refill(as_abc_stream *s)
{
    as_abc_philox_blocks(s->block, s->key, s->buf);
    s->block += AS_ABC_BLOCKS;
    s->pos = 0;
}

/* Start at the current block of rng (a fresh as_rng starts at block 0). */
static void as_abc_stream_from_rng(as_abc_stream *s, const as_rng *rng)
{
    s->key[0] = rng->key[0];
    s->key[1] = rng->key[1];
    s->block = rng->ctr[0];
    s->pos = AS_ABC_WORDS32;
}

/* Hand the stream back: rng continues after the last block generated. */
static void as_abc_stream_to_rng(const as_abc_stream *s, as_rng *rng)
{
    as_rng_seek(rng, s->block);
}

static inline uint32_t as_abc_next32(as_abc_stream *s)
{
    if (s->pos >= AS_ABC_WORDS32) as_abc_stream_refill(s);
    return s->buf[s->pos++];
}

static inline double as_abc_uniform_open(as_abc_stream *s)
{
    return ((double)as_abc_next32(s) + 0.5) * 0x1.0p-32;
}

static double as_abc_normal_slow(as_abc_stream *s, int layer, double u)
{
    for (;;) {
        if (layer == 0) { /* Marsaglia's tail beyond R */
            double x, y;
            do {
                x = -log(as_abc_uniform_open(s)) / AS_ZIG_R;
                y = -log(as_abc_uniform_open(s));
            } while (y + y < x * x);
            return u < 0.0 ? -(AS_ZIG_R + x) : AS_ZIG_R + x;
        }
        double x = u * as_zig_x[layer];
        double f0 = exp(-0.5 * (as_zig_x[layer] * as_zig_x[layer] - x * x));
        double f1 = exp(-0.5 * (as_zig_x[layer + 1] * as_zig_x[layer + 1] - x * x));
        if (f1 + as_abc_uniform_open(s) * (f0 - f1) < 1.0) return x;
        uint32_t b = as_abc_next32(s);
        layer = (int)(b & 0xFF);
        u = ((double)(b >> 8) + 0.5) * 0x1.0p-23 - 1.0;
        if (fabs(u) < as_zig_ratio[layer]) return u * as_zig_x[layer];
    }
}

/* The normal of one 32-bit word b: layer = the low 8 bits, u = k 2^-24 with the odd integer
 * k = 2 (b >> 8) - (2^24 - 1) in (-2^24, 2^24), i.e. u = ((b >> 8) + 0.5) 2^-23 - 1 uniform on
 * (-1, 1).  The rectangle test and value use rng_ziggurat.h's integer thresholds and
 * pre-scaled widths, which give bit for bit the same result as |u| < ratio, u x (fewer
 * floating-point operations on the path taken ~99% of the time). */
static inline int as_abc_normal_fast(uint32_t b, double *z, int *layer, int32_t *k)
{
    *layer = (int)(b & 0xFF);
    *k = (int32_t)((b >> 8) << 1) - 0xFFFFFF;
    uint32_t a = (uint32_t)(*k < 0 ? -*k : *k);
    if (a < as_zig_k24[*layer]) {
        *z = (double)*k * as_zig_w24[*layer];
        return 1;
    }
    return 0;
}

static inline double as_abc_normal(as_abc_stream *s)
{
    double z;
    int layer;
    int32_t k;
    if (as_abc_normal_fast(as_abc_next32(s), &z, &layer, &k)) return z;
    return as_abc_normal_slow(s, layer, (double)k * 0x1.0p-24);
}

void as_abc_fill_normal(as_rng *rng, double *out, size_t n)
{
    as_abc_stream s;
    as_abc_stream_from_rng(&s, rng);
    for (size_t i = 0; i < n; ++i) out[i] = as_abc_normal(&s);
    as_abc_stream_to_rng(&s, rng);
}

void as_abc_ma2_simulate(double t1, double t2, size_t n_obs, as_rng *rng, double *out)
{
    as_abc_stream s;
    as_abc_stream_from_rng(&s, rng);
    double e2 = as_abc_normal(&s), e1 = as_abc_normal(&s);
    size_t t = 0;
    while (t < n_obs) {
        if (s.pos >= AS_ABC_WORDS32) as_abc_stream_refill(&s);
        /* the buffered words with the position in a register; the rare slow path draws
         * further words (and may refill), after which the position is re-read */
        unsigned pos = s.pos;
        while (pos < AS_ABC_WORDS32 && t < n_obs) {
            double e0;
            int layer;
            int32_t k;
            if (!as_abc_normal_fast(s.buf[pos++], &e0, &layer, &k)) {
                s.pos = pos;
                e0 = as_abc_normal_slow(&s, layer, (double)k * 0x1.0p-24);
                pos = s.pos;
            }
            out[t++] = e0 + t1 * e1 + t2 * e2;
            e2 = e1;
            e1 = e0;
        }
        s.pos = pos;
    }
    as_abc_stream_to_rng(&s, rng);
}

static int as_abc_ma2_model_simulate(const as_model *m, const double *theta, as_rng *rng,
                                     double *out, double *work, as_error *err)
{
    const as_abc_ma2_config *cfg = m->config;
    if (!(isfinite(theta[0]) && isfinite(theta[1])))
        return as_error_set(err, AS_EINVAL, "MA(2): theta must be finite, got (%g, %g)",
                            theta[0], theta[1]);
    as_abc_ma2_simulate(theta[0], theta[1], cfg->n_obs, rng, out);
    return AS_OK;
}

static int as_abc_gaussian_model_simulate(const as_model *m, const double *theta, as_rng *rng,
                                          double *out, double *work, as_error *err)
{
    const as_abc_gaussian_config *cfg = m->config;
    size_t p = cfg->n_params;
    for (size_t i = 0; i < p; ++i)
        if (!isfinite(theta[i]))
            return as_error_set(err, AS_EINVAL, "Gaussian mean: theta[%zu] = %g is not finite",
                                i, theta[i]);
    size_t n = cfg->n_obs * p;
    as_abc_fill_normal(rng, out, n);
    for (size_t j = 0; j < cfg->n_obs; ++j)
        for (size_t i = 0; i < p; ++i) out[j * p + i] = theta[i] + cfg->sigma * out[j * p + i];
    return AS_OK;
}

int as_abc_model_ma2(as_model *m, const as_abc_ma2_config *cfg, as_error *err)
{
    if (cfg->n_obs == 0)
        return as_error_set(err, AS_EINVAL, "MA(2): n_obs must be >= 1");
    m->name = "ma2";
    m->n_params = 2;
    m->n_outputs = cfg->n_obs;
    m->work_size = 0;
    m->config = cfg;
    m->simulate = as_abc_ma2_model_simulate;
    return AS_OK;
}

int as_abc_model_gaussian(as_model *m, const as_abc_gaussian_config *cfg, as_error *err)
{
    if (cfg->n_obs == 0 || cfg->n_params == 0)
        return as_error_set(err, AS_EINVAL, "Gaussian mean: n_obs and n_params must be >= 1");
    if (!(cfg->sigma > 0.0 && isfinite(cfg->sigma)))
        return as_error_set(err, AS_EINVAL, "Gaussian mean: sigma must be finite and > 0, got %g",
                            cfg->sigma);
    m->name = "gaussian_mean";
    m->n_params = cfg->n_params;
    m->n_outputs = cfg->n_obs * cfg->n_params;
    m->work_size = 0;
    m->config = cfg;
    m->simulate = as_abc_gaussian_model_simulate;
    return AS_OK;
}

/* ------------------------------------------------------------------ fused batch */

size_t as_abc_batch_work_size(const as_model *m, size_t summary_work)
{
    return m->n_outputs + m->work_size + summary_work;
}

int as_abc_run_batch(const as_model *m, const double *theta, size_t n_theta, uint64_t seed,
                     uint64_t first_stream, const as_abc_summary *items, size_t n_items,
                     size_t n_out, double *out, double *work, size_t *n_done,
                     const as_interrupt *intr, as_error *err)
{
    if (n_done) *n_done = 0;
    if (m == NULL || m->simulate == NULL)
        return as_error_set(err, AS_EINVAL, "model is not initialised");
    double *x = work, *mwork = work + m->n_outputs, *swork = mwork + m->work_size;
    for (size_t i = 0; i < n_theta; ++i) {
        if ((i & 4095) == 4095 && as_interrupted(intr)) {
            as_error_set(err, AS_EINTR, "interrupted after %zu of %zu simulations", i, n_theta);
            return AS_EINTR;
        }
        as_rng rng;
        as_rng_init(&rng, seed, first_stream + i);
        const double *th = theta + i * m->n_params;
        int st = m->simulate(m, th, &rng, x, m->work_size ? mwork : NULL, err);
        if (st != AS_OK) {
            char msg[AS_ERRMSG_LEN];
            memcpy(msg, err->msg, sizeof msg);
            msg[sizeof msg - 1] = '\0';
            return as_error_set(err, st, "row %zu of the batch: %s", i, msg);
        }
        as_abc_summarize_row(items, n_items, x, m->n_outputs, out + i * n_out, swork);
        if (n_done) *n_done = i + 1;
    }
    return AS_OK;
}
