/* test_lhe.c -- the LHE parser: values, chunking invariance, truncation at every byte, and a
 * deterministic mutation fuzzer (run under ASan/UBSan and valgrind by run.sh).  Real generator
 * files are fuzzed too when AS_LHE_DATA_DIR points at them (plain .lhe only). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "as_test.h"
#include "lhe.h"
#include "rng.h"

static const char *SAMPLE =
    "<LesHouchesEvents version=\"3.0\">\n"
    "<header>\n<!-- <init> inside a comment is not the init block -->\n"
    "<initrwgt>\n<weightgroup name='scale'>\n<weight id='up'> mu=2 </weight>\n"
    "<weight id='down'> mu=0.5 </weight>\n</weightgroup>\n</initrwgt>\n</header>\n"
    "<init>\n 11 -11 4.56E+01 4.56E+01 0 0 0 0 3 1\n 1.9E+03 1.0E+00 1.0E+00 1\n"
    "<generator name='test'>x</generator>\n</init>\n"
    "<event npLO=\" 2 \">\n 4 1 +1.0e+00 9.1e+01 7.8e-03 1.18e-01\n"
    " 11 -1 0 0 0 0 0. 0. 45.6 45.6 0. 0. 9.\n"
    " -11 -1 0 0 0 0 0. 0. -45.6 45.6 0. 0. 9.\n"
    " 13 1 1 2 0 0 1.5 -2.5 30.0 45.6 0.105 0. 1.\n"
    " -13 1 1 2 0 0 -1.5 2.5 -30.0 45.6 0.105 0. -1.\n"
    "# a comment\n<mgrwt>\n<rscale> 1 </rscale>\n</mgrwt>\n"
    "<rwgt>\n<wgt id='up'> 1.1 </wgt>\n<wgt id='down'> 0.9 </wgt>\n</rwgt>\n"
    "<scales muf='91.2' mur=\"45\"> </scales>\n</event>\n"
    "<event>\n 2 1 2.0 91.0 0.0078 0.118\n"
    " 22 1 0 0 0 0 1 0 0 1 0 0 9\n 22 1 0 0 0 0 -1 0 0 1 0 0 9\n"
    "<weights>\n 2.2\n 1.8 </weights>\n<clustering>\n<clus scale='1'> 1 2 </clus>\n"
    "</clustering>\n</event>\n"
    "<event>\n 1 7 -3.0D+00 1.0 0.0 0.0\n 23 2 0 0 0 0 0 0 0 91.2 91.2 0 9\n"
    "<weight name='sqme'>1.5E-01</weight>\n</event>\n"
    "</LesHouchesEvents>\n";

typedef struct {
    size_t n_events, n_particles, n_w;
    double sum;
} summary;

static int run(const char *text, size_t len, const size_t *cuts, size_t ncuts, summary *out,
               as_error *err)
{
    as_lhe_parser *p = as_lhe_new();
    memset(out, 0, sizeof *out);
    size_t pos = 0;
    int st = AS_OK;
    for (size_t c = 0; c <= ncuts && st == AS_OK; ++c) {
        size_t end = c < ncuts ? cuts[c] : len;
        if (end < pos) end = pos;
        if (end > len) end = len;
        st = as_lhe_feed(p, text + pos, end - pos, err);
        pos = end;
        /* take the completed events, as the Python layer does */
        out->n_events += p->n_events;
        out->n_particles += p->mark_particles;
        out->n_w += p->mark_w + p->mark_p;
        for (size_t i = 0; i < p->n_events; ++i) out->sum += p->weight[i] + p->scale[i];
        for (size_t j = 0; j < p->mark_particles; ++j) out->sum += p->px[j] + p->pz[j] + p->pdgid[j];
        as_lhe_clear_events(p);
    }
    if (st == AS_OK) st = as_lhe_finish(p, err);
    out->n_events += p->n_events;
    out->n_particles += p->mark_particles;
    for (size_t i = 0; i < p->n_events; ++i) out->sum += p->weight[i] + p->scale[i];
    for (size_t j = 0; j < p->mark_particles; ++j) out->sum += p->px[j] + p->pz[j] + p->pdgid[j];
    as_lhe_free(p);
    return st;
}


