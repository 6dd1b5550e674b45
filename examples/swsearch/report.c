/* Formatting the output table (report.h). */
#include "report.h"
#include "error.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int reserve(struct sw_buf *b, size_t more)
{
    if (b->len + more < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap <= b->len + more)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
        return SW_ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int sw_buf_printf(struct sw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n + 1))
        return SW_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void sw_buf_free(struct sw_buf *b)
{
    free(b->data);
    *b = (struct sw_buf){0};
}

static int header(const struct sw_report *r, struct sw_buf *out)
{
    char hits[24];
    if (r->max_hits)
        snprintf(hits, sizeof(hits), "%zu", r->max_hits);
    else
        snprintf(hits, sizeof(hits), "all");
    return sw_buf_printf(out,
                         "# swsearch matrix=%s gapopen=%d gapextend=%d max_hits=%s queries=%zu "
                         "subjects=%zu columns=query,subject,score,query_length,subject_length\n",
                         r->matrix, r->gap_open, r->gap_extend, hits, r->queries->count,
                         r->db->count);
}

int sw_report_format(const struct sw_report *r, struct sw_buf *out)
{
    int rc = header(r, out);
    for (size_t q = 0; rc == 0 && q < r->queries->count; q++) {
        const struct sw_hitlist *h = &r->hits[q];
        for (size_t i = 0; rc == 0 && i < h->count; i++) {
            uint32_t s = h->hit[i].subject;
            rc = sw_buf_printf(out, "%s\t%s\t%" PRId32 "\t%" PRIu32 "\t%" PRIu32 "\n",
                               sw_seq_id(r->queries, q), sw_seq_id(r->db, s), h->hit[i].score,
                               sw_seq_len(r->queries, q), sw_seq_len(r->db, s));
        }
    }
    return rc;
}
