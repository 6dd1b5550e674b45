/* The scalar reference kernel (kernel.h): the recurrences as written, in 32-bit integers. */
#include "kernel.h"

#include <stdlib.h>

#define MINUS_INF (INT32_MIN / 2) /* below any score, and safe to subtract gap costs from */

static int32_t max2(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

int32_t sw_score_scalar(const struct sw_tables *t, const uint8_t *q, size_t m, const uint8_t *d,
                        size_t n)
{
    /* h[j] and f[j] hold H(i-1, j) and F(i-1, j) on entry to row i, H(i, j) and F(i, j) after */
    int32_t *h = calloc(n + 1, sizeof(int32_t)), *f = malloc((n + 1) * sizeof(int32_t));
    if (!h || !f) {
        free(h);
        free(f);
        return SW_ENOMEM;
    }
    const int32_t oe = t->gaps.open + t->gaps.extend, ext = t->gaps.extend;
    int32_t best = 0;
    for (size_t j = 0; j <= n; j++)
        f[j] = MINUS_INF;
    for (size_t i = 0; i < m; i++) {
        const int8_t *row = t->m->score[q[i]];
        int32_t diag = 0, left = 0, e = MINUS_INF; /* H(i-1, j-1), H(i, j-1), E(i, j) */
        for (size_t j = 1; j <= n; j++) {
            e = max2(e - ext, left - oe);
            f[j] = max2(f[j] - ext, h[j] - oe);
            int32_t cell = max2(max2(0, diag + row[d[j - 1]]), max2(e, f[j]));
            diag = h[j];
            h[j] = left = cell;
            best = max2(best, cell);
        }
    }
    free(h);
    free(f);
    return best;
}
