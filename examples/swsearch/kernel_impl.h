/* The inter-sequence kernels, written once for every vector width (kernel.h). Included by
 * kernel_sse2.c, kernel_sse41.c and kernel_avx2.c, which define first:
 *
 *   SW_TARGET            the function attribute that enables the instruction set
 *   SW_KERNELS, SW_ISA   the name of the struct sw_kernels to define, and its enum sw_isa
 *   VB, V                the vector's bytes and type
 *   V_LOAD, V_LOADU, V_STOREU, V_ZERO, V_SET8, V_SET16, V_ANDNOT (~a & b)
 *   V_ADDS_U8, V_SUBS_U8, V_MAX_U8       unsigned saturating 8-bit lanes
 *   V_ADDS_I16, V_SUBS_I16, V_MAX_I16    signed saturating 16-bit lanes
 *   V_MASK16(p)          VB / 2 bytes of 0 or 0xFF at p as 16-bit lanes of 0 or 0xFFFF
 *   profile8, profile16  the scores of every query code against a group's columns (below)
 *
 * The work memory holds, for every query row i, H(i, j-1) and E(i, j) for the group's first
 * column j, and the group's profile: prof[a * SW_GROUP + c] is the vector of scores of query
 * code a against column c's residues (biased 8-bit, or signed 16-bit). One pass over the query
 * takes SW_GROUP columns, carrying the cells of the row above and F in registers, so that H and
 * E go through memory once per SW_GROUP columns. */

/* One cell for every lane: H from the diagonal, E and F; then E and F for the next cells. */
#define CELL8(diag, score, f)                                                                      \
    h = V_SUBS_U8(V_ADDS_U8(diag, score), vbias);                                                  \
    h = V_MAX_U8(V_MAX_U8(h, e), f);                                                               \
    hmax = V_MAX_U8(hmax, h);                                                                      \
    o = V_SUBS_U8(h, vopen);                                                                       \
    f = V_MAX_U8(V_SUBS_U8(f, vext), o);                                                           \
    e = V_MAX_U8(V_SUBS_U8(e, vext), o)

#define CELL16(diag, score, f)                                                                     \
    h = V_MAX_I16(V_MAX_I16(V_ADDS_I16(diag, score), e), V_MAX_I16(f, zero));                      \
    hmax = V_MAX_I16(hmax, h);                                                                     \
    o = V_SUBS_I16(h, vopen);                                                                      \
    f = V_MAX_I16(V_SUBS_I16(f, vext), o);                                                         \
    e = V_MAX_I16(V_SUBS_I16(e, vext), o)

/* The SW_GROUP columns of one group, every query row; returns the lanes' best scores so far. */
SW_TARGET static V group8(V *restrict hs, V *restrict es, const V *restrict prof,
                          const uint8_t *restrict q, size_t m, V hmax, V vbias, V vopen, V vext)
{
    V zero = V_ZERO(), d = zero, h0 = zero, h1 = zero, h2 = zero;
    V f0 = zero, f1 = zero, f2 = zero, f3 = zero;
    for (size_t i = 0; i < m; i++) {
        const V *p = prof + (size_t)q[i] * SW_GROUP;
        V e = V_LOAD(es + i), left = V_LOAD(hs + i), h, o, t;
        CELL8(d, p[0], f0); /* d: H(i-1, j-1) */
        d = left;
        t = h0, h0 = h;
        CELL8(t, p[1], f1);
        t = h1, h1 = h;
        CELL8(t, p[2], f2);
        t = h2, h2 = h;
        CELL8(t, p[3], f3);
        hs[i] = h;
        es[i] = e;
    }
    return hmax;
}

SW_TARGET static V group16(V *restrict hs, V *restrict es, const V *restrict prof,
                           const uint8_t *restrict q, size_t m, V hmax, V vopen, V vext)
{
    V zero = V_ZERO(), d = zero, h0 = zero, h1 = zero, h2 = zero;
    V f0 = zero, f1 = zero, f2 = zero, f3 = zero;
    for (size_t i = 0; i < m; i++) {
        const V *p = prof + (size_t)q[i] * SW_GROUP;
        V e = V_LOAD(es + i), left = V_LOAD(hs + i), h, o, t;
        CELL16(d, p[0], f0);
        d = left;
        t = h0, h0 = h;
        CELL16(t, p[1], f1);
        t = h1, h1 = h;
        CELL16(t, p[2], f2);
        t = h2, h2 = h;
        CELL16(t, p[3], f3);
        hs[i] = h;
        es[i] = e;
    }
    return hmax;
}

/* Lanes that start a new sequence at this group forget H and E (their best score was flushed). */
SW_TARGET static V reset_lanes(V *hs, V *es, size_t m, V mask, V hmax)
{
    for (size_t i = 0; i < m; i++) {
        hs[i] = V_ANDNOT(mask, hs[i]);
        es[i] = V_ANDNOT(mask, es[i]);
    }
    return V_ANDNOT(mask, hmax);
}

SW_TARGET static void score8(const struct sw_tables *t, const uint8_t *q, size_t m,
                             const struct sw_layout *lay, uint8_t *flushes, void *work)
{
    V *hs = work, *es = hs + m, *prof = es + m;
    V zero = V_ZERO(), hmax = zero;
    V vbias = V_SET8(t->bias), vopen = V_SET8(t->open8), vext = V_SET8(t->extend8);
    for (size_t i = 0; i < m; i++)
        hs[i] = es[i] = zero;
    size_t k = 0;
    for (size_t g = 0; g < lay->groups; g++) {
        if (lay->resets[g]) {
            V_STOREU(flushes + VB * k++, hmax);
            hmax = reset_lanes(hs, es, m, V_LOADU(lay->reset + VB * g), hmax);
        }
        profile8(prof, t, lay->cols + (size_t)VB * SW_GROUP * g);
        hmax = group8(hs, es, prof, q, m, hmax, vbias, vopen, vext);
    }
    V_STOREU(flushes + VB * k, hmax);
}

SW_TARGET static void score16(const struct sw_tables *t, const uint8_t *q, size_t m,
                              const struct sw_layout *lay, int16_t *flushes, void *work)
{
    V *hs = work, *es = hs + m, *prof = es + m;
    V zero = V_ZERO(), hmax = zero;
    V vopen = V_SET16(t->open16), vext = V_SET16(t->extend16);
    const unsigned lanes = VB / 2;
    for (size_t i = 0; i < m; i++)
        hs[i] = es[i] = zero;
    size_t k = 0;
    for (size_t g = 0; g < lay->groups; g++) {
        if (lay->resets[g]) {
            V_STOREU(flushes + lanes * k++, hmax);
            hmax = reset_lanes(hs, es, m, V_MASK16(lay->reset + lanes * g), hmax);
        }
        profile16(prof, t, lay->cols + (size_t)lanes * SW_GROUP * g);
        hmax = group16(hs, es, prof, q, m, hmax, vopen, vext);
    }
    V_STOREU(flushes + lanes * k, hmax);
}

const struct sw_kernels SW_KERNELS = {SW_ISA, VB, VB / 2, score8, score16};
