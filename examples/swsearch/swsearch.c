/* The search from input buffers to the output table (swsearch.h). */
#include "swsearch.h"

#include <taskfarm.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int load_matrix(struct sw_matrix *m, const struct sw_options *o, const struct sw_inputs *in,
                       struct sw_error *e)
{
    if (!in->matrix)
        return sw_matrix_builtin(m, o->matrix, e);
    return sw_matrix_parse(m, in->matrix_name, in->matrix->name, in->matrix->data, in->matrix->size,
                           e);
}

static int pick_kernels(const struct sw_options *o, const struct sw_kernels **k, struct sw_error *e)
{
    enum sw_isa best = sw_isa_detect();
    if (o->isa_forced && o->isa > best)
        return sw_fail(e, SW_EUSAGE, "--isa %s: this CPU offers %s at most", sw_isa_name(o->isa),
                       sw_isa_name(best));
    *k = sw_kernels_for(o->isa_forced ? o->isa : best);
    return 0;
}

struct state {
    struct sw_matrix matrix;
    struct sw_seqs queries, db;
    struct sw_tables tables;
    struct sw_hitlist *hits;
};

static int parse(struct state *s, const struct sw_options *o, const struct sw_inputs *in,
                 struct sw_error *e)
{
    int rc = load_matrix(&s->matrix, o, in, e);
    if (rc == 0)
        rc = sw_fasta_parse(&s->queries, in->queries.name, in->queries.data, in->queries.size,
                            &s->matrix, e);
    if (rc == 0)
        rc = sw_fasta_parse(&s->db, in->db.name, in->db.data, in->db.size, &s->matrix, e);
    return rc;
}

static int search_and_format(struct state *s, const struct sw_options *o,
                             const struct sw_inputs *in, struct sw_buf *out,
                             struct sw_run_stats *st, struct sw_error *e)
{
    const struct sw_kernels *k = NULL;
    int rc = pick_kernels(o, &k, e);
    if (rc)
        return rc;
    st->isa = k->isa;
    sw_tables_init(&s->tables, &s->matrix, (struct sw_gaps){o->gap_open, o->gap_extend});
    if (!(s->hits = calloc(s->queries.count, sizeof(*s->hits))))
        return sw_fail(e, SW_ENOMEM, "out of memory");
    struct sw_search search = {&s->queries, &s->db, &s->tables, k, o->max_hits, NULL, NULL};
    if (o->progress) {
        search.progress = in->progress;
        search.progress_ctx = in->progress_ctx;
    }
    if ((rc = sw_search_run(&search, s->hits, &st->search, e)))
        return rc;
    uint64_t t0 = tf_now_ns();
    struct sw_report r = {s->matrix.name, o->gap_open, o->gap_extend, o->max_hits,
                          &s->queries,    &s->db,      s->hits};
    if (sw_report_format(&r, out))
        return sw_fail(e, SW_ENOMEM, "out of memory for the output");
    st->format_ns = tf_now_ns() - t0;
    return 0;
}

int swsearch_run(const struct sw_options *o, const struct sw_inputs *in, struct sw_buf *out,
                 struct sw_run_stats *st, struct sw_error *e)
{
    struct state *s = calloc(1, sizeof(*s));
    if (!s)
        return sw_fail(e, SW_ENOMEM, "out of memory");
    *st = (struct sw_run_stats){0};
    uint64_t t0 = tf_now_ns();
    int rc = parse(s, o, in, e);
    st->parse_ns = tf_now_ns() - t0;
    if (rc == 0)
        rc = search_and_format(s, o, in, out, st, e);
    if (rc)
        sw_buf_free(out);
    if (s->hits)
        sw_hits_free(s->hits, s->queries.count);
    free(s->hits);
    sw_seqs_free(&s->queries);
    sw_seqs_free(&s->db);
    free(s);
    return rc;
}

void swsearch_print_stats(const char *program, const struct sw_run_stats *st)
{
    const struct sw_search_stats *s = &st->search;
    double secs = (double)s->search_ns / 1e9;
    /* formatted first and written once: stderr is unbuffered, and fprintf may write the line
     * in pieces, and a message from another CPU could land between them */
    char line[512];
    snprintf(line, sizeof(line),
             "%s: isa=%s cpus=%u cells=%" PRIu64 " parse_ms=%.1f prepare_ms=%.1f search_ms=%.1f "
             "format_ms=%.1f gcups=%.3f tasks=%" PRIu64 " slices=%" PRIu64 " rescored16=%" PRIu64
             " rescored32=%" PRIu64 "\n",
             program, sw_isa_name(st->isa), tf_cpu_count(), s->cells, (double)st->parse_ns / 1e6,
             (double)s->prepare_ns / 1e6, secs * 1e3, (double)st->format_ns / 1e6,
             secs > 0 ? (double)s->cells / secs / 1e9 : 0.0, s->tasks, s->slices, s->at16, s->at32);
    fputs(line, stderr);
}
