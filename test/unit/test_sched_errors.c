/* The task API's error paths on Linux: bad and stale handles, waiting twice, NULL functions,
 * too many tasks, calls from inside a task or from another thread, tf_wait_any and
 * tf_wait_all's own cases, tf_strerror, tf_option, and a farm that has been stopped. */
#include "taskfarm.h"

#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t twice(void *arg)
{
    return 2 * (uint64_t)(uintptr_t)arg;
}

static uint64_t submit_inside(void *arg)
{
    (void)arg;
    return (uint64_t)(int64_t)tf_submit(twice, NULL);
}

static uint64_t wait_inside(void *arg)
{
    return (uint64_t)(int64_t)tf_wait(*(tf_task_t *)arg, NULL);
}

START_TEST(bad_handles)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    uint64_t r = 7;
    ck_assert_int_eq(tf_wait(-1, &r), TF_EBADTASK);
    ck_assert_int_eq(tf_wait(0, &r), TF_EBADTASK);
    ck_assert_int_eq(tf_wait(123456789, &r), TF_EBADTASK);
    ck_assert_int_eq(tf_task_cpu(-5), TF_EBADTASK);
    tf_task_t h = tf_submit(twice, (void *)21);
    ck_assert_int_ge(h, 0);
    ck_assert_int_eq(tf_wait(h, &r), 0);
    ck_assert_uint_eq(r, 42);
    ck_assert_int_eq(tf_wait(h, &r), TF_EBADTASK); /* waiting twice */
    ck_assert_int_eq(tf_task_cpu(h), TF_EBADTASK);
    /* The record is used again at once, under a new handle: the old one stays invalid. */
    tf_task_t h2 = tf_submit(twice, (void *)1);
    ck_assert_int_ne(h2, h);
    ck_assert_int_eq(tf_wait(h, &r), TF_EBADTASK);
    ck_assert_int_eq(tf_wait(h2, &r), 0);
    ck_assert_uint_eq(r, 2);
    ck_assert_int_eq(tf_submit(NULL, NULL), TF_EINVAL);
    /* A handle from before a restart is stale. */
    tf_task_t old = tf_submit(twice, (void *)3);
    ck_assert_int_ge(old, 0);
    ck_assert_int_eq(tf_host_stop(), 0);
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    ck_assert_int_eq(tf_wait(old, &r), TF_EBADTASK);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

START_TEST(too_many_tasks)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    static tf_task_t h[TF_MAX_TASKS];
    static uint64_t r[TF_MAX_TASKS];
    for (unsigned i = 0; i < TF_MAX_TASKS; i++)
        ck_assert_int_ge(h[i] = tf_submit(twice, (void *)(uintptr_t)i), 0);
    ck_assert_int_eq(tf_submit(twice, NULL), TF_ENOSPC);
    ck_assert_int_eq(tf_wait_all(h, TF_MAX_TASKS, r, NULL), 0);
    for (unsigned i = 0; i < TF_MAX_TASKS; i++)
        ck_assert_uint_eq(r[i], 2 * i);
    tf_task_t again = tf_submit(twice, (void *)5); /* room again */
    ck_assert_int_ge(again, 0);
    ck_assert_int_eq(tf_wait(again, r), 0);
    ck_assert_uint_eq(r[0], 10);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* Every waited-for task gives its record back: rounds of submits and waits, three times
 * TF_MAX_TASKS tasks in all, never run out of records. */
START_TEST(records_are_reused)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    enum { ROUND = 4096 };
    static tf_task_t h[ROUND];
    static uint64_t r[ROUND];
    for (unsigned round = 0; round < 3 * TF_MAX_TASKS / ROUND; round++) {
        for (unsigned i = 0; i < ROUND; i++)
            ck_assert_int_ge(h[i] = tf_submit(twice, (void *)(uintptr_t)(round + i)), 0);
        ck_assert_int_eq(tf_wait_all(h, ROUND, r, NULL), 0);
        for (unsigned i = 0; i < ROUND; i++)
            ck_assert_uint_eq(r[i], 2 * (round + i));
    }
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* From inside a task, on a worker and on the BSP (a farm of one CPU runs every task on the BSP,
 * inside tf_wait), tf_submit and tf_wait answer TF_EPERM. */
