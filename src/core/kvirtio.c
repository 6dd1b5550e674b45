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
 * the features the core's rings can serve, and which MSI-X entry a queue uses.
 *
 * The core also takes the device's PCI function at registration: it turns on bus mastering
 * (no CPL3 write may change that bit, kdev.c), and it owns the MSI-X table, whose pages become
 * supervisor-only, and the MSI-X capability, which CPL3 may not write. An entry is programmed
 * only by the MSIX operation, with the vector the device was registered with, fixed delivery,
 * to the CPU that asks: no message of CPL3's making (a vector below 32, NMI, SMI, INIT) can
 * reach a CPU through it. */
#include "kcore.h"
#include "pci_caps.h"
#include "pci_regs.h"
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
    uint64_t common;     /* modern: the common configuration; 0: legacy */
    uint16_t io;         /* legacy: the I/O base */
    uint32_t lock;       /* the select registers make each access a sequence */
    uint32_t pci;        /* the PCI function (KABI_PCI_ADDRESS, register 0) */
    uint8_t vector;      /* what its MSI-X entries raise */
    uint8_t msix_cap;    /* the MSI-X capability's offset; 0: none */
    uint16_t msix_count; /* entries in the table */
    uint64_t msix_table; /* the table's address */
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

static uint32_t config_read(uint32_t pci, unsigned reg, unsigned width)
{
    long v = kdev_config_read(pci | reg, width);
    return v < 0 ? 0 : (uint32_t)v;
}

static uint32_t read_function(const void *pci, unsigned reg, unsigned width)
{
    return config_read(*(const uint32_t *)pci, reg, width);
}

/* The function's MSI-X capability: its offset, or 0 */
static unsigned msix_find(uint32_t pci)
{
    return pci_cap_find(read_function, &pci, PCI_CAP_ID_MSIX, 0);
}

/* Where the table is, from the capability and the BAR it names as they are now: a memory BAR
 * below 4 GiB, above RAM; its pages become supervisor-only. No capability: nothing to own. */
