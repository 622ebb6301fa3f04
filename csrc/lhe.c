/* lhe.c -- streaming Les Houches Event parser (see lhe.h). */
#include "lhe.h"
#include "lhe_number.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    S_PRE = 0,   /* before <LesHouchesEvents>           */
    S_HEADER,    /* header text, until <init>           */
    S_INIT_BEAM, /* the beam line of <init>             */
    S_INIT_PROC, /* one line per process                */
    S_INIT_REST, /* anything else until </init>         */
    S_BODY,      /* between events                      */
    S_EV_HEAD,   /* the first line of an event          */
    S_EV_PART,   /* particle lines                      */
    S_EV_TAIL,   /* optional blocks until </event>      */
    S_DONE       /* after </LesHouchesEvents>           */
};

/* ------------------------------------------------------------------ growable buffers */

static int grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*ptr, nc * elem);
    if (q == NULL) return -1;
    *ptr = q;
    *cap = nc;
    return 0;
}

static int append_text(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (grow((void **)buf, cap, *len + n + 2, 1) < 0) return -1;
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[(*len)++] = '\n';
    (*buf)[*len] = '\0';
    return 0;
}

/* ------------------------------------------------------------------ numbers */

/* Every line handed to process_line sits in a buffer with AS_LHE_PAD zero bytes after its
 * terminating NUL, so the number parser may read 8 bytes at a time (see lhe_number.h). */
#define AS_LHE_PAD 16

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static inline int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

static const char *skip_space(const char *p)
{
    while (is_space(*p)) ++p;
    return p;
}

/* Parse up to max whitespace-separated numbers; returns how many were read. */
/* Skip blanks in a line that may be read 8 bytes at a time from any of its positions (a
 * padded line buffer, or a line with at least 8 bytes of the chunk after its '\n'): runs of
 * spaces 8 at a time, then any other white space one by one. */
static inline const char *skip_blanks8(const char *p)
{
#if AS_LHE_SWAR
    for (;;) {
        uint64_t v = as_lhe_load8(p) ^ 0x2020202020202020ULL;
        if (v != 0) {
            p += as_lhe_ctz(v) >> 3;
            break;
        }
        p += 8;
    }
#endif
    while (*p == ' ' || *p == '\t') ++p;
    return p;
}

static int parse_numbers(const char *p, double *out, int max, const char **stop)
{
    int k = 0;
    p = skip_space(p);
    while (k < max && *p && *p != '<') {
        const char *e;
        double v = as_lhe_number(p, &e, 1);
        if (e == p) break;
        out[k++] = v;
        p = skip_space(skip_blanks8(e));
    }
    if (stop) *stop = p;
    return k;
}

/* ------------------------------------------------------------------ tags and attributes */

/* Does the (left-trimmed) text start with <name followed by '>', '/' or whitespace? */
static inline int opens(const char *p, const char *name)
{
    /* the first letters decide nearly every call without a library call */
    if (p[0] != '<' || p[1] != name[0]) return 0;
    size_t n = strlen(name);
    if (strncmp(p + 1, name, n) != 0) return 0;
    char c = p[1 + n];
    return c == '>' || c == '/' || is_space(c) || c == '\0';
}

static inline int closes(const char *p, const char *name)
{
    if (p[0] != '<' || p[1] != '/' || p[2] != name[0]) return 0;
    size_t n = strlen(name);
    return strncmp(p + 2, name, n) == 0 && p[2 + n] == '>';
}

/* Iterate attributes name="value" / name='value' from p (after the tag name) up to '>'.
 * Returns the pointer after the attribute or NULL at the end; fills name/value spans. */
static const char *next_attribute(const char *p, const char **name, size_t *name_len,
                                  const char **value, size_t *value_len)
{
    p = skip_space(p);
    if (*p == '\0' || *p == '>' || *p == '/') return NULL;
    const char *n0 = p;
    while (*p && *p != '=' && !is_space(*p) && *p != '>') ++p;
    *name = n0;
    *name_len = (size_t)(p - n0);
    p = skip_space(p);
    if (*p != '=') return NULL;
    p = skip_space(p + 1);
    char quote = *p;
    if (quote != '"' && quote != '\'') return NULL;
    const char *v0 = ++p;
    while (*p && *p != quote) ++p;
    if (*p != quote) return NULL;
    *value = v0;
    *value_len = (size_t)(p - v0);
    return p + 1;
}

/* ------------------------------------------------------------------ tables */

static void table_free(as_lhe_table *t)
{
    for (size_t i = 0; i < t->n_names; ++i) free(t->names[i]);
    free(t->names);
    free(t->name_lens);
    free(t->values);
    memset(t, 0, sizeof *t);
}

/* Column index of a name, adding it if new; hint makes the common "same order as the
 * previous event" case O(1).  Returns -1 if out of memory. */
