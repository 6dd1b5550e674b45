/* The task API's documented errors and figures on Linux that test_sched_errors.c leaves out:
 * TF_EPERM from tf_wait_any, tf_wait_all and tf_parallel_for inside a task; the error
 * tf_wait_any hands back for a task that faulted; a name for every error code; and the busy,
 * parked and wakeups figures of tf_cpu_stats moving as taskfarm.h says.
 *
 * Runs under AddressSanitizer with its own fault handlers off, as test_sched_faults.c does, so
 * that the farm's handlers contain the faulting task. */
#include "taskfarm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0";
}

static volatile int zero;

static __attribute__((no_sanitize("undefined"), noinline)) uint64_t divide_by_zero(void *arg)
{
    (void)arg;
    return (uint64_t)(100 / zero);
}

static uint64_t twice(void *arg)
{
    return 2 * (uint64_t)(uintptr_t)arg;
}

static uint64_t sum_range(uint64_t lo, uint64_t hi, void *arg)
{
    (void)arg;
    return hi - lo;
}

/* From inside a task: each member of the wait family, and tf_parallel_for. */
static uint64_t wait_any_inside(void *arg)
{
    return (uint64_t)(int64_t)tf_wait_any(arg, 1, NULL, NULL);
}

static uint64_t wait_all_inside(void *arg)
{
    return (uint64_t)(int64_t)tf_wait_all(arg, 1, NULL, NULL);
}

static uint64_t parallel_for_inside(void *arg)
{
    (void)arg;
    return (uint64_t)(int64_t)tf_parallel_for(0, 10, 1, sum_range, NULL, NULL);
}

/* On a worker (two CPUs) and on the BSP, which runs every task of a one-CPU farm inside tf_wait:
 * the refused call takes nothing, so the task it named is still there afterwards. */
START_TEST(wait_family_refused_inside_a_task)
{
    static const tf_task_fn inside[] = {wait_any_inside, wait_all_inside, parallel_for_inside};
    for (unsigned cpus = 1; cpus <= 2; cpus++) {
        ck_assert_int_eq(tf_host_start(1, cpus, 1), 0);
        for (unsigned k = 0; k < 3; k++) {
            tf_task_t other = tf_submit(twice, (void *)21);
            ck_assert_int_ge(other, 0);
            tf_task_t h = tf_submit(inside[k], &other);
            ck_assert_int_ge(h, 0);
            uint64_t r = 0;
            ck_assert_int_eq(tf_wait(h, &r), 0);
            ck_assert_msg((int64_t)r == TF_EPERM, "%u CPUs, call %u: %lld", cpus, k,
                          (long long)(int64_t)r);
            ck_assert_int_eq(tf_wait(other, &r), 0);
            ck_assert_uint_eq(r, 42);
        }
        ck_assert_int_eq(tf_host_stop(), 0);
    }
}
END_TEST

/* A faulted task chosen by tf_wait_any: its position, and in *error TF_EFAULT_BASE - 0 for a
 * divide error (vector 0); the healthy one stays outstanding with its own result. */
START_TEST(wait_any_reports_the_fault)
{
    for (unsigned cpus = 1; cpus <= 2; cpus++) {
        ck_assert_int_eq(tf_host_start(1, cpus, 1), 0);
        tf_task_t h[2];
        ck_assert_int_ge(h[0] = tf_submit(divide_by_zero, NULL), 0);
        uint64_t r = 0;
        int e = 0;
        ck_assert_int_eq(tf_wait_any(h, 1, &r, &e), 0);
        ck_assert_int_eq(e, TF_EFAULT_BASE - 0);
        ck_assert_int_eq(TF_IS_FAULT(e), 1);
        ck_assert_int_eq(TF_FAULT_VECTOR(e), 0);
        ck_assert_int_ge(h[0] = tf_submit(twice, (void *)5), 0);
        ck_assert_int_ge(h[1] = tf_submit(divide_by_zero, NULL), 0);
        int seen = 0;
        for (int left = 2; left > 0; left--) {
            tf_task_t rest[2];
            int map[2], n = 0;
            for (int i = 0; i < 2; i++)
                if (!(seen & (1 << i))) {
                    map[n] = i;
                    rest[n++] = h[i];
                }
            e = 1;
            int k = tf_wait_any(rest, (size_t)n, &r, &e);
            ck_assert_int_ge(k, 0);
            ck_assert_int_lt(k, n);
            seen |= 1 << map[k];
            if (map[k] == 0) {
                ck_assert_int_eq(e, 0);
                ck_assert_uint_eq(r, 10);
            } else {
                ck_assert_int_eq(e, TF_EFAULT_BASE - 0);
            }
        }
        ck_assert_int_eq(seen, 3);
        ck_assert_int_eq(tf_host_stop(), 0);
    }
}
END_TEST

/* Every code of taskfarm.h has a name of its own; "success" for 0 and the example of the header
 * for vector 0; each named CPU exception carries its mnemonic from the Intel SDM (vol. 3, table
 * 6-1). The header does not spell out the other names, so they are checked to exist, differ
 * from "unknown error" and from each other. */
