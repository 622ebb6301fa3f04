/* kernels.c -- covariance functions: matrices, diagonals, and derivatives folded pair by pair.
 *
 * Two evaluation paths share the leaf formulas:
 *  - matrices (K for fit/predict) are evaluated node by node: a stationary leaf first writes
 *    scaled squared distances for a whole block (a loop the compiler vectorizes), then maps
 *    them through its profile; sums and products combine child blocks.  A constant child only
 *    scales/shifts its sibling and a white-noise child only touches the diagonal, so the usual
 *    ConstantKernel * Matern + WhiteKernel needs no temporary matrix at all.
 *  - derivatives are evaluated pair by pair through the tree (value and the gradient of every
 *    parameter of the subtree), and folded into the caller's reduction immediately, so nothing
 *    of size n x n x P is ever stored unless the caller asks for that tensor explicitly.
 */
#include "kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmath.h"

#define SQRT3 1.7320508075688772935
#define SQRT5 2.2360679774997896964
#define AS_PI 3.14159265358979323846

typedef struct {
    size_t node;
    size_t param;
} cursor;

static int is_op(int type)
{
    return type == AS_KERNEL_SUM || type == AS_KERNEL_PRODUCT;
}

/* ------------------------------------------------------------------ validation */

int as_kernel_check(const as_kernel *k, as_error *err)
{
    if (k == NULL || k->nodes == NULL || k->n_nodes == 0)
        return as_error_set(err, AS_EINVAL, "kernel is empty");
    if (k->d == 0) return as_error_set(err, AS_EINVAL, "X must have at least one feature");
    size_t pending = 1, nparams = 0, i;
    for (i = 0; i < k->n_nodes && pending > 0; ++i) {
        const as_kernel_node *nd = &k->nodes[i];
        --pending;
        int expected;
        switch (nd->type) {
        case AS_KERNEL_SUM:
        case AS_KERNEL_PRODUCT: expected = 0; pending += 2; break;
        case AS_KERNEL_CONSTANT:
        case AS_KERNEL_WHITE:
        case AS_KERNEL_DOT: expected = 1; break;
        case AS_KERNEL_RQ:
        case AS_KERNEL_EXPSINE: expected = 2; break;
        case AS_KERNEL_RBF:
        case AS_KERNEL_MATERN:
            expected = (nd->n_params == 1) ? 1 : (int)k->d;
            if (nd->n_params != 1 && (size_t)nd->n_params != k->d)
                return as_error_set(err, AS_EINVAL,
                                    "kernel length_scale has %d entries but X has %zu features; "
                                    "give one length scale or one per feature",
                                    nd->n_params, k->d);
            break;
        default: return as_error_set(err, AS_EINVAL, "unknown kernel node type %d", nd->type);
        }
        if (nd->n_params != expected)
            return as_error_set(err, AS_EINVAL, "kernel node %zu has %d parameters, expected %d",
                                i, nd->n_params, expected);
        if (nd->type == AS_KERNEL_MATERN && nd->nu != 0.5 && nd->nu != 1.5 && nd->nu != 2.5)
            return as_error_set(err, AS_EINVAL,
                                "Matern nu=%g is not supported; use 0.5, 1.5, 2.5 or inf (RBF)",
                                nd->nu);
        nparams += (size_t)nd->n_params;
    }
    if (pending != 0 || i != k->n_nodes)
        return as_error_set(err, AS_EINVAL, "kernel tree is malformed (%zu nodes)", k->n_nodes);
    if (nparams != k->n_params)
        return as_error_set(err, AS_EINVAL, "kernel has %zu parameters, nodes declare %zu",
                            k->n_params, nparams);
    for (size_t p = 0; p < nparams; ++p) {
        if (!(k->params[p] > 0.0) || !isfinite(k->params[p]))
            return as_error_set(err, AS_EINVAL,
                                "kernel hyperparameter %zu is %g; every hyperparameter must be "
                                "positive and finite", p, k->params[p]);
    }
    return AS_OK;
}

/* ------------------------------------------------------------------ one pair: value + log-gradient */

/* Squared distance, plain or scaled by per-dimension (ARD) or shared length scales. */
static double sqdist(const double *x, const double *y, size_t d, const double *ls, int nls)
{
    double r2 = 0.0;
    if (ls == NULL) {
        for (size_t a = 0; a < d; ++a) {
            double t = x[a] - y[a];
            r2 += t * t;
        }
    } else if (nls == 1) {
        for (size_t a = 0; a < d; ++a) {
            double t = x[a] - y[a];
            r2 += t * t;
        }
        r2 /= ls[0] * ls[0];
    } else {
        for (size_t a = 0; a < d; ++a) {
            double t = (x[a] - y[a]) / ls[a];
            r2 += t * t;
        }
    }
    return r2;
}

/* For a stationary leaf with length scales: value, and the factor h such that
 * dK/dlog l_a = h * D_a where D_a = ((x_a - y_a)/l_a)^2 (isotropic: dK/dlog l = h * r2). */
static double profile_and_h(const as_kernel_node *nd, double r2, double *h)
{
    switch (nd->type) {
    case AS_KERNEL_RBF: {
        double v = exp(-0.5 * r2);
        *h = v;
        return v;
    }
    case AS_KERNEL_MATERN: {
        double r = sqrt(r2);
        if (nd->nu == 0.5) {
            double e = exp(-r);
            *h = r > 0.0 ? e / r : 0.0;
            return e;
        } else if (nd->nu == 1.5) {
            double e = exp(-SQRT3 * r);
            *h = 3.0 * e;
            return (1.0 + SQRT3 * r) * e;
        } else {
            double e = exp(-SQRT5 * r);
            *h = (5.0 / 3.0) * (1.0 + SQRT5 * r) * e;
            return (1.0 + SQRT5 * r + (5.0 / 3.0) * r2) * e;
        }
    }
    default: *h = 0.0; return 0.0;
    }
}