static int table_column(as_lhe_table *t, const char *name, size_t len, size_t *hint)
{
    size_t h = *hint;
    if (h < t->n_names && t->name_lens[h] == len && memcmp(t->names[h], name, len) == 0) {
        *hint = h + 1;
        return (int)h;
    }
    for (size_t i = 0; i < t->n_names; ++i) {
        if (t->name_lens[i] == len && memcmp(t->names[i], name, len) == 0) {
            *hint = i + 1;
            return (int)i;
        }
    }
    if (t->n_names == t->cap_names) {
        size_t c1 = t->cap_names, c2 = t->cap_names;
        if (grow((void **)&t->names, &c1, t->n_names + 1, sizeof(char *)) < 0 ||
            grow((void **)&t->name_lens, &c2, t->n_names + 1, sizeof(size_t)) < 0)
            return -1;
        t->cap_names = c1;
    }
    char *copy = (char *)malloc(len + 1);
    if (copy == NULL) return -1;
    memcpy(copy, name, len);
    copy[len] = '\0';
    t->names[t->n_names] = copy;
    t->name_lens[t->n_names] = len;
    *hint = t->n_names + 1;
    return (int)t->n_names++;
}

static void nan_fill(double *x, size_t n)
{
    for (size_t i = 0; i < n; ++i) x[i] = NAN;
}

/* Make (row, col) addressable, with every row up to `row` initialised.  -1 if out of memory. */
static int table_reserve(as_lhe_table *t, size_t row, size_t col)
{
    const size_t limit = ((size_t)-1) / 4 / sizeof(double);
    if (col >= t->stride) { /* more columns: lay the initialised rows out again */
        size_t ns = t->stride ? t->stride : 8, rows = t->rows_cap ? t->rows_cap : 64;
        while (ns <= col) ns *= 2;
        while (rows <= row) rows *= 2;
        if (ns > limit / rows) return -1;
        double *nv = (double *)malloc(rows * ns * sizeof(double));
        if (nv == NULL) return -1;
        for (size_t r = 0; r < t->rows_init; ++r) {
            if (t->stride) memcpy(nv + r * ns, t->values + r * t->stride, t->stride * sizeof(double));
            nan_fill(nv + r * ns + t->stride, ns - t->stride);
        }
        free(t->values);
        t->values = nv;
        t->stride = ns;
        t->rows_cap = rows;
    }
    if (row >= t->rows_cap) {
        size_t rows = t->rows_cap ? t->rows_cap : 64;
        while (rows <= row) rows *= 2;
        if (t->stride > limit / rows) return -1;
        double *nv = (double *)realloc(t->values, rows * t->stride * sizeof(double));
        if (nv == NULL) return -1;
        t->values = nv;
        t->rows_cap = rows;
    }
    if (row >= t->rows_init) {
        nan_fill(t->values + t->rows_init * t->stride, (row + 1 - t->rows_init) * t->stride);
        t->rows_init = row + 1;
    }
    return 0;
}

static int table_add(as_lhe_table *t, size_t row, int column, double value)
{
    if ((row >= t->rows_init || (size_t)column >= t->stride) &&
        table_reserve(t, row, (size_t)column) < 0)
        return -1;
    t->values[row * t->stride + (size_t)column] = value; /* the file's last value wins */
    ++t->n;
    return 0;
}

/* ------------------------------------------------------------------ parser object */

as_lhe_parser *as_lhe_new(void)
{
    as_lhe_parser *p = (as_lhe_parser *)calloc(1, sizeof *p);
    if (p) strcpy(p->version, "");
    return p;
}

void as_lhe_free(as_lhe_parser *p)
{
    if (p == NULL) return;
    free(p->nparticles);
    free(p->process_id);
    free(p->weight);
    free(p->scale);
    free(p->aqed);
    free(p->aqcd);
    free(p->first_line);
    free(p->pdgid);
    free(p->status);
    free(p->mother1);
    free(p->mother2);
    free(p->color1);
    free(p->color2);
    free(p->px);
    free(p->py);
    free(p->pz);
    free(p->e);
    free(p->m);
    free(p->lifetime);
    free(p->spin);
    table_free(&p->weights);
    table_free(&p->positional);
    table_free(&p->scales);
    table_free(&p->attributes);
    free(p->init.xsec);
    free(p->init.xsec_error);
    free(p->init.unit_weight);
    free(p->init.process_id);
    free(p->header);
    free(p->init_extra);
    for (size_t i = 0; i < p->n_init_weight_ids; ++i) free(p->init_weight_ids[i]);
    free(p->init_weight_ids);
    free(p->pending);
    free(p->work);
    free(p);
}

static void table_keep_tail(as_lhe_table *t, size_t mark, size_t ne, int in_event)
{
    /* the row of the event in progress (row ne) becomes row 0 */
    if (in_event && t->rows_init > ne) {
        if (ne > 0) memmove(t->values, t->values + ne * t->stride, t->stride * sizeof(double));
        t->rows_init = 1;
    } else {
        t->rows_init = 0;
    }
    t->n -= mark;
}

