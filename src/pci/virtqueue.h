/* Split virtqueues (virtio 1.0 section 2.4), the driver's side at CPL3. The descriptor table and
 * the available ring are the core's (src/core/kvq.c, kabi.h KABI_SYS_VQ_*): CPL3 describes its
 * buffers here, pushes them, and one system call posts every buffer pushed since the last
 * (virtq_publish), which the core checks before the card can see them. The used ring is
 * readable here and written by the device only; virtq_pop takes its entries.
 *
 * Descriptor i always describes buffer i, the i-th slot of one array (virtq_buffers), which the
 * core checks once rather than at every post (KABI_SYS_VQ_BIND): the driver keeps its own list
 * of free ones, and must not post one the device still holds (the core only keeps the ring from
 * running over). Bootstrap CPU only (one queue, one CPU). */
#ifndef TF_PCI_VIRTQUEUE_H
#define TF_PCI_VIRTQUEUE_H

#include "kabi.h"
#include "virtio_regs.h"

#include <stddef.h>
#include <stdint.h>

struct virtq {
    uint16_t size;              /* entries, a power of two */
    uint16_t index;             /* the device's queue number */
    int handle;                 /* the core's queue number */
    struct kabi_vq_rings rings; /* the three parts, for the device */
    const volatile struct virtq_used *used;
    struct kabi_vq_buffer *described; /* descriptor i's buffer */
    struct kabi_vq_buffer *pushed;    /* pushed, not yet posted: at most size */
    uint16_t npushed;
    int bound;          /* virtq_buffers: posts name slots, a few at a time in registers */
    uint16_t published; /* buffers posted so far (free-running, like used->idx) */
    uint16_t used_idx;  /* the next used entry to take */
    uint64_t posts;     /* buffers posted, and in how many system calls */
    uint64_t post_calls;
};

/* Asks the core for a queue of `size` entries (a power of two, at most KABI_VQ_SIZE_MAX) in the
 * legacy layout, whose addresses q->rings gives for the device; descriptor interrupts are off.
 * 0, or -EINVAL / -ENOMEM. */
int virtq_init(struct virtq *q, uint16_t index, uint16_t size);

/* Descriptor i < count describes [base + i * stride, + stride), for good (the core's VQ_BIND):
 * `device_writes`, receive buffers. Before the first push; 0, or -EINVAL (count above the
 * queue's size, a stride of 0). */
int virtq_buffers(struct virtq *q, void *base, uint32_t stride, uint16_t count, int device_writes);

/* Sets descriptor `id`'s length, at most its stride (a transmit buffer about to be pushed). */
void virtq_set_len(struct virtq *q, uint16_t id, uint32_t len);

/* Pushes descriptor `id` for the device (not yet posted: see virtq_publish). */
void virtq_push(struct virtq *q, uint16_t id);

/* Buffers pushed and not yet posted. */
static inline unsigned virtq_unposted(const struct virtq *q)
{
    return q->npushed;
}

/* Posts every pushed buffer with one system call (VQ_PUT for a few of a bound queue). Returns 1
 * when the device wants the doorbell rung (some were new and it did not set
 * VIRTQ_USED_F_NO_NOTIFY), else 0. A buffer the core refuses (never one of a driver's own) is
 * dropped with those after it, and said once. */
int virtq_publish(struct virtq *q);

/* Takes the next used descriptor: 1 with *id and *len (bytes the device wrote), or 0 when none
 * is waiting. */
int virtq_pop(struct virtq *q, uint16_t *id, uint32_t *len);

/* Nonzero when a used descriptor is waiting. */
int virtq_pending(const struct virtq *q);

/* Halts until the device returns a descriptor (its interrupt, asked for only for this wait) or
 * the timer `timer` in KABI_TIMER_* `mode` ends the wait; at once when one is waiting. */
void virtq_wait(struct virtq *q, uint64_t timer, unsigned mode);

#endif