START_TEST(every_code_has_a_name)
{
    static const int codes[] = {TF_EINVAL,     TF_EBADTASK, TF_ENOSPC,   TF_EPERM,
                                TF_ENODEV,     TF_ENOMEM,   TF_EAGAIN,   TF_ETIMEDOUT,
                                TF_EADDRINUSE, TF_EMSGSIZE, TF_ENETDOWN, TF_ETHREAD};
    enum { N = sizeof(codes) / sizeof(codes[0]) };
    ck_assert_int_eq(N, 12); /* -1 .. -12 */
    ck_assert_str_eq(tf_strerror(0), "success");
    for (int i = 0; i < N; i++) {
        const char *s = tf_strerror(codes[i]);
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(strcmp(s, "unknown error") && strcmp(s, "success") && *s,
                      "code %d has no name: \"%s\"", codes[i], s);
        for (int j = 0; j < i; j++)
            ck_assert_msg(strcmp(s, tf_strerror(codes[j])), "codes %d and %d share \"%s\"",
                          codes[i], codes[j], s);
    }
    ck_assert_str_eq(tf_strerror(TF_ETHREAD - 1), "unknown error"); /* past the last code */
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE + 1), "unknown error");
    static const struct {
        int vector;
        const char *mnemonic;
    } sdm[] = {{0, "#DE "},  {1, "#DB "},  {3, "#BP "},  {4, "#OF "},  {5, "#BR "},
               {6, "#UD "},  {7, "#NM "},  {8, "#DF "},  {10, "#TS "}, {11, "#NP "},
               {12, "#SS "}, {13, "#GP "}, {14, "#PF "}, {16, "#MF "}, {17, "#AC "},
               {18, "#MC "}, {19, "#XM "}, {20, "#VE "}, {21, "#CP "}};
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE - 0), "task faulted: #DE divide error");
    for (unsigned i = 0; i < sizeof(sdm) / sizeof(sdm[0]); i++) {
        const char *s = tf_strerror(TF_EFAULT_BASE - sdm[i].vector);
        ck_assert_msg(!strncmp(s, "task faulted: ", 14) && !strncmp(s + 14, sdm[i].mnemonic, 4),
                      "vector %d: \"%s\"", sdm[i].vector, s);
    }
    /* The last fault code (vector 255) is still a fault; one past it is not. */
    ck_assert_int_eq(TF_IS_FAULT(TF_EFAULT_BASE - 255), 1);
    ck_assert_int_eq(TF_IS_FAULT(TF_EFAULT_BASE - 256), 0);
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE - 255), "task faulted: CPU exception");
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE - 256), "unknown error");
}
END_TEST

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#define BUSY_NS 20000000ull /* how long the busy task runs */

/* Runs until BUSY_NS of the monotonic clock have passed since it started. */
static uint64_t busy_task(void *arg)
{
    (void)arg;
    uint64_t start = tf_now_ns();
    while (tf_now_ns() - start < BUSY_NS)
        ;
    return tf_cpu_self();
}

/* busy_ns: the time inside tasks. A task that runs for BUSY_NS adds at least that much to its
 * CPU's figure, and no more than the time that passed around it. */
START_TEST(busy_time_counts_the_task)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    struct tf_cpu_stats before[2], after[2];
    for (unsigned c = 0; c < 2; c++)
        ck_assert_int_eq(tf_cpu_stats(c, &before[c]), 0);
    uint64_t t0 = now_ns();
    uint64_t cpu = 9;
    ck_assert_int_eq(tf_wait(tf_submit(busy_task, NULL), &cpu), 0);
    uint64_t elapsed = now_ns() - t0;
    ck_assert_uint_lt(cpu, 2);
    for (unsigned c = 0; c < 2; c++)
        ck_assert_int_eq(tf_cpu_stats(c, &after[c]), 0);
    uint64_t busy = after[cpu].busy_ns - before[cpu].busy_ns;
    ck_assert_uint_ge(busy, BUSY_NS);
    ck_assert_uint_le(busy, elapsed);
    ck_assert_uint_eq(after[cpu].tasks - before[cpu].tasks, 1);
    ck_assert_uint_eq(after[1 - cpu].busy_ns, before[1 - cpu].busy_ns); /* the other ran nothing */
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* parked_ns and wakeups: with no spinning (TF_SPIN_US=0), an idle worker sleeps at once; a task
 * submitted to it then has to wake it. Each try naps so that the worker is asleep; a loaded
 * machine may run the worker late, so the try is repeated until a wakeup was needed. The parked
 * time must then have grown, and never be more than the time since the farm started. */
START_TEST(parking_and_wakeups_are_counted)
{
    setenv("TF_SPIN_US", "0", 1);
    uint64_t started = now_ns();
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    struct tf_cpu_stats first, before, after;
    ck_assert_int_eq(tf_cpu_stats(1, &first), 0);
    int woken = 0;
    for (int try = 0; try < 100 && !woken; try++) {
        ck_assert_int_eq(tf_cpu_stats(1, &before), 0);
        struct timespec nap = {0, 10000000};
        nanosleep(&nap, NULL);
        tf_task_t h = tf_submit(twice, (void *)3); /* to CPU 1: the BSP is not idle */
        ck_assert_int_eq(tf_task_cpu(h), 1);
        uint64_t r;
        ck_assert_int_eq(tf_wait(h, &r), 0);
        ck_assert_uint_eq(r, 6);
        ck_assert_int_eq(tf_cpu_stats(1, &after), 0);
        ck_assert_uint_le(after.parked_ns, now_ns() - started); /* reset by tf_host_start */
        ck_assert_uint_ge(after.wakeups, before.wakeups);
        ck_assert_uint_le(after.wakeups - before.wakeups, 1); /* one task, one wakeup at most */
        woken = after.wakeups > before.wakeups;
    }
    ck_assert_msg(woken, "a sleeping worker was never counted as woken");
    ck_assert_uint_gt(after.parked_ns, first.parked_ns);
    ck_assert_int_eq(tf_host_stop(), 0);
    unsetenv("TF_SPIN_US");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api_errors");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, wait_family_refused_inside_a_task);
    tcase_add_test(tc, wait_any_reports_the_fault);
    tcase_add_test(tc, every_code_has_a_name);
    tcase_add_test(tc, busy_time_counts_the_task);
    tcase_add_test(tc, parking_and_wakeups_are_counted);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