void as_lhe_clear_events(as_lhe_parser *p)
{
    /* Drop the completed events; an event in progress (cut by a chunk boundary) is kept and
     * becomes event 0 of the next batch. */
    size_t ne = p->n_events;
    if (ne > 0 && (p->state == S_EV_PART || p->state == S_EV_TAIL)) {
        p->nparticles[0] = p->nparticles[ne];
        p->process_id[0] = p->process_id[ne];
        p->weight[0] = p->weight[ne];
        p->scale[0] = p->scale[ne];
        p->aqed[0] = p->aqed[ne];
        p->aqcd[0] = p->aqcd[ne];
        p->first_line[0] = p->first_line[ne];
    }
    size_t keep = p->n_particles - p->mark_particles;
#define AS_KEEP(f) memmove(p->f, p->f + p->mark_particles, keep * sizeof *p->f)
    if (keep > 0 && p->mark_particles > 0) {
        AS_KEEP(pdgid);
        AS_KEEP(status);
        AS_KEEP(mother1);
        AS_KEEP(mother2);
        AS_KEEP(color1);
        AS_KEEP(color2);
        AS_KEEP(px);
        AS_KEEP(py);
        AS_KEEP(pz);
        AS_KEEP(e);
        AS_KEEP(m);
        AS_KEEP(lifetime);
        AS_KEEP(spin);
    }
#undef AS_KEEP
    p->n_particles = keep;
    p->mark_particles = 0;
    int in_event = p->state == S_EV_HEAD || p->state == S_EV_PART || p->state == S_EV_TAIL;
    table_keep_tail(&p->weights, p->mark_w, ne, in_event);
    table_keep_tail(&p->positional, p->mark_p, ne, in_event);
    table_keep_tail(&p->scales, p->mark_s, ne, in_event);
    table_keep_tail(&p->attributes, p->mark_a, ne, in_event);
    p->mark_w = p->mark_p = p->mark_s = p->mark_a = 0;
    p->n_events = 0;
}

int as_lhe_in_event(const as_lhe_parser *p)
{
    return p->state == S_EV_HEAD || p->state == S_EV_PART || p->state == S_EV_TAIL;
}

static void table_disown(as_lhe_table *t)
{
    /* the tables are copied out (dense, trimmed to n_names columns), so they keep their rows */
    t->rows_init = 0;
    t->n = 0;
}

void as_lhe_disown_events(as_lhe_parser *p)
{
    p->nparticles = p->process_id = NULL;
    p->weight = p->scale = p->aqed = p->aqcd = NULL;
    p->first_line = NULL;
    p->pdgid = p->status = p->mother1 = p->mother2 = p->color1 = p->color2 = NULL;
    p->px = p->py = p->pz = p->e = p->m = p->lifetime = p->spin = NULL;
    p->n_events = p->cap_events = 0;
    p->n_particles = p->cap_particles = p->mark_particles = 0;
    table_disown(&p->weights);
    table_disown(&p->positional);
    table_disown(&p->scales);
    table_disown(&p->attributes);
    p->mark_w = p->mark_p = p->mark_s = p->mark_a = 0;
}

static int reserve_events(as_lhe_parser *p, size_t need)
{
    if (need <= p->cap_events) return 0;
    size_t c = p->cap_events;
#define AS_GROW_EV(field, type)                                                                \
    do {                                                                                       \
        size_t cc = c;                                                                         \
        if (grow((void **)&p->field, &cc, need, sizeof(type)) < 0) return -1;                  \
    } while (0)
    AS_GROW_EV(nparticles, int32_t);
    AS_GROW_EV(process_id, int32_t);
    AS_GROW_EV(weight, double);
    AS_GROW_EV(scale, double);
    AS_GROW_EV(aqed, double);
    AS_GROW_EV(aqcd, double);
    AS_GROW_EV(first_line, int64_t);
#undef AS_GROW_EV
    size_t nc = c ? c : 64;
    while (nc < need) nc *= 2;
    p->cap_events = nc;
    return 0;
}

static int reserve_particles(as_lhe_parser *p, size_t need)
{
    if (need <= p->cap_particles) return 0;
    size_t c = p->cap_particles;
#define AS_GROW_PA(field, type)                                                                \
    do {                                                                                       \
        size_t cc = c;                                                                         \
        if (grow((void **)&p->field, &cc, need, sizeof(type)) < 0) return -1;                  \
    } while (0)
    AS_GROW_PA(pdgid, int32_t);
    AS_GROW_PA(status, int32_t);
    AS_GROW_PA(mother1, int32_t);
    AS_GROW_PA(mother2, int32_t);
    AS_GROW_PA(color1, int32_t);
    AS_GROW_PA(color2, int32_t);
    AS_GROW_PA(px, double);
    AS_GROW_PA(py, double);
    AS_GROW_PA(pz, double);
    AS_GROW_PA(e, double);
    AS_GROW_PA(m, double);
    AS_GROW_PA(lifetime, double);
    AS_GROW_PA(spin, double);
#undef AS_GROW_PA
    size_t nc = c ? c : 64;
    while (nc < need) nc *= 2;
    p->cap_particles = nc;
    return 0;
}

/* ------------------------------------------------------------------ line handlers */

static int fail(as_lhe_parser *p, as_error *err, const char *what)
{
    /* drop the event being parsed; keep every completed one */
    p->n_particles = p->mark_particles;
    p->weights.n = p->mark_w;
    p->positional.n = p->mark_p;
    p->scales.n = p->mark_s;
    p->attributes.n = p->mark_a;
    long line = p->line_no > 0 ? p->line_no : 1; /* an empty input fails "at line 1" */
    int st = as_error_set(err, AS_EPARSE, "line %ld: %s", line, what);
    if (err) err->line = line;
    return st;
}

static int oom(as_error *err)
{
    return as_error_set(err, AS_ENOMEM, "out of memory while reading the event file");
}

static int is_int_value(double v)
{
    return isfinite(v) && v == floor(v) && fabs(v) < 2147483648.0;
}

