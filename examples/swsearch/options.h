/* The command line, shared by swsearch-linux and the guest (whose -q and -d name Multiboot
 * modules instead of files). */
#ifndef SW_OPTIONS_H
#define SW_OPTIONS_H

#include "error.h"
#include "kernel.h"

#include <stddef.h>

#define SW_DEFAULT_MATRIX "BLOSUM62"
#define SW_DEFAULT_OPEN   11
#define SW_DEFAULT_EXTEND 1
#define SW_DEFAULT_HITS   10

struct sw_options {
    const char *queries, *db, *output; /* output: NULL for standard output */
    const char *matrix;                /* a built-in name or a file (or module) */
    int gap_open, gap_extend;
    size_t max_hits;  /* 0 with --all */
    unsigned threads; /* 0: every CPU */
    int isa_forced;
    enum sw_isa isa;
    int stats;    /* times and counts on standard error */
    int progress; /* progress reports on standard error for long searches */
    int help;
};

/* Parses argv[1..argc) into *o (defaults first). 0, or SW_EUSAGE with the reason. */
int sw_options_parse(struct sw_options *o, int argc, char **argv, struct sw_error *e);

/* The option summary for --help, after "usage: PROGRAM". */
extern const char sw_options_help[];

#endif
