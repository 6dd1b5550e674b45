/* swsearch: the Smith-Waterman database search as a taskfarm guest image. The queries, the
 * database and a matrix file (if any) come in as Multiboot modules, the table goes out on the
 * output stream (a virtio console), and the options come from the guest's command line:
 *
 *   tools/tf-run --module q.fa --module db.fa --output hits.tsv build/examples/swsearch/swsearch \
 *       -- -q q.fa -d db.fa --max-hits 5
 *
 * -q and -d name modules (default "queries" and "database"); --matrix names a module holding a
 * matrix file, or else a built-in matrix. tools/tf-swsearch does all of this from files. Errors
 * go to the serial console (standard error), with the exit statuses of swsearch-linux; the
 * table is written only once it is complete. */
#include "swsearch.h"

#include <taskfarm.h>

#include <stdio.h>
#include <string.h>

static const char program[] = "swsearch";

static int module(const char *name, struct sw_text *t, struct sw_error *e)
{
    size_t size;
    const void *data = tf_module_find(name, &size);
    if (!data)
        return sw_fail(e, SW_EIO, "%s: no such boot module (tf-run --module FILE=%s)", name, name);
    *t = (struct sw_text){name, data, size};
    return 0;
}

static int write_output(const struct sw_buf *b, struct sw_error *e)
{
    long n = tf_output_write(b->data, b->len);
    int rc = n < 0 ? (int)n : tf_output_flush();
    if (rc < 0)
        return sw_fail(e, SW_EIO, "output: %s%s", tf_strerror(rc),
                       rc == TF_ENODEV ? " (tf-run --output FILE)" : "");
    return 0;
}

/* A line on the serial console; tools/tf-swsearch shows it in place. */
static void progress(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    fprintf(stderr, "%s: progress %.0f%% of %.1f G cells\n", program,
            100.0 * (double)done / (double)total, (double)total / 1e9);
}

static int run(struct sw_options *o, struct sw_error *e)
{
    struct sw_inputs in = {.progress = progress};
    struct sw_text matrix;
    struct sw_buf out = {0};
    struct sw_run_stats st;
    int rc = module(o->queries ? o->queries : "queries", &in.queries, e);
    if (rc == 0)
        rc = module(o->db ? o->db : "database", &in.db, e);
    if (rc == 0 && tf_module_find(o->matrix, NULL) && module(o->matrix, &matrix, e) == 0) {
        in.matrix = &matrix;
        const char *slash = strrchr(o->matrix, '/');
        in.matrix_name = slash ? slash + 1 : o->matrix; /* as swsearch-linux names a file */
    }
    if (rc == 0)
        rc = swsearch_run(o, &in, &out, &st, e);
    if (rc == 0)
        rc = write_output(&out, e);
    if (rc == 0 && o->stats)
        swsearch_print_stats(program, &st);
    sw_buf_free(&out);
    return rc;
}

int main(int argc, char **argv)
{
    struct sw_options o;
    struct sw_error e = {0};
    int rc = sw_options_parse(&o, argc, argv, &e);
    if (rc == 0 && o.help) {
        printf("usage: %s%s", program, sw_options_help);
        return 0;
    }
    if (rc == 0 && o.output)
        rc = sw_fail(&e, SW_EUSAGE, "-o: the guest writes to its output stream (tf-run --output)");
    if (rc == 0 && o.threads)
        rc = sw_fail(&e, SW_EUSAGE, "--threads: the guest uses every CPU (tf-run --smp N)");
    if (rc == 0)
        rc = run(&o, &e);
    if (rc)
        fprintf(stderr, "%s: %s\n", program, e.msg);
    return sw_exit_status(rc);
}