/* A table cell: NaN when the event has no value there. */
static double cell(const as_lhe_table *t, size_t row, size_t col)
{
    if (row >= t->rows_init || col >= t->stride) return NAN;
    return t->values[row * t->stride + col];
}

/* Everything the parser stores, for bitwise comparison of two runs. */
typedef struct {
    size_t n_ev, n_pa, n_tab[4], cap_tab[4];
    double *ev, *pa, *tab[4];
    int64_t *tab_idx[4];
} snapshot;

static void snap_free(snapshot *s)
{
    free(s->ev);
    free(s->pa);
    for (int t = 0; t < 4; ++t) {
        free(s->tab[t]);
        free(s->tab_idx[t]);
    }
    memset(s, 0, sizeof *s);
}

static void snap_take(as_lhe_parser *p, snapshot *s)
{
    size_t ne = p->n_events, np_ = p->mark_particles;
    if (ne == 0) { /* nothing completed (a partial event stays in the parser) */
        as_lhe_clear_events(p);
        return;
    }
    s->ev = realloc(s->ev, (s->n_ev + ne) * 7 * sizeof(double));
    for (size_t i = 0; i < ne; ++i) {
        double *o = s->ev + (s->n_ev + i) * 7;
        o[0] = p->nparticles[i];
        o[1] = p->process_id[i];
        o[2] = p->weight[i];
        o[3] = p->scale[i];
        o[4] = p->aqed[i];
        o[5] = p->aqcd[i];
        o[6] = (double)p->first_line[i];
    }
    s->pa = realloc(s->pa, (s->n_pa + np_) * 13 * sizeof(double));
    for (size_t j = 0; j < np_; ++j) {
        double *o = s->pa + (s->n_pa + j) * 13;
        o[0] = p->pdgid[j];
        o[1] = p->status[j];
        o[2] = p->mother1[j];
        o[3] = p->mother2[j];
        o[4] = p->color1[j];
        o[5] = p->color2[j];
        o[6] = p->px[j];
        o[7] = p->py[j];
        o[8] = p->pz[j];
        o[9] = p->e[j];
        o[10] = p->m[j];
        o[11] = p->lifetime[j];
        o[12] = p->spin[j];
    }
    const as_lhe_table *tabs[4] = {&p->weights, &p->positional, &p->scales, &p->attributes};
    for (int t = 0; t < 4; ++t) { /* the values present, as (event, column, value) */
        const as_lhe_table *tb = tabs[t];
        for (size_t i = 0; i < ne; ++i)
            for (size_t c = 0; c < tb->n_names; ++c) {
                double v = cell(tb, i, c);
                if (isnan(v)) continue;
                size_t k = s->n_tab[t]++;
                if (k >= s->cap_tab[t]) { /* doubling: no quadratic copying under ASan */
                    s->cap_tab[t] = s->cap_tab[t] ? 2 * s->cap_tab[t] : 256;
                    s->tab[t] = realloc(s->tab[t], s->cap_tab[t] * sizeof(double));
                    s->tab_idx[t] = realloc(s->tab_idx[t], s->cap_tab[t] * 2 * sizeof(int64_t));
                }
                s->tab[t][k] = v;
                s->tab_idx[t][2 * k] = (int64_t)(s->n_ev + i);
                s->tab_idx[t][2 * k + 1] = (int64_t)c;
            }
    }
    s->n_ev += ne;
    s->n_pa += np_;
    as_lhe_clear_events(p);
}

