/* The driver's half of one split virtqueue (virtio 1.0 section 2.4) as the core keeps it: the
 * descriptor table and the available ring, which only the core writes, and the used ring, which
 * only the device writes (CPL3 may read it). Portable C11 without the C library: the core links
 * it, and test/unit/test_kvring.c plays the device on the host. Addresses are not checked here:
 * kvq.c checks every buffer before kvring_post.
 *
 * Ownership: a descriptor is the device's from kvring_post until an entry of the used ring
 * names it. kvring_post never rewrites a descriptor the device holds, so the device never reads
 * a descriptor half-written (one buffer's address with another's length); and the device holds
 * at most `size` descriptors, so the available ring never runs over entries it has not read.
 *
 * A queue of fixed buffers (kvring_fix) works otherwise: its descriptors' addresses and flags
 * are written once and never again, a post only sets a length and offers the descriptor, so
 * the device reads a whole descriptor whichever length it sees; the core does not track which
 * it holds, and keeps the available ring from running over by the count of entries offered and
 * not yet returned (kvring_room).
 *
 * Protocol: the core writes descriptor d, then ring[avail_idx % size] = d, then (release)
 * avail->idx; a full fence orders that store before the load of used->flags (NO_NOTIFY). The
 * device writes used->ring[k] = {d, len}, then (release) used->idx. Interrupts: off
 * (VIRTQ_AVAIL_F_NO_INTERRUPT) except while a CPU sleeps on the queue; turning them on is
 * followed by a full fence, so the sleeper's check of used->idx comes after the flag store. */
#ifndef TF_CORE_KVRING_H
#define TF_CORE_KVRING_H

#include "virtio_regs.h"

#include <stddef.h>
#include <stdint.h>

#define KVRING_SIZE_MAX 1024

struct kvring {
    uint16_t size;      /* entries, a power of two */
    uint16_t avail_idx; /* the next avail->idx */
    uint16_t published; /* avail->idx as last made visible */
    uint16_t reaped;    /* used entries looked at */
    uint16_t held;      /* descriptors the device holds */
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    const volatile struct virtq_used *used;
    uint8_t busy[KVRING_SIZE_MAX / 8]; /* bit d: the device holds descriptor d */
};

/* Bytes a queue of `size` entries takes in the legacy layout, and the offset of its used ring
 * (a multiple of VIRTIO_LEGACY_ALIGN). */
size_t kvring_bytes(uint16_t size);
size_t kvring_used_offset(uint16_t size);

/* A queue of `size` entries (a power of two, at most KVRING_SIZE_MAX) on `memory`
 * (kvring_bytes(size) zeroed bytes), its descriptor interrupts off; *r is zeroed (the core has
 * no memset). 0, or -1 for a bad size. */
int kvring_init(struct kvring *r, void *memory, uint16_t size);

/* Takes back the descriptors the used ring has returned since the last call. */
void kvring_reap(struct kvring *r);

/* Nonzero when the device holds descriptor `id` (below size). */
int kvring_busy(const struct kvring *r, uint16_t id);

/* Descriptor `id` (below size, not busy) describes [addr, addr + len), written by the device
 * when `device_writes`, and is offered to the device (not yet visible: kvring_publish). */
void kvring_post(struct kvring *r, uint16_t id, uint64_t addr, uint32_t len, int device_writes);

/* Descriptors [0, count) describe [base + i * stride, + stride) for good, written by the device
 * when `device_writes`; none offered yet. */
void kvring_fix(struct kvring *r, uint16_t count, uint64_t base, uint32_t stride,
                int device_writes);

/* Entries the available ring can take now: size less those offered and not yet returned (0
 * for a device that returned more than it was offered). Inline, as kvring_offer: both are on
 * the path of every reply. */
static inline unsigned kvring_room(const struct kvring *r)
{
    uint16_t out = (uint16_t)(r->avail_idx - __atomic_load_n(&r->used->idx, __ATOMIC_RELAXED));
    return out > r->size ? 0 : r->size - out;
}

/* Offers fixed descriptor `id` again with length `len` (room permitting: kvring_room). */
static inline void kvring_offer(struct kvring *r, uint16_t id, uint32_t len)
{
    __atomic_store_n(&r->desc[id].len, len, __ATOMIC_RELAXED); /* the old length or this */
    r->avail->ring[r->avail_idx & (r->size - 1)] = id;
    r->avail_idx++;
}

/* Makes every posted descriptor visible. 1 when the device wants the doorbell rung (some were
 * new and it did not set VIRTQ_USED_F_NO_NOTIFY), else 0. */
static inline int kvring_publish(struct kvring *r)
{
    if (r->avail_idx == r->published)
        return 0;
    /* release: the descriptors and ring entries before the index that exposes them */
    __atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
    r->published = r->avail_idx;
    /* full fence: the index store before the load of the device's NO_NOTIFY flag */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(&r->used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY);
}

/* Asks the device for interrupts (on), or tells it none are needed (off). */
void kvring_interrupts(struct kvring *r, int on);

#endif
