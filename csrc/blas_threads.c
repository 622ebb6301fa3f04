/* blas_threads.c -- choose the OpenBLAS thread count per call. */
#include "blas.h"

#define AS_BLAS_SMALL_N 256

int as_blas_threads_for(long n, int max_threads)
{
    int previous = OPENBLAS_FUNC(openblas_get_num_threads)();
    int procs = OPENBLAS_FUNC(openblas_get_num_procs)();
    int want = (max_threads > 0 && max_threads < procs) ? max_threads : procs;
    if (n < AS_BLAS_SMALL_N) want = 1;
    if (want < 1) want = 1;
    if (want != previous) OPENBLAS_FUNC(openblas_set_num_threads)(want);
    return previous;
}

void as_blas_set_threads(int nthreads)
{
    if (nthreads < 1) nthreads = 1;
    if (nthreads != OPENBLAS_FUNC(openblas_get_num_threads)())
        OPENBLAS_FUNC(openblas_set_num_threads)(nthreads);
}
