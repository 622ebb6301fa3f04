/* test_lhe_number.c -- the LHE number parser is bit-identical to strtod: random decimal strings
 * of every shape (1-25 digits, exponents across the whole double range, Fortran D exponents,
 * leading zeros), exact ties and near-ties, every numeric token of the real plain-text
 * generator files (AS_LHE_DATA_DIR), through both the padded (8-digit SWAR) and the plain entry
 * points, and the Eisel-Lemire step on its own against strtod. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "lhe.h"
#include "lhe_number.h"
#include "rng.h"

static long n_compared = 0;

/* Compare both entry points with strtod (D exponent read as E) on one NUL-terminated token. */
static int same_as_strtod(const char *text)
{
    char ref_text[160], padded[160 + 16];
    size_t n = strlen(text);
    if (n >= sizeof ref_text) return 1;
    for (size_t i = 0; i <= n; ++i)
        ref_text[i] = (text[i] == 'd' || text[i] == 'D') ? 'e' : text[i];
    memcpy(padded, text, n + 1);
    memset(padded + n + 1, 0, 16);
    char *rend;
    double ref = strtod(ref_text, &rend);
    const char *e1, *e2;
    double a = as_lhe_parse_double(text, &e1);
    double b = as_lhe_number(padded, &e2, 1);
    ++n_compared;
    int ok = memcmp(&a, &ref, sizeof a) == 0 && memcmp(&b, &ref, sizeof b) == 0 &&
             e1 - text == rend - ref_text && e2 - padded == rend - ref_text;
    if (!ok)
        fprintf(stderr, "  '%s': strtod %.17g (%td chars), parse_double %.17g (%td), padded "
                "%.17g (%td)\n", text, ref, rend - ref_text, a, e1 - text, b, e2 - padded);
    return ok;
}

static void random_token(as_rng *r, char *buf)
{
    char *p = buf;
    int sign = (int)as_rng_bounded(r, 3);
    if (sign == 1) *p++ = '-';
    if (sign == 2) *p++ = '+';
    int lead = as_rng_bounded(r, 4) == 0 ? (int)as_rng_bounded(r, 25) : 0;
    int nd = 1 + (int)as_rng_bounded(r, 25);
    int dot = (int)as_rng_bounded(r, (uint64_t)(lead + nd + 2)) - 1; /* -1: no point */
    int all = lead + nd;
    for (int i = 0; i < all; ++i) {
        if (i == dot) *p++ = '.';
        int d = i < lead ? 0 : (int)as_rng_bounded(r, 10);
        if (i == lead && d == 0 && as_rng_bounded(r, 2)) d = 1 + (int)as_rng_bounded(r, 9);
        *p++ = (char)('0' + d);
    }
    if (dot == all) *p++ = '.';
    if (as_rng_bounded(r, 5) != 0) {
        *p++ = "eEdD"[as_rng_bounded(r, 4)];
        int es = (int)as_rng_bounded(r, 3);
        if (es == 1) *p++ = '-';
        if (es == 2) *p++ = '+';
        int e = as_rng_bounded(r, 3) == 0 ? (int)as_rng_bounded(r, 400) : (int)as_rng_bounded(r, 40);
        p += sprintf(p, as_rng_bounded(r, 4) == 0 ? "%03d" : "%d", e);
    }
    *p = '\0';
}

static void test_random_strings(void)
{
    int quick = getenv("AS_TEST_QUICK") != NULL;
    as_rng r;
    as_rng_init(&r, 20261207, 3);
    char buf[128];
    int bad = 0;
    for (long i = 0; i < (quick ? 100000 : 1000000) && bad < 10; ++i) {
        random_token(&r, buf);
        if (!same_as_strtod(buf)) ++bad;
    }
    AS_CHECK(bad == 0);
}

static void test_printed_doubles(void)
{
    /* what generators write: printf of doubles with 1-19 significant digits */
    int quick = getenv("AS_TEST_QUICK") != NULL;
    as_rng r;
    as_rng_init(&r, 7, 4);
    char buf[128];
    int bad = 0;
    for (long i = 0; i < (quick ? 50000 : 500000) && bad < 10; ++i) {
        uint64_t bits = as_rng_next(&r);
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x)) continue;
        if (i & 1) x = as_rng_normal(&r) * pow(10.0, (double)((int)as_rng_bounded(&r, 80) - 40));
        int digits = 1 + (int)as_rng_bounded(&r, 19);
        snprintf(buf, sizeof buf, i % 3 ? "%.*e" : "%.*g", digits - (i % 3 ? 1 : 0), x);
        if (!same_as_strtod(buf)) ++bad;
    }
    AS_CHECK(bad == 0);
}

