/* memory.h -- large caller-side workspaces backed by transparent huge pages.
 * A first touch of a 4 KiB page costs ~10 µs on these virtual machines; an n = 3000 kernel
 * matrix spans 18,000 pages.  Large buffers are aligned to 2 MiB and advised MADV_HUGEPAGE so
 * the kernel can back them with a few huge pages instead (NumPy does the same for its arrays). */
#ifndef AS_MEMORY_H
#define AS_MEMORY_H

#include <stddef.h>

/* Allocate n doubles (uninitialised), huge-page advised when large.  NULL on failure. */
double *as_alloc_doubles(size_t n);
void as_free_doubles(double *p);

#endif
