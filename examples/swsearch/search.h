/* The search on the task farm: every query against every database sequence, the best hits of
 * each query. Runs on the bootstrap CPU (tf_submit), in the guest and on Linux alike. */
#ifndef SW_SEARCH_H
#define SW_SEARCH_H

#include "error.h"
#include "fasta.h"
#include "hits.h"
#include "kernel.h"

/* Called on the bootstrap CPU about once a second while the scoring tasks run (never for a
 * search shorter than that): cells scored so far and in all. */
typedef void (*sw_progress_fn)(void *ctx, uint64_t done, uint64_t total);

struct sw_search {
    const struct sw_seqs *queries, *db;
    const struct sw_tables *tables;
    const struct sw_kernels *kernels;
    size_t max_hits;         /* per query; 0: every subject */
    sw_progress_fn progress; /* or NULL */
    void *progress_ctx;
};

struct sw_search_stats {
    uint64_t cells;      /* query residues times database residues */
    uint64_t at16, at32; /* pairs scored again with 16-bit lanes, with 32-bit scalars */
    uint64_t tasks, slices;
    uint64_t prepare_ns, search_ns; /* sorting and packing the database; the scoring tasks */
};

/* hits[q] (queries->count lists, freed by sw_hits_free) gets query q's best hits. 0, SW_ENOMEM or
 * SW_ETASK. */
int sw_search_run(const struct sw_search *s, struct sw_hitlist *hits, struct sw_search_stats *st,
                  struct sw_error *e);

void sw_hits_free(struct sw_hitlist *hits, size_t n);

#endif