static double leaf_pair(const as_kernel_node *nd, const double *p, const double *x,
                        const double *y, size_t d, int same, double *g)
{
    switch (nd->type) {
    case AS_KERNEL_CONSTANT:
        if (g) g[0] = p[0];
        return p[0];
    case AS_KERNEL_WHITE: {
        double v = same ? p[0] : 0.0;
        if (g) g[0] = v;
        return v;
    }
    case AS_KERNEL_DOT: {
        double v = p[0] * p[0];
        for (size_t a = 0; a < d; ++a) v += x[a] * y[a];
        if (g) g[0] = 2.0 * p[0] * p[0];
        return v;
    }
    case AS_KERNEL_RBF:
    case AS_KERNEL_MATERN: {
        double r2 = sqdist(x, y, d, p, nd->n_params), h;
        double v = profile_and_h(nd, r2, &h);
        if (g) {
            if (nd->n_params == 1) {
                g[0] = h * r2;
            } else {
                for (size_t a = 0; a < d; ++a) {
                    double t = (x[a] - y[a]) / p[a];
                    g[a] = h * t * t;
                }
            }
        }
        return v;
    }
    case AS_KERNEL_RQ: { /* params [alpha, length_scale] */
        double a = p[0], l = p[1];
        double d2 = sqdist(x, y, d, NULL, 0);
        double base = 1.0 + d2 / (2.0 * a * l * l);
        double v = pow(base, -a);
        if (g) {
            g[0] = v * (-a * log(base) + d2 / (2.0 * l * l * base));
            g[1] = d2 / (l * l) * v / base;
        }
        return v;
    }
    case AS_KERNEL_EXPSINE: { /* params [length_scale, periodicity] */
        double l = p[0], per = p[1];
        double dist = sqrt(sqdist(x, y, d, NULL, 0));
        double arg = AS_PI * dist / per;
        double s = sin(arg), c = cos(arg);
        double v = exp(-2.0 * s * s / (l * l));
        if (g) {
            g[0] = 4.0 * s * s / (l * l) * v;
            g[1] = 4.0 * arg * s * c / (l * l) * v;
        }
        return v;
    }
    default: return 0.0;
    }
}

/* Value of the subtree at the cursor for the pair (x, y), and (if g) d value / dlog param for
 * every parameter of the subtree, written at g[param index]. */
static double pair_rec(const as_kernel *k, cursor *c, const double *x, const double *y, int same,
                       double *g)
{
    const as_kernel_node *nd = &k->nodes[c->node++];
    if (is_op(nd->type)) {
        size_t p0 = c->param;
        double vl = pair_rec(k, c, x, y, same, g);
        size_t p1 = c->param;
        double vr = pair_rec(k, c, x, y, same, g);
        if (nd->type == AS_KERNEL_SUM) return vl + vr;
        if (g) {
            size_t p2 = c->param;
            for (size_t q = p0; q < p1; ++q) g[q] *= vr;
            for (size_t q = p1; q < p2; ++q) g[q] *= vl;
        }
        return vl * vr;
    }
    size_t po = c->param;
    c->param += (size_t)nd->n_params;
    return leaf_pair(nd, k->params + po, x, y, k->d, same, g ? g + po : NULL);
}

static double pair_value(const as_kernel *k, const double *x, const double *y, int same, double *g)
{
    cursor c = {0, 0};
    return pair_rec(k, &c, x, y, same, g);
}

/* ------------------------------------------------------------------ matrices */

static size_t temp_depth(const as_kernel *k, size_t *node)
{
    const as_kernel_node *nd = &k->nodes[(*node)++];
    if (!is_op(nd->type)) return 0;
    const as_kernel_node *left = &k->nodes[*node];
    size_t dl = temp_depth(k, node);
    const as_kernel_node *right = &k->nodes[*node];
    size_t dr = temp_depth(k, node);
    int special = left->type == AS_KERNEL_CONSTANT || right->type == AS_KERNEL_CONSTANT ||
                  (nd->type == AS_KERNEL_SUM &&
                   (left->type == AS_KERNEL_WHITE || right->type == AS_KERNEL_WHITE));
    if (special) return dl > dr ? dl : dr;
    return dl > dr + 1 ? dl : dr + 1;
}

size_t as_kernel_workspace_size(const as_kernel *k, size_t n, size_t m)
{
    size_t node = 0;
    size_t depth = temp_depth(k, &node);
    return depth * n * m + (n + m) * k->d + 1;
}

/* Row i covers columns [0, row_end(i)): all m, or the lower triangle including the diagonal. */
static inline size_t row_end(size_t i, size_t m, int lower)
{
    return lower ? i + 1 : m;
}

/* Rows of squared distances and of weighted squared coordinate differences, with the input
 * dimension D a compile-time constant (the dispatchers below instantiate D = 1..AS_ROW_MAXD):
 * one pass over the row with every coordinate difference in registers, where a pass per
 * dimension re-reads and re-writes the row D times.  The sums are taken in the same order as
 * that per-dimension loop (a = 0, 1, ...), so the values are the same. */
#define AS_ROW_MAXD 8

/* row[j] = Σ_a (x[a] - YT[a ld + j])², j < end */
static inline __attribute__((always_inline)) void sqdist_row_d(const double *x, const double *YT,
                                                              size_t ld, size_t end, size_t D,
                                                              double *row)
{
#pragma omp simd
    for (size_t j = 0; j < end; ++j) {
        double s = 0.0;
        for (size_t a = 0; a < D; ++a) {
            double t = x[a] - YT[a * ld + j];
            s += t * t;
        }
        row[j] = s;
    }
}

