/* abc.h -- the kernels of rejection ABC: built-in summaries, distances, the bounded set of the
 * k closest simulations, the MA(2) and Gaussian-mean simulators, and a fused batch runner.
 *
 * A batch is simulated and summarised row by row: row i of a batch whose first global row is
 * `first_stream` draws from rng stream (seed, first_stream + i), as as_model_simulate_batch
 * does, so results depend neither on how rows are grouped into batches nor on threads.  Each
 * data set is summarised while it is in cache and never stored.
 *
 * Summaries of one data set x[0..n) (Brockwell & Davis 1991 for the autocovariance; Hyndman &
 * Fan 1996 definition 7 for quantiles):
 *   MEAN         x̄
 *   VAR          Σ (x - x̄)² / (n - 1)          (NaN for n = 1)
 *   AUTOCOV      γ̂(k) = Σ_{t<n-k} (x_t - x̄)(x_{t+k} - x̄) / n   for each lag k in param
 *   AUTOCOV_RAW  the same with x̄ replaced by 0
 *   QUANTILE     h = (n - 1) p, x_(⌊h⌋) + (h - ⌊h⌋)(x_(⌊h⌋+1) - x_(⌊h⌋)) for each p in param
 *   HIST         counts in [e_j, e_{j+1}) for the edges e in param (last bin closed); values
 *                outside [e_0, e_m] and NaN are not counted
 *   IDENTITY     the data themselves (n outputs)
 */
#ifndef AS_ABC_H
#define AS_ABC_H

#include <stddef.h>
#include <stdint.h>

#include "as_common.h"
#include "model.h"
#include "rng.h"

enum {
    AS_ABC_SUM_MEAN = 0,
    AS_ABC_SUM_VAR = 1,
    AS_ABC_SUM_AUTOCOV = 2,
    AS_ABC_SUM_AUTOCOV_RAW = 3,
    AS_ABC_SUM_QUANTILE = 4,
    AS_ABC_SUM_HIST = 5,
    AS_ABC_SUM_IDENTITY = 6
};

/* One summary: its kind and parameters (lags as doubles, probabilities, or bin edges). */
typedef struct {
    int kind;
    size_t n_param;
    const double *param;
} as_abc_summary;

/* Check a list of summaries for data sets of n_obs values: kinds known, lags integral in
 * [0, n_obs), probabilities in [0, 1], >= 2 strictly increasing finite edges, n_obs >= 1.
 * Writes the number of outputs per data set and the doubles of scratch that
 * as_abc_summarize_row needs.  AS_EINVAL names the summary and what to change. */
int as_abc_summary_check(const as_abc_summary *items, size_t n_items, size_t n_obs,
                         size_t *n_out, size_t *work_size, as_error *err);

/* Summarise one data set x[0..n_obs) into out[0..n_out) (items checked by
 * as_abc_summary_check; work holds work_size doubles). */
void as_abc_summarize_row(const as_abc_summary *items, size_t n_items, const double *x,
                          size_t n_obs, double *out, double *work);

/* Summarise n_rows data sets (row-major n_rows x n_obs) into out (n_rows x n_out).  Allocates
 * its scratch. */
int as_abc_summarize(const as_abc_summary *items, size_t n_items, const double *x, size_t n_rows,
                     size_t n_obs, double *out, as_error *err);

/* Weighted euclidean distances sqrt(Σ_j (w_j (S_ij - s_j))²) of the n rows of S (n x k) from
 * s_obs; w may be NULL (all ones).  A row with a NaN gives NaN. */
void as_abc_distance(const double *S, size_t n, size_t k, const double *s_obs, const double *w,
                     double *out);

/* ------------------------------------------------------------------ the k closest */

/* A bounded max-heap of the k closest (distance, global index) pairs seen so far, ordered by
 * distance then index (so ties resolve the same way whatever the batch order).  Slot s of the
 * caller's stores holds the row of heap entry whose slot is s; all buffers are the caller's:
 * dist[k], index[k], slot[k] (the heap), and stores of k rows.  Initialise with
 * as_abc_heap_init; `size` counts the entries. */
typedef struct {
    size_t cap, size;
    double *dist;
    int64_t *index;
    size_t *slot;
} as_abc_heap;

void as_abc_heap_init(as_abc_heap *h, size_t cap, double *dist, int64_t *index, size_t *slot);

/* Offer the n rows of a batch: row i has distance d[i] (NaN rows are skipped) and global index
 * first_index + i; a kept row's theta (p values) and summaries (k values) are copied into the
 * stores theta_store (cap x p) and s_store (cap x k) at its slot.  Returns the number of rows
 * that entered the heap. */
size_t as_abc_heap_offer(as_abc_heap *h, const double *d, size_t n, int64_t first_index,
                         const double *theta, size_t p, const double *S, size_t k,
                         double *theta_store, double *s_store);

/* Write the kept entries sorted by (distance, index): order[i] is the store slot of the i-th
 * closest (size entries).  The heap is unchanged.  AS_ENOMEM if the sort buffer fails. */
int as_abc_heap_sorted(const as_abc_heap *h, size_t *order, as_error *err);

/* ------------------------------------------------------------------ simulators */

/* n standard normals from rng's stream (from its current block on, which is advanced past the
 * blocks used): the Philox blocks of as_rng, generated two at a time, each 32-bit half of a
 * word giving one normal by the ziggurat of rng.h with 24-bit resolution (single precision).
 * About 4x faster than as_rng_normal; used by the built-in ABC simulators. */
void as_abc_fill_normal(as_rng *rng, double *out, size_t n);

/* MA(2): x_t = e_t + t1 e_{t-1} + t2 e_{t-2}, e iid N(0, 1) from as_abc_fill_normal's
 * generator (n_obs + 2 normals). */
void as_abc_ma2_simulate(double t1, double t2, size_t n_obs, as_rng *rng, double *out);

typedef struct {
    size_t n_obs;
} as_abc_ma2_config;

/* x_{j, i} = θ_i + σ z (j < n_obs, i < n_params), layout n_obs x n_params row-major. */
typedef struct {
    size_t n_obs, n_params;
    double sigma;
} as_abc_gaussian_config;

/* Build the models (cfg must outlive m).  AS_EINVAL for n_obs or n_params of 0, σ <= 0. */
int as_abc_model_ma2(as_model *m, const as_abc_ma2_config *cfg, as_error *err);
int as_abc_model_gaussian(as_model *m, const as_abc_gaussian_config *cfg, as_error *err);

/* ------------------------------------------------------------------ fused batch */

/* Doubles of scratch as_abc_run_batch needs for model m and the summaries' work_size. */
size_t as_abc_batch_work_size(const as_model *m, size_t summary_work);

/* Simulate row i of theta (n_theta x m->n_params) with stream (seed, first_stream + i) and
 * summarise it into out (n_theta x n_out).  Items must have been checked for
 * n_obs = m->n_outputs.  intr (may be NULL) is polled every 4096 rows; AS_EINTR leaves the rows
 * done so far in out and *n_done set.  AS_EINVAL from the model (θ outside its domain) names the
 * row. */
int as_abc_run_batch(const as_model *m, const double *theta, size_t n_theta, uint64_t seed,
                     uint64_t first_stream, const as_abc_summary *items, size_t n_items,
                     size_t n_out, double *out, double *work, size_t *n_done,
                     const as_interrupt *intr, as_error *err);

#endif /* AS_ABC_H */
