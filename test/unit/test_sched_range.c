/* tf_parallel_for on Linux with real threads (ThreadSanitizer): every index of the range covered
 * exactly once with the exact sum, chunks shrinking toward the end and never below the grain,
 * every CPU taking part when chunks cost very differently, a faulting chunk reported, and the
 * argument errors. */
#include "taskfarm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define N 200000u

static uint32_t seen[N];          /* calls that covered index i */
static uint64_t chunks, smallest; /* chunks handed out; the smallest but the last */
static uint32_t on_cpu[256];      /* chunks each CPU ran */

static uint64_t cost(uint64_t i)
{
    return i % 1000 < 10 ? 2000 : 1; /* 1% of the indexes cost 2000 times the rest */
}

static uint64_t visit(uint64_t lo, uint64_t hi, void *arg)
{
    uint64_t sum = 0, grain = (uint64_t)(uintptr_t)arg;
    __atomic_fetch_add(&chunks, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&on_cpu[tf_cpu_self() % 256], 1, __ATOMIC_RELAXED);
    if (hi - lo < grain && hi != N) /* only the very last chunk may be short */
        __atomic_store_n(&smallest, hi - lo, __ATOMIC_RELAXED);
    for (uint64_t i = lo; i < hi; i++) {
        __atomic_fetch_add(&seen[i], 1, __ATOMIC_RELAXED);
        volatile uint64_t spin = 0;
        for (uint64_t k = 0; k < cost(i); k++)
            spin += k;
        sum += i;
    }
    return sum;
}

static void reset(void)
{
    memset(seen, 0, sizeof(seen));
    memset(on_cpu, 0, sizeof(on_cpu));
    chunks = 0;
    smallest = 0;
}

START_TEST(every_index_once_with_the_exact_sum)
{
    static const uint64_t grains[] = {0, 1, 7, 1000, N, 2 * N};
    ck_assert_int_eq(tf_host_start(1, 4, 1), 0);
    for (size_t g = 0; g < sizeof(grains) / sizeof(grains[0]); g++) {
        reset();
        uint64_t sum = 0, grain = grains[g] ? grains[g] : 1;
        ck_assert_int_eq(tf_parallel_for(0, N, grains[g], visit, (void *)(uintptr_t)grain, &sum),
                         0);
        ck_assert_uint_eq(sum, (uint64_t)N * (N - 1) / 2);
        for (uint32_t i = 0; i < N; i++)
            ck_assert_msg(seen[i] == 1, "index %u covered %u times (grain %llu)", i, seen[i],
                          (unsigned long long)grains[g]);
        ck_assert_msg(smallest == 0, "a chunk of %llu below the grain %llu",
                      (unsigned long long)smallest, (unsigned long long)grain);
        if (grain >= N)
            ck_assert_uint_eq(chunks, 1);
    }
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* Work is handed out while it remains: each CPU's first chunk waits until every CPU has one,
 * which happens only if the first CPUs did not take the whole range. (The wait is bounded so a
 * broken hand-out fails instead of hanging; its bound is liveness, not speed.) Guided
 * self-scheduling hands out far fewer chunks than indexes. */
static uint32_t arrived, stuck;
static uint8_t has_chunk[256];

static uint64_t meet_then_visit(uint64_t lo, uint64_t hi, void *arg)
{
    unsigned cpu = tf_cpu_self() % 256;
    if (!__atomic_exchange_n(&has_chunk[cpu], 1, __ATOMIC_RELAXED)) {
        __atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
        uint64_t give_up = tf_now_ns() + 60000000000ull;
        while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < tf_cpu_count())
            if (tf_now_ns() > give_up) {
                __atomic_store_n(&stuck, 1, __ATOMIC_RELAXED);
                break;
            }
    }
    return visit(lo, hi, arg);
}

START_TEST(every_cpu_takes_part)
{
    ck_assert_int_eq(tf_host_start(1, 4, 1), 0);
    reset();
    uint64_t sum;
    ck_assert_int_eq(tf_parallel_for(0, N, 16, meet_then_visit, (void *)(uintptr_t)16, &sum), 0);
    ck_assert_uint_eq(sum, (uint64_t)N * (N - 1) / 2);
    ck_assert_uint_eq(stuck, 0);
    for (unsigned c = 0; c < 4; c++)
        ck_assert_msg(on_cpu[c] > 0, "CPU %u ran no chunk", c);
    ck_assert_uint_lt(chunks, N / 16);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

static uint64_t add_lo(uint64_t lo, uint64_t hi, void *arg)
{
    (void)arg;
    return hi - lo;
}

START_TEST(empty_ranges_and_errors)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    uint64_t sum = 99;
    ck_assert_int_eq(tf_parallel_for(5, 5, 1, add_lo, NULL, &sum), 0);
    ck_assert_uint_eq(sum, 0);
    ck_assert_int_eq(tf_parallel_for(9, 3, 1, add_lo, NULL, &sum), 0); /* lo > hi: nothing */
    ck_assert_uint_eq(sum, 0);
    ck_assert_int_eq(tf_parallel_for(0, 10, 1, NULL, NULL, &sum), TF_EINVAL);
    ck_assert_int_eq(tf_parallel_for(UINT64_MAX - 5, UINT64_MAX, 2, add_lo, NULL, &sum), 0);
    ck_assert_uint_eq(sum, 5);
    ck_assert_int_eq(tf_parallel_for(0, 10, 1, add_lo, NULL, NULL), 0);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

static int nested_rc;

static uint64_t nested(uint64_t lo, uint64_t hi, void *arg)
{
    (void)arg;
    nested_rc = tf_parallel_for(lo, hi, 1, add_lo, NULL, NULL);
    return 0;
}

START_TEST(not_from_a_task)
{
    ck_assert_int_eq(tf_host_start(1, 1, 1), 0);
    ck_assert_int_eq(tf_parallel_for(0, 1, 1, nested, NULL, NULL), 0);
    ck_assert_int_eq(nested_rc, TF_EPERM);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_range");
    TCase *tc = tcase_create("parallel_for");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, every_index_once_with_the_exact_sum);
    tcase_add_test(tc, every_cpu_takes_part);
    tcase_add_test(tc, empty_ranges_and_errors);
    tcase_add_test(tc, not_from_a_task);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
