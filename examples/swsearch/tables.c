/* The kernels' tables, the instruction sets and their names (kernel.h). */
#include "kernel.h"

#include <string.h>

void sw_tables_init(struct sw_tables *t, const struct sw_matrix *m, struct sw_gaps gaps)
{
    memset(t, 0, sizeof(*t));
    t->m = m;
    t->gaps = gaps;
    t->size = m->size;
    t->bias = m->min < 0 ? -m->min : 0;
    t->max = m->max;
    for (unsigned a = 0; a < SW_CODES; a++)
        for (unsigned b = 0; b < SW_CODES; b++)
            t->biased[a][b] = (uint8_t)(m->score[a][b] + t->bias);
    /* Capping is exact: a lane never holds more than the cap, so subtracting the cap (the
     * saturating way, floored at 0) already gives what subtracting more would. */
    int oe = gaps.open + gaps.extend;
    t->open8 = (uint8_t)(oe < 255 ? oe : 255);
    t->extend8 = (uint8_t)(gaps.extend < 255 ? gaps.extend : 255);
    t->open16 = (int16_t)(oe < INT16_MAX ? oe : INT16_MAX);
    t->extend16 = (int16_t)(gaps.extend < INT16_MAX ? gaps.extend : INT16_MAX);
}

static const char *const isa_names[SW_ISA_COUNT] = {"sse2", "sse4.1", "avx2"};

const char *sw_isa_name(enum sw_isa isa)
{
    return isa < SW_ISA_COUNT ? isa_names[isa] : "?";
}

int sw_isa_parse(const char *name, enum sw_isa *isa)
{
    for (int i = 0; i < SW_ISA_COUNT; i++)
        if (!strcmp(name, isa_names[i]) || (i == SW_ISA_SSE41 && !strcmp(name, "sse41"))) {
            *isa = (enum sw_isa)i;
            return 0;
        }
    return -1;
}

const struct sw_kernels *sw_kernels_for(enum sw_isa isa)
{
    switch (isa) {
    case SW_ISA_AVX2:
        return &sw_kernels_avx2;
    case SW_ISA_SSE41:
        return &sw_kernels_sse41;
    default:
        return &sw_kernels_sse2;
    }
}

size_t sw_work_bytes(size_t m)
{
    /* H and E for every query row, and the profile: SW_CODES x SW_GROUP vectors of 32 bytes */
    return 2 * (m + 1) * 32 + SW_CODES * SW_GROUP * 32 + 64;
}