static inline __attribute__((always_inline)) void sqdist_row(const double *x, const double *YT,
                                                            size_t ld, size_t end, size_t d,
                                                            double *row)
{
    switch (d) {
    case 1: sqdist_row_d(x, YT, ld, end, 1, row); return;
    case 2: sqdist_row_d(x, YT, ld, end, 2, row); return;
    case 3: sqdist_row_d(x, YT, ld, end, 3, row); return;
    case 4: sqdist_row_d(x, YT, ld, end, 4, row); return;
    case 5: sqdist_row_d(x, YT, ld, end, 5, row); return;
    case 6: sqdist_row_d(x, YT, ld, end, 6, row); return;
    case 7: sqdist_row_d(x, YT, ld, end, 7, row); return;
    case 8: sqdist_row_d(x, YT, ld, end, 8, row); return;
    default: break;
    }
    for (size_t j = 0; j < end; ++j) row[j] = 0.0;
    for (size_t a = 0; a < d; ++a) {
        const double xa = x[a];
        const double *yrow = YT + a * ld;
        for (size_t j = 0; j < end; ++j) {
            double t = xa - yrow[j];
            row[j] += t * t;
        }
    }
}

/* acc[a] += Σ_j w[j] (x[a] - YT[a ld + j])², j < end, for every a < D */
static inline __attribute__((always_inline)) void wsq_row_d(const double *x, const double *YT,
                                                           size_t ld, size_t end,
                                                           const double *w, size_t D,
                                                           double *acc)
{
    double g0 = 0.0, g1 = 0.0, g2 = 0.0, g3 = 0.0, g4 = 0.0, g5 = 0.0, g6 = 0.0, g7 = 0.0;
    const double x0 = x[0], x1 = D > 1 ? x[1] : 0.0, x2 = D > 2 ? x[2] : 0.0,
                 x3 = D > 3 ? x[3] : 0.0, x4 = D > 4 ? x[4] : 0.0, x5 = D > 5 ? x[5] : 0.0,
                 x6 = D > 6 ? x[6] : 0.0, x7 = D > 7 ? x[7] : 0.0;
#define AS_WSQ_TERM(k)                                                                          \
    if (D > k) {                                                                                \
        double t = x##k - YT[k * ld + j];                                                       \
        g##k += wj * t * t;                                                                     \
    }
#pragma omp simd reduction(+ : g0, g1, g2, g3, g4, g5, g6, g7)
    for (size_t j = 0; j < end; ++j) {
        const double wj = w[j];
        AS_WSQ_TERM(0)
        AS_WSQ_TERM(1)
        AS_WSQ_TERM(2)
        AS_WSQ_TERM(3)
        AS_WSQ_TERM(4)
        AS_WSQ_TERM(5)
        AS_WSQ_TERM(6)
        AS_WSQ_TERM(7)
    }
#undef AS_WSQ_TERM
    const double g[AS_ROW_MAXD] = {g0, g1, g2, g3, g4, g5, g6, g7};
    for (size_t a = 0; a < D; ++a) acc[a] += g[a];
}

static inline __attribute__((always_inline)) void wsq_row(const double *x, const double *YT,
                                                         size_t ld, size_t end, const double *w,
                                                         size_t d, double *acc)
{
    switch (d) {
    case 1: wsq_row_d(x, YT, ld, end, w, 1, acc); return;
    case 2: wsq_row_d(x, YT, ld, end, w, 2, acc); return;
    case 3: wsq_row_d(x, YT, ld, end, w, 3, acc); return;
    case 4: wsq_row_d(x, YT, ld, end, w, 4, acc); return;
    case 5: wsq_row_d(x, YT, ld, end, w, 5, acc); return;
    case 6: wsq_row_d(x, YT, ld, end, w, 6, acc); return;
    case 7: wsq_row_d(x, YT, ld, end, w, 7, acc); return;
    case 8: wsq_row_d(x, YT, ld, end, w, 8, acc); return;
    default: break;
    }
    for (size_t a = 0; a < d; ++a) {
        const double xa = x[a];
        const double *col = YT + a * ld;
        double ga = 0.0;
#pragma omp simd reduction(+ : ga)
        for (size_t j = 0; j < end; ++j) {
            double t = xa - col[j];
            ga += w[j] * t * t;
        }
        acc[a] += ga;
    }
}

/* Scaled squared distances for a stationary leaf into K.  Xs (n x d) and YsT (d x m) are the
 * inputs divided by the length scales (or copied), YsT transposed so that the innermost loop runs
 * over contiguous columns. */
AS_SIMD_CLONES
static void scaled_sqdist_block(const double *X, size_t n, const double *Y, size_t m, size_t d,
                                const double *ls, int nls, int lower, double *K, double *work)
{
    double *Xs = work, *YsT = work + n * d;
    for (size_t i = 0; i < n; ++i)
        for (size_t a = 0; a < d; ++a)
            Xs[i * d + a] = ls ? X[i * d + a] / ls[nls == 1 ? 0 : a] : X[i * d + a];
    for (size_t j = 0; j < m; ++j)
        for (size_t a = 0; a < d; ++a)
            YsT[a * m + j] = ls ? Y[j * d + a] / ls[nls == 1 ? 0 : a] : Y[j * d + a];
    for (size_t i = 0; i < n; ++i)
        sqdist_row(Xs + i * d, YsT, m, row_end(i, m, lower), d, K + i * m);
}

/* The profile of an RBF/Matern leaf over the lower triangle of K (scaled squared distances in,
 * values out), keeping every pair's value v and gradient factor (h for one length scale per
 * dimension, h r² for a shared one; see profile_and_h) in the fold cache, packed by rows. */
