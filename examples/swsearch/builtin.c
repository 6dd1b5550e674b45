/* The built-in matrices (matrix.h): the files in matrices/, compiled in by embed_matrices.cmake
 * so that the guest, which has no file system, knows them too. */
#include "matrix.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

extern const char *const sw_builtin_names[];
extern const char *const sw_builtin_texts[];
extern const unsigned sw_builtin_count;

const char *sw_matrix_builtin_text(unsigned i, const char **name)
{
    if (i >= sw_builtin_count)
        return NULL;
    *name = sw_builtin_names[i];
    return sw_builtin_texts[i];
}

int sw_matrix_builtin(struct sw_matrix *m, const char *name, struct sw_error *e)
{
    const char *n, *text;
    for (unsigned i = 0; (text = sw_matrix_builtin_text(i, &n)) != NULL; i++)
        if (!strcasecmp(n, name))
            return sw_matrix_parse(m, n, n, text, strlen(text), e);
    return sw_fail(e, SW_EUSAGE,
                   "no matrix '%s': the built-in ones are BLOSUM45, BLOSUM50, BLOSUM62, BLOSUM80 "
                   "and PAM250; otherwise give a matrix file",
                   name);
}