/* Parse text in pieces of 1..max_piece bytes (0: one piece); returns the status. */
static int snap_run(const char *text, size_t len, size_t max_piece, as_rng *r, snapshot *s,
                    int general_only)
{
    memset(s, 0, sizeof *s);
    as_lhe_parser *p = as_lhe_new();
    p->general_only = general_only;
    as_error err;
    int st = AS_OK;
    size_t pos = 0;
    while (pos < len && st == AS_OK) {
        size_t n = max_piece ? 1 + (size_t)as_rng_bounded(r, max_piece) : len;
        if (n > len - pos) n = len - pos;
        st = as_lhe_feed(p, text + pos, n, &err);
        pos += n;
        snap_take(p, s);
    }
    if (st == AS_OK) st = as_lhe_finish(p, &err);
    snap_take(p, s);
    as_lhe_free(p);
    return st;
}

static int snap_equal(const snapshot *a, const snapshot *b)
{
    if (a->n_ev != b->n_ev || a->n_pa != b->n_pa) return 0;
    if (a->n_ev && memcmp(a->ev, b->ev, a->n_ev * 7 * sizeof(double)) != 0) return 0;
    if (a->n_pa && memcmp(a->pa, b->pa, a->n_pa * 13 * sizeof(double)) != 0) return 0;
    for (int t = 0; t < 4; ++t) {
        if (a->n_tab[t] != b->n_tab[t]) return 0;
        if (a->n_tab[t] && (memcmp(a->tab[t], b->tab[t], a->n_tab[t] * sizeof(double)) != 0 ||
                            memcmp(a->tab_idx[t], b->tab_idx[t],
                                   a->n_tab[t] * 2 * sizeof(int64_t)) != 0))
            return 0;
    }
    return 1;
}

/* The fast paths (particle and <wgt> lines, parsed where they lie in a chunk or in the copied
 * line) and the general path store bit-identical values: one piece with the fast paths versus
 * one piece with general_only set, pieces of 1-16 bytes (nearly every line copied) and of
 * 1-4000 bytes (a mix), on the sample and every real plain file. */
/* The text of the next non-empty, readable *.lhe file of directory d (at dir), malloc'd with
 * a terminating NUL, its name and size; NULL when there is none left. */
static char *next_lhe_file(DIR *d, const char *dir, const char **name, size_t *size)
{
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t nl = strlen(ent->d_name);
        if (nl < 5 || strcmp(ent->d_name + nl - 4, ".lhe") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) continue;
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *text = n > 0 ? malloc((size_t)n + 1) : NULL;
        int ok = text != NULL && fread(text, 1, (size_t)n, f) == (size_t)n;
        fclose(f);
        if (!ok) {
            free(text);
            continue;
        }
        text[n] = '\0';
        *name = ent->d_name;
        *size = (size_t)n;
        return text;
    }
    return NULL;
}

static void test_fast_paths_equal_general_path(void)
{
    as_rng r;
    as_rng_init(&r, 77, 2);
    snapshot whole, cut;
    AS_CHECK(snap_run(SAMPLE, strlen(SAMPLE), 0, &r, &whole, 0) == AS_OK);
    for (size_t mp = 0; mp <= 16; ++mp) {
        AS_CHECK(snap_run(SAMPLE, strlen(SAMPLE), mp, &r, &cut, mp == 0) == AS_OK);
        AS_CHECK(snap_equal(&whole, &cut));
        snap_free(&cut);
    }
    snap_free(&whole);
    const char *dir = getenv("AS_LHE_DATA_DIR");
    if (dir == NULL) return;
    DIR *d = opendir(dir);
    if (d == NULL) return;
    int files = 0, quick = getenv("AS_TEST_QUICK") != NULL;
    const char *name;
    size_t size;
    char *text;
    while ((text = next_lhe_file(d, dir, &name, &size)) != NULL) {
        if (!quick || size < 200000) {
            AS_CHECK(snap_run(text, size, 0, &r, &whole, 0) == AS_OK);
            AS_CHECK(whole.n_ev > 0 && whole.n_pa > 0);
            size_t pieces[3] = {0, 16, 4000};
            for (int k = 0; k < 3; ++k) {
                AS_CHECK(snap_run(text, size, pieces[k], &r, &cut, k == 0) == AS_OK);
                if (!snap_equal(&whole, &cut)) {
                    AS_CHECK(0 && "chunking changed a stored value");
                    fprintf(stderr, "  %s, %s%zu\n", name,
                            k == 0 ? "general path only" : "pieces of bytes up to ", pieces[k]);
                }
                snap_free(&cut);
            }
            snap_free(&whole);
            ++files;
        }
        free(text);
    }
    closedir(d);
    printf("  compared %d real files\n", files);
}

