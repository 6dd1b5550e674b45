/* Task records: where a task's function, argument and result live (src/shm/task.c).
 *
 * The scheduler keeps TF_MAX_TASKS records, each on its own cache line (CPUs that finish
 * neighbouring tasks do not write the same line). A record goes FREE -> PENDING -> DONE -> FREE:
 *
 *   BSP, tf_submit     writes fn, arg, cpu (-1, or the CPU it hands the task to), state = PENDING,
 *                      then publishes the record's index with a release store (the queue's tail
 *                      or a slot's word: queue.h, slot.h). The runner acquires that store before
 *                      it reads fn and arg.
 *   runner (any CPU)   stores cpu (itself, when it took the task from the queue), runs the task,
 *                      writes result and error, then stores state = DONE (release and seq_cst,
 *                      see notice.h). It touches the record no more after that store.
 *   BSP, tf_wait*      sees DONE (acquire), reads result and error, then makes the record FREE and
 *                      advances its generation, which invalidates the handle.
 *
 * gen and cpu are read by tf_task_cpu, which may run on any CPU, so they are accessed atomically.
 * mark is the BSP's own (tf_wait_all's check for repeated handles). */
#ifndef TF_SHM_TASK_H
#define TF_SHM_TASK_H

#include "slot.h"
#include "taskfarm.h"

#include <stdint.h>

enum shm_task_state { SHM_TASK_FREE = 0, SHM_TASK_PENDING, SHM_TASK_DONE };

struct shm_task {
    tf_task_fn fn;   /* BSP, before publishing */
    void *arg;       /* BSP, before publishing */
    uint64_t result; /* runner, before DONE */
    uint64_t gen;    /* BSP: the handle's generation (atomic) */
    int32_t error;   /* runner, before DONE: 0 or TF_EFAULT_BASE - vector */
    int32_t cpu;     /* BSP at hand-off, runner when it starts; -1 while queued (atomic) */
    uint32_t state;  /* enum shm_task_state (atomic) */
    uint32_t mark;   /* BSP only */
} __attribute__((aligned(CPU_CACHE_LINE)));

_Static_assert(sizeof(struct shm_task) == CPU_CACHE_LINE, "one record per cache line");

/* BSP: fills a FREE record for fn(arg), to run on `cpu` (-1: queued). Publish it afterwards. */
void shm_task_prepare(struct shm_task *t, tf_task_fn fn, void *arg, int cpu);

/* Runner: says which CPU took a queued task. */
void shm_task_start(struct shm_task *t, unsigned cpu);

/* Runner: stores the outcome and marks the record DONE (seq_cst). */
void shm_task_finish(struct shm_task *t, uint64_t result, int error);

/* BSP: 1 when the task is DONE (seq_cst load, acquiring the result). */
int shm_task_done(const struct shm_task *t);

/* BSP: makes a DONE (or abandoned) record FREE and advances its generation. */
void shm_task_release(struct shm_task *t);

/* Any CPU: the record's generation, state and CPU, read atomically. */
uint64_t shm_task_gen(const struct shm_task *t);
uint32_t shm_task_state(const struct shm_task *t);
int shm_task_cpu(const struct shm_task *t);

#endif