static int add_named(as_lhe_parser *p, as_lhe_table *t, const char *name, size_t len,
                     double value, size_t *hint, as_error *err)
{
    int col = table_column(t, name, len, hint);
    if (col < 0 || table_add(t, p->n_events, col, value) < 0) return oom(err);
    return AS_OK;
}

static int begin_event(as_lhe_parser *p, const char *t, as_error *err)
{
    p->mark_particles = p->n_particles;
    p->mark_w = p->weights.n;
    p->mark_p = p->positional.n;
    p->mark_s = p->scales.n;
    p->mark_a = p->attributes.n;
    p->event_line = p->line_no;
    p->n_positional = 0;
    size_t hint = 0;
    const char *a = t + 6, *name, *value;
    size_t nl, vl;
    while ((a = next_attribute(a, &name, &nl, &value, &vl)) != NULL) {
        const char *e;
        const char *v0 = skip_space(value);
        double v = as_lhe_number(v0, &e, 1);
        if (e == v0) v = NAN;
        int st = add_named(p, &p->attributes, name, nl, v, &hint, err);
        if (st != AS_OK) return st;
    }
    return AS_OK;
}

static int store_event_head(as_lhe_parser *p, int32_t nup, int32_t idprup, const double *v,
                            as_error *err)
{
    if (reserve_events(p, p->n_events + 1) < 0) return oom(err);
    size_t i = p->n_events;
    p->nparticles[i] = nup;
    p->process_id[i] = idprup;
    p->weight[i] = v[0];
    p->scale[i] = v[1];
    p->aqed[i] = v[2];
    p->aqcd[i] = v[3];
    p->first_line[i] = p->event_line;
    p->parts_left = (int)nup; /* room for particles is made line by line: a huge NUP in a
                                 damaged file must not allocate memory up front */
    p->state = p->parts_left > 0 ? S_EV_PART : S_EV_TAIL;
    return AS_OK;
}

static inline int fast_int(const char **pp, int32_t *out);

/* The common layout of an event's first line: two plain integers (NUP >= 0, IDPRUP), then four
 * numbers.  Returns 0 (having changed nothing) whenever the general path must decide;
 * otherwise 1 with the status of storing the event in *st. */
static int fast_event_head(as_lhe_parser *p, const char *t, int *st, as_error *err)
{
    int32_t nup, idprup;
    double v[4];
    const char *q = t;
    if (!fast_int(&q, &nup) || nup < 0 || !fast_int(&q, &idprup)) return 0;
    for (int k = 0; k < 4; ++k) {
        q = skip_blanks8(q);
        const char *e;
        v[k] = as_lhe_number(q, &e, 1);
        if (e == q) return 0;
        q = e;
    }
    *st = store_event_head(p, nup, idprup, v, err);
    return 1;
}

static int parse_event_head(as_lhe_parser *p, const char *t, as_error *err)
{
    int st;
    if (!p->general_only && fast_event_head(p, t, &st, err)) return st;
    double v[6];
    int k = parse_numbers(t, v, 6, NULL);
    if (k < 6)
        return fail(p, err, "the first line of an event must hold 6 numbers (NUP IDPRUP XWGTUP "
                            "SCALUP AQEDUP AQCDUP)");
    if (!is_int_value(v[0]) || v[0] < 0)
        return fail(p, err, "the particle count NUP is not a non-negative integer");
    return store_event_head(p, (int32_t)v[0], is_int_value(v[1]) ? (int32_t)v[1] : 0, v + 2,
                            err);
}

/* A particle id, status, mother or colour written as a plain integer followed by a blank. */
static inline int fast_int(const char **pp, int32_t *out)
{
    const char *p = skip_blanks8(*pp);
    int neg = 0;
    if (*p == '-' || *p == '+') neg = (*p++ == '-');
    const char *d0 = p;
    uint32_t v = 0;
    while (is_digit(*p)) v = v * 10 + (uint32_t)(*p++ - '0');
    size_t nd = (size_t)(p - d0);
    if (nd == 0 || nd > 9 || (*p != ' ' && *p != '\t')) return 0;
    *out = neg ? -(int32_t)v : (int32_t)v;
    *pp = p;
    return 1;
}

/* The common layout of a particle line: six plain integers, then seven numbers (the line ended
 * by NUL or '\n'; what follows the seventh number is ignored, as in the general path).
 * Returns NULL (having changed nothing) whenever the general path must decide, errors
 * included; otherwise the end of the seventh number, having stored what the general path
 * would have stored. */
static const char *fast_particle(as_lhe_parser *p, const char *t)
{
    int32_t iv[6];
    double v[7];
    const char *q = t;
    for (int k = 0; k < 6; ++k)
        if (!fast_int(&q, &iv[k])) return NULL;
    for (int k = 0; k < 7; ++k) {
        q = skip_blanks8(q);
        const char *e;
        v[k] = as_lhe_number(q, &e, 1);
        if (e == q) return NULL;
        q = e;
    }
    size_t j = p->n_particles++;
    p->pdgid[j] = iv[0];
    p->status[j] = iv[1];
    p->mother1[j] = iv[2];
    p->mother2[j] = iv[3];
    p->color1[j] = iv[4];
    p->color2[j] = iv[5];
    p->px[j] = v[0];
    p->py[j] = v[1];
    p->pz[j] = v[2];
    p->e[j] = v[3];
    p->m[j] = v[4];
    p->lifetime[j] = v[5];
    p->spin[j] = v[6];
    if (--p->parts_left == 0) p->state = S_EV_TAIL;
    return q;
}

