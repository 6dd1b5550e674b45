/* The worker loop every CPU but 0 runs, and running one task on any CPU.
 *
 * A worker's life (its slot's state in brackets):
 *
 *   wait for sched_init --> [BUSY] run queued tasks until the queue is empty
 *        ^                        |
 *        |                        v
 *        |                 [IDLE] announce idle (slot.h, step 2), look at the queue once more
 *        |                        |  (the hand-shake in submit.c)
 *        |                        |-- queue not empty and the CPU took itself back -> [BUSY]
 *        |                        v
 *        +------------------ park until the BSP hands over a task (it claimed the CPU: [BUSY]);
 *                            run it, unless it is "look at the queue"
 */
#include "scheduler.h"

static void count(uint64_t *field, uint64_t add)
{
    /* One writer per CPU: a relaxed load and store, not a locked add. */
    __atomic_store_n(field, __atomic_load_n(field, __ATOMIC_RELAXED) + add, __ATOMIC_RELAXED);
}

void sched_run(uint32_t index, unsigned cpu)
{
    struct shm_task *t = &sched.tasks[index];
    struct sched_stats *s = &sched.stats[cpu];
    sched.running[cpu] = index;
    shm_task_start(t, cpu);
    uint64_t result = 0, start = cpu_now_ns();
    int vector1 = cpu_call_contained(t->fn, t->arg, &result);
    count(&s->busy_ns, cpu_now_ns() - start);
    count(&s->tasks, 1);
    if (vector1 > 0)
        count(&s->faults, 1);
    shm_task_finish(t, vector1 > 0 ? 0 : result, vector1 > 0 ? TF_EFAULT_BASE - (vector1 - 1) : 0);
    if (cpu != 0)
        shm_notice_post(&sched.bsp, 0); /* the record is the BSP's again: not touched any more */
}

void sched_task_lost(unsigned cpu, int error)
{
    count(&sched.stats[cpu].tasks, 1);
    shm_task_finish(&sched.tasks[sched.running[cpu]], 0, error);
    if (cpu != 0)
        shm_notice_post(&sched.bsp, 0);
}

static void wait_ready(void)
{
    /* Acquire: pairs with sched_init's release; the state it set up is visible. */
    while (!__atomic_load_n(&sched.ready, __ATOMIC_ACQUIRE))
        cpu_park(&sched.ready, 0);
}

_Noreturn void sched_worker_main(unsigned cpu)
{
    wait_ready();
    struct shm_slot *slot = &sched.slots[cpu];
    for (;;) {
        uint32_t index = shm_queue_pop(&sched.queue);
        if (index != SHM_NO_TASK) {
            sched_run(index, cpu);
            continue;
        }
        uint32_t seen = shm_slot_seen(slot);
        shm_slot_idle(slot);
        if (!shm_queue_empty(&sched.queue) && shm_slot_unidle(slot))
            continue;
        index = shm_slot_wait(slot, seen);
        if (index != SHM_NO_TASK)
            sched_run(index, cpu);
    }
}