static long msix_take(struct kvirtio *d)
{
    unsigned cap = msix_find(d->pci);
    if (!cap)
        return 0;
    uint32_t table = config_read(d->pci, cap + PCI_MSIX_TABLE, 4);
    unsigned bar = PCI_BAR0 + 4 * (table & PCI_MSIX_BIR_MASK);
    uint32_t low = config_read(d->pci, bar, 4);
    uint32_t count = (config_read(d->pci, cap + PCI_MSIX_CONTROL, 2) & PCI_MSIX_CONTROL_SIZE) + 1;
    int is64 = (low & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;
    uint64_t at = (uint64_t)(low & PCI_BAR_MEM_MASK) + (table & PCI_MSIX_OFFSET_MASK);
    uint64_t end = at + (uint64_t)count * PCI_MSIX_ENTRY_SIZE;
    if (bar >= PCI_BAR0 + 4 * PCI_BARS || low & PCI_BAR_IO ||
        (is64 && config_read(d->pci, bar + 4, 4)) || !kdev_device_memory(at) ||
        !kdev_device_memory(end - 1))
        return -KABI_EINVAL;
    for (uint64_t page = at & ~(uint64_t)(X86_PAGE_SIZE - 1); page < end; page += X86_PAGE_SIZE) {
        long rc = kpaging_protect(page);
        if (rc)
            return rc;
    }
    d->msix_cap = (uint8_t)cap;
    d->msix_count = (uint16_t)count;
    d->msix_table = at;
    return 0;
}

/* The device may master the bus from now on: the core set the bit, and no CPL3 write changes
 * it. */
static void bus_master_on(const struct kvirtio *d)
{
    uint32_t command = config_read(d->pci, PCI_COMMAND, 2);
    kdev_config_write(d->pci | PCI_COMMAND, 2, command | PCI_COMMAND_MASTER);
}

/* A modern device's common configuration: in one 4 KiB page below 4 GiB, above the platform's
 * low memory; a legacy device's registers: at or above KABI_PORT_DEVICE_MIN. The PCI function
 * names register 0, and the vector is one of the core's for devices (EOI only). */
long kvirtio_open(uint64_t where, uint64_t kind, uint64_t pci, uint64_t vector)
{
    int modern = kind == KABI_VIRTIO_MODERN;
    if (kind > KABI_VIRTIO_LEGACY || where % 4 ||
        (modern
             ? where < X86_LARGE_PAGE_SIZE || where >= PLAT_MAPPED_LIMIT ||
                   where % X86_PAGE_SIZE + COMMON_SIZE > X86_PAGE_SIZE
             : where < KABI_PORT_DEVICE_MIN || where > X86_IO_PORTS - VIRTIO_LEGACY_DEVICE_MSIX) ||
        pci > KABI_PCI_ADDRESS_MAX || pci % PCI_CONFIG_SIZE ||
        (vector != KABI_VEC_NIC && vector != KABI_VEC_OUTPUT))
        return -KABI_EINVAL;
    for (unsigned i = 0; i < device_count; i++)
        if (modern ? devices[i].common == where : devices[i].io == where)
            return i;
    if (device_count == KABI_VIRTIO_DEVICES)
        return -KABI_ENOMEM;
    struct kvirtio *d = &devices[device_count];
    *d = (struct kvirtio){.common = modern ? where : 0,
                          .io = modern ? 0 : (uint16_t)where,
                          .pci = (uint32_t)pci,
                          .vector = (uint8_t)vector};
    long rc = modern ? kpaging_protect(where) : 0;
    if (rc == 0)
        rc = msix_take(d);
    if (rc)
        return rc;
    bus_master_on(d);
    __atomic_store_n(&device_count, device_count + 1, __ATOMIC_RELEASE);
    return device_count - 1;
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

/* This CPU's APIC ID: the x2APIC ID where CPUID has it, else the initial 8-bit one (the LAPIC
 * itself may not be configured yet: devices are claimed before SMP_SETUP). */
static uint32_t own_apic_id(void)
{
    if (x86_cpuid(X86_CPUID_VENDOR, 0).eax >= X86_CPUID_TOPOLOGY) {
        struct x86_cpuid t = x86_cpuid(X86_CPUID_TOPOLOGY, 0);
        if (t.ebx)
            return t.edx;
    }
    return x86_cpuid(X86_CPUID_FEATURES, 0).ebx >> X86_CPUID1_EBX_APICID;
}

/* Entry `entry` raises the device's vector on this CPU (SDM vol. 3A 11.11: physical
 * destination, fixed delivery, edge); masked while it changes. Then MSI-X is on, unmasked. */
static long msix_route(struct kvirtio *d, uint64_t entry)
{
    uint32_t apic = own_apic_id();
    if (!d->msix_cap)
        return -KABI_ENODEV;
    if (entry >= d->msix_count || apic > MSI_ADDRESS_DEST_MAX)
        return -KABI_EINVAL;
    volatile uint32_t *e =
        (volatile uint32_t *)(uintptr_t)(d->msix_table + entry * PCI_MSIX_ENTRY_SIZE);
    e[PCI_MSIX_ENTRY_CONTROL / 4] |= PCI_MSIX_ENTRY_MASKED;
    e[PCI_MSIX_ENTRY_ADDR_LO / 4] = MSI_ADDRESS_BASE | apic << MSI_ADDRESS_DEST_SHIFT;
    e[PCI_MSIX_ENTRY_ADDR_HI / 4] = 0;
    e[PCI_MSIX_ENTRY_DATA / 4] = MSI_DATA_FIXED_EDGE | d->vector;
    e[PCI_MSIX_ENTRY_CONTROL / 4] &= ~PCI_MSIX_ENTRY_MASKED;
    uint32_t control = config_read(d->pci, d->msix_cap + PCI_MSIX_CONTROL, 2);
    kdev_config_write(d->pci | (d->msix_cap + PCI_MSIX_CONTROL), 2,
                      (control | PCI_MSIX_CONTROL_ENABLE) & ~PCI_MSIX_CONTROL_MASK);
    return 0;
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
    case KABI_VIRTIO_MSIX:
        return msix_route(d, a);
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

/* [address, address + width) misses the MSI-X capability of every registered device */
int kvirtio_config_write_ok(uint64_t address, uint64_t width)
{
    unsigned n = __atomic_load_n(&device_count, __ATOMIC_ACQUIRE);
    uint64_t fn = address & ~(uint64_t)(PCI_CONFIG_SIZE - 1), reg = address % PCI_CONFIG_SIZE;
    for (unsigned i = 0; i < n; i++) {
        unsigned cap = devices[i].msix_cap;
        if (cap && devices[i].pci == fn && reg < cap + PCI_MSIX_PBA + 4 && reg + width > cap)
            return 0;
    }
    return 1;
}
