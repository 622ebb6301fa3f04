/* linalg.c -- recursive, BLAS-3 Cholesky factorization and inverse (see linalg.h).
 *
 * For K = [K11 K12; · K22] = UᵀU with U = [A B; 0 C]:
 *   A = chol(K11),  B = A⁻ᵀ K12,  C = chol(K22 − BᵀB)          (chol_upper)
 * the solve for B itself recursive on A's halves with the update in dgemm (trsm_upper_trans).
 * For an upper-triangular U = [A B; 0 C] (A is the leading h x h block):
 *   U⁻¹  = [A⁻¹, −A⁻¹ B C⁻¹; 0, C⁻¹]                      (triu_inverse)
 * and for V = U⁻¹ = [P Q; 0 R]:
 *   V Vᵀ = [P Pᵀ + Q Qᵀ, Q Rᵀ; ·, R Rᵀ]                   (triu_aat)
 * All recurse on the halves and do their O(n³) work in dgemm/dtrmm/dsyrk; blocks below AS_LA_BASE
 * columns use plain loops (Elmroth, Gustavson, Jonsson & Kågström, "Recursive blocked
 * algorithms and hybrid data structures for dense matrix library software", SIAM Review 46
 * (2004)).
 */
#include "linalg.h"

#include <math.h>

#include "blas.h"
#include "vmath.h"

#define AS_LA_BASE 16
#define AS_LA_PANEL 8 /* columns of a triangular solve's base case done together */
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

static int chol_upper_base(double *A, size_t n, size_t lda)
{
    /* column by column (column-major upper, the left-looking form): U_jj = sqrt(A_jj − |U_0:j,j|²)
     * then row j to its right, U_ji = (A_ji − U_0:j,jᵀ U_0:j,i) / U_jj.  Every dot product
     * runs down two contiguous columns. */
    for (size_t j = 0; j < n; ++j) {
        const double *uj = &A_(0, j);
        double s = 0.0;
        for (size_t k = 0; k < j; ++k) s += uj[k] * uj[k];
        double d = A_(j, j) - s;
        if (!(d > 0.0)) return (int)j + 1; /* not positive definite (or NaN), as dpotrf */
        d = sqrt(d);
        A_(j, j) = d;
        const double inv = 1.0 / d;
        for (size_t i = j + 1; i < n; ++i) {
            const double *ui = &A_(0, i);
            double t = 0.0;
            for (size_t k = 0; k < j; ++k) t += uj[k] * ui[k];
            A_(j, i) = (A_(j, i) - t) * inv;
        }
    }
    return 0;
}

/* B <- U⁻ᵀ B for U upper k x k (leading dimension ldu) and B k x m (ldb), column-major:
 * forward substitution with Uᵀ, recursive on U's halves, the O(k² m) work in dgemm.  It
 * replaces dtrsm("L", "U", "T"), which OpenBLAS runs ~4x slower than dgemm below k ~ 100. */
AS_SIMD_CLONES
static void trsm_upper_trans(const double *U, size_t k, size_t ldu, double *B, size_t m,
                             size_t ldb)
{
    if (k <= AS_LA_BASE) {
        /* AS_LA_PANEL columns at a time, copied row-major into T so that every step is one
         * vector operation across the columns (a column alone is a chain of dependent
         * scalar operations) */
        double T[AS_LA_BASE * AS_LA_PANEL];
        for (size_t j0 = 0; j0 < m; j0 += AS_LA_PANEL) {
            const size_t jb = m - j0 < AS_LA_PANEL ? m - j0 : AS_LA_PANEL;
            for (size_t i = 0; i < k; ++i)
                for (size_t c = 0; c < AS_LA_PANEL; ++c)
                    T[i * AS_LA_PANEL + c] = c < jb ? B[i + (j0 + c) * ldb] : 0.0;
            for (size_t i = 0; i < k; ++i) {
                double *ti = T + i * AS_LA_PANEL;
                for (size_t l = 0; l < i; ++l) {
                    const double u = U[l + i * ldu];
                    const double *tl = T + l * AS_LA_PANEL;
#pragma omp simd
                    for (size_t c = 0; c < AS_LA_PANEL; ++c) ti[c] -= u * tl[c];
                }
                const double uii = U[i + i * ldu];
#pragma omp simd
                for (size_t c = 0; c < AS_LA_PANEL; ++c) ti[c] /= uii;
            }
            for (size_t i = 0; i < k; ++i)
                for (size_t c = 0; c < jb; ++c) B[i + (j0 + c) * ldb] = T[i * AS_LA_PANEL + c];
        }
        return;
    }
    size_t h = k / 2, r = k - h;
    trsm_upper_trans(U, h, ldu, B, m, ldb);
    as_blas_int rr = (as_blas_int)r, mm = (as_blas_int)m, hh = (as_blas_int)h;
    as_blas_int lu = (as_blas_int)ldu, lb = (as_blas_int)ldb;
    const double one = 1.0, minus_one = -1.0;
    /* B_2 −= U_12ᵀ B_1 */
    BLAS_FUNC(dgemm)("T", "N", &rr, &mm, &hh, &minus_one, U + h * ldu, &lu, B, &lb, &one, B + h,
                     &lb);
    trsm_upper_trans(U + h + h * ldu, r, ldu, B + h, m, ldb);
}

int as_chol_upper(double *A, size_t n, size_t lda)
{
    if (n <= AS_LA_BASE) return chol_upper_base(A, n, lda);
    size_t h = n / 2, m = n - h;
    double *B = &A_(0, h), *C = &A_(h, h);
    int info = as_chol_upper(A, h, lda);
    if (info) return info;
    as_blas_int hh = (as_blas_int)h, mm = (as_blas_int)m, ld = (as_blas_int)lda;
    const double one = 1.0, minus_one = -1.0;
    trsm_upper_trans(A, h, lda, B, m, lda);                                 /* B <- U_A⁻ᵀ B */
    BLAS_FUNC(dsyrk)("U", "T", &mm, &hh, &minus_one, B, &ld, &one, C, &ld); /* C −= Bᵀ B    */
    info = as_chol_upper(C, m, lda);
    return info ? info + (int)h : 0;
}

int as_chol_inverse(double *A, size_t n, size_t lda)
{
    int info = as_triu_inverse(A, n, lda);
    if (info) return info;
    as_triu_aat(A, n, lda);
    return 0;
}
