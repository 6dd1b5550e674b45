/* Exact scores of one query against the sequences of one layout: the 8-bit kernel for all of
 * them, the 16-bit kernel for those whose 8-bit lanes saturated, the 32-bit scalar code for those
 * that saturated 16 bits too. */
#ifndef SW_SCORE_H
#define SW_SCORE_H

#include "fasta.h"
#include "kernel.h"
#include "layout.h"

struct sw_rescored {
    uint64_t at16, at32; /* sequences scored again with 16-bit lanes, and with 32-bit scalars */
};

/* scores[k] gets the score of query q[0..m) against db sequence order[k], for every k of lay
 * (built from db and order with k->lanes8 lanes). 0, or SW_ENOMEM. */
int sw_score_layout(const struct sw_kernels *k, const struct sw_tables *t, const uint8_t *q,
                    size_t m, const struct sw_layout *lay, const struct sw_seqs *db,
                    const uint32_t *order, int32_t *scores, struct sw_rescored *r);

/* Memory aligned to 64 bytes (the kernels' work), and its release. */
void *sw_alloc64(size_t bytes);
void sw_free64(void *p);

#endif
