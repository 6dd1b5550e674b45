/* Round trips and tiny-task throughput over the public task-farm API (see farm_measure.h). */
#include "farm_measure.h"

#include <taskfarm.h>

#include <stdio.h>
#include <stdlib.h>

uint64_t bench_empty_task(void *arg)
{
    return (uint64_t)(uintptr_t)arg;
}

void bench_pause_ns(uint64_t ns)
{
    uint64_t start = tf_now_ns();
    while (tf_now_ns() - start < ns)
        __builtin_ia32_pause();
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void bench_print_percentiles(uint64_t *samples, size_t n)
{
    if (n == 0)
        return;
    qsort(samples, n, sizeof(*samples), compare_u64);
    size_t p99 = (n * 99 + 99) / 100; /* the nearest-rank 99th percentile, 1-based */
    printf(" median_ns=%llu p99_ns=%llu max_ns=%llu", (unsigned long long)samples[n / 2],
           (unsigned long long)samples[p99 - 1], (unsigned long long)samples[n - 1]);
}

static void print_count(const char *name, uint64_t before, uint64_t after)
{
    if (before == UINT64_MAX || after == UINT64_MAX)
        printf(" %s=-", name);
    else
        printf(" %s=%llu", name, (unsigned long long)(after - before));
}

void bench_print_counts(const struct bench_counts *before, const struct bench_counts *after)
{
    print_count("parks", before->parks, after->parks);
    print_count("wakes", before->wakes, after->wakes);
}

/* One round trip; its time, or 0 when the task was queued instead of handed over (-1 on error). */
static int64_t one_roundtrip(uint64_t value)
{
    uint64_t result = 0, start = tf_now_ns();
    tf_task_t t = tf_submit(bench_empty_task, (void *)(uintptr_t)value);
    if (t < 0)
        return -1;
    int cpu = tf_task_cpu(t);
    if (tf_wait(t, &result) != 0 || result != value)
        return -1;
    uint64_t ns = tf_now_ns() - start;
    return cpu > 0 ? (int64_t)(ns ? ns : 1) : 0;
}

int bench_roundtrips(unsigned long n, unsigned long warmup, uint64_t gap_ns, bench_counts_fn counts)
{
    uint64_t *samples = malloc((n ? n : 1) * sizeof(*samples));
    if (!samples)
        return -1;
    for (unsigned long i = 0; i < warmup; i++) {
        bench_pause_ns(gap_ns);
        if (one_roundtrip(i + 1) < 0) {
            free(samples);
            return -1;
        }
    }
    struct bench_counts before, after;
    counts(&before);
    size_t handed = 0;
    for (unsigned long i = 0; i < n; i++) {
        bench_pause_ns(gap_ns);
        int64_t ns = one_roundtrip(i + 1);
        if (ns < 0) {
            free(samples);
            return -1;
        }
        if (ns > 0)
            samples[handed++] = (uint64_t)ns;
    }
    counts(&after);
    printf("bench: roundtrip n=%lu handed=%zu gap_ns=%llu", n, handed, (unsigned long long)gap_ns);
    bench_print_percentiles(samples, handed);
    bench_print_counts(&before, &after);
    printf("\n");
    free(samples);
    return handed ? 0 : -1;
}

static uint64_t worker_tasks(void)
{
    uint64_t sum = 0;
    for (unsigned c = 1; c < tf_cpu_count(); c++) {
        struct tf_cpu_stats s;
        if (tf_cpu_stats(c, &s) == 0)
            sum += s.tasks;
    }
    return sum;
}

int bench_tiny(unsigned long n, bench_counts_fn counts)
{
    static tf_task_t t[BENCH_BATCH];
    static uint64_t res[BENCH_BATCH];
    struct bench_counts before, after;
    counts(&before);
    uint64_t on_workers = worker_tasks(), start = tf_now_ns();
    int failed = 0;
    for (unsigned long done = 0; done < n;) {
        unsigned k = n - done < BENCH_BATCH ? (unsigned)(n - done) : BENCH_BATCH;
        for (unsigned i = 0; i < k; i++)
            if ((t[i] = tf_submit(bench_empty_task, (void *)(uintptr_t)(done + i))) < 0)
                return -1;
        if (tf_wait_all(t, k, res, NULL) != 0)
            return -1;
        for (unsigned i = 0; i < k; i++)
            failed += res[i] != done + i;
        done += k;
    }
    uint64_t ns = tf_now_ns() - start;
    on_workers = worker_tasks() - on_workers;
    counts(&after);
    printf("bench: tiny n=%lu ns=%llu worker_tasks=%llu", n, (unsigned long long)ns,
           (unsigned long long)on_workers);
    bench_print_counts(&before, &after);
    printf("\n");
    return failed ? -1 : 0;
}
