/* as_common.h -- status codes, error messages and interruption, shared by every file of the core.
 *
 * Conventions (see DESIGN.md):
 *  - Every fallible function returns an as_status and, on failure, fills an as_error whose
 *    message names the argument, what was wrong and what to do.  The core never prints or aborts.
 *  - Callers own memory: outputs and workspaces are passed in with their sizes.
 *  - Long loops poll an as_interrupt (may be NULL) and stop with AS_EINTR, leaving every result
 *    computed so far in the caller's buffers.
 */
#ifndef AS_COMMON_H
#define AS_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    AS_OK = 0,
    AS_EINVAL = 1,   /* a bad argument value            -> ValueError            */
    AS_ENOMEM = 2,   /* allocation failed               -> MemoryError           */
    AS_ELINALG = 3,  /* numerical failure (not PD, ...) -> LinAlgError subclass  */
    AS_EINTR = 4,    /* stopped by the interrupt poll   -> KeyboardInterrupt     */
    AS_EPARSE = 5,   /* malformed input text            -> parse error           */
    AS_ENUMERIC = 6  /* a NaN/inf produced or received  -> FloatingPointError    */
} as_status;

#define AS_ERRMSG_LEN 512

typedef struct {
    int code;
    long line;                 /* line number for parse errors, else 0 */
    char msg[AS_ERRMSG_LEN];
} as_error;

/* Record an error (printf-style message) and return its code; err may be NULL. */
int as_error_set(as_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clear an error record. */
void as_error_clear(as_error *err);

/* Interruption: poll(ctx) returns nonzero when the caller wants the loop to stop. */
typedef struct {
    int (*poll)(void *ctx);
    void *ctx;
} as_interrupt;

static inline int as_interrupted(const as_interrupt *intr)
{
    return intr != NULL && intr->poll != NULL && intr->poll(intr->ctx) != 0;
}

/* Flush subnormal numbers to zero for the duration of a core call.  Kernel matrices at extreme
 * hyperparameters (length scales of 1e-5 in an optimizer's trial point) fill the Cholesky
 * factorization with values below 1e-308, and subnormal arithmetic runs ~100x slower on x86;
 * such values cannot change any result at double precision.  The previous mode is restored. */
#if defined(__SSE2__) || defined(__x86_64__)
#include <xmmintrin.h>
typedef unsigned int as_fpmode;
static inline as_fpmode as_fp_flush_subnormals(void)
{
    as_fpmode old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u); /* FTZ | DAZ */
    return old;
}
static inline void as_fp_restore(as_fpmode old)
{
    _mm_setcsr(old);
}
#else
typedef int as_fpmode;
static inline as_fpmode as_fp_flush_subnormals(void)
{
    return 0;
}
static inline void as_fp_restore(as_fpmode old)
{
    (void)old;
}
#endif

#endif /* AS_COMMON_H */
