/* farm-bench: the guest side of bench/farm-latency. Arguments (all optional, any order):
 *
 *   rt=N       N measured round trips of an empty task, CPU 0 -> another CPU -> CPU 0
 *   warmup=N   unmeasured round trips first (default 1000)
 *   gap_us=N   a pause of N microseconds before each round trip (default 0), during which CPU 0
 *              stays awake; longer than tf.spin_us, it lets the worker park between round trips
 *   tiny=N     N empty tasks in batches (throughput)
 *   ipi=N      N wake-up round trips between CPU 0 and CPU 1 through the park primitives
 *              (park_wait, park_wake); only with tf.park=hlt and tf.spin_us=0, so that each side
 *              really halts and is woken by an IPI; then as many empty trips through the core
 *              (KABI_SYS_PARK on a word that has changed already)
 *
 * It prints one "bench: ..." line per measurement (farm_measure.h), "bench: config ..." with the
 * park policy in force at the end (MWAIT may have fallen back to HLT), then "bench: ok" and exits
 * 0; on a failure it prints what failed and exits 1. Sleeps and wake-ups are counted per CPL0
 * system call: KABI_SYS_PARK (parks) and KABI_SYS_WAKE (wakes), from park.c's statistics. */
#include "farm_measure.h"
#include "park.h"
#include "usys.h"

#include <taskfarm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPI_START_TIMEOUT_NS 1000000000ull

static void guest_counts(struct bench_counts *c)
{
    c->parks = c->wakes = 0;
    for (unsigned cpu = 0; cpu < tf_cpu_count(); cpu++) {
        const struct park_stats *s = park_stats(cpu);
        c->parks += __atomic_load_n(&s->parks, __ATOMIC_RELAXED);
        c->wakes += __atomic_load_n(&s->wakeups, __ATOMIC_RELAXED);
    }
}

/* The ping-pong words: CPU 0 writes ping = i + 1 and wakes CPU 1; CPU 1 answers pong = i + 1
 * and wakes CPU 0. Each waits on its own word (seq_cst stores before park_wake, as it asks). */
static uint32_t ping, pong, pong_started;
static unsigned long ipi_total;

static uint64_t pong_task(void *arg)
{
    (void)arg;
    __atomic_store_n(&pong_started, 1, __ATOMIC_SEQ_CST);
    for (uint32_t i = 0; i < ipi_total; i++) {
        while (__atomic_load_n(&ping, __ATOMIC_ACQUIRE) == i)
            park_wait(&ping, i);
        __atomic_store_n(&pong, i + 1, __ATOMIC_SEQ_CST);
        park_wake(0);
    }
    return tf_cpu_self();
}

static int run_ipi(unsigned long n, unsigned long warmup)
{
    if (park_policy() != PARK_HLT || park_spin_ns() != 0 || tf_cpu_count() < 2) {
        printf("bench: ipi skipped (needs tf.park=hlt, tf.spin_us=0 and 2 CPUs)\n");
        return 0;
    }
    uint64_t *samples = malloc((n ? n : 1) * sizeof(*samples));
    uint64_t *wake_calls = malloc((n ? n : 1) * sizeof(*wake_calls));
    size_t nwake_calls = 0;
    if (!samples || !wake_calls)
        return -1;
    ipi_total = warmup + n;
    bench_pause_ns(1000000); /* the worker has gone idle since the last measurement */
    tf_task_t t = tf_submit(pong_task, NULL);
    uint64_t start = tf_now_ns();
    while (!__atomic_load_n(&pong_started, __ATOMIC_ACQUIRE))
        if (t < 0 || tf_now_ns() - start > IPI_START_TIMEOUT_NS) {
            printf("bench: FAILED ipi: no CPU took the pong task\n");
            return -1;
        }
    struct bench_counts before = {0, 0}, after;
    for (uint32_t i = 0; i < ipi_total; i++) {
        if (i == warmup)
            guest_counts(&before);
        uint64_t t0 = tf_now_ns(), sent = park_stats(1)->wakeups;
        __atomic_store_n(&ping, i + 1, __ATOMIC_SEQ_CST);
        park_wake(1);
        if (i >= warmup && park_stats(1)->wakeups != sent)
            wake_calls[nwake_calls++] = tf_now_ns() - t0;
        while (__atomic_load_n(&pong, __ATOMIC_ACQUIRE) == i)
            park_wait(&pong, i);
        if (i >= warmup)
            samples[i - warmup] = tf_now_ns() - t0;
    }
    guest_counts(&after);
    uint64_t cpu = 0;
    if (tf_wait(t, &cpu) != 0 || cpu != 1) {
        printf("bench: FAILED ipi: the pong task ran on CPU %llu\n", (unsigned long long)cpu);
        return -1;
    }
    printf("bench: ipi n=%lu", n);
    bench_print_percentiles(samples, n);
    bench_print_counts(&before, &after);
    printf("\n");
    /* What CPU 0 spent inside park_wake when it sent the IPI (the KABI_SYS_WAKE call) */
    printf("bench: wakecall n=%zu", nwake_calls);
    bench_print_percentiles(wake_calls, nwake_calls);
    printf("\n");
    free(samples);
    free(wake_calls);
    return 0;
}

/* The cheapest trip through the core: KABI_SYS_PARK on a word that differs from `seen` returns
 * at once (interrupts off, one comparison, back to CPL3). */
static void run_null_syscalls(unsigned long n)
{
    static const uint32_t changed = 1;
    uint64_t *samples = malloc((n ? n : 1) * sizeof(*samples));
    if (!samples)
        return;
    for (unsigned long i = 0; i < n; i++) {
        uint64_t t0 = tf_now_ns();
        usys_call(KABI_SYS_PARK, (long)&changed, 0, KABI_PARK_HLT, 0);
        samples[i] = tf_now_ns() - t0;
    }
    printf("bench: nullcall n=%lu", n);
    bench_print_percentiles(samples, n);
    printf("\n");
    free(samples);
}

static unsigned long arg_value(int argc, char **argv, const char *key, unsigned long dflt)
{
    size_t len = strlen(key);
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], key, len) && argv[i][len] == '=')
            return strtoul(argv[i] + len + 1, NULL, 10);
    return dflt;
}

int main(int argc, char **argv)
{
    unsigned long rt = arg_value(argc, argv, "rt", 0), tiny = arg_value(argc, argv, "tiny", 0);
    unsigned long ipi = arg_value(argc, argv, "ipi", 0);
    unsigned long warmup = arg_value(argc, argv, "warmup", 1000);
    uint64_t gap_ns = arg_value(argc, argv, "gap_us", 0) * 1000ull;
    if (tf_cpu_count() < 2) {
        printf("bench: FAILED: needs 2 CPUs or more\n");
        return 1;
    }
    int rc = 0;
    if (rt && bench_roundtrips(rt, warmup, gap_ns, guest_counts) != 0) {
        printf("bench: FAILED roundtrip\n");
        rc = 1;
    }
    if (tiny && bench_tiny(tiny, guest_counts) != 0) {
        printf("bench: FAILED tiny\n");
        rc = 1;
    }
    if (ipi && run_ipi(ipi, warmup) != 0)
        rc = 1;
    if (ipi)
        run_null_syscalls(ipi);
    printf("bench: config policy=%s spin_us=%llu cpus=%u\n", park_policy_name(),
           (unsigned long long)(park_spin_ns() / 1000), tf_cpu_count());
    printf(rc ? "bench: failed\n" : "bench: ok\n");
    return rc;
}
