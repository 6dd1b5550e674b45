/* The virtio PCI transport (see virtio_pci.h; virtio 1.0 section 4.1). */
#include "virtio_pci.h"
#include "devcall.h"
#include "virtio_regs.h"
#include "x86.h"

#include <errno.h>

#define RESET_POLLS 1000000 /* reads of the status after a reset before giving up */

/* ---- modern interface: the structures the vendor capabilities point at ---- */

struct cap_walk {
    volatile uint8_t *where[VIRTIO_PCI_CAP_DEVICE_CFG + 1];
    uint32_t length[VIRTIO_PCI_CAP_DEVICE_CFG + 1];
    uint32_t notify_mul;
};

static uint64_t page_of(volatile const void *p)
{
    return (uint64_t)(uintptr_t)p >> X86_PAGE_SHIFT;
}

/* The core makes the common configuration's page supervisor-only: the structures CPL3 uses
 * (notification, device-specific) must not share it, as they do not on QEMU (each its own
 * 4 KiB). */
static int apart_from_common(const struct cap_walk *w, unsigned type)
{
    uint64_t common = page_of(w->where[VIRTIO_PCI_CAP_COMMON_CFG]);
    uint32_t last = w->length[type] ? w->length[type] - 1 : 0;
    return page_of(w->where[type]) != common && page_of(w->where[type] + last) != common;
}

/* Places the BAR a capability names and returns the structure's address, or NULL. */
static volatile uint8_t *cap_structure(struct virtio_pci *t, unsigned cap)
{
    const struct pci_device *d = &t->pci;
    unsigned bar = pci_read(d, cap + VIRTIO_PCI_CAP_BAR, 1);
    uint32_t offset = pci_read(d, cap + VIRTIO_PCI_CAP_OFFSET, 4);
    uint32_t length = pci_read(d, cap + VIRTIO_PCI_CAP_LENGTH, 4);
    if (bar >= PCI_BARS || t->pci.bars[bar].io || (uint64_t)offset + length > d->bars[bar].size ||
        pci_place_bar(&t->pci, bar) != 0)
        return NULL;
    return pci_bar_ptr(d, bar, offset);
}

/* The first capability of each type counts (4.1.4: the driver uses the first it can). */
static int find_modern(struct virtio_pci *t)
{
    struct cap_walk w = {0};
    for (unsigned cap = pci_find_cap(&t->pci, PCI_CAP_ID_VENDOR, 0); cap;
         cap = pci_find_cap(&t->pci, PCI_CAP_ID_VENDOR, cap)) {
        unsigned type = pci_read(&t->pci, cap + VIRTIO_PCI_CAP_CFG_TYPE, 1);
        if (type > VIRTIO_PCI_CAP_DEVICE_CFG || type == VIRTIO_PCI_CAP_ISR_CFG || w.where[type])
            continue;
        w.where[type] = cap_structure(t, cap);
        w.length[type] = pci_read(&t->pci, cap + VIRTIO_PCI_CAP_LENGTH, 4);
        if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
            w.notify_mul = pci_read(&t->pci, cap + VIRTIO_PCI_CAP_NOTIFY_MUL, 4);
    }
    if (!w.where[VIRTIO_PCI_CAP_COMMON_CFG] || !w.where[VIRTIO_PCI_CAP_NOTIFY_CFG] ||
        !w.where[VIRTIO_PCI_CAP_DEVICE_CFG] || !apart_from_common(&w, VIRTIO_PCI_CAP_NOTIFY_CFG) ||
        !apart_from_common(&w, VIRTIO_PCI_CAP_DEVICE_CFG))
        return -ENODEV;
    t->common = w.where[VIRTIO_PCI_CAP_COMMON_CFG];
    t->notify = w.where[VIRTIO_PCI_CAP_NOTIFY_CFG];
    t->device = w.where[VIRTIO_PCI_CAP_DEVICE_CFG];
    t->notify_mul = w.notify_mul;
    t->modern = 1;
    return 0;
}

static int find_legacy(struct virtio_pci *t)
{
    struct pci_bar *b = &t->pci.bars[VIRTIO_LEGACY_BAR];
    if (!b->io || !b->size || pci_place_bar(&t->pci, VIRTIO_LEGACY_BAR) != 0)
        return -ENODEV;
    t->io = (uint16_t)b->base;
    t->modern = 0;
    return 0;
}

int virtio_pci_is_type(const struct pci_device *d, unsigned type)
{
    if (d->vendor != VIRTIO_PCI_VENDOR)
        return 0;
    if (d->device == VIRTIO_PCI_MODERN_BASE + type)
        return 1;
    return d->device >= VIRTIO_PCI_TRANSITIONAL_FIRST &&
           d->device <= VIRTIO_PCI_TRANSITIONAL_LAST && d->subsystem == type;
}

/* The core takes the device with its BARs where they are now: it turns on bus mastering,
 * takes the MSI-X table and programs entry 0 for this CPU. */
