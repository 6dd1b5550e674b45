/* swsearch-linux: the Smith-Waterman database search on Linux, with the same code as the guest
 * image and the taskfarm scheduler on threads (libtaskfarm-host.a):
 *
 *   swsearch-linux -q queries.fa -d db.fa [-o hits.tsv] [--threads N] [--matrix M] ...
 *
 * Inputs are mapped into memory; the table is written only once it is complete: to a temporary
 * file beside -o's that is then renamed over it, or to standard output. */
#define _GNU_SOURCE
#include "swsearch.h"

#include <taskfarm.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char program[] = "swsearch-linux";

struct mapped {
    struct sw_text text;
    size_t size;
};

static int map_file(const char *path, struct mapped *m, struct sw_error *e)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return sw_fail(e, SW_EIO, "%s: %s", path, strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return sw_fail(e, SW_EIO, "%s: not a regular file", path);
    }
    m->size = (size_t)st.st_size;
    void *p = m->size ? mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0) : (void *)"";
    int err = errno;
    close(fd);
    if (p == MAP_FAILED)
        return sw_fail(e, SW_EIO, "%s: %s", path, strerror(err));
    m->text = (struct sw_text){path, p, m->size};
    return 0;
}

static void unmap(struct mapped *m)
{
    if (m->size)
        munmap((void *)m->text.data, m->size);
    m->size = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The table to `path` through a temporary file in the same directory, renamed at the end. */
static int write_output(const char *path, const struct sw_buf *b, struct sw_error *e)
{
    if (!path)
        return write_all(STDOUT_FILENO, b->data, b->len)
                   ? sw_fail(e, SW_EIO, "standard output: %s", strerror(errno))
                   : 0;
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp)
        return sw_fail(e, SW_ENOMEM, "out of memory");
    snprintf(tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp), rc = 0;
    if (fd < 0 || write_all(fd, b->data, b->len) || fchmod(fd, 0644) || close(fd) ||
        rename(tmp, path))
        rc = sw_fail(e, SW_EIO, "%s: %s", path, strerror(errno));
    if (rc && fd >= 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* A matrix argument that names a file (it has a '/' or the file exists) is read. */
static int matrix_file(const struct sw_options *o, struct mapped *m, struct sw_inputs *in,
                       struct sw_error *e)
{
    if (!strchr(o->matrix, '/') && access(o->matrix, F_OK) != 0)
        return 0;
    int rc = map_file(o->matrix, m, e);
    if (rc)
        return rc;
    in->matrix = &m->text;
    char *copy = strdup(o->matrix);
    in->matrix_name = copy ? strdup(basename(copy)) : NULL;
    free(copy);
    return in->matrix_name ? 0 : sw_fail(e, SW_ENOMEM, "out of memory");
}

/* One line, rewritten in place on a terminal. */
static void progress(void *ctx, uint64_t done, uint64_t total)
{
    int *shown = ctx;
    int tty = isatty(STDERR_FILENO);
    fprintf(stderr, "%s%s: progress %.0f%% of %.1f G cells%s", tty ? "\r" : "", program,
            100.0 * (double)done / (double)total, (double)total / 1e9, tty ? "" : "\n");
    *shown = tty;
}

static int start_farm(const struct sw_options *o, struct sw_error *e)
{
    if (!o->threads)
        return 0; /* the farm starts by itself with every CPU (or TF_CPUS) */
    int rc = tf_host_start(1, o->threads, 1);
    return rc ? sw_fail(e, SW_EUSAGE, "--threads %u: %s", o->threads, tf_strerror(rc)) : 0;
}

static int run(const struct sw_options *o, struct sw_error *e)
{
    struct mapped q = {0}, d = {0}, mx = {0};
    struct sw_inputs in = {0};
    struct sw_buf out = {0};
    struct sw_run_stats st;
    int shown = 0;
    in.progress = progress;
    in.progress_ctx = &shown;
    int rc = start_farm(o, e);
    if (rc == 0)
        rc = map_file(o->queries, &q, e);
    if (rc == 0)
        rc = map_file(o->db, &d, e);
    if (rc == 0)
        rc = matrix_file(o, &mx, &in, e);
    in.queries = q.text;
    in.db = d.text;
    if (rc == 0)
        rc = swsearch_run(o, &in, &out, &st, e);
    if (shown)
        fputc('\n', stderr); /* end the progress line */
    if (rc == 0)
        rc = write_output(o->output, &out, e);
    if (rc == 0 && o->stats)
        swsearch_print_stats(program, &st);
    sw_buf_free(&out);
    free((char *)in.matrix_name);
    unmap(&q);
    unmap(&d);
    unmap(&mx);
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
    if (rc == 0 && (!o.queries || !o.db))
        rc = sw_fail(&e, SW_EUSAGE, "both -q QUERIES and -d DATABASE are needed");
    if (rc == 0)
        rc = run(&o, &e);
    if (rc) {
        fprintf(stderr, "%s: %s\n", program, e.msg);
        if (rc == SW_EUSAGE)
            fprintf(stderr, "usage: %s%s", program, sw_options_help);
    }
    return sw_exit_status(rc);
}
