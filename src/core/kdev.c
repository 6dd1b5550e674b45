/* CPL0: the device calls of the core (kabi.h, system calls 16-31). The network driver runs at
 * CPL3 and drives the NIC through its doorbells and the core's virtqueue calls; only these
 * steps need privilege:
 *   - PCI configuration space, which is the core's: through ports 0xCF8/0xCFC, or on PCI
 *     Express hosts through the ECAM range the runtime names at start-up (its pages then
 *     supervisor-only); writes only during start-up, and never to bus mastering or a virtio
 *     device's MSI-X capability (kvirtio.c),
 *   - I/O ports of devices (a legacy virtio transport), never the platform's low ports,
 *   - mapping a 2 MiB page of device memory (the device window, where the driver places its
 *     BARs, or a host memory window below 4 GiB) user-accessible, uncached, so that doorbells
 *     need no system call (the pages the core took stay supervisor-only),
 *   - halting until the NIC's interrupt or a deadline on the LAPIC timer.
 * Each is a handful of instructions: no loops, no parsing. */
#include "kcore.h"
#include "klapic.h"
#include "pci_regs.h"
#include "platform.h"
#include "x86.h"
#include "x86_ops.h"

extern uint64_t kpd[]; /* pagetables.S: the page directory entries of the low 4 GiB */

/* Below this, a 2 MiB page may hold RAM: the image, the heap, every CPU's data. Until start-up
 * says where RAM ends, all of the low 4 GiB counts as RAM. */
static uint64_t ram_end = PLAT_MAPPED_LIMIT;
static int startup_over;
/* KABI_SYS_PCI_ECAM: the address of bus 0's configuration and the buses decoded; 0: none */
static uint64_t ecam_base;
static unsigned ecam_first, ecam_last;

void kdev_startup_done(uint64_t end)
{
    ram_end = end;
    startup_over = 1;
}

int kdev_device_memory(uint64_t addr)
{
    return addr < PLAT_MAPPED_LIMIT && (addr & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1)) >= ram_end;
}

/* Start-up takes ECAM and maps BARs above RAM before it ends (the devices are claimed before the
 * other CPUs start), so it may say where RAM ends earlier; STARTUP_DONE says it again. */
long kdev_ram_end(uint64_t end)
{
    if (end > PLAT_MAPPED_LIMIT)
        return -KABI_EINVAL;
    ram_end = end;
    return 0;
}

static int width_ok(uint64_t width, uint64_t at)
{
    return (width == 1 || width == 2 || width == 4) && at % width == 0;
}

static long port_read(uint16_t port, uint64_t width)
{
    return width == 1 ? x86_inb(port) : width == 2 ? x86_inw(port) : (long)x86_inl(port);
}

static void port_write(uint16_t port, uint64_t width, uint32_t value)
{
    if (width == 1)
        x86_outb(port, (uint8_t)value);
    else if (width == 2)
        x86_outw(port, (uint16_t)value);
    else
        x86_outl(port, value);
}

/* The ECAM range: 1 MiB per bus from the address of bus 0, above RAM (the 2 MiB pages holding
 * it too) and outside the device window. Its pages become supervisor-only and uncached before
 * the first access (so no line of them is cached), and CPL3 can no longer map them. */
long kdev_pci_ecam(uint64_t base, uint64_t first, uint64_t last)
{
    uint64_t start = base + (first << PCI_ECAM_BUS_SHIFT);
    uint64_t end = base + ((last + 1) << PCI_ECAM_BUS_SHIFT);
    if (ecam_base || !base || base % (1ull << PCI_ECAM_BUS_SHIFT) || first > last ||
        last >= PCI_BUSES || end > PLAT_MAPPED_LIMIT || !kdev_device_memory(start) ||
        (start < KABI_DEVICE_WINDOW_END && end > KABI_DEVICE_WINDOW_START))
        return -KABI_EINVAL;
    long rc = kpaging_core_device(start, end);
    if (rc)
        return rc;
    ecam_first = (unsigned)first;
    ecam_last = (unsigned)last;
    ecam_base = base;
    return 0;
}

/* The register's ECAM address; NULL when its bus is not in the range */
static volatile void *ecam_register(uint64_t address)
{
    unsigned bus = (unsigned)(address >> 16);
    if (bus < ecam_first || bus > ecam_last)
        return NULL;
    return (volatile void *)(uintptr_t)(ecam_base + (address >> 8 << PCI_ECAM_FN_SHIFT) +
                                        address % PCI_CONFIG_SIZE);
}

static void config_select(uint64_t address)
{
    x86_outl(PCI_CONFIG_ADDRESS_PORT,
             PCI_CONFIG_ENABLE | (uint32_t)(address & PCI_CONFIG_DWORD_MASK));
}

/* The system call's interrupts-off entry keeps the address and data accesses together. */
long kdev_config_read(uint64_t address, uint64_t width)
{
    if (!ecam_base) {
        config_select(address);
        return port_read((uint16_t)(PCI_CONFIG_DATA_PORT + address % 4), width);
    }
    volatile void *r = ecam_register(address);
    if (!r)
        return -KABI_EINVAL;
    return width == 1   ? *(volatile uint8_t *)r
           : width == 2 ? *(volatile uint16_t *)r
                        : (long)*(volatile uint32_t *)r;
}

