/* The per-CPU mailbox slot (protocol in slot.h). */
#include "slot.h"
#include "cpu.h"

void shm_slot_reset(struct shm_slot *s)
{
    /* Before the owner runs: nothing to order yet. */
    __atomic_store_n(&s->state, SHM_SLOT_BUSY, __ATOMIC_RELAXED);
    s->task = SHM_NO_TASK;
}

uint32_t shm_slot_seen(const struct shm_slot *s)
{
    /* Step 1: the owner reads its own word while BUSY; nobody else writes it now. */
    return __atomic_load_n(&s->word, __ATOMIC_RELAXED);
}

void shm_slot_idle(struct shm_slot *s)
{
    /* Step 2. seq_cst: ordered before the owner's next look at the queue (worker.c), and a
     * release for step 1 and for everything the owner did with the last task. */
    __atomic_store_n(&s->state, SHM_SLOT_IDLE, __ATOMIC_SEQ_CST);
}

int shm_slot_unidle(struct shm_slot *s)
{
    uint32_t idle = SHM_SLOT_IDLE;
    /* The same compare-and-swap as the BSP's claim: exactly one of the two wins. */
    return __atomic_compare_exchange_n(&s->state, &idle, SHM_SLOT_BUSY, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}

uint32_t shm_slot_wait(struct shm_slot *s, uint32_t seen)
{
    /* Step 7. Acquire: pairs with the BSP's release in step 5, so `task` (step 4) is visible. */
    while (__atomic_load_n(&s->word, __ATOMIC_ACQUIRE) == seen)
        cpu_park(&s->word, seen);
    return s->task;
}

int shm_slot_is_idle(const struct shm_slot *s)
{
    return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SHM_SLOT_IDLE;
}

int shm_slot_claim(struct shm_slot *s)
{
    /* Step 3. A plain look first keeps the line shared while the CPU is busy. Both seq_cst:
     * ordered after the BSP's store to the queue's tail (sched/submit.c). */
    if (__atomic_load_n(&s->state, __ATOMIC_SEQ_CST) != SHM_SLOT_IDLE)
        return 0;
    uint32_t idle = SHM_SLOT_IDLE;
    return __atomic_compare_exchange_n(&s->state, &idle, SHM_SLOT_BUSY, 0, __ATOMIC_SEQ_CST,
                                       __ATOMIC_SEQ_CST);
}

void shm_slot_post(struct shm_slot *s, unsigned cpu, uint32_t task)
{
    s->task = task; /* step 4: ours alone since the claim */
    /* Step 5. Release: the task index and the task's record (written before) are visible to the
     * owner once it sees the new count. The claim made the BSP the only writer of `word`. */
    __atomic_store_n(&s->word, __atomic_load_n(&s->word, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
    cpu_wake(cpu); /* step 6: after the store, as cpu_wake requires */
}
