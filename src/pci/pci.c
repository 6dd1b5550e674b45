/* PCI at CPL3 (see pci.h). Configuration space is the core's: every access is a system call
 * (the core reaches ECAM or ports 0xCF8/0xCFC); everything else (the scan, BAR sizing and
 * placement, capability walking) is plain code here. */
#include "pci.h"
#include "devcall.h"
#include "pci_caps.h"
#include "x86.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#define PCI_IO_ALLOC_START 0xC000 /* where PC firmware conventionally puts I/O BARs */
#define PCI_IO_ALLOC_END   0x10000
#define PCI_BUSY_MAX       64 /* BARs of other devices the placement keeps clear of */
#define PCI_SCAN_DEPTH     8  /* bridges below bridges */

struct range {
    uint64_t start, end;
};

static struct range busy[PCI_BUSY_MAX];
static unsigned busy_count;
static int busy_known;

static struct pci_platform platform;
static int platform_known;

/* The first access reads the ACPI tables and gives the core the ECAM range they name, whose
 * pages are then the core's; without one (or when the core refused it: after start-up) the
 * core uses ports 0xCF8/0xCFC. */
static const struct pci_platform *plat(void)
{
    if (!platform_known) {
        pci_acpi_read(&platform);
        platform_known = 1;
        if (platform.ecam_base)
            devcall_pci_ecam(platform.ecam_base, platform.bus_start, platform.bus_end);
    }
    return &platform;
}

static uint32_t config_address(const struct pci_device *d, unsigned reg)
{
    return KABI_PCI_ADDRESS((uint32_t)d->bus, (uint32_t)d->dev, (uint32_t)d->fn, reg);
}

uint32_t pci_read(const struct pci_device *d, unsigned reg, unsigned width)
{
    assert((width == 1 || width == 2 || width == 4) && reg % width == 0 && reg < PCI_CONFIG_SIZE);
    plat();
    long v = devcall_pci_read(config_address(d, reg), width);
    return v < 0 ? UINT32_MAX : (uint32_t)v;
}

void pci_write(const struct pci_device *d, unsigned reg, unsigned width, uint32_t value)
{
    assert((width == 1 || width == 2 || width == 4) && reg % width == 0 && reg < PCI_CONFIG_SIZE);
    plat();
    devcall_pci_write(config_address(d, reg), width, value);
}

