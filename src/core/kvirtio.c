/* CPL0: the common configuration of the virtio devices (kabi.h, KABI_SYS_VIRTIO_*, VQ_SETUP).
 * Whoever writes a queue's address registers chooses which descriptor table the card follows;
 * so only the core writes them, and only with the rings of kvq.c, whose every descriptor the
 * core checked. The page holding a modern device's common configuration is supervisor-only
 * (kpaging_protect), and a legacy device's common registers refuse CPL3's port writes, all
 * but the doorbell. The notification page (modern) stays CPL3's: a doorbell only makes the card
 * look at what the core published.
 *
 * The runtime registers each device before the other CPUs start (a [start-up] call): the
 * address it gives is trusted as start-up is, since a core that wrote CPL3's choice of address
 * would be a way to write any device register. What CPL3 may set afterwards cannot point the
 * card anywhere: the status (a reset stops the card; its queues then stay off until VQ_SETUP),
 * the features the core's rings can serve, and which MSI-X entry a queue uses. */
#include "kcore.h"
#include "platform.h"
#include "virtio_regs.h"
#include "x86.h"
#include "x86_ops.h"

#define COMMON_SIZE 0x38 /* struct virtio_pci_common_cfg */
/* Feature bits a driver may set: its device type's (0-23), ANY_LAYOUT and VERSION_1. Not
 * INDIRECT_DESC, EVENT_IDX, RING_PACKED, IN_ORDER and the rest: the core's rings are split
 * rings without them, and a card told otherwise would read them as something else. */
#define FEATURES_LOW        (0x00FFFFFFu | 1u << VIRTIO_F_ANY_LAYOUT)
#define FEATURES_HIGH       (1u << (VIRTIO_F_VERSION_1 - 32))
#define LEGACY_NOTIFY_WIDTH 2

static struct kvirtio {
    uint64_t common; /* modern: the common configuration; 0: legacy */
    uint16_t io;     /* legacy: the I/O base */
    uint32_t lock;   /* the select registers make each access a sequence */
} devices[KABI_VIRTIO_DEVICES];
static unsigned device_count;