START_TEST(not_from_inside_a_task)
{
    for (unsigned cpus = 1; cpus <= 2; cpus++) {
        ck_assert_int_eq(tf_host_start(1, cpus, 1), 0);
        tf_task_t other = tf_submit(twice, (void *)4);
        tf_task_t a = tf_submit(submit_inside, NULL);
        tf_task_t b = tf_submit(wait_inside, &other);
        uint64_t r;
        ck_assert_int_eq(tf_wait(a, &r), 0);
        ck_assert_int_eq((int64_t)r, TF_EPERM);
        ck_assert_int_eq(tf_wait(b, &r), 0);
        ck_assert_int_eq((int64_t)r, TF_EPERM);
        ck_assert_int_eq(tf_wait(other, &r), 0); /* untouched by the refused wait */
        ck_assert_uint_eq(r, 8);
        ck_assert_int_eq(tf_host_stop(), 0);
    }
}
END_TEST

static int stop_ran;

static uint64_t count_run(void *arg)
{
    (void)arg;
    __atomic_fetch_add(&stop_ran, 1, __ATOMIC_RELAXED);
    return 0;
}

static uint64_t stop_inside(void *arg)
{
    (void)arg;
    return (uint64_t)(int64_t)tf_host_stop();
}

/* tf_host_stop runs what was submitted: a task handed to a worker that was asleep is not
 * dropped; and a task may not stop the farm. */
START_TEST(stop_runs_submitted_tasks)
{
    struct timespec nap = {0, 2000000}; /* longer than the spin budget: the worker sleeps */
    stop_ran = 0;
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
        nanosleep(&nap, NULL);
        ck_assert_int_ge(tf_submit(count_run, NULL), 0);
        ck_assert_int_ge(tf_submit(count_run, NULL), 0);
        ck_assert_int_eq(tf_host_stop(), 0);
    }
    ck_assert_int_eq(__atomic_load_n(&stop_ran, __ATOMIC_RELAXED), 100);
    ck_assert_int_eq(tf_host_start(1, 1, 1), 0); /* CPU 0 runs the task itself in tf_wait */
    uint64_t r;
    ck_assert_int_eq(tf_wait(tf_submit(stop_inside, NULL), &r), 0);
    ck_assert_int_eq((int64_t)r, TF_EPERM);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

static void *foreign_thread(void *arg)
{
    tf_task_t *h = arg;
    h[1] = tf_submit(twice, NULL);
    h[2] = tf_wait(h[0], NULL);
    h[3] = tf_cpu_self();
    h[4] = tf_host_stop();
    return NULL;
}

START_TEST(not_from_another_thread)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    tf_task_t h[5] = {tf_submit(twice, (void *)8)};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, foreign_thread, h), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(h[1], TF_EPERM);
    ck_assert_int_eq(h[2], TF_EPERM);
    ck_assert_int_eq(h[3], UINT_MAX);
    ck_assert_int_eq(h[4], TF_EPERM);
    uint64_t r;
    ck_assert_int_eq(tf_wait(h[0], &r), 0);
    ck_assert_uint_eq(r, 16);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

static uint32_t gate[3];
static uint64_t gated(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    while (!__atomic_load_n(&gate[k], __ATOMIC_ACQUIRE))
        sched_yield();
    return 100 + k;
}