static void test_ties_and_near_ties(void)
{
    /* m in [2^53, 2^54) odd is exactly halfway between two doubles: ties go to even; the
     * neighbours m +- 1 and the same digits scaled by powers of ten probe the rounding */
    as_rng r;
    as_rng_init(&r, 99, 5);
    char buf[128];
    int bad = 0;
    for (int i = 0; i < 20000 && bad < 10; ++i) {
        uint64_t m = (1ULL << 53) + (as_rng_next(&r) >> 11);
        m |= 1;
        for (int dm = -1; dm <= 1; ++dm) {
            snprintf(buf, sizeof buf, "%llu", (unsigned long long)(m + (uint64_t)dm));
            if (!same_as_strtod(buf)) ++bad;
            int k = (int)as_rng_bounded(&r, 40) - 20;
            snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)(m + (uint64_t)dm), k);
            if (!same_as_strtod(buf)) ++bad;
            snprintf(buf, sizeof buf, "%llu000", (unsigned long long)(m + (uint64_t)dm));
            if (!same_as_strtod(buf)) ++bad;
        }
    }
    /* decimal halfway points written with 17-19 digits (the writer's %+.16e and beyond) */
    for (int i = 0; i < 200000 && bad < 10; ++i) {
        uint64_t bits = (as_rng_next(&r) >> 2) | (1ULL << 61); /* normal, positive */
        double x, y;
        memcpy(&x, &bits, sizeof x);
        y = nextafter(x, INFINITY);
        if (!isfinite(y)) continue;
        long double mid = ((long double)x + (long double)y) / 2;
        snprintf(buf, sizeof buf, "%.*Le", 16 + (int)as_rng_bounded(&r, 3), mid);
        if (!same_as_strtod(buf)) ++bad;
    }
    const char *edge[] = {"9007199254740993", "9007199254740992.5", "4.9406564584124654e-324",
                          "2.2250738585072011e-308", "2.2250738585072014e-308",
                          "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "1e-400",
                          "0.000000000000000000000000000001", "123456789012345678901234567890",
                          "9999999999999999999", "18446744073709551615", "18446744073709551616",
                          "1e23", "8.98846567431158e307", "7.2057594037927933e16", "-0",
                          "0e999999", "1e-999999", "00000000000000000000001.5", "inf", "-nan",
                          ".5", "5.", "1D+02", "3.0d-3", "0.1", "0.3", "1.0000000000000002",
                          "2.4703282292062327e-324", "2.4703282292062328e-324", NULL};
    for (int i = 0; edge[i]; ++i)
        if (!same_as_strtod(edge[i])) ++bad;
    AS_CHECK(bad == 0);
}

static void test_eisel_lemire_alone(void)
{
    /* the 128-bit step on its own must be right whenever it claims a result */
    as_rng r;
    as_rng_init(&r, 3, 6);
    char buf[64];
    int bad = 0, decided = 0;
    for (int i = 0; i < 300000 && bad < 10; ++i) {
        uint64_t w = as_rng_next(&r) >> (int)as_rng_bounded(&r, 64);
        if (w == 0) continue;
        int q = (int)as_rng_bounded(&r, 700) - 350;
        double v;
        if (!as_lhe_eisel_lemire(w, q, (int)(i & 1), &v)) continue;
        ++decided;
        snprintf(buf, sizeof buf, "%s%llue%d", i & 1 ? "-" : "", (unsigned long long)w, q);
        double ref = strtod(buf, NULL);
        if (memcmp(&v, &ref, sizeof v) != 0) {
            ++bad;
            fprintf(stderr, "  eisel-lemire %s: %.17g vs strtod %.17g\n", buf, v, ref);
        }
    }
    AS_CHECK(bad == 0 && decided > 200000);
}

static void test_tokens_of_real_files(void)
{
    const char *dir = getenv("AS_LHE_DATA_DIR");
    if (dir == NULL) return;
    DIR *d = opendir(dir);
    if (d == NULL) return;
    struct dirent *ent;
    int bad = 0, files = 0;
    long before = n_compared;
    while ((ent = readdir(d)) != NULL && bad < 10) {
        size_t nl = strlen(ent->d_name);
        if (nl < 5 || strcmp(ent->d_name + nl - 4, ".lhe") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) continue;
        char tok[160];
        size_t k = 0;
        int c;
        /* every maximal run of number characters is a token */
        while ((c = fgetc(f)) != EOF) {
            if (strchr("0123456789+-.eEdD", c) && c != 0 && k < sizeof tok - 1) {
                tok[k++] = (char)c;
                continue;
            }
            tok[k] = '\0';
            if (k > 0 && strpbrk(tok, "0123456789") && !same_as_strtod(tok)) ++bad;
            k = 0;
        }
        fclose(f);
        ++files;
    }
    closedir(d);
    printf("  %ld tokens of %d real files\n", n_compared - before, files);
    AS_CHECK(bad == 0);
}

int main(void)
{
    AS_RUN(test_random_strings);
    AS_RUN(test_printed_doubles);
    AS_RUN(test_ties_and_near_ties);
    AS_RUN(test_eisel_lemire_alone);
    AS_RUN(test_tokens_of_real_files);
    AS_TEST_EXIT();
}