AS_SIMD_CLONES
static void cache_profile_rows(const as_kernel_node *nd, double *K, size_t n,
                               const as_kernel_fold_cache *fc)
{
    const int kind = nd->type == AS_KERNEL_RBF ? 0 : (nd->nu == 0.5 ? 1 : (nd->nu == 1.5 ? 2 : 3));
    const int iso = nd->n_params == 1;
    for (size_t i = 0; i < n; ++i) {
        double *row = K + i * n, *cv = fc->v + i * (i + 1) / 2, *ch = fc->h + i * (i + 1) / 2;
        switch (kind) {
        case 0:
#pragma omp simd
            for (size_t j = 0; j <= i; ++j) {
                double q = row[j], v = as_exp(-0.5 * q);
                row[j] = cv[j] = v;
                ch[j] = iso ? v * q : v;
            }
            break;
        case 1:
#pragma omp simd
            for (size_t j = 0; j <= i; ++j) {
                double q = row[j], r = sqrt(q), e = as_exp(-r);
                row[j] = cv[j] = e;
                double h = r > 0.0 ? e / r : 0.0;
                ch[j] = iso ? h * q : h;
            }
            break;
        case 2:
#pragma omp simd
            for (size_t j = 0; j <= i; ++j) {
                double q = row[j], r = SQRT3 * sqrt(q), e = as_exp(-r);
                row[j] = cv[j] = (1.0 + r) * e;
                double h = 3.0 * e;
                ch[j] = iso ? h * q : h;
            }
            break;
        default:
#pragma omp simd
            for (size_t j = 0; j <= i; ++j) {
                double q = row[j], r = SQRT5 * sqrt(q), e = as_exp(-r);
                row[j] = cv[j] = (1.0 + r + r * r * (1.0 / 3.0)) * e;
                double h = (5.0 / 3.0) * (1.0 + r) * e;
                ch[j] = iso ? h * q : h;
            }
            break;
        }
    }
}

AS_SIMD_CLONES
static void leaf_matrix(const as_kernel *k, const as_kernel_node *nd, const double *p,
                        const double *X, size_t n, const double *Y, size_t m, int sym, int lower,
                        double *K, double *work, const as_kernel_fold_cache *fc)
{
    const size_t d = k->d;
    switch (nd->type) {
    case AS_KERNEL_CONSTANT:
        for (size_t i = 0; i < n; ++i) {
            size_t end = row_end(i, m, lower);
            for (size_t j = 0; j < end; ++j) K[i * m + j] = p[0];
        }
        return;
    case AS_KERNEL_WHITE:
        for (size_t i = 0; i < n; ++i) {
            size_t end = row_end(i, m, lower);
            for (size_t j = 0; j < end; ++j) K[i * m + j] = 0.0;
            if (sym) K[i * m + i] = p[0];
        }
        return;
    case AS_KERNEL_DOT:
        for (size_t i = 0; i < n; ++i) {
            size_t end = row_end(i, m, lower);
            for (size_t j = 0; j < end; ++j) {
                double v = p[0] * p[0];
                for (size_t a = 0; a < d; ++a) v += X[i * d + a] * Y[j * d + a];
                K[i * m + j] = v;
            }
        }
        return;
    default: break;
    }
    /* stationary leaves: distances first, then the profile */
    int scaled = nd->type == AS_KERNEL_RBF || nd->type == AS_KERNEL_MATERN;
    scaled_sqdist_block(X, n, Y, m, d, scaled ? p : NULL, nd->n_params, lower, K, work);
    if (scaled && fc != NULL && sym && lower) {
        cache_profile_rows(nd, K, n, fc);
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        double *row = K + i * m;
        size_t end = row_end(i, m, lower);
        switch (nd->type) {
        case AS_KERNEL_RBF:
            for (size_t j = 0; j < end; ++j) row[j] = as_exp(-0.5 * row[j]);
            break;
        case AS_KERNEL_MATERN:
            if (nd->nu == 0.5) {
                for (size_t j = 0; j < end; ++j) row[j] = as_exp(-sqrt(row[j]));
            } else if (nd->nu == 1.5) {
                for (size_t j = 0; j < end; ++j) {
                    double r = SQRT3 * sqrt(row[j]);
                    row[j] = (1.0 + r) * as_exp(-r);
                }
            } else {
                for (size_t j = 0; j < end; ++j) {
                    double r = SQRT5 * sqrt(row[j]);
                    row[j] = (1.0 + r + r * r * (1.0 / 3.0)) * as_exp(-r);
                }
            }
            break;
        case AS_KERNEL_RQ: {
            double a = p[0], l = p[1], s = 1.0 / (2.0 * a * l * l);
            for (size_t j = 0; j < end; ++j) row[j] = pow(1.0 + row[j] * s, -a);
            break;
        }
        case AS_KERNEL_EXPSINE: {
            double l = p[0], w = AS_PI / p[1], s2 = -2.0 / (l * l);
            for (size_t j = 0; j < end; ++j) {
                double sn = sin(w * sqrt(row[j]));
                row[j] = exp(s2 * sn * sn);
            }
            break;
        }
        default: break;
        }
    }
}

static void combine(int op, double *K, const double *T, size_t n, size_t m, int lower)
{
    for (size_t i = 0; i < n; ++i) {
        size_t end = row_end(i, m, lower);
        double *row = K + i * m;
        const double *t = T + i * m;
        if (op == AS_KERNEL_SUM)
            for (size_t j = 0; j < end; ++j) row[j] += t[j];
        else
            for (size_t j = 0; j < end; ++j) row[j] *= t[j];
    }
}

static void apply_scalar(int op, double c, double *K, size_t n, size_t m, int lower)
{
    for (size_t i = 0; i < n; ++i) {
        size_t end = row_end(i, m, lower);
        double *row = K + i * m;
        if (op == AS_KERNEL_SUM)
            for (size_t j = 0; j < end; ++j) row[j] += c;
        else
            for (size_t j = 0; j < end; ++j) row[j] *= c;
    }
}

