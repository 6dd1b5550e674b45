/* Ordering hits (hits.h). */
#include "hits.h"

#include <stdlib.h>

#define SELECT_MAX 64 /* up to this k, keep a sorted top k in one pass instead of sorting all */

static int better(const struct sw_hit *a, const struct sw_hit *b)
{
    return a->score != b->score ? a->score > b->score : a->subject < b->subject;
}

static int better_first(const void *pa, const void *pb)
{
    const struct sw_hit *a = pa, *b = pb;
    return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* The best k of hit[0..n) sorted into hit[0..k), by insertion: most hits lose to the k-th at
 * once, so this is one pass for the small k of a database search. */
static void select_best(struct sw_hit *hit, size_t n, size_t k)
{
    qsort(hit, k, sizeof(*hit), better_first);
    for (size_t i = k; i < n; i++) {
        if (!better(&hit[i], &hit[k - 1]))
            continue;
        struct sw_hit h = hit[i];
        size_t j = k - 1;
        for (; j > 0 && better(&h, &hit[j - 1]); j--)
            hit[j] = hit[j - 1];
        hit[j] = h;
    }
}

size_t sw_hits_best(struct sw_hit *hit, size_t n, size_t k)
{
    if (k && k < n && k <= SELECT_MAX) {
        select_best(hit, n, k);
        return k;
    }
    qsort(hit, n, sizeof(*hit), better_first);
    return k && k < n ? k : n;
}
