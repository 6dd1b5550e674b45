/* The scheduler's state and its start-up on the bootstrap CPU. */
#include "scheduler.h"

#include <string.h>

struct sched_state sched;

static enum sched_place place_policy(void)
{
    const char *o = tf_option("place");
    return o && strcmp(o, "spread") == 0 ? SCHED_PLACE_SPREAD : SCHED_PLACE_SIBLINGS;
}

/* Called on CPU 0 before main(), and on Linux at each start of the farm. Workers that are already
 * up (the guest starts them first) wait in sched_worker_main until `ready` is set, so nothing here
 * races with them; on Linux they start afterwards. */
void sched_init(void)
{
    unsigned n = cpu_count();
    for (unsigned i = 0; i < TF_MAX_CPUS; i++) {
        shm_slot_reset(&sched.slots[i]);
        struct sched_stats *s = &sched.stats[i];
        __atomic_store_n(&s->tasks, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->faults, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s->busy_ns, 0, __ATOMIC_RELAXED);
    }
    shm_queue_reset(&sched.queue);
    shm_notice_cancel(&sched.bsp);
    /* Every record free; records still outstanding from an earlier start lose their handles. */
    sched.nfree = 0;
    for (uint32_t i = TF_MAX_TASKS; i-- > 0;) {
        struct shm_task *t = &sched.tasks[i];
        shm_task_release(t);
        sched.free[sched.nfree++] = i;
    }
    sched.norder = sched_place_order(place_policy(), n, sched.order);
    sched.bsp_in_task = 0;
    sched.settled = 0;
    /* Release: everything above before the workers start (they acquire `ready`). */
    __atomic_store_n(&sched.ready, 1, __ATOMIC_RELEASE);
    for (unsigned i = 1; i < n; i++)
        cpu_wake(i);
}

int sched_on_bsp(void)
{
    return cpu_self() == 0 && !__atomic_load_n(&sched.bsp_in_task, __ATOMIC_RELAXED);
}

struct shm_task *sched_task(tf_task_t handle)
{
    if (handle < 0)
        return NULL;
    uint64_t h = (uint64_t)handle;
    uint32_t index = (uint32_t)(h & ((1u << SCHED_INDEX_BITS) - 1));
    if (index >= TF_MAX_TASKS)
        return NULL;
    struct shm_task *t = &sched.tasks[index];
    if ((shm_task_gen(t) & SCHED_GEN_MASK) != h >> SCHED_INDEX_BITS ||
        shm_task_state(t) == SHM_TASK_FREE)
        return NULL;
    return t;
}
