/* Substitution matrices in the NCBI (BLAST) file format, and the mapping of residue letters to
 * the matrix's codes.
 *
 * A matrix file has '#' comment lines, a line of column letters (single characters, letters or
 * '*'), then one row per column letter, in the same order: the letter and one integer per column.
 * Entry (row a, column b) scores residue a of the query against residue b of the subject; the
 * matrix need not be symmetric. Scores must lie in -127..127.
 *
 * Residues are coded 0..size-1 in the order of the column letters. Lower-case letters are coded
 * as their upper-case letter. A letter (or '*') that the matrix has no row for is scored as X when
 * the matrix has an X, and is an error otherwise. Code SW_PAD (never a residue) pads the SIMD
 * lanes; it scores the matrix's minimum (or 0 if that is positive) against everything. */
#ifndef SW_MATRIX_H
#define SW_MATRIX_H

#include "error.h"

#include <stddef.h>
#include <stdint.h>

#define SW_ALPHABET_MAX 31 /* letters a matrix may have: codes 0..30 */
#define SW_PAD          31 /* the padding code */
#define SW_CODES        32 /* codes including SW_PAD: rows of the score tables */
#define SW_NOCODE       255
#define SW_NAME_MAX     64

struct sw_matrix {
    char name[SW_NAME_MAX];        /* what the output's header calls it */
    unsigned size;                 /* letters, <= SW_ALPHABET_MAX */
    char letters[SW_ALPHABET_MAX]; /* upper case, in code order */
    int8_t score[SW_CODES][SW_CODES];
    int min, max;      /* over the letters' entries */
    uint8_t code[256]; /* byte -> code, or SW_NOCODE for what is no residue */
};

/* Parses the matrix file text[0..len) into *m. `name` names it in the output, `file` in error
 * messages ("FILE:LINE: ..."). 0, or SW_EINPUT. */
int sw_matrix_parse(struct sw_matrix *m, const char *name, const char *file, const char *text,
                    size_t len, struct sw_error *e);

/* The built-in matrices: BLOSUM45, BLOSUM50, BLOSUM62, BLOSUM80, PAM250 (upper or lower case).
 * 0, or SW_EUSAGE for another name. */
int sw_matrix_builtin(struct sw_matrix *m, const char *name, struct sw_error *e);

/* The text of built-in matrix `i` (NULL past the last) and its name. */
const char *sw_matrix_builtin_text(unsigned i, const char **name);

#endif
