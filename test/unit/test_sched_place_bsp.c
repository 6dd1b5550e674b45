/* Placement order (src/sched/place.c) on topologies where the bootstrap CPU is not on package 0,
 * core 0, with sparse and shifted APIC IDs: the machines where the BSP's own core and the first
 * core in (package, core) order differ. The topology is a table given here in place of the CPU
 * layer's cpu_topology; sched_place_order is the real one. The expected orders are written by
 * hand from the rule in taskfarm.h and place.c:
 *
 *   siblings  the BSP's own SMT siblings first, then every thread of each other core, cores in
 *             (package, core) order;
 *   spread    one thread of every core, then the second threads, and so on, the BSP's core last
 *             in every round.
 *
 * CPU 0 is the BSP; the others are numbered by APIC ID, as src/apic numbers them. */
#include "scheduler.h"

#include <check.h>
#include <stdlib.h>

struct machine {
    const char *name;
    unsigned n;
    struct tf_cpu_info cpu[8]; /* apic_id, package, core, thread */
    unsigned siblings[7];      /* expected order of CPUs 1 .. n-1 */
    unsigned spread[7];
};

static const struct machine machines[] = {
    /* 2 packages x 2 cores (IDs 0 and 2: core 1 missing) x 2 threads, APIC IDs from 0x10
     * (0x10 | package << 3 | core << 1 | thread); the BSP is package 1, core 2, thread 0. */
    {"bsp on the last core of package 1",
     8,
     {{0x1c, 1, 2, 0},
      {0x10, 0, 0, 0},
      {0x11, 0, 0, 1},
      {0x14, 0, 2, 0},
      {0x15, 0, 2, 1},
      {0x18, 1, 0, 0},
      {0x19, 1, 0, 1},
      {0x1d, 1, 2, 1}},
     {7, 1, 2, 3, 4, 5, 6},
     {1, 3, 5, 2, 4, 6, 7}},
    /* 1 package x 3 cores x 2 threads (APIC ID core << 1 | thread); the BSP is thread 1 of
     * core 2, so its sibling is that core's thread 0. */
    {"bsp is thread 1 of core 2",
     6,
     {{5, 0, 2, 1}, {0, 0, 0, 0}, {1, 0, 0, 1}, {2, 0, 1, 0}, {3, 0, 1, 1}, {4, 0, 2, 0}},
     {5, 1, 2, 3, 4},
     {1, 3, 5, 2, 4}},
    /* Packages 0 and 3 (sparse), 2 cores each, no SMT, APIC IDs package << 4 | core; the BSP is
     * package 3, core 1: it has no sibling, so both orders are (package, core) order. */
    {"bsp on package 3, no SMT",
     4,
     {{0x31, 3, 1, 0}, {0x00, 0, 0, 0}, {0x01, 0, 1, 0}, {0x30, 3, 0, 0}},
     {1, 2, 3},
     {1, 2, 3}},
    /* 2 packages x 1 core x 2 threads, APIC IDs 0x20 apart (package << 5 | thread); the BSP is
     * package 1's thread 0: its sibling (package 1, thread 1) before package 0's two threads. */
    {"bsp on package 1 of two single-core packages",
     4,
     {{0x20, 1, 0, 0}, {0x00, 0, 0, 0}, {0x01, 0, 0, 1}, {0x21, 1, 0, 1}},
     {3, 1, 2},
     {1, 2, 3}},
};

static const struct machine *current;

/* The CPU layer's topology call, answered from the table. */
int cpu_topology(unsigned cpu, struct tf_cpu_info *info)
{
    if (!current || cpu >= current->n || !info)
        return TF_EINVAL;
    *info = current->cpu[cpu];
    return 0;
}

static void check_order(const struct machine *m, enum sched_place policy, const unsigned *want)
{
    uint32_t order[TF_MAX_CPUS];
    current = m;
    unsigned got = sched_place_order(policy, m->n, order);
    ck_assert_uint_eq(got, m->n - 1);
    for (unsigned k = 0; k < got; k++)
        ck_assert_msg(order[k] == want[k], "%s, %s: position %u is CPU %u, not %u", m->name,
                      policy == SCHED_PLACE_SPREAD ? "spread" : "siblings", k, order[k], want[k]);
}

START_TEST(siblings_start_with_the_bsps_core)
{
    check_order(&machines[_i], SCHED_PLACE_SIBLINGS, machines[_i].siblings);
}
END_TEST

START_TEST(spread_leaves_the_bsps_core_last)
{
    check_order(&machines[_i], SCHED_PLACE_SPREAD, machines[_i].spread);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_place_bsp");
    TCase *tc = tcase_create("place");
    int n = (int)(sizeof(machines) / sizeof(machines[0]));
    tcase_add_loop_test(tc, siblings_start_with_the_bsps_core, 0, n);
    tcase_add_loop_test(tc, spread_leaves_the_bsps_core_last, 0, n);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