void kdev_config_write(uint64_t address, uint64_t width, uint32_t value)
{
    if (!ecam_base) {
        config_select(address);
        port_write((uint16_t)(PCI_CONFIG_DATA_PORT + address % 4), width, value);
        return;
    }
    volatile void *r = ecam_register(address);
    if (!r)
        return;
    if (width == 1)
        *(volatile uint8_t *)r = (uint8_t)value;
    else if (width == 2)
        *(volatile uint16_t *)r = (uint16_t)value;
    else
        *(volatile uint32_t *)r = value;
}

long kdev_pci_read(uint64_t address, uint64_t width)
{
    if (address > KABI_PCI_ADDRESS_MAX || !width_ok(width, address))
        return -KABI_EINVAL;
    return kdev_config_read(address, width);
}

/* A write that would turn a device's bus mastering on or off: whoever sets it lets the device
 * read and write memory on its own, so only the core does (kvirtio_open). The bit lies in the
 * command register's first byte, which every width reaches only at the register itself. */
static int changes_master(uint64_t address, uint64_t value)
{
    if (address % PCI_CONFIG_SIZE != PCI_COMMAND)
        return 0;
    long now = kdev_config_read(address, 1);
    return now >= 0 && ((uint64_t)now ^ value) & PCI_COMMAND_MASTER;
}

long kdev_pci_write(uint64_t address, uint64_t width, uint64_t value)
{
    if (address > KABI_PCI_ADDRESS_MAX || !width_ok(width, address))
        return -KABI_EINVAL;
    if (startup_over || changes_master(address, value) || !kvirtio_config_write_ok(address, width))
        return -KABI_EPERM;
    kdev_config_write(address, width, (uint32_t)value);
    return 0;
}

/* A device's ports: above the platform's, and all `width` of them below the limit (compared
 * without adding, which would wrap for a port just below 2^64). */
static int port_ok(uint64_t port, uint64_t width)
{
    return width_ok(width, port) && port >= KABI_PORT_DEVICE_MIN && port <= X86_IO_PORTS - width;
}

long kdev_port_read(uint64_t port, uint64_t width)
{
    if (!port_ok(port, width))
        return -KABI_EINVAL;
    return port_read((uint16_t)port, width);
}

long kdev_port_write(uint64_t port, uint64_t width, uint64_t value)
{
    if (!port_ok(port, width))
        return -KABI_EINVAL;
    if (!kvirtio_port_write_ok(port, width))
        return -KABI_EPERM;
    port_write((uint16_t)port, width, (uint32_t)value);
    return 0;
}

/* One 2 MiB page becomes user-accessible and uncached: a page of the device window
 * (supervisor until now, already uncached: pagetables.S), or a 2 MiB user page of the identity
 * map, where a PCI Express host's memory window lies (write-back until now). The core's own
 * pages (supervisor: the ECAM range's too), anything above 4 GiB and RAM are refused: an uncached
 * alias of memory other CPUs cache is a memory-type conflict (SDM vol. 3A 12.12.4), and the heap of
 * every CPU would run uncached. The protected 4 KiB pages of a split device page (kpaging_protect)
 * stay supervisor-only. No cache line needs flushing: a device page has not been read through
 * the write-back mapping before. */
long kdev_mmio_map(uint64_t addr)
{
    int window = addr >= KABI_DEVICE_WINDOW_START && addr < KABI_DEVICE_WINDOW_END;
    if (addr >= PLAT_MAPPED_LIMIT)
        return -KABI_EINVAL;
    if (!window && (addr & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1)) < ram_end)
        return -KABI_EPERM;
    if (!window && !(kpd[addr >> X86_LARGE_PAGE_SHIFT] & X86_PTE_U))
        return -KABI_EINVAL;
    kpaging_map_device(addr);
    return 0;
}

/* Entered with interrupts off (SYSCALL's FMASK): an interrupt that makes *word change after the
 * check stays pending until STI, whose one-instruction shadow covers the HLT, so none is lost.
 * The timer is armed for this wait only: no periodic tick. */
long kdev_wait(const uint16_t *word, uint64_t seen, uint64_t timer, uint64_t mode)
{
    if (!kcore_user_buffer_ok((uint64_t)(uintptr_t)word, sizeof(*word)))
        return -KABI_EFAULT;
    if (mode > KABI_TIMER_ONESHOT || (mode == KABI_TIMER_ONESHOT && (timer == 0 || timer >> 32)))
        return -KABI_EINVAL;
    int deadline = mode == KABI_TIMER_TSC_DEADLINE;
    if (mode != KABI_TIMER_NONE)
        klapic_timer_arm(deadline, timer, KABI_VEC_TIMER);
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == (uint16_t)seen)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    if (mode != KABI_TIMER_NONE)
        klapic_timer_stop(deadline);
    return 0;
}
