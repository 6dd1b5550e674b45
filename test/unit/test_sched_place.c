/* Placement order on Linux with real threads: for several topologies and both policies, one
 * task that holds its CPU per idle CPU; which CPU took each, in order of submission, must be the
 * policy's order (CPUs are numbered thread-major, see taskfarm.h). */
#include "taskfarm.h"

#include <check.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

static uint32_t release;
static int ran_on[TF_MAX_CPUS]; /* where task k found itself running, +1 */

static uint64_t holding_task(void *arg)
{
    unsigned k = (unsigned)(uintptr_t)arg;
    __atomic_store_n(&ran_on[k], (int)tf_cpu_self() + 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
        sched_yield();
    return k;
}

struct layout {
    unsigned s, c, t;
    const char *policy;
    unsigned n;        /* CPUs but the BSP */
    unsigned order[8]; /* expected CPU of the k-th task */
};

static void check_layout(const struct layout *l)
{
    setenv("TF_PLACE", l->policy, 1);
    ck_assert_int_eq(tf_host_start(l->s, l->c, l->t), 0);
    ck_assert_uint_eq(tf_cpu_count(), l->n + 1);
    memset(ran_on, 0, sizeof(ran_on));
    __atomic_store_n(&release, 0, __ATOMIC_RELEASE);
    tf_task_t h[9];
    for (unsigned k = 0; k < l->n; k++) {
        h[k] = tf_submit(holding_task, (void *)(uintptr_t)k);
        ck_assert_int_ge(h[k], 0);
        ck_assert_msg(tf_task_cpu(h[k]) == (int)l->order[k],
                      "%ux%ux%u %s: task %u on CPU %d, not %u", l->s, l->c, l->t, l->policy, k,
                      tf_task_cpu(h[k]), l->order[k]);
    }
    for (unsigned k = 0; k < l->n; k++) { /* the CPU really runs it */
        while (!__atomic_load_n(&ran_on[k], __ATOMIC_ACQUIRE))
            sched_yield();
        ck_assert_int_eq(ran_on[k] - 1, (int)l->order[k]);
    }
    /* Every CPU busy: the next task is queued. */
    h[l->n] = tf_submit(holding_task, (void *)(uintptr_t)l->n);
    ck_assert_int_ge(h[l->n], 0);
    ck_assert_int_eq(tf_task_cpu(h[l->n]), -1);
    __atomic_store_n(&release, 1, __ATOMIC_RELEASE);
    uint64_t r[9];
    ck_assert_int_eq(tf_wait_all(h, l->n + 1, r, NULL), 0);
    for (unsigned k = 0; k <= l->n; k++)
        ck_assert_uint_eq(r[k], k);
    ck_assert_int_eq(tf_host_stop(), 0);
}

/* CPU numbers (thread-major): 1x2x2: 0 = core 0 thread 0, 1 = core 1 thread 0, 2 = core 0
 * thread 1, 3 = core 1 thread 1. 2x2x2: 0-3 thread 0 of (package, core) (0,0) (0,1) (1,0)
 * (1,1), 4-7 their thread 1. 2x3x1: 0-2 package 0, 3-5 package 1. */
static const struct layout layouts[] = {
    {1, 1, 1, "siblings", 0, {0}},
    {1, 1, 1, "spread", 0, {0}},
    {1, 4, 1, "siblings", 3, {1, 2, 3}},
    {1, 4, 1, "spread", 3, {1, 2, 3}},
    {1, 2, 2, "siblings", 3, {2, 1, 3}},
    {1, 2, 2, "spread", 3, {1, 3, 2}},
    {2, 2, 2, "siblings", 7, {4, 1, 5, 2, 6, 3, 7}},
    {2, 2, 2, "spread", 7, {1, 2, 3, 5, 6, 7, 4}},
    {2, 3, 1, "siblings", 5, {1, 2, 3, 4, 5}},
    {2, 3, 1, "spread", 5, {1, 2, 3, 4, 5}},
};

START_TEST(placement)
{
    check_layout(&layouts[_i]);
}
END_TEST

START_TEST(topology_reported)
{
    ck_assert_int_eq(tf_host_start(2, 2, 2), 0);
    static const unsigned want[8][4] = {{0, 0, 0, 0}, {2, 0, 1, 0}, {4, 1, 0, 0}, {6, 1, 1, 0},
                                        {1, 0, 0, 1}, {3, 0, 1, 1}, {5, 1, 0, 1}, {7, 1, 1, 1}};
    for (unsigned i = 0; i < 8; i++) {
        struct tf_cpu_info info;
        ck_assert_int_eq(tf_cpu_info(i, &info), 0);
        ck_assert_uint_eq(info.apic_id, want[i][0]);
        ck_assert_uint_eq(info.package, want[i][1]);
        ck_assert_uint_eq(info.core, want[i][2]);
        ck_assert_uint_eq(info.thread, want[i][3]);
    }
    struct tf_cpu_info info;
    ck_assert_int_eq(tf_cpu_info(8, &info), TF_EINVAL);
    ck_assert_int_eq(tf_cpu_info(0, NULL), TF_EINVAL);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_place");
    TCase *tc = tcase_create("place");
    tcase_add_loop_test(tc, placement, 0, (int)(sizeof(layouts) / sizeof(layouts[0])));
    tcase_add_test(tc, topology_reported);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