static void describe(struct pci_device *d)
{
    d->vendor = (uint16_t)pci_read(d, PCI_VENDOR_ID, 2);
    d->device = (uint16_t)pci_read(d, PCI_DEVICE_ID, 2);
    d->class_code = (uint8_t)pci_read(d, PCI_CLASS, 1);
    d->subclass = (uint8_t)pci_read(d, PCI_SUBCLASS, 1);
    uint8_t type = (uint8_t)pci_read(d, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK;
    d->subsystem = type == PCI_HEADER_NORMAL ? (uint16_t)pci_read(d, PCI_SUBSYSTEM_ID, 2) : 0;
    memset(d->bars, 0, sizeof(d->bars));
}

struct scan {
    pci_match_fn match;
    void *ctx;
    struct pci_device *out;
    uint8_t visited[PCI_BUSES / 8];
};

static int scan_bus(struct scan *s, unsigned bus, unsigned depth);

/* A PCI-to-PCI bridge: scan the bus behind it (once; firmware that left it unconfigured says 0) */
static int follow_bridge(struct scan *s, const struct pci_device *d, unsigned depth)
{
    if (d->class_code != PCI_CLASS_BRIDGE || d->subclass != PCI_SUBCLASS_PCI_BRIDGE ||
        depth >= PCI_SCAN_DEPTH)
        return -ENODEV;
    unsigned secondary = pci_read(d, PCI_BRIDGE_SECONDARY, 1);
    if (secondary == 0 || secondary == UINT8_MAX)
        return -ENODEV;
    return scan_bus(s, secondary, depth + 1);
}

static int scan_function(struct scan *s, struct pci_device *d, unsigned depth)
{
    describe(d);
    if (s->match(d, s->ctx)) {
        *s->out = *d;
        return 0;
    }
    return follow_bridge(s, d, depth);
}

static int scan_bus(struct scan *s, unsigned bus, unsigned depth)
{
    if (s->visited[bus / 8] & (1u << bus % 8))
        return -ENODEV;
    s->visited[bus / 8] |= (uint8_t)(1u << bus % 8);
    for (unsigned dev = 0; dev < PCI_DEVICES_PER_BUS; dev++) {
        struct pci_device d = {.bus = (uint8_t)bus, .dev = (uint8_t)dev};
        if (pci_read(&d, PCI_VENDOR_ID, 2) == PCI_VENDOR_NONE)
            continue;
        unsigned functions =
            (pci_read(&d, PCI_HEADER_TYPE, 1) & PCI_HEADER_MULTIFUNC) ? PCI_FUNCTIONS : 1;
        for (unsigned fn = 0; fn < functions; fn++) {
            d.fn = (uint8_t)fn;
            if (fn && pci_read(&d, PCI_VENDOR_ID, 2) == PCI_VENDOR_NONE)
                continue;
            if (scan_function(s, &d, depth) == 0)
                return 0;
        }
    }
    return -ENODEV;
}

int pci_find(pci_match_fn match, void *ctx, struct pci_device *out)
{
    struct scan s = {.match = match, .ctx = ctx, .out = out};
    return scan_bus(&s, 0, 0);
}

/* Writes all ones to a BAR register and reads back which address bits it decodes. */
static uint32_t size_mask(const struct pci_device *d, unsigned reg, uint32_t *orig)
{
    *orig = pci_read(d, reg, 4);
    pci_write(d, reg, 4, PCI_BAR_SIZING);
    uint32_t mask = pci_read(d, reg, 4);
    pci_write(d, reg, 4, *orig);
    return mask;
}

void pci_read_bars(struct pci_device *d)
{
    uint32_t command = pci_read(d, PCI_COMMAND, 2);
    pci_write(d, PCI_COMMAND, 2, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    memset(d->bars, 0, sizeof(d->bars));
    for (unsigned i = 0; i < PCI_BARS; i++) {
        struct pci_bar *b = &d->bars[i];
        uint32_t orig, mask = size_mask(d, PCI_BAR0 + 4 * i, &orig);
        if (mask == 0 || mask == UINT32_MAX)
            continue;
        if (orig & PCI_BAR_IO) {
            b->io = 1;
            b->base = orig & PCI_BAR_IO_MASK;
            b->size = (uint16_t)(~(mask & PCI_BAR_IO_MASK) + 1);
            continue;
        }
        uint64_t decode = mask & PCI_BAR_MEM_MASK;
        b->base = orig & PCI_BAR_MEM_MASK;
        if ((orig & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64 && i + 1 < PCI_BARS) {
            uint32_t high, high_mask = size_mask(d, PCI_BAR0 + 4 * (i + 1), &high);
            decode |= (uint64_t)high_mask << 32;
            b->base |= (uint64_t)high << 32;
            b->size = ~decode + 1;
            b->is64 = 1;
            i++;
        } else {
            b->size = (uint32_t)(~(uint32_t)decode + 1);
        }
    }
    pci_write(d, PCI_COMMAND, 2, command);
}

static void busy_add(uint64_t start, uint64_t size)
{
    if (busy_count < PCI_BUSY_MAX && size)
        busy[busy_count++] = (struct range){start, start + size};
}

/* Collects every assigned BAR of every other function, so placement avoids them. */
static int collect_busy(const struct pci_device *found, void *self)
{
    const struct pci_device *me = self;
    if (found->bus == me->bus && found->dev == me->dev && found->fn == me->fn)
        return 0;
    struct pci_device d = *found;
    if ((pci_read(&d, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK) != PCI_HEADER_NORMAL)
        return 0;
    pci_read_bars(&d);
    for (unsigned i = 0; i < PCI_BARS; i++)
        if (d.bars[i].base)
            busy_add(d.bars[i].base, d.bars[i].size);
    return 0;
}

static int overlaps_busy(uint64_t start, uint64_t size)
{
    for (unsigned i = 0; i < busy_count; i++)
        if (start < busy[i].end && start + size > busy[i].start)
            return 1;
    return 0;
}

/* The first naturally aligned free range of `size` bytes in [lo, hi), or 0. */
static uint64_t allocate(uint64_t lo, uint64_t hi, uint64_t size)
{
    for (uint64_t a = (lo + size - 1) & ~(size - 1); a + size <= hi; a += size)
        if (!overlaps_busy(a, size))
            return a;
    return 0;
}

static void write_bar(struct pci_device *d, unsigned bar, uint64_t base)
{
    uint32_t low = pci_read(d, PCI_BAR0 + 4 * bar, 4);
    uint32_t flags = low & (d->bars[bar].io ? ~PCI_BAR_IO_MASK : ~PCI_BAR_MEM_MASK);
    pci_write(d, PCI_BAR0 + 4 * bar, 4, (uint32_t)base | flags);
    if (d->bars[bar].is64)
        pci_write(d, PCI_BAR0 + 4 * (bar + 1), 4, (uint32_t)(base >> 32));
    d->bars[bar].base = base;
}

/* Inside the placement window (pci.h) */
static int in_window(uint64_t base, uint64_t size)
{
    return base >= plat()->mem_start && base + size <= plat()->mem_end;
}

int pci_place_bar(struct pci_device *d, unsigned bar)
{
    struct pci_bar *b = bar < PCI_BARS ? &d->bars[bar] : NULL;
    if (!b || !b->size)
        return -EINVAL;
    uint64_t size = b->size < X86_PAGE_SIZE && !b->io ? X86_PAGE_SIZE : b->size;
    if (b->io && plat()->no_io)
        return -ENOSPC;
    if (b->io ? !b->base : !in_window(b->base, b->size)) {
        uint32_t command = pci_read(d, PCI_COMMAND, 2);
        pci_write(d, PCI_COMMAND, 2, command & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
        if (!busy_known) {
            struct pci_device unused;
            pci_find(collect_busy, d, &unused);
            for (unsigned i = 0; i < PCI_BARS; i++)
                if (i != bar && d->bars[i].base &&
                    (d->bars[i].io || in_window(d->bars[i].base, d->bars[i].size)))
                    busy_add(d->bars[i].base, d->bars[i].size);
            busy_known = 1;
        }
        uint64_t base = b->io ? allocate(PCI_IO_ALLOC_START, PCI_IO_ALLOC_END, size)
                              : allocate(plat()->mem_start, plat()->mem_end, size);
        if (!base)
            return -ENOSPC;
        write_bar(d, bar, base);
        busy_add(base, size);
    }
    if (b->io)
        return 0;
    for (uint64_t page = b->base & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1); page < b->base + b->size;
         page += X86_LARGE_PAGE_SIZE)
        if (devcall_mmio_map(page) < 0)
            return -EINVAL;
    return 0;
}

void pci_enable(const struct pci_device *d)
{
    uint32_t command = pci_read(d, PCI_COMMAND, 2);
    pci_write(d, PCI_COMMAND, 2,
              command | PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_INTX_OFF);
}

static uint32_t read_function(const void *d, unsigned reg, unsigned width)
{
    return pci_read(d, reg, width);
}

unsigned pci_find_cap(const struct pci_device *d, uint8_t id, unsigned from)
{
    return pci_cap_find(read_function, d, id, from);
}

volatile void *pci_bar_ptr(const struct pci_device *d, unsigned bar, uint64_t offset)
{
    return (volatile void *)(uintptr_t)(d->bars[bar].base + offset);
}
