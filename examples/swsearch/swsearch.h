/* The Smith-Waterman database search as a library of portable C: inputs as memory buffers, the
 * table into memory. The front ends (linux.c, guest.c) only bring the buffers in and the table
 * out. */
#ifndef SWSEARCH_H
#define SWSEARCH_H

#include "error.h"
#include "options.h"
#include "report.h"
#include "search.h"

/* A file's (or a Multiboot module's) contents. */
struct sw_text {
    const char *name; /* in error messages */
    const char *data;
    size_t size;
};

struct sw_inputs {
    struct sw_text queries, db;
    const struct sw_text *matrix; /* a matrix file, or NULL for the built-in o->matrix */
    const char *matrix_name;      /* what the header calls a matrix file */
    sw_progress_fn progress;      /* with --progress; or NULL */
    void *progress_ctx;
};

struct sw_run_stats {
    struct sw_search_stats search;
    enum sw_isa isa;
    uint64_t parse_ns, format_ns;
};

/* Runs the search of o on `in` and appends the table to *out. 0 or a negative code with the
 * reason in *e; *out is left empty then. */
int swsearch_run(const struct sw_options *o, const struct sw_inputs *in, struct sw_buf *out,
                 struct sw_run_stats *st, struct sw_error *e);

/* Writes the --stats summary to stderr. */
void swsearch_print_stats(const char *program, const struct sw_run_stats *st);

#endif
