/* Checking the boot options once at start-up (runtime.h): every "tf.NAME=VALUE" word must name
 * an option of the runtime's (below) or one the program declared with TF_OPTION, with a value of
 * the form it accepts. A word that does not pass gets a one-line warning naming the option and
 * what it accepts, and is dropped, so that tf_option() never returns it and the default holds.
 *
 * What an option accepts is written so that both people and this file can read it:
 *   "a|b|c"      one of these words        "N-M"      a whole number from N to M
 *   "A.B.C.D"    an IPv4 address           "A.B.C.D/PREFIX"  and a prefix length 0-32
 * Anything else (it has a blank) is a description, and any value passes. */
#include "runtime.h"
#include "taskfarm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct tf_option_decl runtime_options[] = {
    {"park", "hlt|mwait|spin"},
    {"spin_us", "0-1000000"},
    {"place", "siblings|spread"},
    {"x2apic", "on|off"},
    {"ip", "A.B.C.D/PREFIX"},
    {"gw", "A.B.C.D"},
    {"quiet", "0|1"},
    {"vqstats", "0|1"},           /* virtio-net prints its buffers per system call at exit */
    {"net_poll_us", "0-1000000"}, /* virtio-net watches for frames this long before it halts */
    {"help", "1"},
};
#define RUNTIME_OPTIONS (sizeof(runtime_options) / sizeof(runtime_options[0]))

/* A decimal number of at most 19 digits (it fits 64 bits) into *v; the end of it, or NULL. */
static const char *number(const char *s, unsigned long long *v)
{
    const char *start = s;
    *v = 0;
    for (; *s >= '0' && *s <= '9' && s - start < 19; s++)
        *v = *v * 10 + (unsigned long long)(*s - '0');
    return s == start || (*s >= '0' && *s <= '9') ? NULL : s;
}

static int is_ipv4(const char *v, const char **end)
{
    unsigned long long part;
    for (int i = 0; i < 4; i++) {
        if (!(v = number(v, &part)) || part > 255 || (i < 3 && *v++ != '.'))
            return 0;
    }
    *end = v;
    return 1;
}

static int in_range(const char *accepts, const char *v)
{
    unsigned long long lo, hi, x;
    const char *p = number(accepts, &lo);
    const char *q = p ? number(p + 1, &hi) : NULL;
    const char *e = number(v, &x);
    return q && e && !*e && x >= lo && x <= hi;
}

static int one_of(const char *accepts, const char *v)
{
    size_t n = strlen(v);
    for (const char *a = accepts; a; a = strchr(a, '|') ? strchr(a, '|') + 1 : NULL)
        if (!strncmp(a, v, n) && (a[n] == '|' || a[n] == '\0'))
            return 1;
    return 0;
}

int runtime_option_value_ok(const char *accepts, const char *value)
{
    const char *end;
    if (strchr(accepts, ' '))
        return 1;
    if (!strcmp(accepts, "A.B.C.D"))
        return is_ipv4(value, &end) && !*end;
    if (!strcmp(accepts, "A.B.C.D/PREFIX")) {
        unsigned long long prefix;
        return is_ipv4(value, &end) && *end == '/' && (end = number(end + 1, &prefix)) && !*end &&
               prefix <= 32;
    }
    if (accepts[0] >= '0' && accepts[0] <= '9' && strchr(accepts, '-'))
        return in_range(accepts, value);
    return *value && one_of(accepts, value);
}

static const struct tf_option_decl *find(const char *name, size_t len,
                                         const struct tf_option_decl *own, size_t nown)
{
    for (size_t i = 0; i < RUNTIME_OPTIONS; i++)
        if (strlen(runtime_options[i].name) == len && !strncmp(runtime_options[i].name, name, len))
            return &runtime_options[i];
    for (size_t i = 0; i < nown; i++)
        if (strlen(own[i].name) == len && !strncmp(own[i].name, name, len))
            return &own[i];
    return NULL;
}

/* The warning for one option word, or "" when it passes. */
static void check_one(const char *word, const struct tf_option_decl *own, size_t nown, char *why,
                      size_t why_len)
{
    const char *name = word + strlen(RUNTIME_OPTION_PREFIX), *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct tf_option_decl *d = find(name, len, own, nown);
    why[0] = '\0';
    if (!d)
        snprintf(why, why_len, "taskfarm: %s ignored: no such boot option (tf.help=1 lists them)\n",
                 word);
    else if (!eq)
        snprintf(why, why_len, "taskfarm: %s ignored: write %s=%s\n", word, word, d->accepts);
    else if (!runtime_option_value_ok(d->accepts, eq + 1))
        snprintf(why, why_len, "taskfarm: %s ignored: tf.%s accepts %s\n", word, d->name,
                 d->accepts);
}

int runtime_options_check(char **opts, int n, const struct tf_option_decl *own, size_t nown,
                          void (*warn)(const char *line))
{
    char why[200];
    int kept = 0;
    for (int i = 0; i < n; i++) {
        check_one(opts[i], own, nown, why, sizeof(why));
        if (why[0])
            warn(why);
        else
            opts[kept++] = opts[i];
    }
    return kept;
}

void runtime_options_list(const struct tf_option_decl *own, size_t nown, FILE *out)
{
    fprintf(out, "boot options of the runtime:\n");
    for (size_t i = 0; i < RUNTIME_OPTIONS; i++)
        fprintf(out, "  tf.%s=%s\n", runtime_options[i].name, runtime_options[i].accepts);
    fprintf(out, "boot options of the program:%s\n", nown ? "" : " none");
    for (size_t i = 0; i < nown; i++)
        fprintf(out, "  tf.%s=%s\n", own[i].name, own[i].accepts);
}

int runtime_option_on(const char *name)
{
    const char *v = tf_option(name);
    return v && !strcmp(v, "1");
}
