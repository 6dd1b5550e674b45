/* Protein sequences from FASTA text, coded for a substitution matrix (matrix.h).
 *
 * A record is a header line, '>' and the sequence's identifier (its first word; spaces after '>'
 * are skipped, the rest of the line is a description), then one or more lines of residues.
 * Blank lines are allowed between records; spaces, tabs and carriage returns inside sequence
 * lines are ignored. Residues are letters (either case) and '*', coded as matrix.h says.
 *
 * Errors (SW_EINPUT, with "FILE:LINE: ..."): an empty file; a first line that is no header (not
 * FASTA); binary data (NUL bytes); a header without an identifier; a record without residues (a
 * header without sequence, also at the end of the file); a character that is no residue; a letter
 * the matrix cannot score (it has no X); a sequence longer than SW_SEQ_MAX; a last line without
 * its newline, which is how a truncated file shows (every line of a FASTA file ends with one). */
#ifndef SW_FASTA_H
#define SW_FASTA_H

#include "error.h"
#include "matrix.h"

#include <stddef.h>
#include <stdint.h>

#define SW_SEQ_MAX (16u << 20) /* residues in one sequence: scores fit 32 bits */

struct sw_seqs {
    size_t count;    /* sequences */
    size_t residues; /* over all of them */
    uint32_t max_len;
    uint8_t *res;  /* the codes of every sequence, one after the other */
    size_t *start; /* sequence i is res[start[i] .. start[i + 1]); count + 1 entries */
    char *ids;     /* the identifiers, NUL-terminated, one after the other */
    size_t *id_at; /* identifier i is ids + id_at[i] */
};

static inline uint32_t sw_seq_len(const struct sw_seqs *s, size_t i)
{
    return (uint32_t)(s->start[i + 1] - s->start[i]);
}

static inline const uint8_t *sw_seq_res(const struct sw_seqs *s, size_t i)
{
    return s->res + s->start[i];
}

static inline const char *sw_seq_id(const struct sw_seqs *s, size_t i)
{
    return s->ids + s->id_at[i];
}

/* Parses text[0..len) (named `file` in error messages) into *s, coding residues for matrix m.
 * 0, SW_EINPUT or SW_ENOMEM; *s is empty (and needs no sw_seqs_free) after an error. */
int sw_fasta_parse(struct sw_seqs *s, const char *file, const char *text, size_t len,
                   const struct sw_matrix *m, struct sw_error *e);

void sw_seqs_free(struct sw_seqs *s);

#endif
