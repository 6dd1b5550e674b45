/* shard: a batch workload for the Slurm tests (test/slurm). It computes on the range of items its
 * command line names, so that a job array can split the work by ranges and a merge can put the
 * pieces back together:
 *
 *   shard items LO HI [shard=S hold=H attempt=R]
 *       for each item J in [LO, HI), in order, prints "item J primes=C", where C is the number
 *       of primes in [J*B, (J+1)*B), B = 5000, counted by one task per item on every CPU.
 *       With hold=H, shard=S and attempt=R, shard H's first attempt (S == H, R == 0) prints its
 *       first item, then "shard: holding", and parks for good: a guest to be killed mid-run.
 *   shard lines NAME   reads the boot module NAME as lines of text and writes, for each line in
 *                      order, "LENGTH FNV-1A-64-IN-HEX" to the output stream (one task per
 *                      line, on every CPU): files in, results out
 *   shard info         prints "cpus=N memory_mib=M"
 *   shard exit N       exits with N
 *   shard crash        writes through a null pointer outside any task (page fault, exit 96 + 14)
 *   shard hold         prints "shard: holding" and parks for good (stop it from outside)
 *
 * A bad command line prints the usage and exits 2. */
#include "park.h"

#include <taskfarm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_SIZE 5000
#define BATCH     1024

static uint32_t never_changes;

static void hold(void)
{
    printf("shard: holding\n");
    fflush(stdout);
    for (;;)
        park_wait(&never_changes, 0);
}

static int is_prime(uint64_t n)
{
    if (n < 2)
        return 0;
    if (n % 2 == 0)
        return n == 2;
    for (uint64_t d = 3; d * d <= n; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

static uint64_t item_task(void *arg)
{
    uint64_t j = (uint64_t)(uintptr_t)arg, count = 0;
    for (uint64_t n = j * ITEM_SIZE; n < (j + 1) * ITEM_SIZE; n++)
        count += (uint64_t)is_prime(n);
    return count;
}

struct line {
    const unsigned char *p;
    size_t len;
};

static uint64_t fnv_task(void *arg)
{
    const struct line *l = arg;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < l->len; i++)
        h = (h ^ l->p[i]) * 0x100000001b3ull;
    return h;
}

static int run_lines(const char *name)
{
    size_t size;
    const unsigned char *data = tf_module_find(name, &size);
    FILE *out = tf_output();
    if (!data || !out) {
        printf("shard: %s\n", !data ? "no such module" : "no output stream (tf-run --output)");
        return 1;
    }
    size_t n = 0;
    for (size_t i = 0; i < size; i++)
        n += data[i] == '\n' || i + 1 == size;
    struct line *lines = malloc((n ? n : 1) * sizeof(*lines));
    tf_task_t *t = malloc((n ? n : 1) * sizeof(*t));
    uint64_t *res = malloc((n ? n : 1) * sizeof(*res));
    if (!lines || !t || !res || n > TF_MAX_TASKS)
        return 1;
    for (size_t i = 0, start = 0, k = 0; i < size; i++)
        if (data[i] == '\n' || i + 1 == size) {
            size_t end = data[i] == '\n' ? i : i + 1;
            lines[k] = (struct line){data + start, end - start};
            t[k] = tf_submit(fnv_task, &lines[k]);
            k++;
            start = i + 1;
        }
    if (tf_wait_all(t, n, res, NULL) != 0)
        return 1;
    for (size_t k = 0; k < n; k++)
        fprintf(out, "%zu %016llx\n", lines[k].len, (unsigned long long)res[k]);
    return 0;
}

static int usage(void)
{
    printf("usage: shard items LO HI [shard=S hold=H attempt=R] | lines NAME | info | exit N | "
           "crash | hold\n");
    return 2;
}

/* The value of NAME=VALUE among argv[from..argc), or -1 */
static long named(int argc, char **argv, int from, const char *name)
{
    size_t len = strlen(name);
    for (int i = from; i < argc; i++)
        if (!strncmp(argv[i], name, len) && argv[i][len] == '=')
            return strtol(argv[i] + len + 1, NULL, 10);
    return -1;
}

static int run_items(int argc, char **argv)
{
    if (argc < 4)
        return usage();
    char *end1, *end2;
    unsigned long long lo = strtoull(argv[2], &end1, 10), hi = strtoull(argv[3], &end2, 10);
    if (*end1 || *end2 || lo > hi || hi > (1ull << 40) / ITEM_SIZE)
        return usage();
    long shard = named(argc, argv, 4, "shard"), held = named(argc, argv, 4, "hold");
    int hold_here = held >= 0 && shard == held && named(argc, argv, 4, "attempt") == 0;
    static tf_task_t t[BATCH];
    static uint64_t res[BATCH];
    static int err[BATCH];
    for (unsigned long long done = lo; done < hi;) {
        unsigned k = hi - done < BATCH ? (unsigned)(hi - done) : BATCH;
        for (unsigned i = 0; i < k; i++)
            t[i] = tf_submit(item_task, (void *)(uintptr_t)(done + i));
        if (tf_wait_all(t, k, res, err) != 0) {
            for (unsigned i = 0; i < k; i++)
                if (err[i])
                    printf("shard: item %llu failed: %s\n", done + i, tf_strerror(err[i]));
            return 1;
        }
        for (unsigned i = 0; i < k; i++) {
            printf("item %llu primes=%llu\n", done + i, (unsigned long long)res[i]);
            if (hold_here)
                hold();
        }
        done += k;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "items"))
        return run_items(argc, argv);
    if (!strcmp(argv[1], "lines") && argc == 3)
        return run_lines(argv[2]);
    if (!strcmp(argv[1], "info")) {
        printf("cpus=%u memory_mib=%llu\n", tf_cpu_count(),
               (unsigned long long)(tf_memory_bytes() >> 20));
        return 0;
    }
    if (!strcmp(argv[1], "exit") && argc == 3)
        return atoi(argv[2]);
    if (!strcmp(argv[1], "crash")) {
        volatile int *volatile null = NULL;
        *null = 1;
        return 0;
    }
    if (!strcmp(argv[1], "hold"))
        hold();
    return usage();
}
