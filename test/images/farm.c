/* farm: exercises the task farm in the guest, for the QEMU tests. One mode per run:
 *   farm results N        N tasks computing a known function of their argument; checks each
 *   farm placement        one blocking task per idle CPU; prints which CPU took each, in order
 *   farm tiny N           N empty tasks in batches; checks every result
 *   farm malloc N         N tasks that allocate, fill, check and free memory on every CPU at once
 *   farm faults           tasks that divide by zero, touch an unmapped page, execute an invalid
 *                         opcode, overflow their stack; then a normal batch on every CPU
 *   farm range N          tf_parallel_for over [0, N) with very uneven costs: every index once,
 *                         the exact sum, every CPU taking part
 *   farm fpenv            tasks that unmask floating-point exceptions and change rounding and
 *                         precision: every task must start with the default environment, and
 *                         main's own (changed) environment must survive the tasks it runs
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

/* Floating-point environment (x87 control and status words, MXCSR), read and set directly:
 * the values are the architectural defaults (Intel SDM vol. 1, 8.1.5 and 10.2.3). */
#define FCW_DEFAULT     0x037F /* every x87 exception masked, 64-bit precision, round to nearest */
#define FCW_ZM          0x0004 /* x87 divide-by-zero mask */
#define FCW_PC          0x0300 /* precision control */
#define FCW_RC_DOWN     0x0400
#define FSW_TOP(sw)     (((sw) >> 11) & 7) /* x87 register stack top; 0 when empty after FNINIT */
#define MXCSR_DEFAULT   0x1F80 /* every SSE exception masked, round to nearest, no flags */
#define MXCSR_ZM        0x0200 /* SSE divide-by-zero mask */
#define MXCSR_RC_DOWN   0x2000
#define FPENV_BAD_MXCSR 1
#define FPENV_BAD_FCW   2
#define FPENV_BAD_STACK 4
#define FPENV_BAD_DIV   8

