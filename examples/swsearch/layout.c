/* Packing subject sequences into lanes (layout.h). */
#include "layout.h"

#include <stdlib.h>
#include <string.h>

struct lane {
    int64_t seq;  /* position in `order` of the lane's sequence, or -1 */
    uint32_t pos; /* next residue of it */
    uint32_t len;
    int done; /* its sequence ended and no other followed */
};

struct packer {
    struct sw_layout *lay;
    const struct sw_seqs *s;
    const uint32_t *order;
    size_t n, next;
    struct lane lane[SW_LANES_MAX];
    int write; /* second pass: fill the arrays sized by the first */
};

/* Gives lane l the next sequence, if any, at group g; whether it had to reset. */
static int refill(struct packer *p, unsigned l, size_t g)
{
    struct lane *ln = &p->lane[l];
    int finished = ln->seq >= 0;
    if (p->next == p->n) {
        ln->done = finished;
        return 0;
    }
    if (finished && p->write)
        p->lay->slot[ln->seq] = (struct sw_slot){(uint32_t)p->lay->flushes, l};
    ln->seq = (int64_t)p->next++;
    ln->pos = 0;
    ln->len = sw_seq_len(p->s, p->order[ln->seq]);
    return g > 0;
}

static void fill_group(struct packer *p, size_t g)
{
    unsigned lanes = p->lay->lanes;
    uint8_t *cols = p->lay->cols + g * SW_GROUP * lanes;
    for (unsigned l = 0; l < lanes; l++) {
        struct lane *ln = &p->lane[l];
        const uint8_t *res = ln->seq >= 0 ? sw_seq_res(p->s, p->order[ln->seq]) : NULL;
        for (unsigned c = 0; c < SW_GROUP; c++)
            cols[c * lanes + l] = res && ln->pos + c < ln->len ? res[ln->pos + c] : SW_PAD;
    }
}

/* One pass over the groups; the first counts them (and the flushes), the second fills. */
static void pack(struct packer *p)
{
    struct sw_layout *lay = p->lay;
    memset(p->lane, 0, sizeof(p->lane));
    for (unsigned l = 0; l < SW_LANES_MAX; l++)
        p->lane[l].seq = -1;
    p->next = 0;
    lay->flushes = 0;
    size_t g = 0;
    for (;; g++) {
        int any = 0, active = 0;
        uint8_t reset[SW_LANES_MAX] = {0};
        for (unsigned l = 0; l < lay->lanes; l++) {
            struct lane *ln = &p->lane[l];
            if (!ln->done && (ln->seq < 0 || ln->pos >= ln->len) && refill(p, l, g)) {
                reset[l] = 0xFF;
                any = 1;
            }
            active |= !ln->done && ln->seq >= 0;
        }
        if (!active)
            break;
        if (p->write) {
            memcpy(lay->reset + g * lay->lanes, reset, lay->lanes);
            lay->resets[g] = (uint8_t)any;
            fill_group(p, g);
        }
        lay->flushes += (size_t)any;
        for (unsigned l = 0; l < lay->lanes; l++)
            p->lane[l].pos += SW_GROUP;
    }
    lay->groups = g;
    if (p->write)
        for (unsigned l = 0; l < lay->lanes; l++)
            if (p->lane[l].done)
                lay->slot[p->lane[l].seq] = (struct sw_slot){(uint32_t)lay->flushes, l};
    lay->flushes++; /* the last one, after the last group */
}

int sw_layout_build(struct sw_layout *lay, unsigned lanes, const struct sw_seqs *s,
                    const uint32_t *order, size_t n)
{
    memset(lay, 0, sizeof(*lay));
    lay->lanes = lanes;
    lay->count = n;
    struct packer p = {.lay = lay, .s = s, .order = order, .n = n};
    pack(&p);
    size_t groups = lay->groups ? lay->groups : 1;
    lay->cols = malloc(groups * SW_GROUP * lanes);
    lay->reset = malloc(groups * lanes);
    lay->resets = malloc(groups);
    lay->slot = malloc((n ? n : 1) * sizeof(*lay->slot));
    if (!lay->cols || !lay->reset || !lay->resets || !lay->slot) {
        sw_layout_free(lay);
        return SW_ENOMEM;
    }
    p.write = 1;
    pack(&p);
    for (size_t k = 0; k < n; k++)
        lay->cells += sw_seq_len(s, order[k]);
    return 0;
}

void sw_layout_free(struct sw_layout *lay)
{
    free(lay->cols);
    free(lay->reset);
    free(lay->resets);
    free(lay->slot);
    memset(lay, 0, sizeof(*lay));
}
