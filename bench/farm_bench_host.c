/* farm-bench-host: the Linux side of bench/farm-latency. One system per run:
 *
 *   farm-bench-host farm [rt=N] [warmup=N] [gap_us=N] [tiny=N]
 *       the task farm of libtaskfarm-host.a (threads for CPUs, futexes for HLT and IPIs), the
 *       same loops as the guest image (farm_measure.c); TF_CPUS, TF_SPIN_US from the environment
 *   farm-bench-host pool [workers=N] [rt=N] [warmup=N] [gap_us=N] [tiny=N]
 *       a plain thread pool (one mutex, two condition variables, a queue) running the same empty
 *       task: the round trip is submit + wait until done, the throughput submits each batch and
 *       waits for it; the calling thread only waits (default: 2 workers)
 *   farm-bench-host futex [ipi=N] [warmup=N]
 *       a FUTEX_WAKE / FUTEX_WAIT ping-pong between two threads: the Linux counterpart of the
 *       guest's IPI round trip
 *   farm-bench-host tsc
 *       the TSC rate against CLOCK_MONOTONIC over 200 ms: QEMU's TCG hands the guest the host's
 *       TSC, whose rate the guest can only estimate against its emulated PIT
 *
 * With pin=1, CPU 0 (the calling thread) runs on host CPU 0 and each other thread on the host CPU
 * of its number (farm: its CPU number; pool: worker i on CPU i + 1; futex: the partner on CPU 1),
 * modulo the CPUs online. Unpinned, Linux may put two threads that wake each other on one host
 * CPU, where a thread that spins only delays the other.
 *
 * Output as the guest's (farm_measure.h): "bench: ..." lines, then "bench: ok" (exit 0). */
#define _GNU_SOURCE
#define BENCH_MAX_WORKERS 256
#include "farm_measure.h"

#include <taskfarm.h>

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned long arg_value(int argc, char **argv, const char *key, unsigned long dflt)
{
    size_t len = strlen(key);
    for (int i = 2; i < argc; i++)
        if (!strncmp(argv[i], key, len) && argv[i][len] == '=')
            return strtoul(argv[i] + len + 1, NULL, 10);
    return dflt;
}

/* Pins the calling thread to host CPU `cpu` modulo the CPUs online; 0 or an errno. */
static int pin_self(unsigned cpu)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % (unsigned)(online > 0 ? online : 1), &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* ---- the farm ---------------------------------------------------------------------------- */

static uint32_t pinned;

/* Runs on every worker at once (each holds its CPU until all have started): pins its thread to
 * the host CPU of the same number. */
static uint64_t pin_task(void *arg)
{
    unsigned workers = (unsigned)(uintptr_t)arg;
    int err = pin_self(tf_cpu_self());
    __atomic_fetch_add(&pinned, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&pinned, __ATOMIC_SEQ_CST) < workers)
        __builtin_ia32_pause();
    return (uint64_t)err;
}

/* Pins CPU 0 (the caller) and every worker's thread to the host CPU of the same number: unpinned,
 * Linux may move two threads that wake each other onto one host CPU, where spinning only delays
 * the other. 0, or -1. */
static int pin_farm(void)
{
    unsigned workers = tf_cpu_count() - 1;
    tf_task_t t[BENCH_MAX_WORKERS];
    uint64_t err[BENCH_MAX_WORKERS];
    if (pin_self(0) != 0 || workers == 0 || workers > BENCH_MAX_WORKERS)
        return -1;
    for (unsigned i = 0; i < workers; i++)
        t[i] = tf_submit(pin_task, (void *)(uintptr_t)workers);
    for (unsigned i = 0; i < workers; i++)
        if (tf_task_cpu(t[i]) <= 0)
            return -1; /* queued: every worker must take one */
    if (tf_wait_all(t, workers, err, NULL) != 0)
        return -1;
    for (unsigned i = 0; i < workers; i++)
        if (err[i] != 0)
            return -1;
    return 0;
}

static void host_counts(struct bench_counts *c)
{
    c->parks = UINT64_MAX; /* the Linux build does not count its FUTEX_WAITs */
    c->wakes = 0;
    for (unsigned cpu = 0; cpu < tf_cpu_count(); cpu++) {
        struct tf_cpu_stats s;
        if (tf_cpu_stats(cpu, &s) == 0)
            c->wakes += s.wakeups;
    }
}