static void matrix_rec(const as_kernel *k, cursor *c, const double *X, size_t n, const double *Y,
                       size_t m, int sym, int lower, double *K, double *work,
                       const as_kernel_fold_cache *fc)
{
    const size_t node = c->node++;
    const as_kernel_node *nd = &k->nodes[node];
    if (!is_op(nd->type)) {
        size_t po = c->param;
        c->param += (size_t)nd->n_params;
        leaf_matrix(k, nd, k->params + po, X, n, Y, m, sym, lower, K, work,
                    (fc != NULL && fc->node == node) ? fc : NULL);
        return;
    }
    const int op = nd->type;
    const as_kernel_node *left = &k->nodes[c->node];
    /* a constant (or, in a sum, white-noise) child acts on its sibling's block in place */
    if (left->type == AS_KERNEL_CONSTANT ||
        (op == AS_KERNEL_SUM && left->type == AS_KERNEL_WHITE)) {
        double v = k->params[c->param];
        c->node++;
        c->param++;
        matrix_rec(k, c, X, n, Y, m, sym, lower, K, work, fc);
        if (left->type == AS_KERNEL_CONSTANT) apply_scalar(op, v, K, n, m, lower);
        else if (sym)
            for (size_t i = 0; i < n; ++i) K[i * m + i] += v;
        return;
    }
    matrix_rec(k, c, X, n, Y, m, sym, lower, K, work, fc);
    const as_kernel_node *right = &k->nodes[c->node];
    if (right->type == AS_KERNEL_CONSTANT ||
        (op == AS_KERNEL_SUM && right->type == AS_KERNEL_WHITE)) {
        double v = k->params[c->param];
        c->node++;
        c->param++;
        if (right->type == AS_KERNEL_CONSTANT) apply_scalar(op, v, K, n, m, lower);
        else if (sym)
            for (size_t i = 0; i < n; ++i) K[i * m + i] += v;
        return;
    }
    double *T = work;
    matrix_rec(k, c, X, n, Y, m, sym, lower, T, work + n * m, fc);
    combine(op, K, T, n, m, lower);
}

int as_kernel_matrix_part(const as_kernel *k, const double *X, size_t n, const double *Y,
                          size_t m, int lower, double *K, double *work, size_t lwork,
                          as_error *err)
{
    int sym = (Y == NULL);
    if (sym) {
        Y = X;
        m = n;
    }
    if (lwork < as_kernel_workspace_size(k, n, m))
        return as_error_set(err, AS_EINVAL, "kernel workspace too small (%zu < %zu)", lwork,
                            as_kernel_workspace_size(k, n, m));
    if (n == 0 || m == 0) return AS_OK;
    cursor c = {0, 0};
    matrix_rec(k, &c, X, n, Y, m, sym, sym && lower, K, work, NULL);
    return AS_OK;
}

size_t as_kernel_fold_cache_size(const as_kernel *k, size_t n, size_t *node)
{
    size_t found = 0, at = 0;
    for (size_t i = 0; i < k->n_nodes; ++i)
        if (k->nodes[i].type == AS_KERNEL_RBF || k->nodes[i].type == AS_KERNEL_MATERN) {
            ++found;
            at = i;
        }
    if (found != 1 || n == 0 || n > AS_KERNEL_FOLD_CACHE_MAX_N) return 0;
    if (node) *node = at;
    return n * (n + 1);
}

int as_kernel_training_matrix(const as_kernel *k, const double *X, size_t n, double *K,
                              double *work, size_t lwork, const as_kernel_fold_cache *cache,
                              as_error *err)
{
    if (lwork < as_kernel_workspace_size(k, n, n))
        return as_error_set(err, AS_EINVAL, "kernel workspace too small (%zu < %zu)", lwork,
                            as_kernel_workspace_size(k, n, n));
    if (cache != NULL && cache->n != n)
        return as_error_set(err, AS_EINVAL, "fold cache is for %zu points, not %zu", cache->n, n);
    if (n == 0) return AS_OK;
    cursor c = {0, 0};
    matrix_rec(k, &c, X, n, X, n, 1, 1, K, work, cache);
    return AS_OK;
}

int as_kernel_matrix(const as_kernel *k, const double *X, size_t n, const double *Y, size_t m,
                     double *K, double *work, size_t lwork, as_error *err)
{
    int status = as_kernel_matrix_part(k, X, n, Y, m, Y == NULL, K, work, lwork, err);
    if (status != AS_OK) return status;
    if (Y == NULL) /* mirror the lower triangle */
        for (size_t i = 0; i < n; ++i)
            for (size_t j = i + 1; j < n; ++j) K[i * n + j] = K[j * n + i];
    return AS_OK;
}

int as_kernel_diag(const as_kernel *k, const double *X, size_t n, double *diag, as_error *err)
{
    for (size_t i = 0; i < n; ++i) diag[i] = pair_value(k, X + i * k->d, X + i * k->d, 1, NULL);
    return AS_OK;
}

/* ------------------------------------------------------------------ derivatives */

/* ---- the fold: grad[p] = Σ_ij W_ij ∂K_ij/∂log θ_p, evaluated node by node ----
 *
 * A multiplier s (the product of the constants above a node) flows down through sums and
 * constant products; fold_rec returns S = s Σ_ij W_ij v_ij for its subtree's value v, which is
 * exactly the derivative with respect to the log of a constant factor above it.  Stationary
 * leaves fold row by row with vectorized loops; a product of two non-constant subtrees falls
 * back to the pair-by-pair recursion (memory O(1), slower, rare in practice). */

