/* Hits: (subject, score) pairs, best first, ties in database order. */
#ifndef SW_HITS_H
#define SW_HITS_H

#include <stddef.h>
#include <stdint.h>

struct sw_hit {
    uint32_t subject; /* index in the database, in file order */
    int32_t score;
};

struct sw_hitlist {
    struct sw_hit *hit;
    size_t count;
};

/* Sorts hit[0..n) best first (higher score, then lower subject) and returns min(n, k), the number
 * to keep (k == 0: all). */
size_t sw_hits_best(struct sw_hit *hit, size_t n, size_t k);

#endif
