/* test_linalg.c -- the recursive Cholesky factorization and inverse against LAPACK's dpotrf
 * and dpotri. */
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

/* max |UᵀU − K| / max |K| over the upper triangle, U in the upper triangle of A */
static double residual(const double *K, const double *A, size_t n, size_t lda)
{
    double r = 0.0, kmax = 0.0;
    for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i <= j; ++i) {
            double s = 0.0;
            for (size_t k = 0; k <= i; ++k) s += A[k + i * lda] * A[k + j * lda];
            r = fmax(r, fabs(s - K[i + j * lda]));
            kmax = fmax(kmax, fabs(K[i + j * lda]));
        }
    return r / kmax;
}

/* K: a random SPD matrix (ill = 0) or a Matern-5/2 kernel matrix of clustered 1-D points with a
 * 1e-10 nugget, condition 1e9-1e12 for n = 17-301 (ill = 1), upper triangle, leading dimension
 * lda; the strictly lower triangle holds a sentinel that must survive */
static double *test_matrix(size_t n, size_t lda, int ill)
{
    as_rng r;
    as_rng_init(&r, 5, n);
    double *K = malloc(lda * n * sizeof(double)), *x = malloc(n * sizeof(double));
    for (size_t i = 0; i < lda * n; ++i) K[i] = 12345.0;
    for (size_t i = 0; i < n; ++i) x[i] = as_rng_uniform(&r);
    for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i <= j; ++i) {
            double v;
            if (ill) {
                double d = sqrt(5.0) * fabs(x[i] - x[j]) / 0.3;
                v = (1.0 + d + d * d / 3.0) * exp(-d) + (i == j ? 1e-10 : 0.0);
            } else {
                v = (i == j ? (double)n : 0.0) + as_rng_normal(&r) / 4.0;
            }
            K[i + j * lda] = v;
        }
    free(x);
    return K;
}

static void check_chol(size_t n, size_t lda, int ill)
{
    double *K = test_matrix(n, lda, ill), *A = malloc(lda * n * sizeof(double));
    double *B = malloc(lda * n * sizeof(double));
    memcpy(A, K, lda * n * sizeof(double));
    memcpy(B, K, lda * n * sizeof(double));
    as_blas_int nn = (as_blas_int)n, ld = (as_blas_int)lda, info = 0;
    BLAS_FUNC(dpotrf)("U", &nn, B, &ld, &info);
    AS_CHECK(info == 0);
    AS_CHECK(as_chol_upper(A, n, lda) == 0);
    double diff = 0.0, umax = 0.0;
    int lower_kept = 1;
    for (size_t j = 0; j < n; ++j)
        for (size_t i = 0; i < lda; ++i) {
            if (i > j) {
                lower_kept &= A[i + j * lda] == 12345.0;
                continue;
            }
            diff = fmax(diff, fabs(A[i + j * lda] - B[i + j * lda]));
            umax = fmax(umax, fabs(B[i + j * lda]));
        }
    AS_CHECK(lower_kept);
    /* backward error as small as LAPACK's (both ~1e-16), and the same factor where K is well
     * conditioned */
    double ours = residual(K, A, n, lda), lapack = residual(K, B, n, lda);
    AS_CHECK(ours <= 4.0 * lapack + 1e-15);
    if (!ill) AS_CHECK(diff <= 1e-13 * umax);
    if (!(ours <= 4.0 * lapack + 1e-15) || (!ill && !(diff <= 1e-13 * umax)))
        fprintf(stderr, "n=%zu lda=%zu ill=%d residual %g (dpotrf %g) diff %g\n", n, lda, ill,
                ours, lapack, diff / umax);
    free(K);
    free(A);
    free(B);
}

static void test_chol_matches_dpotrf(void)
{
    size_t sizes[] = {1, 2, 3, 7, 16, 17, 33, 64, 100, 129, 250, 301};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s)
        for (int ill = 0; ill < 2; ++ill) {
            check_chol(sizes[s], sizes[s], ill);
            check_chol(sizes[s], sizes[s] + 3, ill);
        }
}

/* a minor that is not positive definite gives dpotrf's info whichever recursion half it falls
 * in; a NaN gives the first pivot it reaches (OpenBLAS's dpotrf returns 0 and a NaN factor) */
static void test_chol_failure_reported(void)
{
    const size_t n = 70;
    size_t bad[] = {0, 5, 16, 17, 34, 35, 52, 69};
    for (int kind = 0; kind < 3; ++kind)
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; ++b) {
            size_t p = bad[b];
            if (kind == 2 && p == 0) continue;
            double *K = test_matrix(n, n, 0), *A = malloc(n * n * sizeof(double));
            if (kind == 0) K[p + p * n] = -1.0;       /* negative pivot */
            else if (kind == 1) K[p + p * n] = NAN;   /* NaN on the diagonal */
            else K[(p - 1) + p * n] = NAN;            /* NaN above it, in column p */
            memcpy(A, K, n * n * sizeof(double));
            int expected = (int)p + 1;
            if (kind == 0) {
                as_blas_int nn = (as_blas_int)n, info = 0;
                BLAS_FUNC(dpotrf)("U", &nn, K, &nn, &info);
                AS_CHECK((int)info == expected);
            }
            int ours = as_chol_upper(A, n, n);
            AS_CHECK(ours == expected);
            if (ours != expected) fprintf(stderr, "kind %d at %zu: %d\n", kind, p, ours);
            free(K);
            free(A);
        }
}

int main(void)
{
    AS_RUN(test_chol_matches_dpotrf);
    AS_RUN(test_chol_failure_reported);
    AS_RUN(test_matches_dpotri);
    AS_RUN(test_singular_factor_reported);
    AS_TEST_EXIT();
}