static void lock(uint32_t *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

static void unlock(uint32_t *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

static uint32_t rd(const struct kvirtio *d, unsigned reg, unsigned width)
{
    if (d->common) {
        volatile const uint8_t *at = (volatile const uint8_t *)(uintptr_t)(d->common + reg);
        return width == 1   ? *at
               : width == 2 ? *(volatile const uint16_t *)at
                            : *(volatile const uint32_t *)at;
    }
    uint16_t port = (uint16_t)(d->io + reg);
    return width == 1 ? x86_inb(port) : width == 2 ? x86_inw(port) : x86_inl(port);
}

static void wr(const struct kvirtio *d, unsigned reg, unsigned width, uint32_t value)
{
    if (d->common) {
        volatile uint8_t *at = (volatile uint8_t *)(uintptr_t)(d->common + reg);
        if (width == 1)
            *at = (uint8_t)value;
        else if (width == 2)
            *(volatile uint16_t *)at = (uint16_t)value;
        else
            *(volatile uint32_t *)at = value;
        return;
    }
    uint16_t port = (uint16_t)(d->io + reg);
    if (width == 1)
        x86_outb(port, (uint8_t)value);
    else if (width == 2)
        x86_outw(port, (uint16_t)value);
    else
        x86_outl(port, value);
}

/* A modern device's common configuration: in one 4 KiB page below 4 GiB, above the platform's
 * low memory; a legacy device's registers: at or above KABI_PORT_DEVICE_MIN. */
long kvirtio_open(uint64_t where, uint64_t kind)
{
    int modern = kind == KABI_VIRTIO_MODERN;
    if (kind > KABI_VIRTIO_LEGACY || where % 4 ||
        (modern ? where < X86_LARGE_PAGE_SIZE || where >= PLAT_MAPPED_LIMIT ||
                      where % X86_PAGE_SIZE + COMMON_SIZE > X86_PAGE_SIZE
                : where < KABI_PORT_DEVICE_MIN || where > 0x10000 - VIRTIO_LEGACY_DEVICE_MSIX))
        return -KABI_EINVAL;
    for (unsigned i = 0; i < device_count; i++)
        if (modern ? devices[i].common == where : devices[i].io == where)
            return i;
    if (device_count == KABI_VIRTIO_DEVICES)
        return -KABI_ENOMEM;
    if (modern) {
        long rc = kpaging_protect(where);
        if (rc)
            return rc;
    }
    devices[device_count] =
        (struct kvirtio){.common = modern ? where : 0, .io = modern ? 0 : (uint16_t)where};
    return device_count++;
}

static struct kvirtio *device(uint64_t dev)
{
    return dev < device_count ? &devices[dev] : NULL;
}

static long features_get(struct kvirtio *d, uint64_t half)
{
    if (half > 1 || (!d->common && half))
        return d->common || half > 1 ? -KABI_EINVAL : 0;
    if (!d->common)
        return rd(d, VIRTIO_LEGACY_HOST_FEATURES, 4);
    wr(d, VIRTIO_COMMON_DFSELECT, 4, (uint32_t)half);
    return rd(d, VIRTIO_COMMON_DF, 4);
}

static long features_set(struct kvirtio *d, uint64_t half, uint64_t bits)
{
    if (half > 1 || bits & ~(uint64_t)(half ? FEATURES_HIGH : FEATURES_LOW) || (!d->common && half))
        return -KABI_EINVAL;
    if (!d->common) {
        wr(d, VIRTIO_LEGACY_GUEST_FEATURES, 4, (uint32_t)bits);
        return 0;
    }
    wr(d, VIRTIO_COMMON_GFSELECT, 4, (uint32_t)half);
    wr(d, VIRTIO_COMMON_GF, 4, (uint32_t)bits);
    return 0;
}

static void select_queue(struct kvirtio *d, uint64_t q)
{
    wr(d, d->common ? VIRTIO_COMMON_Q_SELECT : VIRTIO_LEGACY_QUEUE_SELECT, 2, (uint32_t)q);
}

static long queue_max(struct kvirtio *d, uint64_t q)
{
    if (q > UINT16_MAX)
        return -KABI_EINVAL;
    select_queue(d, q);
    return rd(d, d->common ? VIRTIO_COMMON_Q_SIZE : VIRTIO_LEGACY_QUEUE_SIZE, 2);
}

static long ctl(struct kvirtio *d, uint64_t op, uint64_t a, uint64_t b)
{
    unsigned status = d->common ? VIRTIO_COMMON_STATUS : VIRTIO_LEGACY_STATUS;
    switch (op) {
    case KABI_VIRTIO_GET_STATUS:
        return rd(d, status, 1);
    case KABI_VIRTIO_SET_STATUS:
        if (a > UINT8_MAX)
            return -KABI_EINVAL;
        wr(d, status, 1, (uint32_t)a);
        return 0;
    case KABI_VIRTIO_GET_FEATURES:
        return features_get(d, a);
    case KABI_VIRTIO_SET_FEATURES:
        return features_set(d, a, b);
    case KABI_VIRTIO_QUEUE_MAX:
        return queue_max(d, a);
    default:
        return -KABI_EINVAL;
    }
}

long kvirtio_ctl(uint64_t dev, uint64_t op, uint64_t a, uint64_t b)
{
    struct kvirtio *d = device(dev);
    if (!d)
        return -KABI_EINVAL;
    lock(&d->lock);
    long rc = ctl(d, op, a, b);
    unlock(&d->lock);
    return rc;
}

static void write64(struct kvirtio *d, unsigned reg, uint64_t value)
{
    wr(d, reg, 4, (uint32_t)value);
    wr(d, reg + 4, 4, (uint32_t)(value >> 32));
}

/* The legacy layout starts at desc (kvq.c keeps it), so the page number says it all; the size
 * is the device's, which the legacy interface cannot change. */
static long legacy_setup(struct kvirtio *d, uint16_t size, uint64_t desc, uint16_t msix)
{
    if (rd(d, VIRTIO_LEGACY_QUEUE_SIZE, 2) != size)
        return -KABI_EINVAL;
    if (msix != VIRTIO_MSI_NO_VECTOR) {
        wr(d, VIRTIO_LEGACY_MSIX_QUEUE, 2, msix);
        if (rd(d, VIRTIO_LEGACY_MSIX_QUEUE, 2) != msix)
            return -KABI_EIO;
    }
    wr(d, VIRTIO_LEGACY_QUEUE_PFN, 4, (uint32_t)(desc >> VIRTIO_LEGACY_PFN_SHIFT));
    return 0;
}

static long setup(struct kvirtio *d, uint64_t q, uint16_t size, const struct kabi_vq_rings *r,
                  uint16_t msix)
{
    select_queue(d, q);
    if (!d->common)
        return legacy_setup(d, size, r->desc, msix);
    uint32_t max = rd(d, VIRTIO_COMMON_Q_SIZE, 2);
    if (max == 0 || size > max)
        return -KABI_EINVAL;
    wr(d, VIRTIO_COMMON_Q_SIZE, 2, size);
    wr(d, VIRTIO_COMMON_Q_MSIX, 2, msix);
    if (rd(d, VIRTIO_COMMON_Q_MSIX, 2) != msix)
        return -KABI_EIO;
    write64(d, VIRTIO_COMMON_Q_DESC, r->desc);
    write64(d, VIRTIO_COMMON_Q_AVAIL, r->avail);
    write64(d, VIRTIO_COMMON_Q_USED, r->used);
    long notify_off = rd(d, VIRTIO_COMMON_Q_NOTIFY_OFF, 2);
    wr(d, VIRTIO_COMMON_Q_ENABLE, 2, 1);
    return notify_off;
}

long kvirtio_vq_setup(uint64_t dev, uint64_t q, uint64_t vq, uint64_t msix)
{
    struct kvirtio *d = device(dev);
    struct kabi_vq_rings rings;
    uint16_t size;
    if (!d || q > UINT16_MAX || msix > UINT16_MAX || kvq_rings(vq, &rings, &size) != 0)
        return -KABI_EINVAL;
    lock(&d->lock);
    long rc = setup(d, q, size, &rings, (uint16_t)msix);
    unlock(&d->lock);
    return rc;
}

/* [port, port + width) misses every legacy device's common registers, or is its doorbell. */
int kvirtio_port_write_ok(uint64_t port, uint64_t width)
{
    unsigned n = __atomic_load_n(&device_count, __ATOMIC_ACQUIRE);
    for (unsigned i = 0; i < n; i++) {
        uint64_t io = devices[i].io;
        if (devices[i].common || port + width <= io || port >= io + VIRTIO_LEGACY_DEVICE_MSIX)
            continue;
        if (port != io + VIRTIO_LEGACY_QUEUE_NOTIFY || width != LEGACY_NOTIFY_WIDTH)
            return 0;
    }
    return 1;
}
