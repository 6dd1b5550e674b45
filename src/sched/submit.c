/* tf_submit: hand a task to an idle CPU in placement order, or queue it.
 *
 * The hand-shake with a worker going idle (worker.c), so that a task is never left queued while
 * a CPU parks idle:
 *
 *   BSP (queues task t)                       worker (runs out of work)
 *   1. claim an idle CPU: none                a. state = IDLE            (seq_cst, slot.h)
 *   2. push t: tail + 1     (seq_cst)         b. queue empty?            (seq_cst)
 *   3. claim an idle CPU again (seq_cst)      c. if not: take itself back (IDLE -> BUSY) and pop
 *      if one: post "look at the queue"          if that fails, the BSP claimed it: wait for
 *                                                the hand-off
 *
 * In the total order of the seq_cst accesses 2, 3, a, b: if b comes before 2, a comes before 3,
 * so step 3 sees the worker IDLE (or another idle CPU) and sends it to the queue. Otherwise b sees
 * the task. Either way some CPU that is or becomes idle looks at the queue. */
#include "scheduler.h"

/* Claims the first idle worker in placement order; its index, or 0 when all are busy. */
static unsigned claim_idle(void)
{
    for (uint32_t i = 0; i < sched.norder; i++) {
        unsigned cpu = sched.order[i];
        if (shm_slot_claim(&sched.slots[cpu]))
            return cpu;
    }
    return 0;
}

/* Workers go idle on their own after sched_init (in the guest they are woken from their first
 * park; on Linux their threads are just starting). So that the first tasks of a run already go
 * in placement order, the first tf_submit waits until every worker is idle, for at most
 * SETTLE_NS: a worker that is later than that gets tasks from the queue meanwhile. */
#define SETTLE_NS 2000000000ull

static void settle(void)
{
    sched.settled = 1;
    uint64_t start = cpu_now_ns();
    for (uint32_t i = 0; i < sched.norder; i++)
        while (!shm_slot_is_idle(&sched.slots[sched.order[i]]) && cpu_now_ns() - start < SETTLE_NS)
            cpu_relax();
}

static tf_task_t handle_of(uint32_t index)
{
    uint64_t gen = shm_task_gen(&sched.tasks[index]) & SCHED_GEN_MASK;
    return (tf_task_t)((gen << SCHED_INDEX_BITS) | index);
}

tf_task_t tf_submit(tf_task_fn fn, void *arg)
{
    if (!sched_on_bsp())
        return TF_EPERM;
    if (!fn)
        return TF_EINVAL;
    if (sched.nfree == 0)
        return TF_ENOSPC;
    if (!sched.settled)
        settle();
    uint32_t index = sched.free[--sched.nfree];
    struct shm_task *t = &sched.tasks[index];
    unsigned cpu = claim_idle();
    shm_task_prepare(t, fn, arg, cpu ? (int)cpu : -1);
    if (cpu) {
        shm_slot_post(&sched.slots[cpu], cpu, index);
        return handle_of(index);
    }
    /* Every worker busy: queue it (steps 2 and 3 above). The ring holds TF_MAX_TASKS entries
     * and at most TF_MAX_TASKS tasks are outstanding, so it cannot be full. */
    if (shm_queue_push(&sched.queue, index) != 0) {
        sched.free[sched.nfree++] = index;
        shm_task_release(t);
        return TF_ENOSPC;
    }
    cpu = claim_idle();
    if (cpu)
        shm_slot_post(&sched.slots[cpu], cpu, SHM_NO_TASK);
    return handle_of(index);
}

int tf_task_cpu(tf_task_t task)
{
    const struct shm_task *t = sched_task(task);
    return t ? shm_task_cpu(t) : TF_EBADTASK;
}
