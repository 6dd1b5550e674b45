/* Command-line options (options.h). */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char sw_options_help[] =
    " -q QUERIES.fa -d DB.fa [options]\n"
    "  -q, --queries FILE     query sequences (FASTA)\n"
    "  -d, --db FILE          database sequences (FASTA)\n"
    "  -o, --output FILE      the table (default: standard output)\n"
    "  --matrix NAME|FILE     BLOSUM45, BLOSUM50, BLOSUM62 (default), BLOSUM80, PAM250, or an\n"
    "                         NCBI-format matrix file\n"
    "  --gapopen G            (default 11) a gap of k residues costs G + k*E\n"
    "  --gapextend E          (default 1)\n"
    "  --max-hits K           best K hits per query (default 10)\n"
    "  --all                  every query-subject pair\n"
    "  --threads N            CPUs to use (default: all)\n"
    "  --isa sse2|sse4.1|avx2 the kernels to use (default: the best the CPU offers)\n"
    "  --stats                times and counts on standard error\n"
    "  --progress             progress on standard error, about once a second\n"
    "Exit status: 0 done; 1 bad option; 2 bad FASTA or matrix file; 3 file not readable or\n"
    "output not writable; 4 out of memory; 5 a task failed.\n";

static int number(const char *opt, const char *v, long lo, long hi, long *out, struct sw_error *e)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return sw_fail(e, SW_EUSAGE, "%s wants an integer from %ld to %ld, not '%s'", opt, lo, hi,
                       v);
    *out = x;
    return 0;
}

/* Options that take a value: their value (from "--opt=v" or the next argument), or NULL. */
static const char *value(const char *opt, int argc, char **argv, int *i)
{
    size_t n = strlen(opt);
    if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (strcmp(argv[*i], opt) || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static int numeric(struct sw_options *o, const char *opt, const char *v, struct sw_error *e)
{
    long x;
    int rc = 0;
    if (!strcmp(opt, "--gapopen") && !(rc = number(opt, v, 0, SW_OPEN_MAX, &x, e)))
        o->gap_open = (int)x;
    else if (!strcmp(opt, "--gapextend") && !(rc = number(opt, v, 0, SW_OPEN_MAX, &x, e)))
        o->gap_extend = (int)x;
    else if (!strcmp(opt, "--max-hits") && !(rc = number(opt, v, 1, 1L << 30, &x, e)))
        o->max_hits = (size_t)x;
    else if (!strcmp(opt, "--threads") && !(rc = number(opt, v, 1, 4096, &x, e)))
        o->threads = (unsigned)x;
    return rc;
}

static int with_value(struct sw_options *o, const char *opt, const char *v, struct sw_error *e)
{
    if (!strcmp(opt, "-q") || !strcmp(opt, "--queries"))
        o->queries = v;
    else if (!strcmp(opt, "-d") || !strcmp(opt, "--db"))
        o->db = v;
    else if (!strcmp(opt, "-o") || !strcmp(opt, "--output"))
        o->output = v;
    else if (!strcmp(opt, "--matrix"))
        o->matrix = v;
    else if (!strcmp(opt, "--isa")) {
        if (sw_isa_parse(v, &o->isa))
            return sw_fail(e, SW_EUSAGE, "--isa wants sse2, sse4.1 or avx2, not '%s'", v);
        o->isa_forced = 1;
    } else
        return numeric(o, opt, v, e);
    return 0;
}

static const char *const valued[] = {"-q",          "--queries",  "-d",        "--db",
                                     "-o",          "--output",   "--matrix",  "--gapopen",
                                     "--gapextend", "--max-hits", "--threads", "--isa"};

int sw_options_parse(struct sw_options *o, int argc, char **argv, struct sw_error *e)
{
    *o = (struct sw_options){.matrix = SW_DEFAULT_MATRIX,
                             .gap_open = SW_DEFAULT_OPEN,
                             .gap_extend = SW_DEFAULT_EXTEND,
                             .max_hits = SW_DEFAULT_HITS};
    int all = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        size_t k = 0;
        for (; k < sizeof(valued) / sizeof(valued[0]) && !v; k++)
            v = value(valued[k], argc, argv, &i);
        if (v) {
            char opt[16];
            size_t n = strcspn(a, "=");
            snprintf(opt, sizeof(opt), "%.*s", (int)n, a);
            int rc = with_value(o, opt, v, e);
            if (rc)
                return rc;
        } else if (!strcmp(a, "--all"))
            all = 1;
        else if (!strcmp(a, "--stats"))
            o->stats = 1;
        else if (!strcmp(a, "--progress"))
            o->progress = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            o->help = 1;
        else
            return sw_fail(e, SW_EUSAGE, "unknown option or missing value: '%s'", a);
    }
    if (all)
        o->max_hits = 0;
    return 0;
}
