/* Walking a text buffer line by line, for the FASTA and matrix parsers. */
#ifndef SW_LINES_H
#define SW_LINES_H

#include <stddef.h>
#include <string.h>

struct sw_lines {
    const char *p, *end;
    size_t number; /* of the line last returned, from 1 */
    int newline;   /* whether that line ended with '\n' (the last one may not) */
};

static inline void sw_lines_init(struct sw_lines *l, const char *text, size_t len)
{
    l->p = text;
    l->end = text + len;
    l->number = 0;
    l->newline = 1;
}

/* The next line without its '\n' (and without a '\r' before it) in *s and *len; 0 at the end. */
static inline int sw_lines_next(struct sw_lines *l, const char **s, size_t *len)
{
    if (l->p >= l->end)
        return 0;
    const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    const char *stop = nl ? nl : l->end;
    *s = l->p;
    *len = (size_t)(stop - l->p);
    if (*len && stop[-1] == '\r')
        (*len)--;
    l->newline = nl != NULL;
    l->p = nl ? nl + 1 : l->end;
    l->number++;
    return 1;
}

#endif
