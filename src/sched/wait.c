/* tf_wait, tf_wait_any, tf_wait_all: the BSP takes results, and runs queued tasks meanwhile.
 *
 * While what it waits for is not done, the BSP takes tasks from the queue and runs them itself;
 * when the queue is empty (only the BSP fills it, so it stays empty while the BSP waits) it parks
 * after announcing so, and the CPU that finishes a task wakes it (shm/notice.h has the argument
 * that no wake-up is lost). */
#include "scheduler.h"

#include <stddef.h>

/* What the BSP waits for: `ready` returns a result >= 0 once it is there, -1 before. */
struct waiter {
    int (*ready)(struct waiter *w);
    const tf_task_t *tasks;
    size_t n;
    size_t next; /* tf_wait_all: tasks before this one are done */
};

static void run_on_bsp(uint32_t index)
{
    /* tf_submit and tf_wait* refuse inside a task. Only the BSP writes it; relaxed atomics
     * because the compiler may load it on other CPUs too in sched_on_bsp's `&&`. */
    __atomic_store_n(&sched.bsp_in_task, 1, __ATOMIC_RELAXED);
    sched_run(index, 0);
    __atomic_store_n(&sched.bsp_in_task, 0, __ATOMIC_RELAXED);
}

static int bsp_wait(struct waiter *w)
{
    for (;;) {
        int r = w->ready(w);
        if (r >= 0)
            return r;
        uint32_t index = shm_queue_pop(&sched.queue);
        if (index != SHM_NO_TASK) {
            run_on_bsp(index);
            continue;
        }
        shm_notice_announce(&sched.bsp);
        r = w->ready(w);
        if (r >= 0) {
            shm_notice_cancel(&sched.bsp);
            return r;
        }
        shm_notice_park(&sched.bsp); /* cpu_park spins a while before it sleeps */
    }
}

/* Takes a DONE task's outcome and frees its record; returns its error. */
static int take(struct shm_task *t, uint64_t *result)
{
    int error = t->error;
    if (result)
        *result = t->result;
    uint32_t index = (uint32_t)(t - sched.tasks);
    shm_task_release(t);
    sched.free[sched.nfree++] = index;
    return error;
}

static int one_ready(struct waiter *w)
{
    return shm_task_done(sched_task(w->tasks[0])) ? 0 : -1;
}

int tf_wait(tf_task_t task, uint64_t *result)
{
    if (!sched_on_bsp())
        return TF_EPERM;
    struct shm_task *t = sched_task(task);
    if (!t)
        return TF_EBADTASK;
    struct waiter w = {one_ready, &task, 1, 0};
    bsp_wait(&w);
    return take(t, result);
}

static int any_ready(struct waiter *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (shm_task_done(sched_task(w->tasks[i])))
            return (int)i;
    return -1;
}

int tf_wait_any(const tf_task_t *tasks, size_t n, uint64_t *result, int *error)
{
    if (!sched_on_bsp())
        return TF_EPERM;
    if (n == 0 || !tasks)
        return TF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!sched_task(tasks[i]))
            return TF_EBADTASK;
    struct waiter w = {any_ready, tasks, n, 0};
    int i = bsp_wait(&w);
    int e = take(sched_task(tasks[i]), result);
    if (error)
        *error = e;
    return i;
}

static int all_ready(struct waiter *w)
{
    while (w->next < w->n && shm_task_done(sched_task(w->tasks[w->next])))
        w->next++;
    return w->next == w->n ? 0 : -1;
}

/* 1 when every handle is outstanding and none appears twice (marks are the BSP's own). */
static int all_valid(const tf_task_t *tasks, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        struct shm_task *t = sched_task(tasks[i]);
        if (!t || t->mark)
            break;
        t->mark = 1;
    }
    for (size_t j = 0; j < i; j++)
        sched_task(tasks[j])->mark = 0;
    return i == n;
}

int tf_wait_all(const tf_task_t *tasks, size_t n, uint64_t *results, int *errors)
{
    if (!sched_on_bsp())
        return TF_EPERM;
    if (n && !tasks)
        return TF_EINVAL;
    if (!all_valid(tasks, n))
        return TF_EBADTASK;
    struct waiter w = {all_ready, tasks, n, 0};
    bsp_wait(&w);
    int first = 0;
    for (size_t i = 0; i < n; i++) {
        int e = take(sched_task(tasks[i]), results ? &results[i] : NULL);
        if (errors)
            errors[i] = e;
        if (e && !first)
            first = e;
    }
    return first;
}
