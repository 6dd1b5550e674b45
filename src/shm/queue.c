/* The surplus queue (protocol in queue.h). */
#include "queue.h"

void shm_queue_reset(struct shm_queue *q)
{
    __atomic_store_n(&q->head, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&q->tail, 0, __ATOMIC_RELAXED);
}

int shm_queue_push(struct shm_queue *q, uint32_t task)
{
    uint64_t tail = __atomic_load_n(&q->tail, __ATOMIC_RELAXED); /* ours alone */
    /* Acquire: the consumers that freed the positions up to head had read their entries. */
    if (tail - __atomic_load_n(&q->head, __ATOMIC_ACQUIRE) >= SHM_QUEUE_SIZE)
        return -1;
    __atomic_store_n(&q->entry[tail % SHM_QUEUE_SIZE], task, __ATOMIC_RELAXED);
    /* Release (and seq_cst, see queue.h): the entry and the task's record before the new tail. */
    __atomic_store_n(&q->tail, tail + 1, __ATOMIC_SEQ_CST);
    return 0;
}

uint32_t shm_queue_pop(struct shm_queue *q)
{
    uint64_t head = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
    for (;;) {
        /* Acquire: pairs with the producer's store of tail; entries below it are written. */
        if (head == __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE))
            return SHM_NO_TASK;
        uint32_t task = __atomic_load_n(&q->entry[head % SHM_QUEUE_SIZE], __ATOMIC_RELAXED);
        /* Acquire-release on success: the entry is ours, and the producer's acquire of head
         * will see our read of it done. On failure head is reloaded and we try again. */
        if (__atomic_compare_exchange_n(&q->head, &head, head + 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            return task;
    }
}

int shm_queue_empty(const struct shm_queue *q)
{
    uint64_t head = __atomic_load_n(&q->head, __ATOMIC_SEQ_CST);
    return head == __atomic_load_n(&q->tail, __ATOMIC_SEQ_CST);
}