static int parse_particle(as_lhe_parser *p, const char *t, as_error *err)
{
    if (p->n_particles >= p->cap_particles && reserve_particles(p, p->n_particles + 1) < 0)
        return oom(err);
    if (!p->general_only && fast_particle(p, t) != NULL) return AS_OK;
    double v[13];
    int k = parse_numbers(t, v, 13, NULL);
    if (k < 13) {
        char msg[160];
        snprintf(msg, sizeof msg, "a particle line needs 13 numbers (IDUP ISTUP MOTHUP(2) "
                 "ICOLUP(2) PUP(5) VTIMUP SPINUP), found %d", k);
        return fail(p, err, msg);
    }
    for (int q = 0; q < 6; ++q)
        if (!is_int_value(v[q])) return fail(p, err, "particle id, status, mothers and colours "
                                                     "must be integers");
    size_t j = p->n_particles++;
    p->pdgid[j] = (int32_t)v[0];
    p->status[j] = (int32_t)v[1];
    p->mother1[j] = (int32_t)v[2];
    p->mother2[j] = (int32_t)v[3];
    p->color1[j] = (int32_t)v[4];
    p->color2[j] = (int32_t)v[5];
    p->px[j] = v[6];
    p->py[j] = v[7];
    p->pz[j] = v[8];
    p->e[j] = v[9];
    p->m[j] = v[10];
    p->lifetime[j] = v[11];
    p->spin[j] = v[12];
    if (--p->parts_left == 0) p->state = S_EV_TAIL;
    return AS_OK;
}

/* Positional <weights> values, named by the header's <initrwgt> ids (else by position). */
static int add_positional(as_lhe_parser *p, const char *t, as_error *err)
{
    double v[64];
    const char *q = t;
    for (;;) {
        int k = parse_numbers(q, v, 64, &q);
        for (int i = 0; i < k; ++i) {
            char name[32];
            const char *nm;
            size_t len;
            if ((size_t)p->n_positional < p->n_init_weight_ids) {
                nm = p->init_weight_ids[p->n_positional];
                len = strlen(nm);
            } else {
                len = (size_t)snprintf(name, sizeof name, "%d", p->n_positional);
                nm = name;
            }
            ++p->n_positional;
            int st = add_named(p, &p->positional, nm, len, v[i], &p->hint_p, err);
            if (st != AS_OK) return st;
        }
        if (k < 64) break;
    }
    if (*q != '\0' && *q != '<') return fail(p, err, "<weights> holds something that is not a number");
    return AS_OK;
}

/* The common line <wgt id='name'> value </wgt> (t at the '<', the line ended by NUL or '\n').
 * Returns 0 (having changed nothing) when the general path must decide; otherwise 1 with the
 * status of recording the weight in *st. */
static int fast_wgt(as_lhe_parser *p, const char *t, int *st, as_error *err)
{
    const char *a = t + 4; /* after "<wgt" */
    if (*a != ' ') return 0;
    while (*a == ' ') ++a;
    if (a[0] != 'i' || a[1] != 'd' || a[2] != '=') return 0;
    a += 3;
    char quote = *a;
    if (quote != '\'' && quote != '"') return 0;
    const char *name = ++a;
    while (*a != quote && *a != '\0' && *a != '\n' && *a != '>') ++a;
    if (*a != quote) return 0;
    const char *close = a;
    size_t nl = (size_t)(close - name);
    a = close + 1;
    while (*a == ' ') ++a;
    if (*a != '>') return 0;
    ++a;
    while (*a == ' ' || *a == '\t') ++a;
    const char *e;
    double v = as_lhe_number(a, &e, 1);
    if (e == a) return 0;
    a = e;
    while (*a == ' ' || *a == '\t') ++a;
    if (a[0] != '<' || a[1] != '/' || a[2] != 'w' || a[3] != 'g' || a[4] != 't' || a[5] != '>')
        return 0;
    a += 6;
    while (*a == ' ' || *a == '\t' || *a == '\r') ++a;
    if (*a != '\0' && *a != '\n') return 0;
    while (nl > 0 && is_space(name[0])) ++name, --nl;
    while (nl > 0 && is_space(name[nl - 1])) --nl;
    *st = add_named(p, &p->weights, name, nl, v, &p->hint_w, err);
    return 1;
}

/* Every <wgt id=..>v</wgt> and <weight id|name=..>v</weight> on the line. */
static int add_tagged_weights(as_lhe_parser *p, const char *line, as_error *err)
{
    const char *s = line;
    while ((s = strchr(s, '<')) != NULL) {
        size_t taglen = 0;
        if (opens(s, "wgt")) taglen = 4;
        else if (opens(s, "weight")) taglen = 7;
        if (taglen == 0) {
            ++s;
            continue;
        }
        const char *a = s + taglen, *name, *value, *id = NULL;
        size_t nl, vl, idl = 0;
        while ((a = next_attribute(a, &name, &nl, &value, &vl)) != NULL) {
            if ((nl == 2 && memcmp(name, "id", 2) == 0) ||
                (nl == 4 && memcmp(name, "name", 4) == 0)) {
                id = value;
                idl = vl;
                while (idl > 0 && is_space(id[0])) ++id, --idl;
                while (idl > 0 && is_space(id[idl - 1])) --idl;
            }
        }
        const char *gt = strchr(s, '>');
        if (gt == NULL) return fail(p, err, "unterminated weight tag");
        const char *num = skip_space(gt + 1), *e;
        double v = as_lhe_number(num, &e, 1);
        if (e == num) return fail(p, err, "a weight tag does not contain a number");
        if (id != NULL) {
            int st = add_named(p, &p->weights, id, idl, v, &p->hint_w, err);
            if (st != AS_OK) return st;
        }
        s = e;
    }
    return AS_OK;
}

