/* farm: exercises the task farm in the guest, for the QEMU tests. One mode per run:
 *   farm results N        N tasks computing a known function of their argument; checks each
 *   farm placement        one blocking task per idle CPU; prints which CPU took each, in order
 *   farm tiny N           N empty tasks in batches; checks every result
 *   farm malloc N         N tasks that allocate, fill, check and free memory on every CPU at once
 *   farm faults           tasks that divide by zero, touch an unmapped page, execute an invalid
 *                         opcode, overflow their stack; then a normal batch on every CPU
 * Every mode prints "farm: ok" last when all its checks passed and exits 0; otherwise it prints
 * what went wrong and exits 1. */
#include <taskfarm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH            1024
#define UNMAPPED_ADDRESS 0x100000000000ull /* far above the identity-mapped 4 GiB */

static int failures;

static void fail(const char *what, long long a, long long b)
{
    if (failures++ < 10)
        printf("farm: FAILED %s (%lld, %lld)\n", what, a, b);
}

/* A function with a known value, cheap to check: a 64-bit mix of the argument. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static uint64_t mix_task(void *arg)
{
    uint64_t x = (uint64_t)(uintptr_t)arg, r = x;
    for (unsigned i = 0; i < (x % 64) * 100; i++) /* uneven lengths */
        r = mix(r);
    return r;
}

static uint64_t expected_mix(uint64_t x)
{
    return mix_task((void *)(uintptr_t)x);
}

static int run_results(unsigned long n)
{
    tf_task_t *t = malloc(n * sizeof(*t));
    uint64_t *res = malloc(n * sizeof(*res));
    int *err = malloc(n * sizeof(*err));
    if (!t || !res || !err)
        return 1;
    for (unsigned long i = 0; i < n; i++) {
        t[i] = tf_submit(mix_task, (void *)(uintptr_t)(i + 1));
        if (t[i] < 0)
            fail("submit", (long long)i, t[i]);
    }
    if (tf_wait_all(t, n, res, err) != 0)
        fail("wait_all", 0, 0);
    for (unsigned long i = 0; i < n; i++)
        if (err[i] != 0 || res[i] != expected_mix(i + 1))
            fail("result", (long long)i, err[i]);
    printf("farm: %lu results checked\n", n);
    return 0;
}

static uint32_t release;

static uint64_t blocking_task(void *arg)
{
    while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    return (uint64_t)(uintptr_t)arg;
}

/* Every CPU but the caller gets one task that holds it until released, so the order the tasks
 * landed in is the placement order. */
static int run_placement(void)
{
    unsigned n = tf_cpu_count() - 1;
    tf_task_t t[n ? n : 1];
    for (unsigned i = 0; i < n; i++)
        t[i] = tf_submit(blocking_task, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < n; i++)
        printf("farm: task %u on cpu %d\n", i, tf_task_cpu(t[i]));
    __atomic_store_n(&release, 1, __ATOMIC_RELEASE);
    uint64_t res[n ? n : 1];
    if (n && tf_wait_all(t, n, res, NULL) != 0)
        fail("wait_all", 0, 0);
    for (unsigned i = 0; i < n; i++)
        if (res[i] != i)
            fail("result", i, (long long)res[i]);
    return 0;
}

static uint64_t empty_task(void *arg)
{
    return (uint64_t)(uintptr_t)arg;
}

static int run_tiny(unsigned long n)
{
    tf_task_t t[BATCH];
    uint64_t res[BATCH];
    uint64_t start = tf_now_ns();
    for (unsigned long done = 0; done < n;) {
        unsigned k = n - done < BATCH ? (unsigned)(n - done) : BATCH;
        for (unsigned i = 0; i < k; i++)
            t[i] = tf_submit(empty_task, (void *)(uintptr_t)(done + i));
        if (tf_wait_all(t, k, res, NULL) != 0)
            fail("wait_all", (long long)done, 0);
        for (unsigned i = 0; i < k; i++)
            if (res[i] != done + i)
                fail("tiny result", (long long)(done + i), (long long)res[i]);
        done += k;
    }
    uint64_t ns = tf_now_ns() - start;
    printf("farm: %lu tiny tasks in %llu ms\n", n, (unsigned long long)(ns / 1000000));
    return 0;
}

/* Allocates blocks of varied sizes, fills each with its own pattern, checks them all, frees
 * them: concurrent malloc/free on every CPU must not hand one block to two CPUs. */