static uint32_t read_mxcsr(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static void write_mxcsr(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}

static uint16_t read_fcw(void)
{
    uint16_t v;
    __asm__ volatile("fnstcw %0" : "=m"(v));
    return v;
}

static void write_fcw(uint16_t v)
{
    __asm__ volatile("fldcw %0" : : "m"(v));
}

/* Checks the environment the task starts with, divides by zero in SSE and x87 (which must give
 * infinities, not #XM or #MF), then leaves the CPU as badly as a task can: divide-by-zero
 * unmasked in both units, rounding down, single precision, a value left on the x87 stack. */
static uint8_t *fpenv_cpu; /* 1 where task i ran on the bootstrap CPU */

static uint64_t fpenv_task(void *arg)
{
    fpenv_cpu[(uintptr_t)arg] = tf_cpu_self() == 0;
    uint64_t bad = 0;
    uint16_t sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    bad |= read_mxcsr() != MXCSR_DEFAULT ? FPENV_BAD_MXCSR : 0;
    bad |= read_fcw() != FCW_DEFAULT ? FPENV_BAD_FCW : 0;
    bad |= FSW_TOP(sw) != 0 ? FPENV_BAD_STACK : 0;
    volatile double zero = 0.0, q = 1.0 / zero;
    volatile long double lzero = 0.0L, lq = 1.0L / lzero;
    bad |= !(q > 1e308 && lq > 1e308L) ? FPENV_BAD_DIV : 0;
    write_mxcsr((MXCSR_DEFAULT & ~MXCSR_ZM) | MXCSR_RC_DOWN);
    __asm__ volatile("fnclex"); /* the division's flag would make the unmasking raise #MF */
    write_fcw((FCW_DEFAULT & ~(FCW_ZM | FCW_PC)) | FCW_RC_DOWN);
    __asm__ volatile("fld1"); /* not popped */
    return bad;
}

/* More tasks than CPUs, so CPUs run several, each after one that spoiled the environment; with
 * one CPU every task runs on the bootstrap CPU inside tf_wait_all, between main's own code. */
static int run_fpenv(void)
{
    unsigned n = 8 * tf_cpu_count();
    tf_task_t t[n];
    uint64_t res[n];
    int err[n];
    if (!(fpenv_cpu = calloc(n, 1)))
        return 1;
    uint32_t main_mxcsr = MXCSR_DEFAULT | MXCSR_RC_DOWN;
    uint16_t main_fcw = FCW_DEFAULT | FCW_RC_DOWN;
    write_mxcsr(main_mxcsr);
    write_fcw(main_fcw);
    for (unsigned i = 0; i < n; i++)
        t[i] = tf_submit(fpenv_task, (void *)(uintptr_t)i);
    tf_wait_all(t, n, res, err);
    uint32_t mxcsr_after = read_mxcsr();
    uint16_t fcw_after = read_fcw();
    write_mxcsr(MXCSR_DEFAULT);
    write_fcw(FCW_DEFAULT);
    unsigned on_bsp = 0;
    for (unsigned i = 0; i < n; i++) {
        on_bsp += fpenv_cpu[i];
        if (err[i])
            fail(tf_strerror(err[i]), i, 0);
        else if (res[i])
            fail("task started with a changed floating-point environment", i, (long long)res[i]);
    }
    if (mxcsr_after != main_mxcsr)
        fail("main's MXCSR changed by the tasks", main_mxcsr, mxcsr_after);
    if (fcw_after != main_fcw)
        fail("main's x87 control word changed by the tasks", main_fcw, fcw_after);
    printf("farm: %u fpenv tasks checked, %u on the bootstrap CPU\n", n, on_bsp);
    free(fpenv_cpu);
    return 0;
}

/* tf_parallel_for: 1% of the indexes cost 1000 times the rest. */
static uint8_t *range_seen;
static uint32_t range_cpus[64];

static uint64_t range_chunk(uint64_t lo, uint64_t hi, void *arg)
{
    (void)arg;
    uint64_t sum = 0;
    __atomic_fetch_add(&range_cpus[tf_cpu_self() % 64], 1, __ATOMIC_RELAXED);
    for (uint64_t i = lo; i < hi; i++) {
        __atomic_fetch_add(&range_seen[i], 1, __ATOMIC_RELAXED);
        uint64_t r = i;
        for (unsigned k = 0; k < (i % 100 == 0 ? 1000u : 1u); k++)
            r = mix(r);
        sum += r;
    }
    return sum;
}

static int run_range(unsigned long n)
{
    if (!(range_seen = calloc(n, 1)))
        return 1;
    uint64_t sum = 0, want = 0;
    int rc = tf_parallel_for(0, n, 8, range_chunk, NULL, &sum);
    if (rc)
        fail(tf_strerror(rc), rc, 0);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = i;
        for (unsigned k = 0; k < (i % 100 == 0 ? 1000u : 1u); k++)
            r = mix(r);
        want += r;
        if (range_seen[i] != 1)
            fail("index covered other than once", (long long)i, range_seen[i]);
    }
    if (sum != want)
        fail("range sum", (long long)sum, (long long)want);
    unsigned cpus = 0;
    for (unsigned c = 0; c < 64; c++)
        cpus += range_cpus[c] != 0;
    printf("farm: range of %lu checked, chunks on %u CPUs\n", n, cpus);
    free(range_seen);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(
            stderr,
            "usage: farm results N | placement | tiny N | malloc N | faults | range N | fpenv\n");
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
    else if (!strcmp(argv[1], "range"))
        rc = run_range(n);
    else if (!strcmp(argv[1], "fpenv"))
        rc = run_fpenv();
    if (rc == 0 && failures == 0) {
        printf("farm: ok\n");
        return 0;
    }
    printf("farm: %d failure(s)\n", failures);
    return rc ? rc : 1;
}
