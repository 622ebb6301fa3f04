/* linalg.h -- dense linear algebra beyond single LAPACK calls.
 *
 * as_chol_upper replaces LAPACK's dpotrf: OpenBLAS's runs its triangular solves in a dtrsm
 * ~4x slower than its dgemm below n ~ 100; the recursive form is 1.3-1.5x faster from n = 50 to
 * 1600 (OpenBLAS 0.3.34, alternating runs).
 * as_chol_inverse replaces LAPACK's dpotri for the sizes a GP hyperparameter fit sees
 * (n = 50..1000): OpenBLAS's dtrtri runs at ~10 GFlop/s there, a recursive blocked formulation
 * built on dtrmm/dsyrk runs several times faster (measured in benchmarks/bench_gp.py).
 * Storage is column-major as LAPACK's ("U" = upper); the GP's row-major lower factor is the
 * same memory.
 */
#ifndef AS_LINALG_H
#define AS_LINALG_H

#include <stddef.h>

/* Cholesky factorization K = UᵀU in place, as dpotrf("U"): the upper triangle of A (column-
 * major, leading dimension lda) is replaced by U; the strictly lower triangle is not
 * referenced.  Returns 0, or j > 0 if the leading minor of order j is not positive definite
 * or its pivot is NaN (A is then partly overwritten, as by dpotrf; OpenBLAS's dpotrf returns
 * 0 and a NaN factor for a NaN). */
int as_chol_upper(double *A, size_t n, size_t lda);

/* Given the upper Cholesky factor U of K = UᵀU in the upper triangle of A (column-major,
 * leading dimension lda), overwrite that triangle with the upper triangle of K⁻¹, as
 * dpotri("U") does.  The strictly lower triangle is not referenced.  Returns 0, or i > 0 if
 * U_ii == 0 (singular). */
int as_chol_inverse(double *A, size_t n, size_t lda);

/* The two steps, exposed for tests: U <- U⁻¹ (upper, in place), then U <- U Uᵀ (upper). */
int as_triu_inverse(double *A, size_t n, size_t lda);
void as_triu_aat(double *A, size_t n, size_t lda);

#endif /* AS_LINALG_H */
