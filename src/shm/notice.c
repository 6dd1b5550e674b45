/* Telling the bootstrap CPU that a task finished (protocol in notice.h). */
#include "notice.h"
#include "cpu.h"

void shm_notice_announce(struct shm_notice *n)
{
    /* Step 1: seq_cst, before the BSP's look at the task's state (step 2). */
    __atomic_exchange_n(&n->sleeping, 1, __ATOMIC_SEQ_CST);
}

void shm_notice_cancel(struct shm_notice *n)
{
    /* Nothing to order: a runner that still sees 1 sends a wake-up cpu_park tolerates. */
    __atomic_store_n(&n->sleeping, 0, __ATOMIC_RELAXED);
}

void shm_notice_park(struct shm_notice *n)
{
    cpu_park(&n->sleeping, 1); /* step 3: returns once a runner cleared the word, or earlier */
    __atomic_store_n(&n->sleeping, 0, __ATOMIC_RELAXED); /* step 4 */
}

void shm_notice_post(struct shm_notice *n, unsigned bsp)
{
    /* Step b: a seq_cst load first, so that the line stays shared while the BSP is busy; the
     * exchange picks one waker among the runners that saw 1, and is the store cpu_wake needs. */
    if (__atomic_load_n(&n->sleeping, __ATOMIC_SEQ_CST) &&
        __atomic_exchange_n(&n->sleeping, 0, __ATOMIC_SEQ_CST))
        cpu_wake(bsp);
}
