/* Ordering hits (hits.h). */
#include "hits.h"

#include <stdlib.h>

static int better_first(const void *pa, const void *pb)
{
    const struct sw_hit *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->subject < b->subject ? -1 : a->subject > b->subject;
}

size_t sw_hits_best(struct sw_hit *hit, size_t n, size_t k)
{
    qsort(hit, n, sizeof(*hit), better_first);
    return k && k < n ? k : n;
}
