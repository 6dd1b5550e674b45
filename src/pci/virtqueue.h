/* Split virtqueues (virtio 1.0 section 2.4), driver side. Portable C11: the guest driver uses it
 * on identity-mapped memory (addresses are physical), and the host unit test plays the device.
 *
 * Protocol, one queue, one driver CPU:
 *   driver: writes descriptor d, then ring[avail_idx % size] = d, then (release) avail->idx;
 *           the device may read them from then on. Before ringing the doorbell a full fence
 *           orders the avail->idx store before the load of used->flags (NO_NOTIFY).
 *   device: writes used->ring[k] = {d, len}, then (release) used->idx; the driver reads
 *           used->idx with acquire before the element.
 *   interrupts: while the driver drains it sets VIRTQ_AVAIL_F_NO_INTERRUPT; before sleeping it
 *           clears it, fences (store avail->flags before load used->idx) and checks used->idx
 *           once more, so a buffer the device used before seeing the flag is not slept on.
 * Descriptor i always describes buffer i: the driver keeps its own list of free ones. */
#ifndef TF_PCI_VIRTQUEUE_H
#define TF_PCI_VIRTQUEUE_H

#include "virtio_regs.h"

#include <stddef.h>
#include <stdint.h>

struct virtq {
    uint16_t size;  /* entries, a power of two */
    uint16_t index; /* the device's queue number */
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint16_t avail_idx; /* the next avail->idx */
    uint16_t published; /* avail->idx as last made visible */
    uint16_t used_idx;  /* the next used entry to take */
    void *memory;       /* the allocation holding the three parts */
};

/* Allocates and zeroes a queue of `size` entries (a power of two, at most VIRTQ_SIZE_MAX) in the
 * legacy layout, which also satisfies the modern alignment rules: descriptors, then the
 * available ring, then the used ring on the next VIRTIO_LEGACY_ALIGN boundary. Descriptor
 * interrupts are off (VIRTQ_AVAIL_F_NO_INTERRUPT). 0, or -EINVAL / -ENOMEM. */
int virtq_init(struct virtq *q, uint16_t index, uint16_t size);
void virtq_free(struct virtq *q);

/* Bytes the three parts of a queue of `size` entries take in the legacy layout, and the offset
 * of the used ring. */
size_t virtq_bytes(uint16_t size);
size_t virtq_used_offset(uint16_t size);

/* Descriptor `id` describes the buffer [addr, addr + len); `device_writes`: a receive buffer. */
void virtq_describe(struct virtq *q, uint16_t id, uint64_t addr, uint32_t len, int device_writes);

/* Sets descriptor `id`'s length (for a transmit buffer about to be queued). */
void virtq_set_len(struct virtq *q, uint16_t id, uint32_t len);

/* Offers descriptor `id` to the device (not yet visible: see virtq_publish). */
void virtq_push(struct virtq *q, uint16_t id);

/* Makes every pushed descriptor visible. Returns 1 when the device wants the doorbell rung (some
 * were new and it did not set VIRTQ_USED_F_NO_NOTIFY), else 0. */
int virtq_publish(struct virtq *q);

/* Takes the next used descriptor: 1 with *id and *len (bytes the device wrote), or 0 when none
 * is waiting. */
int virtq_pop(struct virtq *q, uint16_t *id, uint32_t *len);

/* Nonzero when a used descriptor is waiting. */
int virtq_pending(const struct virtq *q);

/* Asks the device for interrupts (on) or tells it none are needed (off). Turning them on is
 * followed by a full fence: check virtq_pending afterwards, before sleeping. */
void virtq_interrupts(struct virtq *q, int on);

#endif
