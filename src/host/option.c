/* tf_option on Linux: the environment variable TF_<NAME>, the name in upper case. */
#include "taskfarm.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *tf_option(const char *name)
{
    char var[64] = "TF_";
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n + 4 > sizeof(var))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        var[3 + i] = isalnum(c) ? (char)toupper(c) : '_';
    }
    var[3 + n] = '\0';
    return getenv(var);
}
