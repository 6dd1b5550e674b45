/* Task records (protocol in task.h). */
#include "task.h"

void shm_task_prepare(struct shm_task *t, tf_task_fn fn, void *arg, int cpu)
{
    t->fn = fn;
    t->arg = arg;
    __atomic_store_n(&t->cpu, cpu, __ATOMIC_RELAXED);
    /* Relaxed: the release store that publishes the record's index orders all of these. */
    __atomic_store_n(&t->state, SHM_TASK_PENDING, __ATOMIC_RELAXED);
}

void shm_task_start(struct shm_task *t, unsigned cpu)
{
    /* Relaxed: only informative (tf_task_cpu); nothing else is read through it. */
    __atomic_store_n(&t->cpu, (int32_t)cpu, __ATOMIC_RELAXED);
}

void shm_task_finish(struct shm_task *t, uint64_t result, int error)
{
    t->result = result;
    t->error = error;
    /* Release: result and error before DONE. seq_cst: ordered before the runner's look at
     * whether the BSP sleeps (notice.h). */
    __atomic_store_n(&t->state, SHM_TASK_DONE, __ATOMIC_SEQ_CST);
}

int shm_task_done(const struct shm_task *t)
{
    /* Acquire: pairs with shm_task_finish, result and error are visible. seq_cst: ordered after
     * the BSP's announcement that it sleeps (notice.h). */
    return __atomic_load_n(&t->state, __ATOMIC_SEQ_CST) == SHM_TASK_DONE;
}

void shm_task_release(struct shm_task *t)
{
    /* The runner is done with the record (it stored DONE last): the BSP alone touches it now. */
    __atomic_store_n(&t->state, SHM_TASK_FREE, __ATOMIC_RELAXED);
    __atomic_store_n(&t->gen, __atomic_load_n(&t->gen, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

uint64_t shm_task_gen(const struct shm_task *t)
{
    return __atomic_load_n(&t->gen, __ATOMIC_RELAXED);
}

uint32_t shm_task_state(const struct shm_task *t)
{
    return __atomic_load_n(&t->state, __ATOMIC_RELAXED);
}

int shm_task_cpu(const struct shm_task *t)
{
    return __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
}
