/* The FASTA parser (fasta.h). */
#include "fasta.h"
#include "lines.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
    struct sw_seqs *s;
    const char *file;
    const struct sw_matrix *m;
    struct sw_error *e;
    size_t cap;         /* entries of start and id_at */
    size_t header_line; /* of the record being read */
    size_t ids_len;
};

static int grow(struct parser *p)
{
    if (p->s->count + 2 <= p->cap)
        return 0;
    size_t cap = p->cap ? 2 * p->cap : 1024;
    size_t *start = realloc(p->s->start, cap * sizeof(size_t));
    if (start)
        p->s->start = start;
    size_t *id_at = start ? realloc(p->s->id_at, cap * sizeof(size_t)) : NULL;
    if (!id_at)
        return sw_fail(p->e, SW_ENOMEM, "%s: out of memory", p->file);
    p->s->id_at = id_at;
    p->cap = cap;
    return 0;
}

/* "'c'" for a printable character, "byte 0xNN" otherwise, into buf. */
static const char *show_char(char *buf, size_t len, unsigned char c)
{
    if (isprint(c))
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", c);
    return buf;
}

static int end_record(struct parser *p)
{
    struct sw_seqs *s = p->s;
    if (s->count == 0)
        return 0;
    size_t n = s->residues - s->start[s->count - 1];
    if (n == 0)
        return sw_fail(p->e, SW_EINPUT,
                       "%s:%zu: sequence '%s' is empty (a header without sequence)", p->file,
                       p->header_line, sw_seq_id(s, s->count - 1));
    if (n > s->max_len)
        s->max_len = (uint32_t)n;
    return 0;
}

static int header(struct parser *p, const char *line, size_t len, size_t number)
{
    struct sw_seqs *s = p->s;
    int rc = end_record(p);
    if (rc || (rc = grow(p)))
        return rc;
    size_t i = 1;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t id = i;
    while (i < len && line[i] != ' ' && line[i] != '\t')
        i++;
    if (i == id)
        return sw_fail(p->e, SW_EINPUT, "%s:%zu: a header without an identifier", p->file, number);
    s->id_at[s->count] = p->ids_len;
    memcpy(s->ids + p->ids_len, line + id, i - id);
    p->ids_len += i - id;
    s->ids[p->ids_len++] = 0;
    s->start[s->count++] = s->residues;
    s->start[s->count] = s->residues;
    p->header_line = number;
    return 0;
}

static int bad_residue(struct parser *p, unsigned char c, size_t number)
{
    char buf[16];
    const char *id = sw_seq_id(p->s, p->s->count - 1);
    if (isalpha(c) || c == '*')
        return sw_fail(p->e, SW_EINPUT,
                       "%s:%zu: residue '%c' of sequence '%s' is not in matrix %s, which has no X "
                       "to score it as",
                       p->file, number, c, id, p->m->name);
    return sw_fail(p->e, SW_EINPUT, "%s:%zu: %s in sequence '%s' is no amino-acid letter", p->file,
                   number, show_char(buf, sizeof(buf), c), id);
}

static int residues(struct parser *p, const char *line, size_t len, size_t number)
{
    struct sw_seqs *s = p->s;
    uint8_t *out = s->res + s->residues;
    const uint8_t *code = p->m->code;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        uint8_t k = code[c];
        if (k != SW_NOCODE)
            *out++ = k;
        else if (c != ' ' && c != '\t' && c != '\r')
            return bad_residue(p, c, number);
    }
    s->residues = (size_t)(out - s->res);
    s->start[s->count] = s->residues;
    if (s->residues - s->start[s->count - 1] > SW_SEQ_MAX)
        return sw_fail(p->e, SW_EINPUT, "%s:%zu: sequence '%s' is longer than %u residues", p->file,
                       number, sw_seq_id(s, s->count - 1), SW_SEQ_MAX);
    return 0;
}

static int blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

/* The checks on the file as a whole, before its records are read. */
static int check_shape(const char *file, const char *text, size_t len, struct sw_error *e)
{
    struct sw_lines l;
    const char *line;
    size_t n;
    if (memchr(text, 0, len))
        return sw_fail(e, SW_EINPUT, "%s: not a FASTA file (binary data)", file);
    sw_lines_init(&l, text, len);
    while (sw_lines_next(&l, &line, &n) && blank(line, n))
        ;
    if (l.number == 0 || blank(line, n))
        return sw_fail(e, SW_EINPUT, "%s: the file is empty (no sequences)", file);
    if (line[0] != '>')
        return sw_fail(e, SW_EINPUT, "%s:%zu: not a FASTA file: a record starts with '>'", file,
                       l.number);
    if (text[len - 1] != '\n') {
        size_t last = 1;
        for (size_t i = 0; i + 1 < len; i++)
            last += text[i] == '\n';
        return sw_fail(e, SW_EINPUT,
                       "%s:%zu: the last line does not end with a newline: the file looks "
                       "truncated",
                       file, last);
    }
    return 0;
}

static int parse(struct parser *p, const char *text, size_t len)
{
    struct sw_lines l;
    const char *line;
    size_t n;
    int rc = 0;
    sw_lines_init(&l, text, len);
    while (rc == 0 && sw_lines_next(&l, &line, &n)) {
        if (n && line[0] == '>')
            rc = header(p, line, n, l.number);
        else if (!blank(line, n))
            rc = residues(p, line, n, l.number);
    }
    return rc ? rc : end_record(p);
}

int sw_fasta_parse(struct sw_seqs *s, const char *file, const char *text, size_t len,
                   const struct sw_matrix *m, struct sw_error *e)
{
    memset(s, 0, sizeof(*s));
    int rc = check_shape(file, text, len, e);
    if (rc)
        return rc;
    struct parser p = {s, file, m, e, 0, 0, 0};
    s->res = malloc(len);
    s->ids = malloc(len);
    if (!s->res || !s->ids)
        rc = sw_fail(e, SW_ENOMEM, "%s: out of memory", file);
    if (rc == 0)
        rc = parse(&p, text, len);
    if (rc) {
        sw_seqs_free(s);
        return rc;
    }
    /* both were sized for the whole text: give back what the residues and names do not use */
    uint8_t *res = realloc(s->res, s->residues);
    s->res = res ? res : s->res;
    char *ids = realloc(s->ids, p.ids_len);
    s->ids = ids ? ids : s->ids;
    return 0;
}

void sw_seqs_free(struct sw_seqs *s)
{
    free(s->res);
    free(s->start);
    free(s->ids);
    free(s->id_at);
    memset(s, 0, sizeof(*s));
}