typedef struct {
    const as_kernel *k;
    const double *X, *W;
    size_t n;
    double *grad, *scratch;
    const as_kernel_fold_cache *cache; /* or NULL */
} fold_ctx;

/* Index after the subtree starting at node, and the number of its parameters. */
static size_t subtree_end(const as_kernel *k, size_t node, size_t *n_params)
{
    size_t pending = 1, np = 0;
    while (pending > 0) {
        const as_kernel_node *nd = &k->nodes[node++];
        --pending;
        if (is_op(nd->type)) pending += 2;
        np += (size_t)nd->n_params;
    }
    *n_params = np;
    return node;
}

/* Σ_{j<=i} W'_ij with off-diagonal terms doubled (W symmetric, lower triangle stored). */
static double weight_sum(const double *W, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double *row = W + i * n;
        double r = 0.0;
#pragma omp simd reduction(+ : r)
        for (size_t j = 0; j < i; ++j) r += row[j];
        s += 2.0 * r + row[i];
    }
    return s;
}

/* Matern/RBF leaf with scaled coordinates; g receives d or 1 gradients (added). */
AS_SIMD_CLONES
static double fold_scaled(const as_kernel_node *nd, const double *p, const double *X, size_t n,
                          size_t d, const double *W, double s, double *g, double *scratch)
{
    const int ard = nd->n_params > 1;
    double *Xs = scratch, *XsT = Xs + n * d, *r2 = XsT + n * d, *w = r2 + n, *acc = w + n;
    for (size_t i = 0; i < n; ++i)
        for (size_t a = 0; a < d; ++a) {
            double v = X[i * d + a] / p[ard ? a : 0];
            Xs[i * d + a] = v;
            XsT[a * n + i] = v;
        }
    for (size_t a = 0; a < (size_t)nd->n_params; ++a) acc[a] = 0.0;
    const int kind = nd->type == AS_KERNEL_RBF ? 0 : (nd->nu == 0.5 ? 1 : (nd->nu == 1.5 ? 2 : 3));
    double S = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const size_t end = i + 1;
        const double *Wrow = W + i * n;
        sqdist_row(Xs + i * d, XsT, n, end, d, r2);
        double Srow = 0.0;
        /* w[j] <- W'_ij h(r_ij); Srow += W'_ij v(r_ij); one loop per profile so that each
         * vectorizes without evaluating the others */
        switch (kind) {
        case 0:
#pragma omp simd reduction(+ : Srow)
            for (size_t j = 0; j < end; ++j) {
                double wij = (j == i) ? Wrow[j] : 2.0 * Wrow[j];
                double v = as_exp(-0.5 * r2[j]);
                Srow += wij * v;
                w[j] = wij * v;
            }
            break;
        case 1:
#pragma omp simd reduction(+ : Srow)
            for (size_t j = 0; j < end; ++j) {
                double wij = (j == i) ? Wrow[j] : 2.0 * Wrow[j];
                double r = sqrt(r2[j]), e = as_exp(-r);
                Srow += wij * e;
                w[j] = r > 0.0 ? wij * e / r : 0.0;
            }
            break;
        case 2:
#pragma omp simd reduction(+ : Srow)
            for (size_t j = 0; j < end; ++j) {
                double wij = (j == i) ? Wrow[j] : 2.0 * Wrow[j];
                double r = sqrt(r2[j]), e = as_exp(-SQRT3 * r);
                Srow += wij * (1.0 + SQRT3 * r) * e;
                w[j] = wij * 3.0 * e;
            }
            break;
        default:
#pragma omp simd reduction(+ : Srow)
            for (size_t j = 0; j < end; ++j) {
                double wij = (j == i) ? Wrow[j] : 2.0 * Wrow[j];
                double q = r2[j], r = sqrt(q), e = as_exp(-SQRT5 * r);
                Srow += wij * (1.0 + SQRT5 * r + (5.0 / 3.0) * q) * e;
                w[j] = wij * (5.0 / 3.0) * (1.0 + SQRT5 * r) * e;
            }
            break;
        }
        S += Srow;
        if (!ard) {
            double gi = 0.0;
#pragma omp simd reduction(+ : gi)
            for (size_t j = 0; j < end; ++j) gi += w[j] * r2[j];
            acc[0] += gi;
        } else {
            wsq_row(Xs + i * d, XsT, n, end, w, d, acc);
        }
    }
    for (size_t a = 0; a < (size_t)nd->n_params; ++a) g[a] += s * acc[a];
    return s * S;
}

/* fold_scaled with the leaf's per-pair values and gradient factors read from the cache filled
 * when K was built (no distance, square root or exponential per pair). */
AS_SIMD_CLONES
static double fold_scaled_cached(const as_kernel_node *nd, const double *p, const double *X,
                                 size_t n, size_t d, const double *W, double s, double *g,
                                 double *scratch, const as_kernel_fold_cache *fc)
{
    const int ard = nd->n_params > 1;
    double *Xs = scratch, *XsT = Xs + n * d, *w = XsT + n * d, *acc = w + n;
    if (ard)
        for (size_t i = 0; i < n; ++i)
            for (size_t a = 0; a < d; ++a) {
                double v = X[i * d + a] / p[a];
                Xs[i * d + a] = v;
                XsT[a * n + i] = v;
            }
    for (size_t a = 0; a < (size_t)nd->n_params; ++a) acc[a] = 0.0;
    double S = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const size_t end = i + 1;
        const double *Wrow = W + i * n, *cv = fc->v + i * end / 2, *ch = fc->h + i * end / 2;
        double Srow = 0.0, gi = 0.0;
#pragma omp simd reduction(+ : Srow, gi)
        for (size_t j = 0; j < end; ++j) {
            double wij = (j == i) ? Wrow[j] : 2.0 * Wrow[j];
            Srow += wij * cv[j];
            w[j] = wij * ch[j];
            gi += w[j];
        }
        S += Srow;
        if (ard) wsq_row(Xs + i * d, XsT, n, end, w, d, acc);
        else acc[0] += gi; /* the cache holds h r² for a shared length scale */
    }
    for (size_t a = 0; a < (size_t)nd->n_params; ++a) g[a] += s * acc[a];
    return s * S;
}

