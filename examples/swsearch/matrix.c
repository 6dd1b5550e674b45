/* The NCBI matrix file parser (matrix.h). */
#include "matrix.h"
#include "lines.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
    const char *p, *end;
};

static int next_token(struct cursor *c, const char **tok, size_t *len)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
    if (c->p >= c->end)
        return 0;
    *tok = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
        c->p++;
    *len = (size_t)(c->p - *tok);
    return 1;
}

static int is_blank_or_comment(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i == len || s[i] == '#';
}

static int letter_ok(char c)
{
    return isalpha((unsigned char)c) || c == '*';
}

static int parse_header(struct sw_matrix *m, const char *file, size_t line, struct cursor c,
                        struct sw_error *e)
{
    const char *tok;
    size_t len;
    while (next_token(&c, &tok, &len)) {
        char l = (char)toupper((unsigned char)tok[0]);
        if (len != 1 || !letter_ok(tok[0]))
            return sw_fail(e, SW_EINPUT,
                           "%s:%zu: not a matrix file: the column line has '%.*s', which is no "
                           "residue letter",
                           file, line, (int)(len > 20 ? 20 : len), tok);
        if (memchr(m->letters, l, m->size))
            return sw_fail(e, SW_EINPUT, "%s:%zu: column letter '%c' appears twice", file, line, l);
        if (m->size == SW_ALPHABET_MAX)
            return sw_fail(e, SW_EINPUT, "%s:%zu: more than %d column letters", file, line,
                           SW_ALPHABET_MAX);
        m->letters[m->size++] = l;
    }
    return 0;
}

static int parse_score(const char *tok, size_t len, int *v)
{
    char buf[8], *end;
    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, tok, len);
    buf[len] = 0;
    long x = strtol(buf, &end, 10);
    if (*end || x < -127 || x > 127)
        return -1;
    *v = (int)x;
    return 0;
}

static int parse_row(struct sw_matrix *m, unsigned row, const char *file, size_t line,
                     struct cursor c, struct sw_error *e)
{
    const char *tok;
    size_t len;
    if (!next_token(&c, &tok, &len) || len != 1 ||
        toupper((unsigned char)tok[0]) != m->letters[row])
        return sw_fail(e, SW_EINPUT, "%s:%zu: expected the row of '%c'", file, line,
                       m->letters[row]);
    for (unsigned col = 0; col < m->size; col++) {
        int v;
        if (!next_token(&c, &tok, &len))
            return sw_fail(e, SW_EINPUT, "%s:%zu: row '%c' has %u scores, expected %u", file, line,
                           m->letters[row], col, m->size);
        if (parse_score(tok, len, &v))
            return sw_fail(e, SW_EINPUT,
                           "%s:%zu: '%.*s' in row '%c' is no integer score in -127..127", file,
                           line, (int)(len > 20 ? 20 : len), tok, m->letters[row]);
        m->score[row][col] = (int8_t)v;
    }
    if (next_token(&c, &tok, &len))
        return sw_fail(e, SW_EINPUT, "%s:%zu: row '%c' has more than %u scores", file, line,
                       m->letters[row], m->size);
    return 0;
}

/* Codes for every byte, the padding code's scores and the range, once the rows are read. */
static int finish(struct sw_matrix *m, const char *file, struct sw_error *e)
{
    m->min = 127;
    m->max = -127;
    for (unsigned a = 0; a < m->size; a++)
        for (unsigned b = 0; b < m->size; b++) {
            m->min = m->score[a][b] < m->min ? m->score[a][b] : m->min;
            m->max = m->score[a][b] > m->max ? m->score[a][b] : m->max;
        }
    if (m->max <= 0)
        return sw_fail(e, SW_EINPUT, "%s: the matrix has no positive score", file);
    /* Padding must never raise a score: it scores at most 0 (the minimum, or 0 when even the
     * minimum is positive), so a lane's cells only fall once its sequence has ended. */
    int pad = m->min < 0 ? m->min : 0;
    for (unsigned a = 0; a < SW_CODES; a++)
        for (unsigned b = 0; b < SW_CODES; b++)
            if (a >= m->size || b >= m->size)
                m->score[a][b] = (int8_t)pad;
    const char *x = memchr(m->letters, 'X', m->size);
    memset(m->code, SW_NOCODE, sizeof(m->code));
    for (int c = 0; c < 256; c++)
        if (letter_ok((char)c) && x)
            m->code[c] = (uint8_t)(x - m->letters);
    for (unsigned a = 0; a < m->size; a++) {
        m->code[(unsigned char)m->letters[a]] = (uint8_t)a;
        m->code[tolower((unsigned char)m->letters[a])] = (uint8_t)a;
    }
    return 0;
}

int sw_matrix_parse(struct sw_matrix *m, const char *name, const char *file, const char *text,
                    size_t len, struct sw_error *e)
{
    struct sw_lines lines;
    const char *s;
    size_t n;
    unsigned rows = 0;
    int header = 0, rc = 0;
    memset(m, 0, sizeof(*m));
    snprintf(m->name, sizeof(m->name), "%s", name);
    if (memchr(text, 0, len))
        return sw_fail(e, SW_EINPUT, "%s: not a matrix file (binary data)", file);
    sw_lines_init(&lines, text, len);
    while (rc == 0 && sw_lines_next(&lines, &s, &n)) {
        if (is_blank_or_comment(s, n))
            continue;
        struct cursor c = {s, s + n};
        if (!header) {
            rc = parse_header(m, file, lines.number, c, e);
            header = 1;
        } else if (rows < m->size) {
            rc = parse_row(m, rows++, file, lines.number, c, e);
        } else {
            rc = sw_fail(e, SW_EINPUT, "%s:%zu: a line after the last row", file, lines.number);
        }
    }
    if (rc)
        return rc;
    if (!header || m->size == 0)
        return sw_fail(e, SW_EINPUT, "%s: not a matrix file: no line of column letters", file);
    if (rows < m->size)
        return sw_fail(e, SW_EINPUT, "%s:%zu: the file ends before the row of '%c'", file,
                       lines.number, m->letters[rows]);
    return finish(m, file, e);
}
