/* Subject sequences packed into SIMD lanes, column by column, for the inter-sequence kernels.
 *
 * Each of the `lanes` lanes of a vector holds one subject sequence at a time; when a lane's
 * sequence ends, the lane takes the next one (lanes change sequences only between groups of
 * SW_GROUP columns, so sequences are padded to a multiple of SW_GROUP with SW_PAD). This keeps
 * every lane busy however different the lengths are, and since sequences come longest first,
 * the lanes run dry at about the same time at the end.
 *
 * The kernels start a lane afresh where reset[g] says so, and record the lanes' best scores
 * ("flushes") before every group that resets a lane and once at the end: sequence k's score is
 * lane slot[k].lane of flush slot[k].flush. The layout does not depend on the query, so it is
 * built once per database slice and shared by every query. */
#ifndef SW_LAYOUT_H
#define SW_LAYOUT_H

#include "fasta.h"

#include <stddef.h>
#include <stdint.h>

#define SW_GROUP     4  /* columns a kernel's inner loop takes at once */
#define SW_LANES_MAX 32 /* the most lanes of any kernel (AVX2, 8 bit) */

struct sw_slot {
    uint32_t flush;
    uint32_t lane;
};

struct sw_layout {
    unsigned lanes;
    size_t groups;
    size_t flushes;       /* flush records the kernels write: groups that reset, plus 1 */
    uint8_t *cols;        /* groups * SW_GROUP * lanes codes: column c of group g, lane l at
                             cols[(g * SW_GROUP + c) * lanes + l] */
    uint8_t *reset;       /* groups * lanes: 0xFF where lane l starts a new sequence at group g
                             (never in group 0: every lane starts fresh there) */
    uint8_t *resets;      /* groups: 1 where reset[g] has a lane set */
    size_t count;         /* sequences */
    struct sw_slot *slot; /* count entries, in the order they were given */
    uint64_t cells;       /* residues of all sequences (the useful columns) */
};

/* Packs the sequences s[order[0..n)] (best given longest first) into `lanes` lanes. 0, or
 * SW_ENOMEM. */
int sw_layout_build(struct sw_layout *lay, unsigned lanes, const struct sw_seqs *s,
                    const uint32_t *order, size_t n);

void sw_layout_free(struct sw_layout *lay);

#endif