int virtio_pci_open(struct virtio_pci *t, const struct pci_device *d, uint8_t vector)
{
    *t = (struct virtio_pci){.pci = *d};
    pci_read_bars(&t->pci);
    if (find_modern(t) != 0 && find_legacy(t) != 0)
        return -ENODEV;
    /* The MSI-X table's BAR, when no structure above lives in it */
    unsigned msix = pci_find_cap(&t->pci, PCI_CAP_ID_MSIX, 0);
    if (msix)
        pci_place_bar(&t->pci, pci_read(&t->pci, msix + PCI_MSIX_TABLE, 4) & PCI_MSIX_BIR_MASK);
    pci_enable(&t->pci);
    long handle =
        usys_call(KABI_SYS_VIRTIO_OPEN, t->modern ? (long)(uintptr_t)t->common : (long)t->io,
                  t->modern ? KABI_VIRTIO_MODERN : KABI_VIRTIO_LEGACY,
                  KABI_PCI_ADDRESS((long)d->bus, (long)d->dev, (long)d->fn, 0), vector);
    if (handle < 0)
        return -ENODEV;
    t->handle = (int)handle;
    t->msix = usys_call(KABI_SYS_VIRTIO_CTL, t->handle, KABI_VIRTIO_MSIX, 0, 0) == 0;
    virtio_pci_reset(t);
    return 0;
}

/* ---- the common registers, through the core (src/core/kvirtio.c) ---- */

static long ctl(struct virtio_pci *t, long op, long a, long b)
{
    return usys_call(KABI_SYS_VIRTIO_CTL, t->handle, op, a, b);
}

static void legacy_out(struct virtio_pci *t, unsigned reg, unsigned width, uint32_t value)
{
    devcall_port_write((uint16_t)(t->io + reg), width, value);
}

uint8_t virtio_pci_status(struct virtio_pci *t)
{
    long status = ctl(t, KABI_VIRTIO_GET_STATUS, 0, 0);
    return status < 0 ? VIRTIO_STATUS_FAILED : (uint8_t)status;
}

static void set_status(struct virtio_pci *t, uint8_t status)
{
    ctl(t, KABI_VIRTIO_SET_STATUS, status, 0);
}

/* 4.1.4.3.2: after writing 0 the driver waits until the status reads 0 */
void virtio_pci_reset(struct virtio_pci *t)
{
    set_status(t, 0);
    for (unsigned i = 0; i < RESET_POLLS && virtio_pci_status(t) != 0; i++)
        __asm__ volatile("pause");
}

void virtio_pci_add_status(struct virtio_pci *t, uint8_t bits)
{
    set_status(t, virtio_pci_status(t) | bits);
}

static uint32_t features_half(struct virtio_pci *t, unsigned half)
{
    long f = ctl(t, KABI_VIRTIO_GET_FEATURES, half, 0);
    return f < 0 ? 0 : (uint32_t)f;
}

uint64_t virtio_pci_features(struct virtio_pci *t)
{
    if (!t->modern)
        return features_half(t, 0);
    return features_half(t, 0) | (uint64_t)features_half(t, 1) << 32;
}

int virtio_pci_set_features(struct virtio_pci *t, uint64_t f)
{
    long rc = ctl(t, KABI_VIRTIO_SET_FEATURES, 0, (long)(uint32_t)f);
    if (rc == 0 && t->modern)
        rc = ctl(t, KABI_VIRTIO_SET_FEATURES, 1, (long)(f >> 32));
    return rc == 0 ? 0 : -EINVAL;
}

unsigned virtio_pci_queue_max(struct virtio_pci *t, unsigned q)
{
    long max = ctl(t, KABI_VIRTIO_QUEUE_MAX, q, 0);
    return max < 0 ? 0 : (unsigned)max;
}

int virtio_pci_queue_setup(struct virtio_pci *t, unsigned q, int vq, uint16_t msix_entry)
{
    if (q >= VIRTIO_PCI_QUEUES_MAX)
        return -EINVAL;
    uint16_t msix = t->msix ? msix_entry : VIRTIO_MSI_NO_VECTOR;
    long rc = usys_call(KABI_SYS_VQ_SETUP, t->handle, q, vq, msix);
    if (rc < 0)
        return rc == -EIO ? -EIO : -EINVAL;
    t->notify_off[q] = (uint16_t)rc;
    return 0;
}

void virtio_pci_notify(struct virtio_pci *t, unsigned q)
{
    if (t->modern)
        *(volatile uint16_t *)(t->notify + (uint64_t)t->notify_off[q] * t->notify_mul) =
            (uint16_t)q;
    else
        legacy_out(t, VIRTIO_LEGACY_QUEUE_NOTIFY, 2, q);
}

uint8_t virtio_pci_config8(struct virtio_pci *t, unsigned offset)
{
    if (t->modern)
        return t->device[offset];
    unsigned base = t->msix ? VIRTIO_LEGACY_DEVICE_MSIX : VIRTIO_LEGACY_DEVICE_NO_MSIX;
    return (uint8_t)devcall_port_read((uint16_t)(t->io + base + offset), 1);
}
