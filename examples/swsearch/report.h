/* The output table, formatted into memory: nothing reaches the output before all of it is made,
 * so an error never leaves half a table behind.
 *
 *   # swsearch matrix=BLOSUM62 gapopen=11 gapextend=1 max_hits=10 queries=2 subjects=630 ...
 *   QUERY_ID <tab> SUBJECT_ID <tab> SCORE <tab> QUERY_LENGTH <tab> SUBJECT_LENGTH
 *
 * Queries in file order; each query's hits best first, ties in database order. */
#ifndef SW_REPORT_H
#define SW_REPORT_H

#include "fasta.h"
#include "hits.h"

#include <stddef.h>

struct sw_buf {
    char *data;
    size_t len, cap;
};

/* Appends the formatted text; 0, or SW_ENOMEM. */
int sw_buf_printf(struct sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_buf_free(struct sw_buf *b);

struct sw_report {
    const char *matrix;
    int gap_open, gap_extend;
    size_t max_hits; /* 0: all */
    const struct sw_seqs *queries, *db;
    const struct sw_hitlist *hits; /* queries->count lists */
};

/* Appends the header line and every hit; 0, or SW_ENOMEM. */
int sw_report_format(const struct sw_report *r, struct sw_buf *out);

#endif
