/* Runtime options: "tf.NAME=VALUE" words of the boot command line. */
#include "runtime.h"

#include <string.h>

static char **options;
static int noptions;

void runtime_options_set(char **opts, int n)
{
    options = opts;
    noptions = n;
}

const char *tf_option(const char *name)
{
    size_t plen = strlen(RUNTIME_OPTION_PREFIX), nlen = strlen(name);
    for (int i = noptions - 1; i >= 0; i--) { /* the last one given wins */
        const char *o = options[i] + plen;
        if (strncmp(o, name, nlen) == 0 && o[nlen] == '=')
            return o + nlen + 1;
    }
    return NULL;
}
