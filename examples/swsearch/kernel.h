/* The Smith-Waterman kernels: local alignment scores with affine gaps, exact.
 *
 * Gaps: a gap of length k costs open + k * extend (the BLAST and ssearch36 convention: open is
 * what a gap costs beyond its residues). The recurrences, for query residue i and subject
 * residue j:
 *
 *   E(i,j) = max(E(i,j-1) - extend, H(i,j-1) - open - extend)     gap in the query
 *   F(i,j) = max(F(i-1,j) - extend, H(i-1,j) - open - extend)     gap in the subject
 *   H(i,j) = max(0, H(i-1,j-1) + score(q_i, d_j), E(i,j), F(i,j))
 *
 * and the score is the largest H. The SIMD kernels are inter-sequence (as in SWIPE): the lanes of
 * a vector hold different subject sequences (layout.h), so one pass over the query scores 16 or
 * 32 subjects at once, every lane doing useful work whatever the query's length. They compute in
 * 8-bit unsigned saturating lanes first; lanes that reach the top of that range are scored again
 * in 16-bit signed lanes, and those that saturate there by the 32-bit scalar code
 * (sw_score_scalar), so every score is exact. */
#ifndef SW_KERNEL_H
#define SW_KERNEL_H

#include "layout.h"
#include "matrix.h"

#include <stddef.h>
#include <stdint.h>

#define SW_OPEN_MAX 1000 /* largest open or extend accepted */

struct sw_gaps {
    int open, extend; /* >= 0 */
};

/* What the vector kernels need of the matrix and the gaps. */
struct sw_tables {
    /* biased[a][b] = score[a][b] + bias, in 0..254: the 8-bit kernels' scores */
    uint8_t biased[SW_CODES][SW_CODES] __attribute__((aligned(64)));
    unsigned size;            /* the matrix's letters: the codes a query may hold */
    int bias;                 /* -min(0, the matrix's minimum) */
    int max;                  /* the matrix's highest score */
    uint8_t open8, extend8;   /* open + extend and extend, capped for 8-bit lanes */
    int16_t open16, extend16; /* ... and for 16-bit lanes */
    const struct sw_matrix *m;
    struct sw_gaps gaps;
};

void sw_tables_init(struct sw_tables *t, const struct sw_matrix *m, struct sw_gaps gaps);

/* The textbook recurrences above in 32-bit integers, one cell at a time: the reference the tests
 * compare the vector kernels with, and the last resort for scores beyond 16 bits. The score, or
 * SW_ENOMEM. */
int32_t sw_score_scalar(const struct sw_tables *t, const uint8_t *q, size_t m, const uint8_t *d,
                        size_t n);

/* Instruction sets with a kernel, slowest first. */
enum sw_isa { SW_ISA_SSE2, SW_ISA_SSE41, SW_ISA_AVX2, SW_ISA_COUNT };

/* The best the CPU (and the OS, for AVX state) offers; guest and Linux differ (isa_*.c). */
enum sw_isa sw_isa_detect(void);
const char *sw_isa_name(enum sw_isa isa);
int sw_isa_parse(const char *name, enum sw_isa *isa); /* 0, or -1 for an unknown name */

/* One instruction set's kernels. Both score the query q[0..m) against every lane of a layout
 * built with their lane count and write the lanes' best scores at each flush (layout.h) into
 * `flushes` (lay->flushes * lanes entries): score8 as uint8_t, score16 as int16_t. A score8
 * entry >= sat8 (255 - bias) or a score16 entry == INT16_MAX may have saturated: score it again
 * wider. `work` is scratch memory of sw_work_bytes(m) bytes, aligned to 64. */
struct sw_kernels {
    enum sw_isa isa;
    unsigned lanes8, lanes16;
    void (*score8)(const struct sw_tables *t, const uint8_t *q, size_t m,
                   const struct sw_layout *lay, uint8_t *flushes, void *work);
    void (*score16)(const struct sw_tables *t, const uint8_t *q, size_t m,
                    const struct sw_layout *lay, int16_t *flushes, void *work);
};

const struct sw_kernels *sw_kernels_for(enum sw_isa isa);

/* Scratch bytes the kernels need for a query of m residues. */
size_t sw_work_bytes(size_t m);

extern const struct sw_kernels sw_kernels_sse2, sw_kernels_sse41, sw_kernels_avx2;

#endif
