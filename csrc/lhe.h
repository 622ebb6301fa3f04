/* lhe.h -- a streaming parser for Les Houches Event files (LHEF 1.0 and 3.0).
 *
 * Alwall et al., "A standard format for Les Houches Event Files", Comput. Phys. Commun. 176
 * (2007) 300; Andersen et al., "Les Houches 2013: Physics at TeV Colliders: Standard Model
 * Working Group Report", arXiv:1405.1067 (LHEF 3.0: <weights>, <rwgt>, <scales>, <initrwgt>).
 *
 * The parser is fed byte chunks of any size (the caller decompresses), keeps the partial last
 * line between calls, and appends every complete event to columnar buffers that the caller
 * takes and clears (so memory is bounded by one batch).  Per event: nparticles, process id,
 * weight, scale, alpha_QED, alpha_QCD; per particle (flat, with offsets): the 13 fields of the
 * standard.  Named per-event values -- extra weights (<rwgt>/<wgt>, <weight>, positional
 * <weights> named by the header's <initrwgt> ids, kept apart so that a named value wins),
 * <scales> attributes and <event> attributes -- are stored in four dense tables (one row per
 * event, one column per name, NaN where an event has no value; a later value overwrites an
 * earlier one) whose column names persist across batches.  <mgrwt>, <clustering>, '#' lines
 * and unknown tags are skipped.  Numbers are converted exactly (bit-identical to strtod; see
 * lhe_number.h).
 *
 * Malformed input stops the parser with AS_EPARSE and err->line set; events completed before
 * the bad line stay in the buffers.  A partially read event is never visible.
 */
#ifndef AS_LHE_H
#define AS_LHE_H

#include <stddef.h>
#include <stdint.h>

#include "as_common.h"

typedef struct {
    char **names;       /* column names (owned, NUL-terminated) */
    size_t *name_lens;  /* their lengths                        */
    size_t n_names, cap_names;
    double *values;     /* row-major: row i holds event i of the batch (the event in progress
                           included), `stride` columns, NaN where the event has no value    */
    size_t stride;      /* allocated columns per row (>= n_names once a value is stored)    */
    size_t rows_cap;    /* allocated rows                                                    */
    size_t rows_init;   /* rows [0, rows_init) are initialised (values or NaN)             */
    size_t n;           /* values stored in this batch (rolled back with a failed event)   */
} as_lhe_table;

typedef struct {
    int beam_id[2];
    double beam_energy[2];
    int pdf_group[2], pdf_set[2];
    int weighting_strategy, n_processes;
    double *xsec, *xsec_error, *unit_weight; /* n_processes each */
    int *process_id;
} as_lhe_init;

typedef struct as_lhe_parser as_lhe_parser;

struct as_lhe_parser {
    /* --- completed events of the current batch (read these, then as_lhe_clear_events) --- */
    size_t n_events, cap_events;
    int32_t *nparticles, *process_id;
    double *weight, *scale, *aqed, *aqcd;
    int64_t *first_line;        /* input line of each event's <event> tag */
    size_t n_particles, cap_particles;
    int32_t *pdgid, *status, *mother1, *mother2, *color1, *color2;
    double *px, *py, *pz, *e, *m, *lifetime, *spin;
    as_lhe_table weights, positional, scales, attributes; /* positional: <weights> values */

    /* --- file-level information --- */
    int have_init, done;
    int general_only;           /* set by tests: every line through the general path  */
    char version[32];
    as_lhe_init init;
    char *header;               /* text between the opening tag and <init> (owned) */
    size_t header_len, header_cap;
    char *init_extra;           /* lines inside <init> after the process lines      */
    size_t init_extra_len, init_extra_cap;
    char **init_weight_ids;     /* <weight id=...> inside <initrwgt>, in order       */
    size_t n_init_weight_ids, cap_init_weight_ids;

    /* --- internal state --- */
    int state, in_initrwgt, skip_block, in_weights_block;
    int procs_left, parts_left, n_positional;
    long line_no, event_line;
    char *pending;              /* the incomplete last line of the previous chunk   */
    size_t pending_len, pending_cap;
    char *work;                 /* the complete lines of the current chunk, edited in place */
    size_t work_cap;
    size_t hint_w, hint_p, hint_s; /* column caches: names usually repeat in order */
    /* rollback marks for the event being parsed */
    size_t mark_particles, mark_w, mark_p, mark_s, mark_a;
};

/* A new parser, or NULL if out of memory. */
as_lhe_parser *as_lhe_new(void);
void as_lhe_free(as_lhe_parser *p);

/* Parse the next chunk of the file.  Returns AS_OK, AS_ENOMEM or AS_EPARSE (err->line holds
 * the line number; the parser then refuses further input). */
int as_lhe_feed(as_lhe_parser *p, const char *data, size_t len, as_error *err);

/* End of input: parses a last line without newline, then checks that the file was complete
 * (an <init> block, no event cut short, the closing </LesHouchesEvents> tag). */
int as_lhe_finish(as_lhe_parser *p, as_error *err);

/* Forget the completed events (keeps capacity, file-level information, column names and the
 * event in progress, if a chunk boundary cut one).  The completed events are the first
 * n_events entries of the event arrays and rows of the tables (rows at or beyond rows_init
 * are all NaN) and the first mark_particles particles; mark_w / mark_p / mark_s / mark_a
 * count the table values they hold. */
void as_lhe_clear_events(as_lhe_parser *p);

/* 1 while an event is partly read (a chunk boundary cut it), else 0. */
int as_lhe_in_event(const as_lhe_parser *p);

/* Forget every event, particle and table-value array after the caller has taken ownership of
 * them (it frees them with free()); column names and file-level information stay.  Only valid
 * when !as_lhe_in_event(p); the parser allocates fresh arrays for the next events. */
void as_lhe_disown_events(as_lhe_parser *p);

/* Fast, exact decimal-to-double for the formats event files use (falls back to strtod for
 * anything its exact fast path cannot represent).  *end receives the first unparsed char;
 * returns 0 and leaves *end == s if no number starts at s. */
double as_lhe_parse_double(const char *s, const char **end);

#endif /* AS_LHE_H */
