/* memory.c -- huge-page-advised allocation of large double buffers. */
#include "memory.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define AS_HUGE_PAGE (2u << 20)

double *as_alloc_doubles(size_t n)
{
    if (n == 0) n = 1;
    if (n > ((size_t)-1) / sizeof(double) - AS_HUGE_PAGE) return NULL;
    size_t bytes = n * sizeof(double);
    void *p = NULL;
    if (bytes >= AS_HUGE_PAGE) {
        size_t rounded = (bytes + AS_HUGE_PAGE - 1) / AS_HUGE_PAGE * AS_HUGE_PAGE;
        if (posix_memalign(&p, AS_HUGE_PAGE, rounded) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(p, rounded, MADV_HUGEPAGE);
#endif
    } else {
        p = malloc(bytes);
    }
    return (double *)p;
}

void as_free_doubles(double *p)
{
    free(p);
}
