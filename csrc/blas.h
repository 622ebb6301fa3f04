/* blas.h -- prototypes of the BLAS/LAPACK routines the core calls, behind one naming macro.
 *
 * The scipy-openblas32 wheel exports every symbol with the prefix "scipy_" (scipy_dpotrf_), and its
 * lapack.h does not declare prefixed names, so -- as NumPy and SciPy do -- we declare our own
 * prototypes and build the names from -DBLAS_SYMBOL_PREFIX (empty for a system OpenBLAS).
 * Integers are 32-bit (LP64 interface, USE_64BITINT=0).  Matrices are column-major for LAPACK;
 * the core stores row-major symmetric matrices, which are the same thing for a symmetric K, and
 * a row-major lower triangle is a column-major upper triangle (documented at each call).
 */
#ifndef AS_BLAS_H
#define AS_BLAS_H

#ifndef BLAS_SYMBOL_PREFIX
#define BLAS_SYMBOL_PREFIX
#endif

#define AS_BLAS_CAT3_(a, b, c) a##b##c
#define AS_BLAS_CAT3(a, b, c) AS_BLAS_CAT3_(a, b, c)
#define AS_BLAS_CAT2_(a, b) a##b
#define AS_BLAS_CAT2(a, b) AS_BLAS_CAT2_(a, b)
/* Fortran BLAS/LAPACK symbol: prefix + name + "_" */
#define BLAS_FUNC(name) AS_BLAS_CAT3(BLAS_SYMBOL_PREFIX, name, _)
/* OpenBLAS C extension symbol: prefix + name */
#define OPENBLAS_FUNC(name) AS_BLAS_CAT2(BLAS_SYMBOL_PREFIX, name)

typedef int as_blas_int;

/* BLAS level 1-3 */
double BLAS_FUNC(ddot)(const as_blas_int *n, const double *x, const as_blas_int *incx,
                       const double *y, const as_blas_int *incy);
void BLAS_FUNC(daxpy)(const as_blas_int *n, const double *a, const double *x,
                      const as_blas_int *incx, double *y, const as_blas_int *incy);
void BLAS_FUNC(dscal)(const as_blas_int *n, const double *a, double *x, const as_blas_int *incx);
void BLAS_FUNC(dgemv)(const char *trans, const as_blas_int *m, const as_blas_int *n,
                      const double *alpha, const double *a, const as_blas_int *lda,
                      const double *x, const as_blas_int *incx, const double *beta, double *y,
                      const as_blas_int *incy);
void BLAS_FUNC(dsymv)(const char *uplo, const as_blas_int *n, const double *alpha,
                      const double *a, const as_blas_int *lda, const double *x,
                      const as_blas_int *incx, const double *beta, double *y,
                      const as_blas_int *incy);
void BLAS_FUNC(dtrsv)(const char *uplo, const char *trans, const char *diag,
                      const as_blas_int *n, const double *a, const as_blas_int *lda, double *x,
                      const as_blas_int *incx);
void BLAS_FUNC(dger)(const as_blas_int *m, const as_blas_int *n, const double *alpha,
                     const double *x, const as_blas_int *incx, const double *y,
                     const as_blas_int *incy, double *a, const as_blas_int *lda);
void BLAS_FUNC(dsyr)(const char *uplo, const as_blas_int *n, const double *alpha,
                     const double *x, const as_blas_int *incx, double *a,
                     const as_blas_int *lda);
void BLAS_FUNC(dgemm)(const char *transa, const char *transb, const as_blas_int *m,
                      const as_blas_int *n, const as_blas_int *k, const double *alpha,
                      const double *a, const as_blas_int *lda, const double *b,
                      const as_blas_int *ldb, const double *beta, double *c,
                      const as_blas_int *ldc);
void BLAS_FUNC(dsyrk)(const char *uplo, const char *trans, const as_blas_int *n,
                      const as_blas_int *k, const double *alpha, const double *a,
                      const as_blas_int *lda, const double *beta, double *c,
                      const as_blas_int *ldc);
void BLAS_FUNC(dtrsm)(const char *side, const char *uplo, const char *transa, const char *diag,
                      const as_blas_int *m, const as_blas_int *n, const double *alpha,
                      const double *a, const as_blas_int *lda, double *b,
                      const as_blas_int *ldb);
void BLAS_FUNC(dtrmm)(const char *side, const char *uplo, const char *transa, const char *diag,
                      const as_blas_int *m, const as_blas_int *n, const double *alpha,
                      const double *a, const as_blas_int *lda, double *b,
                      const as_blas_int *ldb);

/* LAPACK */
void BLAS_FUNC(dpotrf)(const char *uplo, const as_blas_int *n, double *a, const as_blas_int *lda,
                       as_blas_int *info);
void BLAS_FUNC(dpotrs)(const char *uplo, const as_blas_int *n, const as_blas_int *nrhs,
                       const double *a, const as_blas_int *lda, double *b,
                       const as_blas_int *ldb, as_blas_int *info);
void BLAS_FUNC(dpotri)(const char *uplo, const as_blas_int *n, double *a, const as_blas_int *lda,
                       as_blas_int *info);
void BLAS_FUNC(dtrtri)(const char *uplo, const char *diag, const as_blas_int *n, double *a,
                       const as_blas_int *lda, as_blas_int *info);
void BLAS_FUNC(dsyev)(const char *jobz, const char *uplo, const as_blas_int *n, double *a,
                      const as_blas_int *lda, double *w, double *work,
                      const as_blas_int *lwork, as_blas_int *info);
void BLAS_FUNC(dgels)(const char *trans, const as_blas_int *m, const as_blas_int *n,
                      const as_blas_int *nrhs, double *a, const as_blas_int *lda, double *b,
                      const as_blas_int *ldb, double *work, const as_blas_int *lwork,
                      as_blas_int *info);
void BLAS_FUNC(dgesv)(const as_blas_int *n, const as_blas_int *nrhs, double *a,
                      const as_blas_int *lda, as_blas_int *ipiv, double *b,
                      const as_blas_int *ldb, as_blas_int *info);

/* OpenBLAS thread control */
void OPENBLAS_FUNC(openblas_set_num_threads)(int num_threads);
int OPENBLAS_FUNC(openblas_get_num_threads)(void);
int OPENBLAS_FUNC(openblas_get_num_procs)(void);

/* Threads for a problem of size n: small problems run faster on one thread (below n ~ 256 the
 * fork/join cost of OpenBLAS's pool exceeds the work).  Returns the previous setting so the
 * caller can restore it.  max_threads <= 0 means "all processors". */
int as_blas_threads_for(long n, int max_threads);
void as_blas_set_threads(int nthreads);

#endif /* AS_BLAS_H */