static void test_sample_values(void)
{
    as_lhe_parser *p = as_lhe_new();
    as_error err;
    AS_CHECK(as_lhe_feed(p, SAMPLE, strlen(SAMPLE), &err) == AS_OK);
    AS_CHECK(as_lhe_finish(p, &err) == AS_OK);
    AS_CHECK(p->n_events == 3 && p->n_particles == 7);
    AS_CHECK(strcmp(p->version, "3.0") == 0);
    AS_CHECK(p->init.beam_id[0] == 11 && p->init.beam_id[1] == -11);
    AS_CHECK(p->init.n_processes == 1 && p->init.xsec[0] == 1900.0);
    AS_CHECK(p->n_init_weight_ids == 2 && strcmp(p->init_weight_ids[1], "down") == 0);
    AS_CHECK(p->weight[2] == -3.0 && p->process_id[2] == 7);
    AS_CHECK(p->pdgid[2] == 13 && p->px[3] == -1.5 && p->spin[3] == -1.0 && p->m[2] == 0.105);
    /* named: up, down (event 0), sqme (event 2); positional <weights> named up, down (event 1) */
    AS_CHECK(p->weights.n_names == 3 && p->weights.n == 3);
    AS_CHECK(cell(&p->weights, 0, 0) == 1.1 && cell(&p->weights, 0, 1) == 0.9);
    AS_CHECK(isnan(cell(&p->weights, 0, 2)) && isnan(cell(&p->weights, 1, 0)));
    AS_CHECK(cell(&p->weights, 2, 2) == 0.15 && isnan(cell(&p->weights, 2, 0)));
    AS_CHECK(p->positional.n == 2 && isnan(cell(&p->positional, 0, 0)));
    AS_CHECK(cell(&p->positional, 1, 0) == 2.2 && cell(&p->positional, 1, 1) == 1.8);
    AS_CHECK(strcmp(p->positional.names[0], "up") == 0);
    AS_CHECK(p->scales.n == 2 && cell(&p->scales, 0, 0) == 91.2 && cell(&p->scales, 0, 1) == 45.0);
    AS_CHECK(p->attributes.n == 1 && cell(&p->attributes, 0, 0) == 2.0);
    AS_CHECK(isnan(cell(&p->attributes, 1, 0)));
    AS_CHECK(strstr(p->init_extra, "generator") != NULL);
    AS_CHECK(strstr(p->header, "initrwgt") != NULL);
    as_lhe_free(p);
}

static void test_chunking_invariance(void)
{
    size_t len = strlen(SAMPLE);
    summary ref, s;
    as_error err;
    AS_CHECK(run(SAMPLE, len, NULL, 0, &ref, &err) == AS_OK);
    AS_CHECK(ref.n_events == 3 && ref.n_particles == 7 && ref.n_w == 5);
    for (size_t cut = 0; cut <= len; ++cut) {
        int st = run(SAMPLE, len, &cut, 1, &s, &err);
        if (st != AS_OK || s.n_events != ref.n_events || s.n_particles != ref.n_particles ||
            s.sum != ref.sum || s.n_w != ref.n_w) {
            AS_CHECK(0 && "two-chunk split changed the result");
            fprintf(stderr, "cut at %zu: %s\n", cut, err.msg);
            break;
        }
    }
    as_rng r;
    as_rng_init(&r, 5, 0);
    for (int trial = 0; trial < 200; ++trial) {
        size_t cuts[40];
        for (int c = 0; c < 40; ++c) cuts[c] = (size_t)as_rng_bounded(&r, len + 1);
        for (int a = 0; a < 40; ++a) /* sort */
            for (int b = a + 1; b < 40; ++b)
                if (cuts[b] < cuts[a]) {
                    size_t t = cuts[a];
                    cuts[a] = cuts[b];
                    cuts[b] = t;
                }
        AS_CHECK(run(SAMPLE, len, cuts, 40, &s, &err) == AS_OK);
        AS_CHECK(s.n_events == 3 && s.sum == ref.sum);
    }
}