/* Any leaf, pair by pair (RQ, periodic, dot product). */
static double fold_leaf_pairs(const fold_ctx *f, const as_kernel_node *nd, const double *p,
                              double s, double *g)
{
    const size_t n = f->n, d = f->k->d, np = (size_t)nd->n_params;
    double gp[2] = {0.0, 0.0}, acc[2] = {0.0, 0.0}, S = 0.0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j <= i; ++j) {
            double w = (j == i ? 1.0 : 2.0) * f->W[i * n + j];
            S += w * leaf_pair(nd, p, f->X + i * d, f->X + j * d, d, i == j, gp);
            for (size_t q = 0; q < np; ++q) acc[q] += w * gp[q];
        }
    for (size_t q = 0; q < np; ++q) g[q] += s * acc[q];
    return s * S;
}

/* A general product subtree at the cursor, pair by pair through pair_rec. */
static double fold_subtree_pairs(fold_ctx *f, cursor *c, double s)
{
    const size_t n = f->n, d = f->k->d, P = f->k->n_params;
    size_t np;
    size_t end = subtree_end(f->k, c->node, &np);
    double *g = f->scratch; /* P doubles */
    double S = 0.0;
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j <= i; ++j) {
            double w = (j == i ? 1.0 : 2.0) * f->W[i * n + j];
            cursor cc = *c;
            S += w * pair_rec(f->k, &cc, f->X + i * d, f->X + j * d, i == j, g);
            for (size_t q = c->param; q < c->param + np; ++q) f->grad[q] += s * w * g[q];
        }
    (void)P;
    c->node = end;
    c->param += np;
    return s * S;
}

static double fold_rec(fold_ctx *f, cursor *c, double s)
{
    const as_kernel *k = f->k;
    const as_kernel_node *nd = &k->nodes[c->node];
    if (!is_op(nd->type)) {
        size_t po = c->param;
        const double *p = k->params + po;
        double *g = f->grad + po;
        double S;
        c->node++;
        c->param += (size_t)nd->n_params;
        switch (nd->type) {
        case AS_KERNEL_CONSTANT:
            S = s * p[0] * weight_sum(f->W, f->n);
            g[0] += S;
            return S;
        case AS_KERNEL_WHITE: {
            double t = 0.0;
            for (size_t i = 0; i < f->n; ++i) t += f->W[i * f->n + i];
            S = s * p[0] * t;
            g[0] += S;
            return S;
        }
        case AS_KERNEL_RBF:
        case AS_KERNEL_MATERN:
            if (f->cache != NULL && f->cache->node == c->node - 1)
                return fold_scaled_cached(nd, p, f->X, f->n, k->d, f->W, s, g,
                                          f->scratch + k->n_params, f->cache);
            return fold_scaled(nd, p, f->X, f->n, k->d, f->W, s, g, f->scratch + k->n_params);
        default: return fold_leaf_pairs(f, nd, p, s, g);
        }
    }
    size_t left = c->node + 1, np_left;
    size_t right = subtree_end(k, left, &np_left);
    int left_const = k->nodes[left].type == AS_KERNEL_CONSTANT;
    int right_const = k->nodes[right].type == AS_KERNEL_CONSTANT;
    if (nd->type == AS_KERNEL_SUM) {
        c->node++;
        double S = fold_rec(f, c, s);
        return S + fold_rec(f, c, s);
    }
    if (left_const) { /* c * right */
        c->node++;
        size_t pc = c->param;
        double cv = k->params[pc];
        c->node++;
        c->param++;
        double S = fold_rec(f, c, s * cv);
        f->grad[pc] += S;
        return S;
    }
    if (right_const) { /* left * c */
        size_t pc = c->param + np_left;
        double cv = k->params[pc];
        c->node++;
        double S = fold_rec(f, c, s * cv);
        c->node++;
        c->param++;
        f->grad[pc] += S;
        return S;
    }
    return fold_subtree_pairs(f, c, s);
}

static size_t fold_scratch_size(const as_kernel *k, size_t n)
{
    return k->n_params + 2 * n * k->d + 2 * n + k->d + 1;
}

int as_kernel_gradient_fold(const as_kernel *k, const double *X, size_t n, const double *W,
                            double *grad, as_error *err)
{
    return as_kernel_gradient_fold_cached(k, X, n, W, grad, NULL, err);
}

int as_kernel_gradient_fold_cached(const as_kernel *k, const double *X, size_t n,
                                   const double *W, double *grad,
                                   const as_kernel_fold_cache *cache, as_error *err)
{
    if (cache != NULL && cache->n != n)
        return as_error_set(err, AS_EINVAL, "fold cache is for %zu points, not %zu", cache->n, n);
    double *scratch = (double *)malloc(fold_scratch_size(k, n) * sizeof(double));
    if (scratch == NULL) return as_error_set(err, AS_ENOMEM, "out of memory in kernel gradient");
    for (size_t p = 0; p < k->n_params; ++p) grad[p] = 0.0;
    fold_ctx f = {k, X, W, n, grad, scratch, cache};
    cursor c = {0, 0};
    fold_rec(&f, &c, 1.0);
    free(scratch);
    return AS_OK;
}

int as_kernel_gradient_tensor(const as_kernel *k, const double *X, size_t n, double *G,
                              as_error *err)
{
    const size_t P = k->n_params, d = k->d;
    for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j <= i; ++j) {
            double *gij = G + (i * n + j) * P;
            pair_value(k, X + i * d, X + j * d, i == j, gij);
            if (j != i) memcpy(G + (j * n + i) * P, gij, P * sizeof(double));
        }
    }
    return AS_OK;
}