static int parse_scales(as_lhe_parser *p, const char *t, as_error *err)
{
    const char *a = t + 7, *name, *value;
    size_t nl, vl;
    while ((a = next_attribute(a, &name, &nl, &value, &vl)) != NULL) {
        const char *v0 = skip_space(value), *e;
        double v = as_lhe_number(v0, &e, 1);
        if (e == v0) v = NAN;
        int st = add_named(p, &p->scales, name, nl, v, &p->hint_s, err);
        if (st != AS_OK) return st;
    }
    return AS_OK;
}

/* Does the line hold </mgrwt> or </clustering> (which end a skipped block)? */
static int ends_skip_block(const char *t)
{
    for (const char *s = strchr(t, '<'); s != NULL; s = strchr(s + 1, '<'))
        if (s[1] == '/' && (strncmp(s + 2, "mgrwt>", 6) == 0 ||
                            strncmp(s + 2, "clustering>", 11) == 0))
            return 1;
    return 0;
}

static int parse_tail(as_lhe_parser *p, const char *t, as_error *err)
{
    if (p->skip_block) {
        if (ends_skip_block(t)) p->skip_block = 0;
        return AS_OK;
    }
    if (p->in_weights_block) {
        const char *close = strstr(t, "</weights>");
        int st = add_positional(p, t, err);
        if (close) p->in_weights_block = 0;
        return st;
    }
    if (*t != '<') return AS_OK; /* '#' comments and stray text */
    /* dispatch on the first letter: most lines of a MadGraph file are <wgt ...> */
    switch (t[1]) {
    case 'w': {
        int st;
        if (t[2] == 'g' && t[3] == 't' && !p->general_only && fast_wgt(p, t, &st, err))
            return st;
        if (opens(t, "weights")) {
            const char *gt = strchr(t, '>');
            p->in_weights_block = strstr(t, "</weights>") == NULL;
            return gt ? add_positional(p, gt + 1, err)
                      : fail(p, err, "unterminated <weights> tag");
        }
        return add_tagged_weights(p, t, err);
    }
    case '/':
        if (closes(t, "event")) {
            p->n_events++;
            p->mark_particles = p->n_particles;
            p->mark_w = p->weights.n;
            p->mark_p = p->positional.n;
            p->mark_s = p->scales.n;
            p->mark_a = p->attributes.n;
            p->state = S_BODY;
        }
        return AS_OK;
    case 'e':
        if (opens(t, "event")) return fail(p, err, "a new <event> starts before </event>");
        break;
    case 'm':
    case 'c':
        if (opens(t, "mgrwt") || opens(t, "clustering")) {
            p->skip_block = !ends_skip_block(t);
            return AS_OK;
        }
        break;
    case 's':
        if (opens(t, "scales")) return parse_scales(p, t, err);
        break;
    default: break;
    }
    return add_tagged_weights(p, t, err);
}

static int parse_init_beam(as_lhe_parser *p, const char *t, as_error *err)
{
    double v[10];
    if (parse_numbers(t, v, 10, NULL) < 10)
        return fail(p, err, "the <init> block must start with 10 numbers (IDBMUP(2) EBMUP(2) "
                            "PDFGUP(2) PDFSUP(2) IDWTUP NPRUP)");
    for (int i = 0; i < 2; ++i) {
        p->init.beam_id[i] = (int)v[i];
        p->init.beam_energy[i] = v[2 + i];
        p->init.pdf_group[i] = (int)v[4 + i];
        p->init.pdf_set[i] = (int)v[6 + i];
    }
    p->init.weighting_strategy = (int)v[8];
    if (!is_int_value(v[9]) || v[9] < 0 || v[9] > 100000)
        return fail(p, err, "NPRUP (the number of processes) in <init> is not a valid count");
    p->init.n_processes = (int)v[9];
    size_t n = (size_t)p->init.n_processes + 1;
    p->init.xsec = (double *)calloc(n, sizeof(double));
    p->init.xsec_error = (double *)calloc(n, sizeof(double));
    p->init.unit_weight = (double *)calloc(n, sizeof(double));
    p->init.process_id = (int *)calloc(n, sizeof(int));
    if (!p->init.xsec || !p->init.xsec_error || !p->init.unit_weight || !p->init.process_id)
        return oom(err);
    p->procs_left = p->init.n_processes;
    p->state = p->procs_left > 0 ? S_INIT_PROC : S_INIT_REST;
    return AS_OK;
}

