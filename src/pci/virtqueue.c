/* Split virtqueues, driver side (see virtqueue.h for the protocol). */
#include "virtqueue.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

size_t virtq_used_offset(uint16_t size)
{
    size_t avail = sizeof(struct virtq_avail) + sizeof(uint16_t) * (size + 1u); /* + used_event */
    return align_up(sizeof(struct virtq_desc) * size + avail, VIRTIO_LEGACY_ALIGN);
}

size_t virtq_bytes(uint16_t size)
{
    size_t used = sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * size +
                  sizeof(uint16_t); /* avail_event */
    return align_up(virtq_used_offset(size) + used, VIRTIO_LEGACY_ALIGN);
}

int virtq_init(struct virtq *q, uint16_t index, uint16_t size)
{
    if (size == 0 || size > VIRTQ_SIZE_MAX || (size & (size - 1)))
        return -EINVAL;
    uint8_t *m = memalign(VIRTIO_LEGACY_ALIGN, virtq_bytes(size));
    if (!m)
        return -ENOMEM;
    memset(m, 0, virtq_bytes(size));
    *q = (struct virtq){
        .size = size,
        .index = index,
        .desc = (struct virtq_desc *)m,
        .avail = (struct virtq_avail *)(m + sizeof(struct virtq_desc) * size),
        .used = (struct virtq_used *)(m + virtq_used_offset(size)),
        .memory = m,
    };
    q->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    return 0;
}

void virtq_free(struct virtq *q)
{
    free(q->memory);
    *q = (struct virtq){0};
}

void virtq_describe(struct virtq *q, uint16_t id, uint64_t addr, uint32_t len, int device_writes)
{
    q->desc[id] = (struct virtq_desc){
        .addr = addr, .len = len, .flags = device_writes ? VIRTQ_DESC_F_WRITE : 0};
}

void virtq_set_len(struct virtq *q, uint16_t id, uint32_t len)
{
    q->desc[id].len = len;
}

void virtq_push(struct virtq *q, uint16_t id)
{
    q->avail->ring[q->avail_idx & (q->size - 1)] = id;
    q->avail_idx++;
}

int virtq_publish(struct virtq *q)
{
    if (q->avail_idx == q->published)
        return 0;
    /* release: the descriptors and ring entries before the index that exposes them */
    __atomic_store_n(&q->avail->idx, q->avail_idx, __ATOMIC_RELEASE);
    q->published = q->avail_idx;
    /* full fence: the index store before the load of the device's NO_NOTIFY flag */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(&q->used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY);
}

int virtq_pending(const struct virtq *q)
{
    return __atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE) != q->used_idx;
}

int virtq_pop(struct virtq *q, uint16_t *id, uint32_t *len)
{
    /* acquire: the element is read after the index that announced it */
    if (!virtq_pending(q))
        return 0;
    const struct virtq_used_elem *e = &q->used->ring[q->used_idx & (q->size - 1)];
    *id = (uint16_t)e->id;
    *len = e->len;
    q->used_idx++;
    return 1;
}

void virtq_interrupts(struct virtq *q, int on)
{
    __atomic_store_n(&q->avail->flags, on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
    if (on) /* the flag store before the caller's load of used->idx */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