static int run_farm(unsigned long rt, unsigned long warmup, uint64_t gap_ns, unsigned long tiny,
                    int pin)
{
    int err = tf_host_start(0, 0, 0);
    if (err != 0) {
        printf("bench: FAILED tf_host_start: %s\n", tf_strerror(err));
        return 1;
    }
    int rc = 0;
    if (pin && pin_farm() != 0) {
        printf("bench: FAILED to pin the farm's threads\n");
        rc = 1;
    }
    if (rt && bench_roundtrips(rt, warmup, gap_ns, host_counts) != 0)
        rc = 1;
    if (tiny && bench_tiny(tiny, host_counts) != 0)
        rc = 1;
    const char *spin = tf_option("spin_us");
    printf("bench: config policy=futex spin_us=%s cpus=%u\n", spin ? spin : "default",
           tf_cpu_count());
    tf_host_stop();
    return rc;
}

/* ---- a plain mutex + condition variable pool ---------------------------------------------- */

struct pool_job {
    tf_task_fn fn;
    void *arg;
    uint64_t result;
};

static struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work; /* the queue is not empty, or stop */
    pthread_cond_t idle; /* outstanding reached 0 */
    struct pool_job *queue[BENCH_BATCH];
    unsigned head, count;
    unsigned outstanding; /* submitted and not finished */
    int stop;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER,
          .work = PTHREAD_COND_INITIALIZER,
          .idle = PTHREAD_COND_INITIALIZER};

static void *pool_worker(void *pin_to)
{
    if (pin_to)
        pin_self((unsigned)(uintptr_t)pin_to);
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.count == 0 && !pool.stop)
            pthread_cond_wait(&pool.work, &pool.mu);
        if (pool.count == 0)
            break;
        struct pool_job *job = pool.queue[pool.head];
        pool.head = (pool.head + 1) % BENCH_BATCH;
        pool.count--;
        pthread_mutex_unlock(&pool.mu);
        job->result = job->fn(job->arg);
        pthread_mutex_lock(&pool.mu);
        if (--pool.outstanding == 0)
            pthread_cond_signal(&pool.idle);
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

/* Queues jobs[0..k) (k <= BENCH_BATCH) one at a time, as tf_submit does (a lock, a push and a
 * signal each), then waits until all of them have run. */
static void pool_run(struct pool_job *jobs, unsigned k)
{
    for (unsigned i = 0; i < k; i++) {
        pthread_mutex_lock(&pool.mu);
        pool.queue[(pool.head + pool.count++) % BENCH_BATCH] = &jobs[i];
        pool.outstanding++;
        pthread_cond_signal(&pool.work);
        pthread_mutex_unlock(&pool.mu);
    }
    pthread_mutex_lock(&pool.mu);
    while (pool.outstanding)
        pthread_cond_wait(&pool.idle, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
}

static int pool_roundtrips(unsigned long n, unsigned long warmup, uint64_t gap_ns)
{
    uint64_t *samples = malloc((n ? n : 1) * sizeof(*samples));
    if (!samples)
        return -1;
    int failed = 0;
    for (unsigned long i = 0; i < warmup + n; i++) {
        bench_pause_ns(gap_ns);
        uint64_t start = tf_now_ns();
        struct pool_job job = {bench_empty_task, (void *)(uintptr_t)(i + 1), 0};
        pool_run(&job, 1);
        uint64_t ns = tf_now_ns() - start;
        failed += job.result != i + 1;
        if (i >= warmup)
            samples[i - warmup] = ns;
    }
    printf("bench: roundtrip n=%lu handed=%lu gap_ns=%llu", n, n, (unsigned long long)gap_ns);
    bench_print_percentiles(samples, n);
    printf(" parks=- wakes=-\n");
    free(samples);
    return failed ? -1 : 0;
}

static int pool_tiny(unsigned long n)
{
    static struct pool_job jobs[BENCH_BATCH];
    int failed = 0;
    uint64_t start = tf_now_ns();
    for (unsigned long done = 0; done < n;) {
        unsigned k = n - done < BENCH_BATCH ? (unsigned)(n - done) : BENCH_BATCH;
        for (unsigned i = 0; i < k; i++)
            jobs[i] = (struct pool_job){bench_empty_task, (void *)(uintptr_t)(done + i), 0};
        pool_run(jobs, k);
        for (unsigned i = 0; i < k; i++)
            failed += jobs[i].result != done + i;
        done += k;
    }
    uint64_t ns = tf_now_ns() - start;
    printf("bench: tiny n=%lu ns=%llu worker_tasks=%lu parks=- wakes=-\n", n,
           (unsigned long long)ns, n);
    return failed ? -1 : 0;
}

static int run_pool(unsigned workers, unsigned long rt, unsigned long warmup, uint64_t gap_ns,
                    unsigned long tiny, int pin)
{
    pthread_t threads[64];
    if (workers == 0 || workers > 64)
        return 1;
    if (pin)
        pin_self(0);
    for (unsigned i = 0; i < workers; i++) {
        void *pin_to = pin ? (void *)(uintptr_t)(i + 1) : NULL; /* worker i: host CPU i + 1 */
        if (pthread_create(&threads[i], NULL, pool_worker, pin_to) != 0)
            return 1;
    }
    int rc = 0;
    if (rt && pool_roundtrips(rt, warmup, gap_ns) != 0)
        rc = 1;
    if (tiny && pool_tiny(tiny) != 0)
        rc = 1;
    pthread_mutex_lock(&pool.mu);
    pool.stop = 1;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.mu);
    for (unsigned i = 0; i < workers; i++)
        pthread_join(threads[i], NULL);
    printf("bench: config policy=condvar workers=%u\n", workers);
    return rc;
}

