/* kernels.h -- covariance functions (scikit-learn's parameterization), evaluated in C.
 *
 * A kernel is an expression tree stored in prefix order: a sum or product node is followed by
 * its left subtree, then its right subtree.  Each leaf owns consecutive positive hyperparameters
 * in `params` (in node order), so the parameters of any subtree are contiguous.  Gradients are
 * with respect to the *logarithm* of every parameter, as scikit-learn's `theta`.
 *
 * Leaves (r = scaled distance, l = length scale(s), per dimension when n_params == d > 1):
 *   CONSTANT  k = c                                     params [c]
 *   WHITE     k = s if the two inputs are the same training point, else 0      params [s]
 *   RBF       k = exp(-r^2 / 2)                         params l (1 or d)
 *   MATERN    nu = 0.5: exp(-r); 1.5: (1 + √3 r) e^{-√3 r}; 2.5: (1 + √5 r + 5r²/3) e^{-√5 r}
 *             (Rasmussen & Williams 2006, eq. 4.14-4.17)         params l (1 or d)
 *   RQ        k = (1 + d² / (2 a l²))^{-a}              params [a, l]  (scikit-learn's order)
 *   EXPSINE   k = exp(-2 sin²(π d / p) / l²)            params [l, p]     (d = |x - y|)
 *   DOT       k = s0² + x·y                             params [s0]
 */
#ifndef AS_KERNELS_H
#define AS_KERNELS_H

#include <stddef.h>

#include "as_common.h"

typedef enum {
    AS_KERNEL_CONSTANT = 0,
    AS_KERNEL_WHITE = 1,
    AS_KERNEL_RBF = 2,
    AS_KERNEL_MATERN = 3,
    AS_KERNEL_RQ = 4,
    AS_KERNEL_EXPSINE = 5,
    AS_KERNEL_DOT = 6,
    AS_KERNEL_SUM = 7,
    AS_KERNEL_PRODUCT = 8
} as_kernel_type;

typedef struct {
    int type;      /* an as_kernel_type                                      */
    int n_params;  /* parameters owned by this node (0 for sum and product)  */
    double nu;     /* Matern smoothness (0.5, 1.5 or 2.5); unused otherwise  */
} as_kernel_node;

typedef struct {
    size_t n_nodes;
    const as_kernel_node *nodes; /* prefix order                                   */
    size_t n_params;
    const double *params;        /* positive values (not logs), in node order       */
    size_t d;                    /* input dimension                                 */
} as_kernel;

/* Validate structure, parameter counts (length scales 1 or d), positivity, nu. */
int as_kernel_check(const as_kernel *k, as_error *err);

/* Doubles of scratch needed by as_kernel_matrix for an n x m block. */
size_t as_kernel_workspace_size(const as_kernel *k, size_t n, size_t m);

/* K[i*m + j] = k(X_i, Y_j) (row-major n x m).  Y == NULL means Y = X (m = n): the symmetric
 * training matrix, where WHITE contributes its diagonal.  work: as_kernel_workspace_size. */
int as_kernel_matrix(const as_kernel *k, const double *X, size_t n, const double *Y, size_t m,
                     double *K, double *work, size_t lwork, as_error *err);

/* As as_kernel_matrix; with Y == NULL and lower != 0 only the lower triangle (with the diagonal)
 * is written -- half the work, and all that a Cholesky factorization reads. */
int as_kernel_matrix_part(const as_kernel *k, const double *X, size_t n, const double *Y,
                          size_t m, int lower, double *K, double *work, size_t lwork,
                          as_error *err);

/* diag[i] = k(X_i, X_i) (with WHITE, as for the training matrix). */
int as_kernel_diag(const as_kernel *k, const double *X, size_t n, double *diag, as_error *err);

/* grad[p] = sum_{i,j} W[i*n+j] dK_ij / dlog(param_p) over the training matrix, for symmetric W
 * (only the lower triangle of W is read).  Memory O(1) beyond the outputs: the derivatives are
 * folded pair by pair, never stored. */
int as_kernel_gradient_fold(const as_kernel *k, const double *X, size_t n, const double *W,
                            double *grad, as_error *err);

/* What a gradient fold can reuse from building the training matrix at the same parameters:
 * the value v and gradient factor of every pair of one RBF/Matern leaf (packed by rows of the
 * lower triangle), so that the fold computes no distance, square root or exponential.  v and h
 * are caller-owned, n(n+1)/2 doubles each; `node` is the leaf's index in prefix order. */
typedef struct {
    size_t node;
    size_t n;
    double *v, *h;
} as_kernel_fold_cache;

/* Up to this many training points a cache is offered; beyond, the fold is a negligible part of
 * the O(n³) likelihood and its n² doubles are better spent elsewhere. */
#define AS_KERNEL_FOLD_CACHE_MAX_N 1024

/* Doubles a fold cache needs for n points (v and h together), and the leaf it caches in *node;
 * 0 (nothing to cache) unless the tree has exactly one RBF/Matern leaf and n is at most
 * AS_KERNEL_FOLD_CACHE_MAX_N. */
size_t as_kernel_fold_cache_size(const as_kernel *k, size_t n, size_t *node);

/* The lower triangle of the training matrix, as as_kernel_matrix_part(k, X, n, NULL, n, 1, ...),
 * filling `cache` (or not, if NULL) for as_kernel_gradient_fold_cached. */
int as_kernel_training_matrix(const as_kernel *k, const double *X, size_t n, double *K,
                              double *work, size_t lwork, const as_kernel_fold_cache *cache,
                              as_error *err);

/* as_kernel_gradient_fold with the cache filled by as_kernel_training_matrix at the same
 * parameters and inputs (NULL: no cache). */
int as_kernel_gradient_fold_cached(const as_kernel *k, const double *X, size_t n,
                                   const double *W, double *grad,
                                   const as_kernel_fold_cache *cache, as_error *err);

/* G[(i*n + j)*P + p] = dK_ij/dlog(param_p): the full n x n x P tensor (scikit-learn's
 * eval_gradient), for small n and for tests. */
int as_kernel_gradient_tensor(const as_kernel *k, const double *X, size_t n, double *G,
                              as_error *err);

/* For one point x: kx[j] = k(x, Y_j) and dkx[j*d + a] = d k(x, Y_j) / d x_a, for j < m.
 * WHITE contributes nothing (x is a new point). */
int as_kernel_cross_grad(const as_kernel *k, const double *x, const double *Y, size_t m,
                         double *kx, double *dkx, as_error *err);

/* k(x, x) and its gradient d k(x, x) / dx (zero for stationary kernels). */
int as_kernel_self_grad(const as_kernel *k, const double *x, double *kxx, double *dkxx,
                        as_error *err);

#endif /* AS_KERNELS_H */