static int parse_init_proc(as_lhe_parser *p, const char *t, as_error *err)
{
    double v[4];
    if (parse_numbers(t, v, 4, NULL) < 4)
        return fail(p, err, "a process line in <init> needs 4 numbers (XSECUP XERRUP XMAXUP "
                            "LPRUP)");
    int i = p->init.n_processes - p->procs_left;
    p->init.xsec[i] = v[0];
    p->init.xsec_error[i] = v[1];
    p->init.unit_weight[i] = v[2];
    p->init.process_id[i] = (int)v[3];
    if (--p->procs_left == 0) p->state = S_INIT_REST;
    return AS_OK;
}

static int header_line(as_lhe_parser *p, const char *line, size_t len, const char *t,
                       as_error *err)
{
    if (opens(t, "init")) {
        p->have_init = 1;
        p->state = S_INIT_BEAM;
        return AS_OK;
    }
    if (opens(t, "event")) return fail(p, err, "an <event> before the <init> block; the file "
                                               "has no <init> block");
    if (append_text(&p->header, &p->header_len, &p->header_cap, line, len) < 0) return oom(err);
    if (strstr(t, "<initrwgt")) p->in_initrwgt = 1;
    if (p->in_initrwgt) {
        const char *s = t;
        while ((s = strstr(s, "<weight")) != NULL) {
            if (!opens(s, "weight")) {
                ++s;
                continue;
            }
            const char *a = s + 7, *name, *value;
            size_t nl, vl;
            while ((a = next_attribute(a, &name, &nl, &value, &vl)) != NULL) {
                if (nl == 2 && memcmp(name, "id", 2) == 0) {
                    while (vl > 0 && is_space(value[0])) ++value, --vl;
                    while (vl > 0 && is_space(value[vl - 1])) --vl;
                    if (grow((void **)&p->init_weight_ids, &p->cap_init_weight_ids,
                             p->n_init_weight_ids + 1, sizeof(char *)) < 0)
                        return oom(err);
                    char *copy = (char *)malloc(vl + 1);
                    if (copy == NULL) return oom(err);
                    memcpy(copy, value, vl);
                    copy[vl] = '\0';
                    p->init_weight_ids[p->n_init_weight_ids++] = copy;
                }
            }
            ++s;
        }
    }
    if (strstr(t, "</initrwgt>")) p->in_initrwgt = 0;
    return AS_OK;
}

static int process_line(as_lhe_parser *p, char *line, size_t len, as_error *err)
{
    ++p->line_no;
    if (len > 0 && line[len - 1] == '\r') line[--len] = '\0';
    const char *t = skip_space(line);
    switch (p->state) {
    case S_PRE:
        if (strstr(t, "<LesHouchesEvents")) {
            const char *v = strstr(t, "version=");
            if (v) {
                v += 8;
                char q = *v;
                if (q == '"' || q == '\'') {
                    const char *e = strchr(v + 1, q);
                    size_t n = e ? (size_t)(e - v - 1) : 0;
                    if (n >= sizeof p->version) n = sizeof p->version - 1;
                    memcpy(p->version, v + 1, n);
                    p->version[n] = '\0';
                }
            }
            p->state = S_HEADER;
            return AS_OK;
        }
        if (opens(t, "init") || opens(t, "event") || opens(t, "header"))
            return fail(p, err, "not a Les Houches Event file: no <LesHouchesEvents> tag before "
                                "the first block");
        return AS_OK;
    case S_HEADER: return header_line(p, line, len, t, err);
    case S_INIT_BEAM:
        if (*t == '\0' || *t == '#') return AS_OK;
        return parse_init_beam(p, t, err);
    case S_INIT_PROC:
        if (*t == '\0' || *t == '#') return AS_OK;
        if (*t == '<') {
            /* fewer process lines than NPRUP declared (seen in real files): keep those read */
            p->init.n_processes -= p->procs_left;
            p->procs_left = 0;
            p->state = S_INIT_REST;
            --p->line_no;
            return process_line(p, line, len, err);
        }
        return parse_init_proc(p, t, err);
    case S_INIT_REST:
        if (closes(t, "init")) {
            p->state = S_BODY;
            return AS_OK;
        }
        if (append_text(&p->init_extra, &p->init_extra_len, &p->init_extra_cap, line, len) < 0)
            return oom(err);
        return AS_OK;
    case S_BODY:
        if (opens(t, "event")) {
            p->state = S_EV_HEAD;
            p->hint_w = p->hint_p = p->hint_s = 0;
            return begin_event(p, t, err);
        }
        if (closes(t, "LesHouchesEvents")) p->state = S_DONE;
        return AS_OK;
    case S_EV_HEAD:
        if (*t == '\0' || *t == '#') return AS_OK;
        if (*t == '<') return fail(p, err, "an event must start with its NUP IDPRUP ... line");
        return parse_event_head(p, t, err);
    case S_EV_PART:
        if (*t == '#') return AS_OK;
        if (*t == '<' || *t == '\0') {
            char msg[128];
            snprintf(msg, sizeof msg, "the event declares %d particles but %d particle line%s "
                     "missing", p->nparticles[p->n_events], p->parts_left,
                     p->parts_left == 1 ? " is" : "s are");
            return fail(p, err, msg);
        }
        return parse_particle(p, t, err);
    case S_EV_TAIL: return parse_tail(p, t, err);
    case S_DONE: return AS_OK;
    default: return fail(p, err, "internal parser state corrupted");
    }
}

