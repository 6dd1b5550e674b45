/* Internal state of the scheduler (src/sched). Policy lives here; the shared-memory protocols it
 * uses are in src/shm, the CPUs it stands on behind cpu.h.
 *
 * Roles: CPU 0, the bootstrap CPU (BSP), runs main(); it alone submits tasks and takes results,
 * and while it waits it runs queued tasks itself. Every other CPU is a worker: it runs the task
 * handed to its slot, then takes queued tasks until none is left, then goes idle and parks. */
#ifndef TF_SCHED_SCHEDULER_H
#define TF_SCHED_SCHEDULER_H

#include "cpu.h"
#include "notice.h"
#include "queue.h"
#include "slot.h"
#include "task.h"
#include "taskfarm.h"

#include <stdint.h>

/* A task handle is (generation << SCHED_INDEX_BITS) | record index. Generations start at 1 and
 * only grow (also across sched_init), so a handle is never valid twice. */
#define SCHED_INDEX_BITS 16
#define SCHED_GEN_MASK   ((UINT64_C(1) << (63 - SCHED_INDEX_BITS)) - 1)
_Static_assert(TF_MAX_TASKS <= (1 << SCHED_INDEX_BITS), "record index fits in the handle");

enum sched_place { SCHED_PLACE_SIBLINGS, SCHED_PLACE_SPREAD };

/* What a CPU did; written by that CPU only, read by any (relaxed atomics). */
struct sched_stats {
    uint64_t tasks, faults, busy_ns;
} __attribute__((aligned(CPU_CACHE_LINE)));

struct sched_state {
    struct shm_slot slots[TF_MAX_CPUS];
    struct sched_stats stats[TF_MAX_CPUS];
    uint32_t running[TF_MAX_CPUS]; /* the task each CPU runs (its own; for sched_task_lost) */
    struct shm_task tasks[TF_MAX_TASKS];
    struct shm_queue queue;
    struct shm_notice bsp; /* the BSP's "I sleep" word (notice.h) */
    /* The BSP's own: */
    uint32_t free[TF_MAX_TASKS]; /* indexes of FREE records, a stack */
    uint32_t nfree;
    uint32_t order[TF_MAX_CPUS]; /* placement order: the workers, first choice first */
    uint32_t norder;
    int bsp_in_task; /* the BSP is running a task (tf_submit, tf_wait* refuse) */
    int settled;     /* the first tf_submit since sched_init has waited for the workers */
    /* 0 until sched_init has run; workers park on it (the guest starts them before). */
    uint32_t ready;
};

extern struct sched_state sched;

/* Fills order[] with CPUs 1 .. n-1 in the placement order of `policy` (place.c); returns n-1. */
unsigned sched_place_order(enum sched_place policy, unsigned n, uint32_t *order);

/* Runs task `index` on the calling CPU `cpu` and publishes its outcome (worker.c). */
void sched_run(uint32_t index, unsigned cpu);

/* The task the calling CPU `cpu` runs will not come back to sched_run (on Linux its thread is
 * ending inside it): publishes `error` as its outcome, as sched_run would (worker.c). */
void sched_task_lost(unsigned cpu, int error);

/* 1 on the BSP outside a task, where tf_submit and tf_wait* may run. */
int sched_on_bsp(void);

/* The record a handle names while it is outstanding, or NULL. */
struct shm_task *sched_task(tf_task_t handle);

#endif
