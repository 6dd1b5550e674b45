/* The surplus queue: tasks submitted while every CPU was busy (src/shm/queue.c).
 *
 * A bounded ring of task indexes with one producer, the bootstrap CPU (BSP), and any number of
 * consumers (the workers that finish a task, and the BSP while it waits). Lock-free:
 *
 *   tail   written by the producer only: it stores the index in entry[tail % SIZE], then
 *          advances tail (release: the entry and the task's record are visible to whoever sees
 *          the new tail).
 *   head   advanced by consumers with a compare-and-swap. A consumer reads tail (acquire), reads
 *          entry[head % SIZE] and then tries head -> head + 1; the entry is its own only when the
 *          swap succeeds, otherwise another consumer took it and it tries again.
 *   entry  written by the producer only, at positions it has checked are free (tail - head <
 *          SIZE, head read with acquire: the consumer that took the old entry had read it before
 *          its swap). A consumer may read an entry that is being overwritten; its swap then fails
 *          and the value is dropped, so entries are accessed atomically (relaxed).
 *
 * head and tail count from 0 and never wrap in practice (64 bits). */
#ifndef TF_SHM_QUEUE_H
#define TF_SHM_QUEUE_H

#include "slot.h"
#include "taskfarm.h"

#include <stdint.h>

#define SHM_QUEUE_SIZE TF_MAX_TASKS
_Static_assert((SHM_QUEUE_SIZE & (SHM_QUEUE_SIZE - 1)) == 0, "the ring's size is a power of 2");

struct shm_queue {
    uint64_t head __attribute__((aligned(CPU_CACHE_LINE))); /* consumers */
    uint64_t tail __attribute__((aligned(CPU_CACHE_LINE))); /* the producer */
    uint32_t entry[SHM_QUEUE_SIZE] __attribute__((aligned(CPU_CACHE_LINE)));
};

/* Empties the queue; no consumer may be running. */
void shm_queue_reset(struct shm_queue *q);

/* Producer only. Appends `task`; 0, or -1 when the ring is full. The store to tail is seq_cst:
 * ordered before the producer's next look at the slots (the hand-shake in sched/worker.c). */
int shm_queue_push(struct shm_queue *q, uint32_t task);

/* Any CPU. Takes the oldest task, or returns SHM_NO_TASK when the queue is empty. */
uint32_t shm_queue_pop(struct shm_queue *q);

/* Any CPU. 1 when nothing is queued; seq_cst loads (the other half of that hand-shake). */
int shm_queue_empty(const struct shm_queue *q);

#endif
