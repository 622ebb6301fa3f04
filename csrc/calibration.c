/* calibration.c -- histogram and isotonic calibration (see calibration.h). */
#include "calibration.h"

#include <math.h>

size_t as_hist_bin(const double *edges, size_t n_bins, double x)
{
    /* branch-free binary search for the last of edges[0..n_bins) that is <= x (the selects
     * compile to conditional moves: no mispredicted branches on random scores); below
     * edges[0] and NaN give bin 0, at or beyond edges[n_bins] the last bin */
    const double *base = edges;
    size_t n = n_bins;
    while (n > 1) {
        size_t half = n / 2;
        base = base[half] <= x ? base + half : base;
        n -= half;
    }
    return (size_t)(base - edges);
}

int as_hist_density(const double *s, const double *w, size_t n, const double *edges,
                    size_t n_bins, double pseudo, double *density, as_error *err)
{
    if (n_bins < 1) return as_error_set(err, AS_EINVAL, "bins must be >= 1");
    for (size_t b = 0; b < n_bins; ++b)
        if (!(edges[b + 1] > edges[b]))
            return as_error_set(err, AS_EINVAL, "bin edges must be strictly increasing "
                                "(edges[%zu] = %g, edges[%zu] = %g)", b, edges[b], b + 1,
                                edges[b + 1]);
    if (!(pseudo >= 0.0)) return as_error_set(err, AS_EINVAL, "the pseudo-count must be >= 0");
    for (size_t b = 0; b < n_bins; ++b) density[b] = 0.0;
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double wi = w ? w[i] : 1.0;
        if (!(wi >= 0.0))
            return as_error_set(err, AS_EINVAL, "sample_weight[%zu] = %g is negative", i, wi);
        density[as_hist_bin(edges, n_bins, s[i])] += wi;
        total += wi;
    }
    double norm = total + (double)n_bins * pseudo;
    if (!(norm > 0.0))
        return as_error_set(err, AS_EINVAL, "the histogram has no weight; pass samples with "
                            "positive weights or a positive pseudo-count");
    for (size_t b = 0; b < n_bins; ++b)
        density[b] = (density[b] + pseudo) / norm / (edges[b + 1] - edges[b]);
    return AS_OK;
}

void as_hist_eval(const double *edges, size_t n_bins, const double *values, const double *x,
                  size_t n, double *out)
{
    for (size_t i = 0; i < n; ++i) out[i] = values[as_hist_bin(edges, n_bins, x[i])];
}

void as_hist_log_ratio(const double *edges, size_t n_bins, const double *dens0,
                       const double *dens1, const double *x, size_t n, double *out)
{
    for (size_t i = 0; i < n; ++i) {
        size_t b = as_hist_bin(edges, n_bins, x[i]);
        out[i] = log(dens0[b]) - log(dens1[b]);
    }
}

int as_isotonic_fit(const double *x, const double *y, const double *w, size_t n, double *lo,
                    double *hi, double *xm, double *val, double *wt, size_t *n_blocks,
                    as_error *err)
{
    *n_blocks = 0;
    if (n < 1) return as_error_set(err, AS_EINVAL, "isotonic calibration needs at least one "
                                   "sample");
    /* pool ties into initial blocks; the stack of blocks lives in the output arrays */
    size_t m = 0;
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double wi = w ? w[i] : 1.0;
        if (!(wi >= 0.0))
            return as_error_set(err, AS_EINVAL, "sample_weight[%zu] = %g is negative", i, wi);
        if (i > 0 && !(x[i] >= x[i - 1]))
            return as_error_set(err, AS_EINVAL, "x must be sorted ascending (x[%zu] = %g < "
                                "x[%zu] = %g)", i, x[i], i - 1, x[i - 1]);
        total += wi;
        if (m > 0 && x[i] == hi[m - 1]) {
            /* same x as the current block: pool (weighted sums kept in val/xm for now) */
            val[m - 1] += wi * y[i];
            xm[m - 1] += wi * x[i];
            wt[m - 1] += wi;
            continue;
        }
        lo[m] = hi[m] = x[i];
        val[m] = wi * y[i];
        xm[m] = wi * x[i];
        wt[m] = wi;
        ++m;
    }
    if (!(total > 0.0))
        return as_error_set(err, AS_EINVAL, "the total sample weight is zero");
    /* weighted sums -> means (blocks of zero weight take the plain value) */
    for (size_t j = 0; j < m; ++j) {
        if (wt[j] > 0.0) {
            val[j] /= wt[j];
            xm[j] /= wt[j];
        } else {
            xm[j] = lo[j];
        }
    }
    /* pool adjacent violators, stack-based: blocks [0, k) are monotone */
    size_t k = 0;
    for (size_t j = 0; j < m; ++j) {
        double bl = lo[j], bh = hi[j], bx = xm[j], bv = val[j], bw = wt[j];
        while (k > 0 && val[k - 1] >= bv) {
            double tw = wt[k - 1] + bw;
            if (tw > 0.0) {
                bv = (wt[k - 1] * val[k - 1] + bw * bv) / tw;
                bx = (wt[k - 1] * xm[k - 1] + bw * bx) / tw;
            } else {
                bv = 0.5 * (val[k - 1] + bv);
                bx = 0.5 * (xm[k - 1] + bx);
            }
            bw = tw;
            bl = lo[k - 1];
            --k;
            if (k == 0 || val[k - 1] < bv) break;
        }
        lo[k] = bl;
        hi[k] = bh;
        xm[k] = bx;
        val[k] = bv;
        wt[k] = bw;
        ++k;
    }
    *n_blocks = k;
    return AS_OK;
}

/* linear interpolation of (xs, ys) (n points, xs non-decreasing) at t, clipped outside */
static double interp(const double *xs, const double *ys, size_t n, double t)
{
    if (t <= xs[0]) return ys[0];
    if (t >= xs[n - 1]) return ys[n - 1];
    size_t a = 0, b = n - 1; /* xs[a] <= t < xs[b] */
    while (b - a > 1) {
        size_t mid = a + (b - a) / 2;
        if (t >= xs[mid]) a = mid;
        else b = mid;
    }
    double dx = xs[b] - xs[a];
    return dx > 0.0 ? ys[a] + (ys[b] - ys[a]) * (t - xs[a]) / dx : ys[b];
}

void as_isotonic_predict(const double *lo, const double *hi, const double *xm,
                         const double *val, size_t n_blocks, int mode, const double *x,
                         size_t n, double *out)
{
    if (mode == 1) {
        for (size_t i = 0; i < n; ++i) out[i] = interp(xm, val, n_blocks, x[i]);
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        double t = x[i];
        if (t <= lo[0]) {
            out[i] = val[0];
            continue;
        }
        if (t >= hi[n_blocks - 1]) {
            out[i] = val[n_blocks - 1];
            continue;
        }
        /* last block with lo <= t */
        size_t a = 0, b = n_blocks; /* lo[a] <= t, (b == n_blocks or lo[b] > t) */
        while (b - a > 1) {
            size_t mid = a + (b - a) / 2;
            if (t >= lo[mid]) a = mid;
            else b = mid;
        }
        if (t <= hi[a] || a + 1 >= n_blocks) {
            out[i] = val[a];
        } else {
            double dx = lo[a + 1] - hi[a];
            out[i] = val[a] + (val[a + 1] - val[a]) * (t - hi[a]) / dx;
        }
    }
}