/* ---- futex ping-pong ----------------------------------------------------------------------- */

static uint32_t ping, pong;
static unsigned long pingpong_total;

static void futex_wait(uint32_t *word, uint32_t seen)
{
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == seen)
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word, uint32_t value)
{
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void *pong_thread(void *pin)
{
    if (pin)
        pin_self(1);
    for (uint32_t i = 0; i < pingpong_total; i++) {
        futex_wait(&ping, i);
        futex_wake(&pong, i + 1);
    }
    return NULL;
}

static int run_futex(unsigned long n, unsigned long warmup, int pin)
{
    if (pin)
        pin_self(0);
    uint64_t *samples = malloc((n ? n : 1) * sizeof(*samples));
    pthread_t partner;
    pingpong_total = warmup + n;
    if (!samples || pthread_create(&partner, NULL, pong_thread, pin ? &partner : NULL) != 0)
        return 1;
    for (uint32_t i = 0; i < pingpong_total; i++) {
        uint64_t start = tf_now_ns();
        futex_wake(&ping, i + 1);
        futex_wait(&pong, i);
        if (i >= warmup)
            samples[i - warmup] = tf_now_ns() - start;
    }
    pthread_join(partner, NULL);
    printf("bench: ipi n=%lu", n);
    bench_print_percentiles(samples, n);
    printf(" parks=- wakes=-\nbench: config policy=futex\n");
    free(samples);
    return 0;
}

/* ---- the TSC rate ------------------------------------------------------------------------- */

static int run_tsc(void)
{
    uint64_t ns0 = tf_now_ns(), tsc0 = __builtin_ia32_rdtsc();
    bench_pause_ns(200000000);
    uint64_t ns = tf_now_ns() - ns0, ticks = __builtin_ia32_rdtsc() - tsc0;
    printf("bench: tsc khz=%llu\n", (unsigned long long)(ticks * 1000000 / ns));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: farm-bench-host farm|pool|futex|tsc [key=value ...]\n");
        return 2;
    }
    unsigned long rt = arg_value(argc, argv, "rt", 0), tiny = arg_value(argc, argv, "tiny", 0);
    unsigned long warmup = arg_value(argc, argv, "warmup", 1000);
    uint64_t gap_ns = arg_value(argc, argv, "gap_us", 0) * 1000ull;
    int rc = 2;
    int pin = (int)arg_value(argc, argv, "pin", 0);
    if (!strcmp(argv[1], "farm"))
        rc = run_farm(rt, warmup, gap_ns, tiny, pin);
    else if (!strcmp(argv[1], "pool"))
        rc = run_pool((unsigned)arg_value(argc, argv, "workers", 2), rt, warmup, gap_ns, tiny, pin);
    else if (!strcmp(argv[1], "futex"))
        rc = run_futex(arg_value(argc, argv, "ipi", 0), warmup, pin);
    else if (!strcmp(argv[1], "tsc"))
        rc = run_tsc();
    printf(rc ? "bench: failed\n" : "bench: ok\n");
    return rc;
}