/* d k(x, y) / dx for a leaf, written to dx (d entries); returns the value. */
static double leaf_xgrad(const as_kernel_node *nd, const double *p, const double *x,
                         const double *y, size_t d, double *dx)
{
    switch (nd->type) {
    case AS_KERNEL_CONSTANT:
        for (size_t a = 0; a < d; ++a) dx[a] = 0.0;
        return p[0];
    case AS_KERNEL_WHITE:
        for (size_t a = 0; a < d; ++a) dx[a] = 0.0;
        return 0.0;
    case AS_KERNEL_DOT: {
        double v = p[0] * p[0];
        for (size_t a = 0; a < d; ++a) {
            v += x[a] * y[a];
            dx[a] = y[a];
        }
        return v;
    }
    case AS_KERNEL_RBF:
    case AS_KERNEL_MATERN: {
        double r2 = sqdist(x, y, d, p, nd->n_params), h;
        double v = profile_and_h(nd, r2, &h);
        /* dK/dx_a = -h (x_a - y_a) / l_a^2 (same h as for the log-length-scale derivative) */
        for (size_t a = 0; a < d; ++a) {
            double l = p[nd->n_params == 1 ? 0 : a];
            dx[a] = -h * (x[a] - y[a]) / (l * l);
        }
        return v;
    }
    case AS_KERNEL_RQ: {
        double al = p[0], l = p[1];
        double d2 = sqdist(x, y, d, NULL, 0);
        double base = 1.0 + d2 / (2.0 * al * l * l);
        double v = pow(base, -al);
        double f = -v / base / (l * l);
        for (size_t a = 0; a < d; ++a) dx[a] = f * (x[a] - y[a]);
        return v;
    }
    case AS_KERNEL_EXPSINE: {
        double l = p[0], per = p[1];
        double dist = sqrt(sqdist(x, y, d, NULL, 0));
        double arg = AS_PI * dist / per;
        double s = sin(arg), c = cos(arg);
        double v = exp(-2.0 * s * s / (l * l));
        double dv_ddist = v * (-4.0 * s * c * AS_PI / (per * l * l));
        for (size_t a = 0; a < d; ++a) dx[a] = dist > 0.0 ? dv_ddist * (x[a] - y[a]) / dist : 0.0;
        return v;
    }
    default:
        for (size_t a = 0; a < d; ++a) dx[a] = 0.0;
        return 0.0;
    }
}

/* self = 1: derivative of k(x, x) with both arguments moving (for the predictive variance). */
static double leaf_selfgrad(const as_kernel_node *nd, const double *p, const double *x, size_t d,
                            double *dx)
{
    for (size_t a = 0; a < d; ++a) dx[a] = 0.0;
    switch (nd->type) {
    case AS_KERNEL_CONSTANT: return p[0];
    case AS_KERNEL_WHITE: return p[0];
    case AS_KERNEL_DOT: {
        double v = p[0] * p[0];
        for (size_t a = 0; a < d; ++a) {
            v += x[a] * x[a];
            dx[a] = 2.0 * x[a];
        }
        return v;
    }
    default: return 1.0; /* stationary kernels are 1 at distance 0 */
    }
}

static double xgrad_rec(const as_kernel *k, cursor *c, const double *x, const double *y,
                        int self, double *dx, double *scratch)
{
    const as_kernel_node *nd = &k->nodes[c->node++];
    const size_t d = k->d;
    if (is_op(nd->type)) {
        double vl = xgrad_rec(k, c, x, y, self, dx, scratch);
        double *dr = scratch;
        double vr = xgrad_rec(k, c, x, y, self, dr, scratch + d);
        if (nd->type == AS_KERNEL_SUM) {
            for (size_t a = 0; a < d; ++a) dx[a] += dr[a];
            return vl + vr;
        }
        for (size_t a = 0; a < d; ++a) dx[a] = dx[a] * vr + vl * dr[a];
        return vl * vr;
    }
    size_t po = c->param;
    c->param += (size_t)nd->n_params;
    if (self) return leaf_selfgrad(nd, k->params + po, x, d, dx);
    return leaf_xgrad(nd, k->params + po, x, y, d, dx);
}

static size_t tree_depth(const as_kernel *k)
{
    /* depth bound: number of operator nodes + 1 */
    size_t ops = 0;
    for (size_t i = 0; i < k->n_nodes; ++i) ops += is_op(k->nodes[i].type);
    return ops + 1;
}

int as_kernel_cross_grad(const as_kernel *k, const double *x, const double *Y, size_t m,
                         double *kx, double *dkx, as_error *err)
{
    const size_t d = k->d;
    double *scratch = (double *)malloc(tree_depth(k) * d * sizeof(double) + sizeof(double));
    if (scratch == NULL) return as_error_set(err, AS_ENOMEM, "out of memory in kernel gradient");
    for (size_t j = 0; j < m; ++j) {
        cursor c = {0, 0};
        kx[j] = xgrad_rec(k, &c, x, Y + j * d, 0, dkx + j * d, scratch);
    }
    free(scratch);
    return AS_OK;
}

int as_kernel_self_grad(const as_kernel *k, const double *x, double *kxx, double *dkxx,
                        as_error *err)
{
    double *scratch = (double *)malloc(tree_depth(k) * k->d * sizeof(double) + sizeof(double));
    if (scratch == NULL) return as_error_set(err, AS_ENOMEM, "out of memory in kernel gradient");
    cursor c = {0, 0};
    *kxx = xgrad_rec(k, &c, x, x, 1, dkxx, scratch);
    free(scratch);
    return AS_OK;
}
