/* Helpers for the swsearch unit tests: a deterministic random generator and protein sequences
 * with the amino-acid composition of UniProtKB/Swiss-Prot. */
#ifndef SW_TESTUTIL_H
#define SW_TESTUTIL_H

#include "matrix.h"

#include <stddef.h>
#include <stdint.h>

static uint64_t sw_test_rng = 0x9E3779B97F4A7C15ull;

static inline uint32_t sw_rand(void)
{
    sw_test_rng ^= sw_test_rng << 13;
    sw_test_rng ^= sw_test_rng >> 7;
    sw_test_rng ^= sw_test_rng << 17;
    return (uint32_t)(sw_test_rng >> 32);
}

/* 0..n-1 */
static inline uint32_t sw_rand_below(uint32_t n)
{
    return (uint32_t)(((uint64_t)sw_rand() * n) >> 32);
}

/* Swiss-Prot composition in per-mille, ACDEFGHIKLMNPQRSTVWY */
static const char sw_aa[] = "ACDEFGHIKLMNPQRSTVWY";
static const int sw_aa_permille[20] = {83, 14, 55, 67, 39, 71, 23, 59, 58, 97,
                                       24, 41, 47, 39, 55, 66, 54, 69, 11, 29};

static inline char sw_rand_residue(void)
{
    int r = (int)sw_rand_below(1000);
    for (int i = 0; i < 20; i++) {
        if (r < sw_aa_permille[i])
            return sw_aa[i];
        r -= sw_aa_permille[i];
    }
    return 'L';
}

/* n random residues coded for m into out */
static inline void sw_rand_seq(const struct sw_matrix *m, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = m->code[(unsigned char)sw_rand_residue()];
}

#endif
