/* The two store-then-load handshakes of the mailbox as litmus tests on real threads.
 *
 * The notice handshake (src/shm/notice.h): the BSP announces
 * that it sleeps and then looks at the task; the runner marks the task DONE and then looks at
 * whether the BSP sleeps. The outcome "the runner saw no sleeper and the BSP saw no DONE" is a
 * lost wake-up (the BSP would park for ever), and the protocol forbids it only because all four
 * accesses are sequentially consistent: with DONE stored by a release store alone, x86 lets the
 * runner's load pass its store (store buffering, Intel SDM vol. 3A, 9.2.3.4) and the outcome
 * shows up within a few thousand rounds. Each round starts both sides at once from a shared
 * counter, in both orders (who goes first alternates).
 *
 * The queue handshake (src/sched/submit.c, worker.c): a worker that runs out of work stores IDLE
 * in its slot and then looks at the queue; the BSP pushes a task and then tries to claim an idle
 * worker. "The worker saw an empty queue and the BSP claimed nobody" leaves the task queued with
 * every worker asleep; the seq_cst IDLE store forbids it.
 *
 * The real shm_task, shm_notice, shm_slot and shm_queue code runs; cpu_wake and cpu_park are
 * this test's (they only record and return). */
#include "notice.h"
#include "queue.h"
#include "slot.h"
#include "task.h"

#include <check.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#ifndef ROUNDS
#define ROUNDS 10000000u /* about 2 s; the weakened store loses a wake-up thousands of times */
#endif
/* The queue handshake's window is narrower (the push and the claim are longer than a store and
 * a load): fewer rounds, as a check of the protocol rather than a net for every weakening. */
#define SLOT_ROUNDS (ROUNDS / 10)

static struct shm_task task;
static struct shm_notice notice;
static uint32_t round_no, done_no[2]; /* round started; rounds each side finished */
static uint32_t woken;                /* the runner's cpu_wake in this round */
static uint64_t lost;                 /* rounds with the forbidden outcome */

void cpu_wake(unsigned cpu)
{
    (void)cpu;
    __atomic_store_n(&woken, 1, __ATOMIC_RELAXED);
}

void cpu_park(const uint32_t *word, uint32_t seen)
{
    (void)word;
    (void)seen;
}

/* A few spins, 0 to 63 by the round: the two sides meet at every offset in turn, which the
 * reordering needs (each side's store still in flight while the other side loads). */
static void stagger(uint32_t r)
{
    for (volatile uint32_t k = 0; k < ((r * 2654435761u) >> 26); k++)
        ;
}

/* Waits until *word == r: spinning (both sides must run at once for the litmus), giving the CPU
 * away after a while, when the other side is off it (a loaded machine). */
static void wait_for(const uint32_t *word, uint32_t r)
{
    for (unsigned spins = 0; __atomic_load_n(word, __ATOMIC_ACQUIRE) != r; spins++)
        if (spins > 2000)
            sched_yield();
}

static void wait_round(uint32_t r)
{
    wait_for(&round_no, r);
}

static void *runner(void *arg)
{
    (void)arg;
    for (uint32_t r = 1; r <= ROUNDS; r++) {
        wait_round(r);
        if (r & 1) /* the other order: let the BSP's side start first */
            stagger(r);
        shm_task_finish(&task, r, 0); /* a. DONE */
        shm_notice_post(&notice, 0);  /* b. wake the BSP if it announced */
        __atomic_store_n(&done_no[1], r, __ATOMIC_RELEASE);
    }
    return NULL;
}

START_TEST(no_lost_wake_up)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, runner, NULL), 0);
    for (uint32_t r = 1; r <= ROUNDS; r++) {
        shm_task_prepare(&task, NULL, NULL, -1);
        __atomic_store_n(&notice.sleeping, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&woken, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&round_no, r, __ATOMIC_RELEASE);
        if (!(r & 1))
            stagger(r);
        shm_notice_announce(&notice);        /* 1. sleeping = 1 */
        int saw_done = shm_task_done(&task); /* 2. */
        wait_for(&done_no[1], r);
        if (!saw_done && !__atomic_load_n(&woken, __ATOMIC_RELAXED))
            lost++;
    }
    pthread_join(t, NULL);
    ck_assert_msg(lost == 0, "%llu of %u rounds lost the wake-up", (unsigned long long)lost,
                  ROUNDS);
}
END_TEST

static struct shm_slot slot;
static struct shm_queue queue;
static uint32_t saw_empty; /* the worker's look at the queue, this round */

static void *idle_worker(void *arg)
{
    (void)arg;
    for (uint32_t r = 1; r <= SLOT_ROUNDS; r++) {
        wait_round(r);
        if (r & 1)
            stagger(r);
        shm_slot_idle(&slot); /* a. IDLE */
        __atomic_store_n(&saw_empty, (uint32_t)shm_queue_empty(&queue), __ATOMIC_RELAXED); /* b */
        __atomic_store_n(&done_no[1], r, __ATOMIC_RELEASE);
    }
    return NULL;
}

START_TEST(no_task_left_in_the_queue)
{
    static struct shm_queue empty;
    pthread_t t;
    queue = empty;
    round_no = done_no[1] = 0;
    lost = 0;
    ck_assert_int_eq(pthread_create(&t, NULL, idle_worker, NULL), 0);
    for (uint32_t r = 1; r <= SLOT_ROUNDS; r++) {
        shm_slot_reset(&slot); /* BUSY */
        __atomic_store_n(&round_no, r, __ATOMIC_RELEASE);
        if (!(r & 1))
            stagger(r);
        ck_assert_int_eq(shm_queue_push(&queue, r & 0xffff), 0); /* 1. push */
        int claimed = shm_slot_claim(&slot);                     /* 2. claim an idle worker */
        wait_for(&done_no[1], r);
        if (!claimed && __atomic_load_n(&saw_empty, __ATOMIC_RELAXED))
            lost++;
        shm_queue_pop(&queue);
    }
    pthread_join(t, NULL);
    ck_assert_msg(lost == 0, "%llu of %u rounds left a task queued with the worker idle",
                  (unsigned long long)lost, SLOT_ROUNDS);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shm_handshake");
    TCase *tc = tcase_create("notice");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, no_lost_wake_up);
    tcase_add_test(tc, no_task_left_in_the_queue);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
