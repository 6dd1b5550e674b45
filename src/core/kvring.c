/* The core's half of a split virtqueue (see kvring.h). */
#include "kvring.h"

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}

size_t kvring_used_offset(uint16_t size)
{
    size_t avail = sizeof(struct virtq_avail) + sizeof(uint16_t) * (size + 1u); /* + used_event */
    return align_up(sizeof(struct virtq_desc) * size + avail, VIRTIO_LEGACY_ALIGN);
}

size_t kvring_bytes(uint16_t size)
{
    size_t used = sizeof(struct virtq_used) + sizeof(struct virtq_used_elem) * size +
                  sizeof(uint16_t); /* avail_event */
    return align_up(kvring_used_offset(size) + used, VIRTIO_LEGACY_ALIGN);
}

int kvring_init(struct kvring *r, void *memory, uint16_t size)
{
    if (size == 0 || size > KVRING_SIZE_MAX || (size & (size - 1)))
        return -1;
    uint8_t *m = memory;
    r->size = size;
    r->desc = (struct virtq_desc *)m;
    r->avail = (struct virtq_avail *)(m + sizeof(struct virtq_desc) * size);
    r->used = (const volatile struct virtq_used *)(m + kvring_used_offset(size));
    r->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    return 0;
}

int kvring_busy(const struct kvring *r, uint16_t id)
{
    return (r->busy[id / 8] >> (id % 8)) & 1;
}

/* Each used entry is looked at once; an id that is not the device's (out of range, or returned
 * twice) changes nothing. At most 65535 entries even when used->idx jumps. */
void kvring_reap(struct kvring *r)
{
    /* acquire: the elements are read after the index that announced them */
    uint16_t idx = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
    for (; r->reaped != idx; r->reaped++) {
        uint32_t id = r->used->ring[r->reaped & (r->size - 1)].id;
        if (id < r->size && kvring_busy(r, (uint16_t)id)) {
            r->busy[id / 8] &= (uint8_t) ~(1u << (id % 8));
            r->held--;
        }
    }
}

void kvring_post(struct kvring *r, uint16_t id, uint64_t addr, uint32_t len, int device_writes)
{
    r->desc[id] = (struct virtq_desc){
        .addr = addr, .len = len, .flags = device_writes ? VIRTQ_DESC_F_WRITE : 0};
    r->avail->ring[r->avail_idx & (r->size - 1)] = id;
    r->avail_idx++;
    r->busy[id / 8] |= (uint8_t)(1u << (id % 8));
    r->held++;
}

void kvring_fix(struct kvring *r, uint16_t count, uint64_t base, uint32_t stride, int device_writes)
{
    for (uint16_t i = 0; i < count; i++)
        r->desc[i] = (struct virtq_desc){.addr = base + (uint64_t)i * stride,
                                         .len = stride,
                                         .flags = device_writes ? VIRTQ_DESC_F_WRITE : 0};
}

void kvring_interrupts(struct kvring *r, int on)
{
    __atomic_store_n(&r->avail->flags, on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT, __ATOMIC_RELAXED);
    if (on) /* the flag store before the sleeper's load of used->idx */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
