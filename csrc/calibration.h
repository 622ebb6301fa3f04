/* calibration.h -- one-dimensional calibration of classifier scores: histogram densities,
 * isotonic regression (pool-adjacent-violators) and the ratio of calibrated densities.
 *
 * Used by activesci.learning.CalibratedClassifierCV and activesci.ratios: the score s(x) of a
 * classifier separating samples of p0 (label 0) from p1 (label 1) is turned into calibrated
 * class-conditional densities p(s | y) and the likelihood ratio r(x) = p0(s(x)) / p1(s(x))
 * (Cranmer, Pavez & Louppe, arXiv:1506.02169, sec. 3).
 *
 * Assumptions the binding enforces: float64 arrays of the stated sizes, finite values,
 * non-negative weights; `edges` strictly increasing; isotonic inputs sorted by x.
 * Memory is owned by the caller.  No global state.
 */
#ifndef AS_CALIBRATION_H
#define AS_CALIBRATION_H

#include <stddef.h>

#include "as_common.h"

/* Index of the bin of x among n_bins bins with edges[0..n_bins]; values outside the range go
 * to the first or last bin.  Binary search. */
size_t as_hist_bin(const double *edges, size_t n_bins, double x);

/* Weighted histogram density of s (n values, weights w or NULL): density[b] is
 * (count_b + pseudo) / (total + n_bins * pseudo) / width_b, so that it integrates to one.
 * Values outside [edges[0], edges[n_bins]] are counted in the edge bins.  pseudo >= 0 is a
 * per-bin pseudo-count that keeps empty bins from giving zero densities.
 * AS_EINVAL for n_bins < 1, unsorted edges, negative weights or no total weight. */
int as_hist_density(const double *s, const double *w, size_t n, const double *edges,
                    size_t n_bins, double pseudo, double *density, as_error *err);

/* out[i] = values[bin(x[i])] (piecewise-constant lookup). */
void as_hist_eval(const double *edges, size_t n_bins, const double *values, const double *x,
                  size_t n, double *out);

/* out[i] = log(dens0[b] / dens1[b]) with b = bin(x[i]): the calibrated log-ratio; -inf or +inf
 * where a density is zero. */
void as_hist_log_ratio(const double *edges, size_t n_bins, const double *dens0,
                       const double *dens1, const double *x, size_t n, double *out);

/* Isotonic (non-decreasing) least-squares fit of y on x by pool-adjacent-violators
 * (Ayer et al. 1955; Barlow et al. 1972), x sorted ascending, weights w (or NULL).  Ties in x
 * are pooled first (their weighted mean).  The solution is returned as blocks of constant
 * value: lo[j], hi[j] (x range), xm[j] (weighted mean x), val[j], wt[j] (total weight), for
 * j < *n_blocks; each array must hold n entries.  AS_EINVAL for unsorted x, negative weights
 * or a zero total weight. */
int as_isotonic_fit(const double *x, const double *y, const double *w, size_t n, double *lo,
                    double *hi, double *xm, double *val, double *wt, size_t *n_blocks,
                    as_error *err);

/* Evaluate a fitted isotonic function at x (n values) into out.
 * mode 0 ("isotonic"): constant on each block, linear between the end of one block and the
 * start of the next (the interpolation of scikit-learn's IsotonicRegression), clipped outside.
 * mode 1 ("interpolated-isotonic"): linear between the blocks' weighted-mean x, clipped
 * outside -- a continuous, strictly smoother estimate. */
void as_isotonic_predict(const double *lo, const double *hi, const double *xm,
                         const double *val, size_t n_blocks, int mode, const double *x,
                         size_t n, double *out);

#endif /* AS_CALIBRATION_H */
