/* linalg.c -- recursive, BLAS-3 inverse of a Cholesky factor (see linalg.h).
 *
 * For an upper-triangular U = [A B; 0 C] (A is the leading h x h block):
 *   U⁻¹  = [A⁻¹, −A⁻¹ B C⁻¹; 0, C⁻¹]                      (triu_inverse)
 * and for V = U⁻¹ = [P Q; 0 R]:
 *   V Vᵀ = [P Pᵀ + Q Qᵀ, Q Rᵀ; ·, R Rᵀ]                   (triu_aat)
 * Both recurse on the halves and do their O(n³) work in dtrmm/dsyrk; blocks below AS_LA_BASE
 * columns use plain loops (Elmroth, Gustavson, Jonsson & Kågström, "Recursive blocked
 * algorithms and hybrid data structures for dense matrix library software", SIAM Review 46
 * (2004)).
 */
#include "linalg.h"

#include "blas.h"

#define AS_LA_BASE 16
#define A_(i, j) A[(i) + (size_t)(j) * lda]

static int triu_inverse_base(double *A, size_t n, size_t lda)
{
    /* column by column: V_jj = 1/U_jj, V_{0:j, j} = −V_{0:j,0:j} U_{0:j, j} / U_jj */
    for (size_t j = 0; j < n; ++j) {
        if (A_(j, j) == 0.0) return (int)j + 1;
        double ujj = 1.0 / A_(j, j);
        A_(j, j) = ujj;
        /* x = U_{0:j, j}; V_{0:j,0:j} is already inverted and upper: y = V x */
        for (size_t i = 0; i < j; ++i) {
            double s = 0.0;
            for (size_t k = i; k < j; ++k) s += A_(i, k) * A_(k, j);
            A_(i, j) = s; /* safe: row i of column j only reads k >= i, written in order */
        }
        for (size_t i = 0; i < j; ++i) A_(i, j) *= -ujj;
    }
    return 0;
}

int as_triu_inverse(double *A, size_t n, size_t lda)
{
    if (n <= AS_LA_BASE) return triu_inverse_base(A, n, lda);
    size_t h = n / 2, m = n - h;
    double *B = &A_(0, h), *C = &A_(h, h);
    int info = as_triu_inverse(A, h, lda);
    if (info) return info;
    info = as_triu_inverse(C, m, lda);
    if (info) return info + (int)h;
    as_blas_int hh = (as_blas_int)h, mm = (as_blas_int)m, ld = (as_blas_int)lda;
    const double one = 1.0, minus_one = -1.0;
    /* B <- −A⁻¹ B C⁻¹ */
    BLAS_FUNC(dtrmm)("L", "U", "N", "N", &hh, &mm, &minus_one, A, &ld, B, &ld);
    BLAS_FUNC(dtrmm)("R", "U", "N", "N", &hh, &mm, &one, C, &ld, B, &ld);
    return 0;
}

static void triu_aat_base(double *A, size_t n, size_t lda)
{
    /* (V Vᵀ)_ij = Σ_{k >= j} V_ik V_jk for i <= j, computed top to bottom so every read of
     * row i, columns k >= j is still V (entries (i, k) with k >= j are overwritten only at
     * the (i, j) step itself, in increasing j) */
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i; j < n; ++j) {
            double s = 0.0;
            for (size_t k = j; k < n; ++k) s += A_(i, k) * A_(j, k);
            A_(i, j) = s;
        }
}

void as_triu_aat(double *A, size_t n, size_t lda)
{
    if (n <= AS_LA_BASE) {
        triu_aat_base(A, n, lda);
        return;
    }
    size_t h = n / 2, m = n - h;
    double *Q = &A_(0, h), *R = &A_(h, h);
    as_blas_int hh = (as_blas_int)h, mm = (as_blas_int)m, ld = (as_blas_int)lda;
    const double one = 1.0;
    as_triu_aat(A, h, lda);                                            /* P Pᵀ          */
    BLAS_FUNC(dsyrk)("U", "N", &hh, &mm, &one, Q, &ld, &one, A, &ld);  /*   + Q Qᵀ      */
    BLAS_FUNC(dtrmm)("R", "U", "T", "N", &hh, &mm, &one, R, &ld, Q, &ld); /* Q <- Q Rᵀ   */
    as_triu_aat(R, m, lda);                                            /* R Rᵀ          */
}

int as_chol_inverse(double *A, size_t n, size_t lda)
{
    int info = as_triu_inverse(A, n, lda);
    if (info) return info;
    as_triu_aat(A, n, lda);
    return 0;
}
