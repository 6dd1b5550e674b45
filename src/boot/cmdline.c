/* Boot command-line splitting (kernel-style: blanks, double quotes, backslash escapes). */
#include "bootinfo.h"

#include <errno.h>
#include <string.h>

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Unquotes the word at *pp in place; returns its start and leaves *pp after it. */
static char *next_word(char **pp)
{
    char *in = *pp, *out = *pp, *word = *pp;
    int quoted = 0;
    for (; *in && (quoted || !is_blank(*in)); in++) {
        if (*in == '"')
            quoted = !quoted;
        else if (*in == '\\' && in[1])
            *out++ = *++in;
        else
            *out++ = *in;
    }
    char *after = *in ? in + 1 : in;
    *out = '\0';
    *pp = after;
    return word;
}

int bootinfo_split_cmdline(char *line, char **argv, int max_args, const char *skip_prefix,
                           char **opts, int max_opts, int *nopts)
{
    int argc = 0, nopt = 0, overflow = 0;
    size_t plen = skip_prefix ? strlen(skip_prefix) : 0;
    char *p = line;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (!*p)
            break;
        char *word = next_word(&p);
        if (plen && strncmp(word, skip_prefix, plen) == 0) {
            if (nopt < max_opts)
                opts[nopt++] = word;
            else
                overflow = 1;
        } else if (argc < max_args) {
            argv[argc++] = word;
        } else {
            overflow = 1;
        }
    }
    argv[argc] = NULL;
    if (opts)
        opts[nopt] = NULL;
    if (nopts)
        *nopts = nopt;
    return overflow ? -E2BIG : argc;
}
