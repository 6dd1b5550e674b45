/* The task farm on Linux with real threads: millions of tiny tasks of uneven length, every
 * result checked, none lost, none run twice; the three ways of waiting mixed; statistics. */
#include "taskfarm.h"

#include <check.h>
#include <stdlib.h>

#define TOTAL     2000000u
#define MAX_BATCH 4096u

static uint32_t runs[TOTAL]; /* executions of task i, counted by the task itself */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

/* Task i: a few rounds of mixing (0 to 15, so lengths differ), counted once per run. */
static uint64_t mix_task(void *arg)
{
    uint64_t i = (uint64_t)(uintptr_t)arg, r = i;
    __atomic_fetch_add(&runs[i], 1, __ATOMIC_RELAXED);
    for (unsigned k = 0; k < (mix(i) & 15); k++)
        r = mix(r + k);
    return r;
}

static uint64_t expected(uint64_t i)
{
    uint64_t r = i;
    for (unsigned k = 0; k < (mix(i) & 15); k++)
        r = mix(r + k);
    return r;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static tf_task_t handles[MAX_BATCH];
static uint64_t results[MAX_BATCH];
static int errors[MAX_BATCH];

/* Check's assertions write to a pipe each time they pass: too slow for millions of checks.
 * Problems are counted here and asserted once per batch. */
static uint64_t bad, first_bad = UINT64_MAX;

static void check_result(uint64_t i, uint64_t result, int error)
{
    if (error != 0 || result != expected(i)) {
        if (!bad++)
            first_bad = i;
    }
}

static void expect(int ok, uint64_t i)
{
    if (!ok && !bad++)
        first_bad = i;
}

/* Waits for the batch [first, first + n) one of three ways, chosen by `how`. */
static void take_batch(uint64_t first, unsigned n, unsigned how)
{
    if (how == 0) { /* all at once */
        expect(tf_wait_all(handles, n, results, errors) == 0, first);
        for (unsigned k = 0; k < n; k++)
            check_result(first + k, results[k], errors[k]);
    } else if (how == 1) { /* one by one, last submitted first */
        for (unsigned k = n; k-- > 0;) {
            uint64_t r;
            expect(tf_wait(handles[k], &r) == 0, first + k);
            check_result(first + k, r, 0);
        }
    } else { /* whichever finishes: the chosen handle is taken out of the array */
        uint64_t index[64];
        for (unsigned k = 0; k < n; k++)
            index[k] = first + k;
        for (unsigned left = n; left > 0; left--) {
            uint64_t r;
            int e = -1;
            int k = tf_wait_any(handles, left, &r, &e);
            if (k < 0 || k >= (int)left) {
                expect(0, index[0]);
                return;
            }
            check_result(index[k], r, e);
            handles[k] = handles[left - 1];
            index[k] = index[left - 1];
        }
    }
}

START_TEST(millions_of_tiny_tasks)
{
    ck_assert_int_eq(tf_host_start(1, 4, 1), 0);
    uint64_t next = 0;
    while (next < TOTAL) {
        unsigned how = (unsigned)(next_random() % 3);
        unsigned n = how == 2 ? 1 + (unsigned)(next_random() % 64)
                              : 1 + (unsigned)(next_random() % MAX_BATCH);
        if (n > TOTAL - next)
            n = (unsigned)(TOTAL - next);
        for (unsigned k = 0; k < n; k++) {
            handles[k] = tf_submit(mix_task, (void *)(uintptr_t)(next + k));
            expect(handles[k] >= 0, next + k);
        }
        take_batch(next, n, how);
        ck_assert_msg(bad == 0, "%llu wrong results, the first of task %llu",
                      (unsigned long long)bad, (unsigned long long)first_bad);
        next += n;
    }
    for (uint64_t i = 0; i < TOTAL; i++)
        expect(runs[i] == 1, i);
    ck_assert_msg(bad == 0, "%llu tasks did not run exactly once, the first: task %llu (%u times)",
                  (unsigned long long)bad, (unsigned long long)first_bad,
                  first_bad < TOTAL ? runs[first_bad] : 0);
    struct tf_cpu_stats s;
    uint64_t tasks = 0;
    for (unsigned c = 0; c < tf_cpu_count(); c++) {
        ck_assert_int_eq(tf_cpu_stats(c, &s), 0);
        ck_assert_uint_eq(s.faults, 0);
        tasks += s.tasks;
    }
    ck_assert_uint_eq(tasks, TOTAL);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* Tasks that last long enough for the workers to take some: every CPU runs tasks, and the
 * figures add up. */
static uint32_t go;
static uint64_t held_task(void *arg)
{
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        ;
    return (uint64_t)(uintptr_t)arg + 1;
}

START_TEST(every_cpu_works)
{
    ck_assert_int_eq(tf_host_start(1, 3, 1), 0);
    tf_task_t h[3 * 4];
    for (unsigned k = 0; k < 12; k++)
        ck_assert_int_ge(h[k] = tf_submit(held_task, (void *)(uintptr_t)k), 0);
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    ck_assert_int_eq(tf_wait_all(h, 12, results, errors), 0);
    for (unsigned k = 0; k < 12; k++)
        ck_assert_uint_eq(results[k], k + 1);
    for (unsigned c = 0; c < 3; c++) {
        struct tf_cpu_stats s;
        ck_assert_int_eq(tf_cpu_stats(c, &s), 0);
        ck_assert_msg(s.tasks > 0 || c == 0, "CPU %u ran nothing", c);
    }
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* The farm starts by itself, from the environment, in the first thread that calls in. */
START_TEST(starts_by_itself)
{
    setenv("TF_TOPOLOGY", "1x2x2", 1);
    setenv("TF_CPUS", "3", 1);
    ck_assert_uint_eq(tf_cpu_count(), 3);
    ck_assert_uint_eq(tf_cpu_self(), 0);
    struct tf_cpu_info info;
    ck_assert_int_eq(tf_cpu_info(2, &info), 0);
    ck_assert_uint_eq(info.core, 0);
    ck_assert_uint_eq(info.thread, 1);
    ck_assert_uint_eq(info.apic_id, 1);
    tf_task_t h = tf_submit(held_task, (void *)(uintptr_t)41);
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    uint64_t r;
    ck_assert_int_eq(tf_wait(h, &r), 0);
    ck_assert_uint_eq(r, 42);
    ck_assert_int_eq(tf_host_start(1, 1, 1), TF_EPERM); /* already running */
    ck_assert_int_eq(tf_host_stop(), 0);
    ck_assert_int_eq(tf_host_stop(), TF_EPERM);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_farm");
    TCase *tc = tcase_create("farm");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, millions_of_tiny_tasks);
    tcase_add_test(tc, every_cpu_works);
    tcase_add_test(tc, starts_by_itself);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
