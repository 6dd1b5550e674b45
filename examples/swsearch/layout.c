/* Packing subject sequences into lanes (layout.h). */
#include "layout.h"

#include <stdlib.h>
#include <string.h>

/* Lanes by the group at which they become free (then by lane number): a binary heap. */
struct lanes {
    uint64_t free_at[SW_LANES_MAX]; /* group << 8 | lane: the order to hand sequences out in */
    unsigned n;
};

static void sift_down(struct lanes *h, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->free_at[l] < h->free_at[m])
            m = l;
        if (r < h->n && h->free_at[r] < h->free_at[m])
            m = r;
        if (m == i)
            return;
        uint64_t t = h->free_at[i];
        h->free_at[i] = h->free_at[m];
        h->free_at[m] = t;
        i = m;
    }
}

static size_t groups_of(uint32_t len)
{
    return (len + SW_GROUP - 1) / SW_GROUP;
}

/* Each sequence's lane and first group, in order: the lane that is free first takes the next
 * sequence. Returns the number of groups. */
static size_t assign(const struct sw_seqs *s, const uint32_t *order, size_t n, unsigned lanes,
                     uint32_t *lane, size_t *start)
{
    struct lanes h = {.n = lanes};
    for (unsigned l = 0; l < lanes; l++)
        h.free_at[l] = l; /* group 0: already a heap */
    size_t groups = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t top = h.free_at[0];
        lane[k] = (uint32_t)(top & 0xFF);
        start[k] = (size_t)(top >> 8);
        size_t end = start[k] + groups_of(sw_seq_len(s, order[k]));
        groups = end > groups ? end : groups;
        h.free_at[0] = (uint64_t)end << 8 | lane[k];
        sift_down(&h, 0);
    }
    return groups;
}

#define CHUNK 64 /* groups written at a time: 8 KiB of columns with 32 lanes, in L1 */

/* The columns, a chunk of groups at a time, so that the writes (one byte per residue, a lane
 * apart) stay in the cache instead of touching the whole layout for every sequence. */
static void fill(struct sw_layout *lay, const struct sw_seqs *s, const uint32_t *order,
                 const uint32_t *lane, const size_t *start, size_t *next)
{
    const unsigned lanes = lay->lanes;
    size_t cur[SW_LANES_MAX], last[SW_LANES_MAX];
    for (unsigned l = 0; l < lanes; l++)
        cur[l] = last[l] = SIZE_MAX;
    for (size_t k = 0; k < lay->count; k++) { /* each lane's sequences, in order */
        next[k] = SIZE_MAX;
        if (last[lane[k]] == SIZE_MAX)
            cur[lane[k]] = k;
        else
            next[last[lane[k]]] = k;
        last[lane[k]] = k;
    }
    memset(lay->cols, SW_PAD, lay->groups * SW_GROUP * lanes);
    for (size_t g0 = 0; g0 < lay->groups; g0 += CHUNK) {
        size_t g1 = g0 + CHUNK < lay->groups ? g0 + CHUNK : lay->groups;
        for (unsigned l = 0; l < lanes; l++)
            while (cur[l] != SIZE_MAX && start[cur[l]] < g1) {
                size_t k = cur[l], first = start[k] * SW_GROUP;
                uint32_t len = sw_seq_len(s, order[k]);
                size_t from = g0 * SW_GROUP > first ? g0 * SW_GROUP - first : 0;
                size_t to = g1 * SW_GROUP - first < len ? g1 * SW_GROUP - first : len;
                const uint8_t *res = sw_seq_res(s, order[k]);
                for (size_t i = from; i < to; i++)
                    lay->cols[(first + i) * lanes + l] = res[i];
                if (to < len)
                    break; /* continues in the next chunk */
                cur[l] = next[k];
            }
    }
}

static void mark_resets(struct sw_layout *lay, const uint32_t *lane, const size_t *start)
{
    memset(lay->reset, 0, lay->groups * lay->lanes);
    memset(lay->resets, 0, lay->groups);
    for (size_t k = 0; k < lay->count; k++)
        if (start[k] > 0) {
            lay->reset[start[k] * lay->lanes + lane[k]] = 0xFF;
            lay->resets[start[k]] = 1;
        }
}

/* Sequence k's score is flushed before the group where its lane starts the next sequence, or at
 * the end when none follows; flush i is the i-th group that resets a lane. */
static void slots(struct sw_layout *lay, const struct sw_seqs *s, const uint32_t *order,
                  const uint32_t *lane, const size_t *start, size_t *flush_at)
{
    size_t f = 0;
    for (size_t g = 0; g < lay->groups; g++) {
        flush_at[g] = f;
        f += lay->resets[g];
    }
    lay->flushes = f + 1;
    for (size_t k = 0; k < lay->count; k++) {
        size_t end = start[k] + groups_of(sw_seq_len(s, order[k]));
        int next = end < lay->groups && lay->reset[end * lay->lanes + lane[k]];
        lay->slot[k] = (struct sw_slot){(uint32_t)(next ? flush_at[end] : f), lane[k]};
    }
}

int sw_layout_build(struct sw_layout *lay, unsigned lanes, const struct sw_seqs *s,
                    const uint32_t *order, size_t n)
{
    memset(lay, 0, sizeof(*lay));
    lay->lanes = lanes;
    lay->count = n;
    uint32_t *lane = malloc((n ? n : 1) * sizeof(uint32_t));
    size_t *start = malloc((n ? n : 1) * sizeof(size_t)), *flush_at = NULL;
    int rc = lane && start ? 0 : SW_ENOMEM;
    if (rc == 0) {
        lay->groups = assign(s, order, n, lanes, lane, start);
        size_t g = lay->groups ? lay->groups : 1;
        lay->cols = malloc(g * SW_GROUP * lanes);
        lay->reset = malloc(g * lanes);
        lay->resets = malloc(g);
        lay->slot = malloc((n ? n : 1) * sizeof(*lay->slot));
        flush_at = malloc((g > n ? g : n) * sizeof(size_t));
        if (!lay->cols || !lay->reset || !lay->resets || !lay->slot || !flush_at)
            rc = SW_ENOMEM;
    }
    if (rc == 0) {
        fill(lay, s, order, lane, start, flush_at); /* flush_at: scratch until slots() */
        mark_resets(lay, lane, start);
        slots(lay, s, order, lane, start, flush_at);
        for (size_t k = 0; k < n; k++)
            lay->cells += sw_seq_len(s, order[k]);
    } else {
        sw_layout_free(lay);
    }
    free(flush_at);
    free(start);
    free(lane);
    return rc;
}

void sw_layout_free(struct sw_layout *lay)
{
    free(lay->cols);
    free(lay->reset);
    free(lay->resets);
    free(lay->slot);
    memset(lay, 0, sizeof(*lay));
}
