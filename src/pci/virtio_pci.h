/* The virtio PCI transport at CPL3: the virtio 1.0 ("modern") interface through the vendor
 * capabilities, with the legacy interface (I/O BAR 0) as a fallback. The registers of the modern
 * interface and the MSI-X table live in BARs placed in the device window and mapped for CPL3,
 * so queue doorbells cost no system call; the legacy interface goes through the core's port
 * calls. Bootstrap CPU only. */
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
};

/* 1 when PCI function *d is a virtio device of type `type` (VIRTIO_ID_*): a modern-only device
 * (0x1040 + type) or a transitional one, which carries its type in the subsystem ID (4.1.2). */
int virtio_pci_is_type(const struct pci_device *d, unsigned type);

/* Takes over PCI function *d: places its BARs, chooses the interface, and routes MSI-X entry 0
 * to `vector` on the CPU with APIC ID `apic_id` (t->msix says whether that worked). Leaves the
 * device reset. 0, -ENODEV (neither interface usable) or -ENOSPC (no room for its BARs). */
int virtio_pci_open(struct virtio_pci *t, const struct pci_device *d, uint32_t apic_id,
                    uint8_t vector);

/* Device status (VIRTIO_STATUS_*): reset (waits until the device reads back 0), add bits, read. */
void virtio_pci_reset(struct virtio_pci *t);
void virtio_pci_add_status(struct virtio_pci *t, uint8_t bits);
uint8_t virtio_pci_status(struct virtio_pci *t);

/* The device's feature bits (64 with the modern interface, 32 legacy), and ours. */
uint64_t virtio_pci_features(struct virtio_pci *t);
void virtio_pci_set_features(struct virtio_pci *t, uint64_t features);

/* Queue `q`'s largest size (legacy: its only size); 0 when the queue does not exist. */
unsigned virtio_pci_queue_max(struct virtio_pci *t, unsigned q);

/* Gives the device queue `q` of `size` entries at these addresses (for the legacy interface
 * they must be the VIRTIO_LEGACY_ALIGN layout starting at desc) with MSI-X entry `msix_entry`
 * (VIRTIO_MSI_NO_VECTOR: no interrupt), and enables it. 0, or -EIO when the device refused the
 * vector. */
int virtio_pci_queue_setup(struct virtio_pci *t, unsigned q, unsigned size, uint64_t desc,
                           uint64_t avail, uint64_t used, uint16_t msix_entry);

/* Rings queue `q`'s doorbell. */
void virtio_pci_notify(struct virtio_pci *t, unsigned q);

/* One byte of the device-specific configuration. */
uint8_t virtio_pci_config8(struct virtio_pci *t, unsigned offset);

#endif
