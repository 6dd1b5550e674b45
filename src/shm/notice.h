/* Telling the bootstrap CPU that a task finished, without a lost wake-up (src/shm/notice.c).
 *
 * The BSP waits in tf_wait* for tasks other CPUs run. It parks only after announcing it, and a
 * CPU that finishes a task wakes it only when it announced it (no system call or IPI per task):
 *
 *   BSP (waiting for task t)                    runner (finishing task t)
 *   1. sleeping = 1          (seq_cst exchange)  a. t.state = DONE     (seq_cst store)
 *   2. if t.state == DONE: sleeping = 0, stop   b. if sleeping == 1   (seq_cst load)
 *      (seq_cst load)                               and exchange(sleeping, 0) == 1:
 *   3. cpu_park(&sleeping, 1)                           cpu_wake(BSP)
 *   4. sleeping = 0, look again from 1
 *
 * Why nothing is lost: the four seq_cst accesses 1, 2, a, b fall in one total order. If 2 comes
 * before a, then 1 (before 2) comes before b, so b reads 1: the runner clears `sleeping` (the word
 * the BSP parks on, so cpu_park returns or does not sleep at all) and calls cpu_wake. Otherwise a
 * comes before 2 and the BSP sees DONE in step 2. Several runners may race in b; the exchange lets
 * one of them send the wake-up. A wake-up that arrives when the BSP no longer parks is harmless
 * (cpu_park may return early; the BSP re-checks).
 *
 * test/unit/test_shm_handshake.c guards the orders: it runs 1, 2, a, b millions of times on two
 * threads and fails when the runner saw no sleeper while the BSP saw no DONE. It fails when a is
 * a release store only (x86 lets b pass it). */
#ifndef TF_SHM_NOTICE_H
#define TF_SHM_NOTICE_H

#include "slot.h"

#include <stdint.h>

struct shm_notice {
    uint32_t sleeping; /* 1 while the BSP announces that it parks */
} __attribute__((aligned(CPU_CACHE_LINE)));

/* BSP: step 1; then check what it waits for (step 2), and park (3, 4) or cancel. */
void shm_notice_announce(struct shm_notice *n);
void shm_notice_cancel(struct shm_notice *n);
void shm_notice_park(struct shm_notice *n);

/* Runner: step b, after shm_task_finish; `bsp` is the CPU to wake. */
void shm_notice_post(struct shm_notice *n, unsigned bsp);

#endif
