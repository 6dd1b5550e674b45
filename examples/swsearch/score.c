/* The 8-bit, 16-bit, 32-bit cascade (score.h). */
#include "score.h"

#include <stdlib.h>
#include <string.h>

void *sw_alloc64(size_t bytes)
{
    unsigned char *raw = malloc(bytes + 64);
    if (!raw)
        return NULL;
    unsigned char *p = raw + 64 - ((uintptr_t)raw & 63); /* 1..64 bytes in: room for raw */
    memcpy(p - sizeof(raw), &raw, sizeof(raw));
    return p;
}

void sw_free64(void *p)
{
    if (!p)
        return;
    unsigned char *raw;
    memcpy(&raw, (unsigned char *)p - sizeof(raw), sizeof(raw));
    free(raw);
}

/* The sequences of `which` (positions in order) with 16-bit lanes; those that saturate again go
 * to the scalar code. */
static int rescore16(const struct sw_kernels *k, const struct sw_tables *t, const uint8_t *q,
                     size_t m, const struct sw_seqs *db, const uint32_t *order,
                     const uint32_t *which, size_t n, int32_t *scores, void *work,
                     struct sw_rescored *r)
{
    uint32_t *sub = malloc(n * sizeof(uint32_t));
    struct sw_layout lay = {0};
    int16_t *fl = NULL;
    int rc = sub ? 0 : SW_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        sub[i] = order[which[i]];
    if (rc == 0)
        rc = sw_layout_build(&lay, k->lanes16, db, sub, n);
    if (rc == 0 && !(fl = malloc(lay.flushes * k->lanes16 * sizeof(int16_t))))
        rc = SW_ENOMEM;
    if (rc == 0)
        k->score16(t, q, m, &lay, fl, work);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int32_t v = fl[(size_t)lay.slot[i].flush * k->lanes16 + lay.slot[i].lane];
        if (v == INT16_MAX) {
            v = sw_score_scalar(t, q, m, sw_seq_res(db, sub[i]), sw_seq_len(db, sub[i]));
            rc = v < 0 ? v : 0;
            r->at32++;
        }
        scores[which[i]] = v;
    }
    r->at16 += n;
    free(fl);
    sw_layout_free(&lay);
    free(sub);
    return rc;
}

int sw_score_layout(const struct sw_kernels *k, const struct sw_tables *t, const uint8_t *q,
                    size_t m, const struct sw_layout *lay, const struct sw_seqs *db,
                    const uint32_t *order, int32_t *scores, struct sw_rescored *r)
{
    void *work = sw_alloc64(sw_work_bytes(m));
    uint8_t *fl = malloc(lay->flushes * k->lanes8);
    uint32_t *over = malloc((lay->count ? lay->count : 1) * sizeof(uint32_t));
    int rc = work && fl && over ? 0 : SW_ENOMEM;
    size_t n = 0;
    if (rc == 0) {
        k->score8(t, q, m, lay, fl, work);
        const int sat8 = 255 - t->bias;
        for (size_t i = 0; i < lay->count; i++) {
            int v = fl[(size_t)lay->slot[i].flush * k->lanes8 + lay->slot[i].lane];
            if (v >= sat8)
                over[n++] = (uint32_t)i;
            scores[i] = v;
        }
    }
    if (rc == 0 && n)
        rc = rescore16(k, t, q, m, db, order, over, n, scores, work, r);
    free(over);
    free(fl);
    sw_free64(work);
    return rc;
}
