/* test_linalg.c -- the recursive Cholesky inverse against LAPACK's dpotri. */
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "blas.h"
#include "linalg.h"
#include "rng.h"

static void check_size(size_t n, size_t lda)
{
    as_rng r;
    as_rng_init(&r, 77, n);
    double *G = malloc(n * n * sizeof(double)), *K = calloc(lda * n, sizeof(double));
    double *A = calloc(lda * n, sizeof(double)), *B = calloc(lda * n, sizeof(double));
    for (size_t i = 0; i < n * n; ++i) G[i] = as_rng_normal(&r);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) {
            double s = (i == j) ? (double)n : 0.0;
            for (size_t k = 0; k < n; ++k) s += G[i * n + k] * G[j * n + k];
            K[i + j * lda] = s;
        }
    memcpy(A, K, lda * n * sizeof(double));
    as_blas_int nn = (as_blas_int)n, ld = (as_blas_int)lda, info = 0;
    BLAS_FUNC(dpotrf)("U", &nn, A, &ld, &info);
    AS_CHECK(info == 0);
    memcpy(B, A, lda * n * sizeof(double));
    BLAS_FUNC(dpotri)("U", &nn, B, &ld, &info);
    AS_CHECK(info == 0);
    AS_CHECK(as_chol_inverse(A, n, lda) == 0);
    double maxabs = 0.0;
    for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i <= j; ++i) {
            double d = fabs(A[i + j * lda] - B[i + j * lda]);
            if (d > maxabs) maxabs = d;
        }
    AS_CHECK(maxabs < 1e-12);
    if (!(maxabs < 1e-12)) fprintf(stderr, "n=%zu lda=%zu maxabs=%g\n", n, lda, maxabs);
    free(G);
    free(K);
    free(A);
    free(B);
}

static void test_matches_dpotri(void)
{
    size_t sizes[] = {1, 2, 3, 7, 16, 17, 33, 64, 100, 129, 250};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
        check_size(sizes[s], sizes[s]);
        check_size(sizes[s], sizes[s] + 3);
    }
}

static void test_singular_factor_reported(void)
{
    double A[9] = {1, 0, 0, 2, 0, 0, 3, 4, 5}; /* U_11 = 0 */
    AS_CHECK(as_chol_inverse(A, 3, 3) == 2);
}

int main(void)
{
    AS_RUN(test_matches_dpotri);
    AS_RUN(test_singular_factor_reported);
    AS_TEST_EXIT();
}