static void test_truncation_everywhere(void)
{
    size_t len = strlen(SAMPLE);
    summary s;
    as_error err;
    size_t last_ok = 0;
    for (size_t cut = 0; cut < len; ++cut) {
        as_error_clear(&err);
        int st = run(SAMPLE, cut, NULL, 0, &s, &err);
        AS_CHECK(st == AS_EPARSE || st == AS_OK);
        if (st == AS_EPARSE) AS_CHECK(err.line >= 1 && err.msg[0] != '\0');
        AS_CHECK(s.n_events <= 3);
        if (st == AS_OK) last_ok = cut;
    }
    /* only the complete file, or the file missing just its final newline, is accepted */
    AS_CHECK(last_ok == 0 || last_ok >= len - 1);
}

static void test_errors_name_the_problem(void)
{
    as_error err;
    summary s;
    const char *no_init = "<LesHouchesEvents version=\"1.0\">\n<event>\n1 1 1 1 1 1\n";
    AS_CHECK(run(no_init, strlen(no_init), NULL, 0, &s, &err) == AS_EPARSE);
    AS_CHECK(strstr(err.msg, "<init>") != NULL && err.line == 2);
    char *bad = strdup(SAMPLE);
    char *q = strstr(bad, " 11 -1 0 0 0 0 0. 0. 45.6");
    q[20] = 'x'; /* a letter inside a number */
    AS_CHECK(run(bad, strlen(bad), NULL, 0, &s, &err) == AS_EPARSE);
    AS_CHECK(strstr(err.msg, "13 numbers") != NULL);
    AS_CHECK(s.n_events == 0);
    free(bad);
    /* a huge particle count in a damaged file is a parse error, not an allocation */
    const char *huge = "<LesHouchesEvents>\n<init>\n 1 1 1 1 0 0 0 0 3 0\n</init>\n<event>\n"
                       " 999999999 1 1 1 1 1\n 22 1 0 0 0 0 1 0 0 1 0 0 9\n</event>\n";
    AS_CHECK(run(huge, strlen(huge), NULL, 0, &s, &err) == AS_EPARSE);
    AS_CHECK(strstr(err.msg, "declares 999999999 particles") != NULL && err.line == 8);
    const char *huge2 = "<LesHouchesEvents>\n<init>\n 1 1 1 1 0 0 0 0 3 0\n</init>\n<event>\n"
                        " 2147483647 1 1 1 1 1\n</event>\n";
    AS_CHECK(run(huge2, strlen(huge2), NULL, 0, &s, &err) == AS_EPARSE);
    AS_CHECK(strstr(err.msg, "declares 2147483647 particles") != NULL && err.line == 7);
    as_lhe_parser *p = as_lhe_new();
    AS_CHECK(as_lhe_feed(p, "garbage\n", 8, &err) == AS_OK);
    AS_CHECK(as_lhe_finish(p, &err) == AS_EPARSE && strstr(err.msg, "not a Les Houches") != NULL);
    AS_CHECK(as_lhe_feed(p, "x", 1, &err) == AS_EINVAL); /* stopped parsers refuse input */
    as_lhe_free(p);
}

static const char ALPHABET[] = " \n\n<>/=#'\"0123456789.eE+-dDinitevntwgsl";

