/* The virtio PCI transport at CPL3: the virtio 1.0 ("modern") interface through the vendor
 * capabilities, with the legacy interface (I/O BAR 0) as a fallback. The common configuration
 * (status, features, where the queues are) is the core's: it is read and written through
 * KABI_SYS_VIRTIO_CTL and KABI_SYS_VQ_SETUP, and its page is supervisor-only (legacy: its
 * ports refuse CPL3's writes), and so are its bus mastering and its MSI-X table (supervisor-only
 * pages, entries programmed by the core). The notification and device-specific structures live
 * in BARs placed in the device window and mapped for CPL3, so queue doorbells cost no system
 * call; the legacy interface goes through the core's port calls. Bootstrap CPU only. */
#ifndef TF_PCI_VIRTIO_PCI_H
#define TF_PCI_VIRTIO_PCI_H

#include "pci.h"

#include <stdint.h>

/* Queues a driver may set up: the NIC's two; the console's port 0 (0-1), control queues (2-3)
 * and port 1 (4-5) */
#define VIRTIO_PCI_QUEUES_MAX 6

struct virtio_pci {
    struct pci_device pci;
    int modern;               /* 1: virtio 1.0 interface; 0: legacy */
    int msix;                 /* MSI-X entry 0 raises the vector given to virtio_pci_open */
    volatile uint8_t *common; /* modern: common configuration */
    volatile uint8_t *notify; /* modern: notification area */
    volatile uint8_t *device; /* modern: device-specific configuration */
    uint32_t notify_mul;      /* modern: notify_off_multiplier */
    uint16_t notify_off[VIRTIO_PCI_QUEUES_MAX];
    uint16_t io; /* legacy: I/O BAR 0 */
    int handle;  /* the core's number for the device (KABI_SYS_VIRTIO_OPEN) */
};

/* 1 when PCI function *d is a virtio device of type `type` (VIRTIO_ID_*): a modern-only device
 * (0x1040 + type) or a transitional one, which carries its type in the subsystem ID (4.1.2). */
int virtio_pci_is_type(const struct pci_device *d, unsigned type);

/* Takes over PCI function *d: places its BARs, chooses the interface and registers the device
 * with the core, which then owns its common configuration, its bus mastering and its MSI-X
 * table, and has entry 0 raise `vector` (KABI_VEC_NIC or KABI_VEC_OUTPUT) on the calling CPU
 * (t->msix says whether that worked). Start-up only, before the other CPUs start
 * (KABI_SYS_VIRTIO_OPEN). Leaves the device reset. 0, -ENODEV (neither interface usable, or
 * the core refused it) or -ENOSPC (no room for its BARs). */
int virtio_pci_open(struct virtio_pci *t, const struct pci_device *d, uint8_t vector);

/* Device status (VIRTIO_STATUS_*): reset (waits until the device reads back 0), add bits, read. */
void virtio_pci_reset(struct virtio_pci *t);
void virtio_pci_add_status(struct virtio_pci *t, uint8_t bits);
uint8_t virtio_pci_status(struct virtio_pci *t);

/* The device's feature bits (64 with the modern interface, 32 legacy), and ours. */
uint64_t virtio_pci_features(struct virtio_pci *t);
/* Ours: 0, or -EINVAL when the core refused a bit its rings cannot serve (kabi.h). */
int virtio_pci_set_features(struct virtio_pci *t, uint64_t features);

/* Queue `q`'s largest size (legacy: its only size); 0 when the queue does not exist. */
unsigned virtio_pci_queue_max(struct virtio_pci *t, unsigned q);

/* Gives the device the core's queue `vq` (virtq.handle) as its queue `q`, with MSI-X entry
 * `msix_entry` (VIRTIO_MSI_NO_VECTOR: no interrupt), and enables it; the core writes the size
 * and the addresses. 0, -EIO when the device refused the vector, -EINVAL otherwise (a legacy
 * queue must have the device's size). */
int virtio_pci_queue_setup(struct virtio_pci *t, unsigned q, int vq, uint16_t msix_entry);

/* Rings queue `q`'s doorbell. */
void virtio_pci_notify(struct virtio_pci *t, unsigned q);

/* One byte of the device-specific configuration. */
uint8_t virtio_pci_config8(struct virtio_pci *t, unsigned offset);

#endif
