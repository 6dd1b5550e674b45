/* The surplus queue (src/shm/queue.c): order, bounds, and one producer with several consumers
 * taking every entry exactly once (ThreadSanitizer checks the accesses). */
#include "queue.h"

#include <check.h>
#include <pthread.h>
#include <stdlib.h>

static struct shm_queue q;

START_TEST(fifo_and_bounds)
{
    shm_queue_reset(&q);
    ck_assert_int_eq(shm_queue_empty(&q), 1);
    ck_assert_uint_eq(shm_queue_pop(&q), SHM_NO_TASK);
    for (uint32_t lap = 0; lap < 3; lap++) { /* wraps around the ring */
        for (uint32_t i = 0; i < SHM_QUEUE_SIZE; i++)
            ck_assert_int_eq(shm_queue_push(&q, i ^ lap), 0);
        ck_assert_int_eq(shm_queue_push(&q, 7), -1); /* full */
        ck_assert_int_eq(shm_queue_empty(&q), 0);
        for (uint32_t i = 0; i < SHM_QUEUE_SIZE; i++)
            ck_assert_uint_eq(shm_queue_pop(&q), i ^ lap);
        ck_assert_int_eq(shm_queue_empty(&q), 1);
        ck_assert_uint_eq(shm_queue_pop(&q), SHM_NO_TASK);
    }
}
END_TEST

#define CONSUMERS 3
#define ITEMS     200000u

static uint32_t taken[ITEMS];
static uint32_t produced_all;

static void *consume(void *arg)
{
    uint64_t *sum = arg;
    for (;;) {
        uint32_t v = shm_queue_pop(&q);
        if (v == SHM_NO_TASK) {
            if (__atomic_load_n(&produced_all, __ATOMIC_ACQUIRE) && shm_queue_empty(&q))
                return NULL;
            continue;
        }
        __atomic_fetch_add(&taken[v], 1, __ATOMIC_RELAXED);
        *sum += v;
    }
}

START_TEST(one_producer_many_consumers)
{
    shm_queue_reset(&q);
    pthread_t t[CONSUMERS];
    uint64_t sums[CONSUMERS] = {0};
    for (int i = 0; i < CONSUMERS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, consume, &sums[i]), 0);
    for (uint32_t i = 0; i < ITEMS;) /* spins while the ring is full */
        if (shm_queue_push(&q, i) == 0)
            i++;
    __atomic_store_n(&produced_all, 1, __ATOMIC_RELEASE);
    uint64_t total = 0;
    for (int i = 0; i < CONSUMERS; i++) {
        pthread_join(t[i], NULL);
        total += sums[i];
    }
    for (uint32_t i = 0; i < ITEMS; i++)
        ck_assert_msg(taken[i] == 1, "entry %u taken %u times", i, taken[i]);
    ck_assert_uint_eq(total, (uint64_t)ITEMS * (ITEMS - 1) / 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shm_queue");
    TCase *tc = tcase_create("queue");
    tcase_add_test(tc, fifo_and_bounds);
    tcase_add_test(tc, one_producer_many_consumers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