static void mutate_and_parse(const char *base, size_t len, as_rng *r, int iterations)
{
    char *buf = malloc(2 * len + 64);
    as_error err;
    summary s;
    for (int it = 0; it < iterations; ++it) {
        size_t n = len;
        memcpy(buf, base, len);
        int edits = 1 + (int)as_rng_bounded(r, 8);
        for (int e = 0; e < edits && n > 0; ++e) {
            size_t at = (size_t)as_rng_bounded(r, n);
            switch (as_rng_bounded(r, 4)) {
            case 0: buf[at] = ALPHABET[as_rng_bounded(r, sizeof ALPHABET - 1)]; break;
            case 1: { /* delete a run */
                size_t k = 1 + (size_t)as_rng_bounded(r, 40);
                if (at + k > n) k = n - at;
                memmove(buf + at, buf + at + k, n - at - k);
                n -= k;
                break;
            }
            case 2: { /* duplicate a run (bounded growth) */
                size_t k = 1 + (size_t)as_rng_bounded(r, 30);
                if (at + k > n) k = n - at;
                if (n + k > 2 * len + 60) break;
                memmove(buf + at + k, buf + at, n - at);
                n += k;
                break;
            }
            default: buf[at] = (char)as_rng_bounded(r, 256); break;
            }
        }
        size_t cuts[3] = {(size_t)as_rng_bounded(r, n + 1), (size_t)as_rng_bounded(r, n + 1),
                          (size_t)as_rng_bounded(r, n + 1)};
        if (cuts[0] > cuts[1]) { size_t t = cuts[0]; cuts[0] = cuts[1]; cuts[1] = t; }
        if (cuts[1] > cuts[2]) { size_t t = cuts[1]; cuts[1] = cuts[2]; cuts[2] = t; }
        if (cuts[0] > cuts[1]) { size_t t = cuts[0]; cuts[0] = cuts[1]; cuts[1] = t; }
        int st = run(buf, n, cuts, 3, &s, &err);
        if (!(st == AS_OK || st == AS_EPARSE)) AS_CHECK(st == AS_OK || st == AS_EPARSE);
    }
    free(buf);
}

static void test_mutation_fuzz(void)
{
    int quick = getenv("AS_TEST_QUICK") != NULL;
    as_rng r;
    as_rng_init(&r, 2024, 1);
    mutate_and_parse(SAMPLE, strlen(SAMPLE), &r, quick ? 2000 : 30000);
    const char *dir = getenv("AS_LHE_DATA_DIR");
    if (dir == NULL) return;
    DIR *d = opendir(dir);
    if (d == NULL) return;
    int files = 0;
    const char *name;
    size_t size;
    char *text;
    while ((text = next_lhe_file(d, dir, &name, &size)) != NULL) {
        if (size < (1 << 20)) {
            summary s;
            as_error err;
            AS_CHECK(run(text, size, NULL, 0, &s, &err) == AS_OK);
            mutate_and_parse(text, size, &r, quick ? 20 : 300);
            ++files;
        }
        free(text);
    }
    closedir(d);
    printf("  fuzzed %d real files from %s\n", files, dir);
}

static void test_number_parser_against_strtod(void)
{
    as_rng r;
    as_rng_init(&r, 11, 0);
    char buf[64];
    const char *fmts[] = {"%.10e", "%+.16e", "%.17g", "%.6E", "%.3f", "%.0f"};
    int quick = getenv("AS_TEST_QUICK") != NULL;
    for (int i = 0; i < (quick ? 20000 : 300000); ++i) {
        double x = as_rng_normal(&r) * pow(10.0, (double)((int)as_rng_bounded(&r, 60) - 30));
        snprintf(buf, sizeof buf, fmts[i % 6], x);
        const char *end;
        double v = as_lhe_parse_double(buf, &end);
        double ref = strtod(buf, NULL);
        if (v != ref || *end != '\0') {
            AS_CHECK(v == ref && *end == '\0');
            fprintf(stderr, "%s -> %.17g vs %.17g\n", buf, v, ref);
            break;
        }
    }
}

int main(void)
{
    AS_RUN(test_sample_values);
    AS_RUN(test_chunking_invariance);
    AS_RUN(test_fast_paths_equal_general_path);
    AS_RUN(test_truncation_everywhere);
    AS_RUN(test_errors_name_the_problem);
    AS_RUN(test_number_parser_against_strtod);
    AS_RUN(test_mutation_fuzz);
    AS_TEST_EXIT();
}