static uint64_t malloc_task(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg, bad = 0;
    enum { BLOCKS = 16 };
    unsigned char *b[BLOCKS];
    size_t len[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        seed = mix(seed + (uint64_t)i);
        len[i] = 16 + seed % 20000;
        b[i] = malloc(len[i]);
        if (b[i])
            memset(b[i], (int)(seed & 0xff), len[i]);
    }
    for (int i = 0; i < BLOCKS; i++) {
        if (!b[i])
            continue;
        for (size_t k = 0; k < len[i]; k++)
            bad += b[i][k] != b[i][0];
        free(b[i]);
    }
    return bad;
}

static int run_malloc(unsigned long n)
{
    tf_task_t t[BATCH];
    uint64_t res[BATCH];
    int err[BATCH];
    for (unsigned long done = 0; done < n;) {
        unsigned k = n - done < BATCH ? (unsigned)(n - done) : BATCH;
        for (unsigned i = 0; i < k; i++)
            t[i] = tf_submit(malloc_task, (void *)(uintptr_t)(done + i));
        if (tf_wait_all(t, k, res, err) != 0)
            for (unsigned i = 0; i < k; i++)
                if (err[i])
                    fail(tf_strerror(err[i]), (long long)(done + i), tf_task_cpu(t[i]));
        for (unsigned i = 0; i < k; i++)
            if (res[i] != 0)
                fail("malloc block overwritten", (long long)(done + i), (long long)res[i]);
        done += k;
    }
    printf("farm: %lu malloc tasks checked\n", n);
    return 0;
}

static uint64_t divide_task(void *arg)
{
    volatile uint64_t zero = (uint64_t)(uintptr_t)arg;
    return 100 / zero;
}

static uint64_t unmapped_task(void *arg)
{
    (void)arg;
    return *(volatile uint64_t *)(uintptr_t)UNMAPPED_ADDRESS;
}

static uint64_t invalid_opcode_task(void *arg)
{
    (void)arg;
    __asm__ volatile("ud2");
    return 0;
}

/* Faults inside newlib's free while it holds the (global) malloc lock: the lock must not stay
 * held, or the next malloc on another CPU waits for ever */
static uint64_t free_bad_pointer_task(void *arg)
{
    (void)arg;
    void *volatile bad = (void *)(uintptr_t)(UNMAPPED_ADDRESS + 64);
    free(bad);
    return 0;
}

__attribute__((noinline)) static uint64_t recurse(volatile char *prev)
{
    volatile char frame[512];
    frame[0] = prev ? prev[0] + 1 : 0;
    return recurse(frame) + frame[0];
}

static uint64_t overflow_task(void *arg)
{
    (void)arg;
    return recurse(NULL);
}

static void expect_fault(tf_task_fn fn, int vector, const char *name)
{
    /* One of each on every CPU: more tasks than CPUs, so the bootstrap CPU runs some too */
    unsigned n = 2 * tf_cpu_count();
    tf_task_t t[n];
    int err[n];
    for (unsigned i = 0; i < n; i++)
        t[i] = tf_submit(fn, NULL);
    tf_wait_all(t, n, NULL, err);
    for (unsigned i = 0; i < n; i++)
        if (!TF_IS_FAULT(err[i]) || TF_FAULT_VECTOR(err[i]) != vector)
            fail(name, i, err[i]);
    printf("farm: %s: %s\n", name, tf_strerror(err[0]));
}

static int run_faults(void)
{
    expect_fault(divide_task, 0, "divide");
    expect_fault(unmapped_task, 14, "unmapped");
    expect_fault(invalid_opcode_task, 6, "invalid-opcode");
    expect_fault(overflow_task, 14, "overflow");
    expect_fault(free_bad_pointer_task, 14, "free-bad-pointer");
    uint64_t faults = 0;
    for (unsigned c = 0; c < tf_cpu_count(); c++) {
        struct tf_cpu_stats s;
        if (tf_cpu_stats(c, &s) == 0)
            faults += s.faults;
    }
    if (faults != 5ull * 2 * tf_cpu_count())
        fail("fault count", (long long)faults, 10ll * tf_cpu_count());
    run_malloc(4 * tf_cpu_count()); /* malloc on every CPU works after the faults in free */
    return run_results(4 * tf_cpu_count());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: farm results N | placement | tiny N | malloc N | faults\n");
        return 2;
    }
    unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    int rc = 2;
    if (!strcmp(argv[1], "results"))
        rc = run_results(n);
    else if (!strcmp(argv[1], "placement"))
        rc = run_placement();
    else if (!strcmp(argv[1], "tiny"))
        rc = run_tiny(n);
    else if (!strcmp(argv[1], "malloc"))
        rc = run_malloc(n);
    else if (!strcmp(argv[1], "faults"))
        rc = run_faults();
    if (rc == 0 && failures == 0) {
        printf("farm: ok\n");
        return 0;
    }
    printf("farm: %d failure(s)\n", failures);
    return rc ? rc : 1;
}