START_TEST(wait_any_takes_the_finished_one)
{
    ck_assert_int_eq(tf_host_start(1, 4, 1), 0); /* one worker per task: none on the BSP */
    tf_task_t h[3];
    for (unsigned k = 0; k < 3; k++)
        ck_assert_int_ge(h[k] = tf_submit(gated, (void *)(uintptr_t)k), 0);
    __atomic_store_n(&gate[2], 1, __ATOMIC_RELEASE);
    uint64_t r = 0;
    int e = -1;
    ck_assert_int_eq(tf_wait_any(h, 3, &r, &e), 2);
    ck_assert_uint_eq(r, 102);
    ck_assert_int_eq(e, 0);
    ck_assert_int_eq(tf_wait_any(h, 3, &r, &e), TF_EBADTASK); /* h[2] was taken */
    ck_assert_int_eq(tf_wait_any(h, 0, &r, &e), TF_EINVAL);
    __atomic_store_n(&gate[0], 1, __ATOMIC_RELEASE);
    ck_assert_int_eq(tf_wait_any(h, 2, NULL, NULL), 0);
    __atomic_store_n(&gate[1], 1, __ATOMIC_RELEASE);
    ck_assert_int_eq(tf_wait_any(&h[1], 1, &r, NULL), 0);
    ck_assert_uint_eq(r, 101);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

START_TEST(wait_all_cases)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    tf_task_t h[4];
    for (unsigned k = 0; k < 3; k++)
        ck_assert_int_ge(h[k] = tf_submit(twice, (void *)(uintptr_t)k), 0);
    h[3] = h[1]; /* the same task twice: refused, nothing taken */
    ck_assert_int_eq(tf_wait_all(h, 4, NULL, NULL), TF_EBADTASK);
    h[3] = 999; /* an invalid handle: the same */
    ck_assert_int_eq(tf_wait_all(h, 4, NULL, NULL), TF_EBADTASK);
    ck_assert_int_eq(tf_wait_all(h, 0, NULL, NULL), 0);
    uint64_t r[3];
    int e[3] = {-1, -1, -1};
    ck_assert_int_eq(tf_wait_all(h, 3, r, e), 0);
    for (unsigned k = 0; k < 3; k++) {
        ck_assert_uint_eq(r[k], 2 * k);
        ck_assert_int_eq(e[k], 0);
    }
    ck_assert_int_eq(tf_wait_all(h, 3, r, e), TF_EBADTASK);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

START_TEST(strerror_and_options)
{
    ck_assert_str_eq(tf_strerror(0), "success");
    ck_assert_str_eq(tf_strerror(TF_EBADTASK),
                     "no such task (never submitted, or its result was taken)");
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE - 0), "task faulted: #DE divide error");
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE - 14), "task faulted: #PF page fault");
    ck_assert_str_eq(tf_strerror(TF_EFAULT_BASE - 99), "task faulted: CPU exception");
    ck_assert_str_eq(tf_strerror(TF_ETHREAD),
                     "task ended its thread (pthread_exit or cancellation)");
    ck_assert_str_eq(tf_strerror(-100), "unknown error");
    ck_assert_str_eq(tf_strerror(5), "unknown error");
    ck_assert_int_eq(TF_FAULT_VECTOR(TF_EFAULT_BASE - 13), 13);
    setenv("TF_SPIN_US", "7", 1);
    ck_assert_str_eq(tf_option("spin_us"), "7");
    ck_assert_ptr_null(tf_option("no_such_option"));
    ck_assert_ptr_null(tf_option(""));
}
END_TEST

/* Once stopped, the farm stays stopped until tf_host_start: a later call used to start it again
 * behind the program's back, with the environment's topology. */
START_TEST(stopped_farm_stays_stopped)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    ck_assert_uint_eq(tf_cpu_count(), 2);
    ck_assert_int_eq(tf_host_stop(), 0);
    ck_assert_int_eq(tf_submit(twice, (void *)1), TF_EPERM);
    ck_assert_int_eq(tf_wait(0, NULL), TF_EPERM);
    ck_assert_uint_eq(tf_cpu_count(), 0);
    ck_assert_uint_eq(tf_cpu_self(), UINT_MAX);
    struct tf_cpu_info info;
    ck_assert_int_eq(tf_cpu_info(0, &info), TF_EINVAL);
    ck_assert_int_eq(tf_host_stop(), TF_EPERM); /* nothing was started again */
    ck_assert_int_eq(tf_host_start(1, 3, 1), 0);
    ck_assert_uint_eq(tf_cpu_count(), 3);
    uint64_t r = 0;
    ck_assert_int_eq(tf_wait(tf_submit(twice, (void *)4), &r), 0);
    ck_assert_uint_eq(r, 8);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

START_TEST(bad_topologies)
{
    ck_assert_int_eq(tf_host_start(0, 2, 1), TF_EINVAL);
    ck_assert_int_eq(tf_host_start(1, TF_MAX_CPUS + 1, 1), TF_EINVAL);
    ck_assert_int_eq(tf_host_stop(), TF_EPERM); /* not running */
    struct tf_cpu_stats s;
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    ck_assert_int_eq(tf_cpu_stats(2, &s), TF_EINVAL);
    ck_assert_int_eq(tf_cpu_stats(1, NULL), TF_EINVAL);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_errors");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, bad_handles);
    tcase_add_test(tc, too_many_tasks);
    tcase_add_test(tc, records_are_reused);
    tcase_add_test(tc, not_from_inside_a_task);
    tcase_add_test(tc, not_from_another_thread);
    tcase_add_test(tc, wait_any_takes_the_finished_one);
    tcase_add_test(tc, wait_all_cases);
    tcase_add_test(tc, strerror_and_options);
    tcase_add_test(tc, bad_topologies);
    tcase_add_test(tc, stopped_farm_stays_stopped);
    tcase_add_test(tc, stop_runs_submitted_tasks);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