/* Append n bytes to the pending partial line, keeping it NUL-terminated and padded. */
static int pending_append(as_lhe_parser *p, const char *data, size_t n)
{
    if (grow((void **)&p->pending, &p->pending_cap, p->pending_len + n + 1 + AS_LHE_PAD, 1) < 0)
        return -1;
    memcpy(p->pending + p->pending_len, data, n);
    p->pending_len += n;
    memset(p->pending + p->pending_len, 0, 1 + AS_LHE_PAD);
    return 0;
}

int as_lhe_feed(as_lhe_parser *p, const char *data, size_t len, as_error *err)
{
    if (p->done) return as_error_set(err, AS_EINVAL, "the parser already stopped (an error or "
                                     "the end of input); create a new one");
    const char *end = data + len;
    int st;
    if (p->pending_len > 0 && len > 0) { /* finish the line cut by the previous chunk */
        const char *nl = (const char *)memchr(data, '\n', len);
        size_t piece = nl ? (size_t)(nl - data) : len;
        if (pending_append(p, data, piece) < 0) return oom(err);
        if (nl == NULL) return AS_OK;
        size_t n = p->pending_len;
        p->pending_len = 0;
        if ((st = process_line(p, p->pending, n, err)) != AS_OK) {
            p->done = 1;
            return st;
        }
        data = nl + 1;
    }
    /* The complete lines.  Particle, event-head and <wgt> lines are parsed where they lie:
     * `safe` is the last '\n' with at least 8 bytes of the chunk after it, so a line that
     * starts at or before it ends at or before it, every scan stops at its '\n', and 8 bytes
     * may be read from any of its positions.  A particle line is then found to end where its
     * numbers end (no separate search for its '\n').  Anything else, or a line that the fast
     * paths leave to the general parser, is copied into the padded, NUL-terminated work
     * buffer first. */
    const char *safe = NULL;
    size_t rem = (size_t)(end - data);
    if (rem >= 8 && !p->general_only)
        for (size_t i = rem - 7; i-- > 0;)
            if (data[i] == '\n') {
                safe = data + i;
                break;
            }
    while (data < end) {
        const char *nl;
        if (safe != NULL && data <= safe) {
            if (p->state == S_EV_PART && p->n_particles < p->cap_particles) {
                const char *q = fast_particle(p, data);
                if (q != NULL) {
                    while (*q == ' ' || *q == '\r') ++q;
                    nl = *q == '\n' ? q : (const char *)memchr(q, '\n', (size_t)(safe + 1 - q));
                    ++p->line_no;
                    data = nl + 1;
                    continue;
                }
            }
            nl = (const char *)memchr(data, '\n', (size_t)(safe + 1 - data));
            if (p->state == S_EV_HEAD && fast_event_head(p, data, &st, err)) {
                if (st != AS_OK) {
                    p->done = 1;
                    return st;
                }
                ++p->line_no;
                data = nl + 1;
                continue;
            }
            if (p->state == S_EV_TAIL && !p->skip_block && !p->in_weights_block &&
                data[0] == '<' && data[1] == 'w' && data[2] == 'g' && data[3] == 't') {
                if (fast_wgt(p, data, &st, err)) {
                    if (st != AS_OK) {
                        p->done = 1;
                        return st;
                    }
                    ++p->line_no;
                    data = nl + 1;
                    continue;
                }
            }
        } else {
            nl = (const char *)memchr(data, '\n', (size_t)(end - data));
            if (nl == NULL) break;
        }
        size_t n = (size_t)(nl - data);
        if (grow((void **)&p->work, &p->work_cap, n + 1 + AS_LHE_PAD, 1) < 0) return oom(err);
        memcpy(p->work, data, n);
        memset(p->work + n, 0, 1 + AS_LHE_PAD);
        if ((st = process_line(p, p->work, n, err)) != AS_OK) {
            p->done = 1;
            return st;
        }
        data = nl + 1;
    }
    if (data < end && pending_append(p, data, (size_t)(end - data)) < 0) return oom(err);
    return AS_OK;
}

int as_lhe_finish(as_lhe_parser *p, as_error *err)
{
    if (p->done) return AS_OK;
    int in_event = p->state == S_EV_HEAD || p->state == S_EV_PART || p->state == S_EV_TAIL;
    if (p->pending_len > 0 && !in_event) { /* e.g. a closing tag without a final newline */
        size_t n = p->pending_len;
        p->pending_len = 0;
        int st = process_line(p, p->pending, n, err);
        if (st != AS_OK) {
            p->done = 1;
            return st;
        }
    }
    p->done = 1;
    if (p->state == S_PRE)
        return fail(p, err, "not a Les Houches Event file: no <LesHouchesEvents> tag");
    if (!p->have_init) return fail(p, err, "the file ended before an <init> block");
    if (p->state == S_INIT_BEAM || p->state == S_INIT_PROC || p->state == S_INIT_REST)
        return fail(p, err, "the file ended inside the <init> block (truncated file)");
    if (p->state == S_EV_HEAD || p->state == S_EV_PART || p->state == S_EV_TAIL) {
        if (p->pending_len > 0) ++p->line_no; /* the cut line */
        char msg[128];
        snprintf(msg, sizeof msg, "the file ended inside the event that starts at line %ld "
                 "(truncated file)", p->event_line);
        return fail(p, err, msg);
    }
    if (p->state != S_DONE)
        return fail(p, err, "the file ended without </LesHouchesEvents> (truncated file)");
    return AS_OK;
}
