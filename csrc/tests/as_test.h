/* as_test.h -- a minimal unit-test harness for the C core (no Python, no dependencies).
 * Each test file defines test functions and a main() that calls AS_RUN(test) for each;
 * AS_CHECK* record failures with file and line and the process exits nonzero if any failed. */
#ifndef AS_TEST_H
#define AS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int as_test_failures = 0;
static int as_test_checks = 0;

#define AS_CHECK(cond)                                                                     \
    do {                                                                                   \
        ++as_test_checks;                                                                  \
        if (!(cond)) {                                                                     \
            ++as_test_failures;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);      \
        }                                                                                  \
    } while (0)

#define AS_CHECK_CLOSE(a, b, rtol, atol)                                                   \
    do {                                                                                   \
        double as_a_ = (a), as_b_ = (b);                                                   \
        ++as_test_checks;                                                                  \
        if (!(fabs(as_a_ - as_b_) <= (atol) + (rtol) * fabs(as_b_))) {                     \
            ++as_test_failures;                                                            \
            fprintf(stderr, "%s:%d: %s = %.17g, expected %s = %.17g\n", __FILE__, __LINE__, \
                    #a, as_a_, #b, as_b_);                                                 \
        }                                                                                  \
    } while (0)

#define AS_RUN(test)                                                                       \
    do {                                                                                   \
        int as_before_ = as_test_failures;                                                 \
        test();                                                                            \
        printf("%-48s %s\n", #test, as_test_failures == as_before_ ? "ok" : "FAILED");     \
    } while (0)

#define AS_TEST_EXIT()                                                                     \
    do {                                                                                   \
        printf("%d checks, %d failures\n", as_test_checks, as_test_failures);              \
        return as_test_failures ? 1 : 0;                                                   \
    } while (0)

#endif
