/* The network card's PCI control plane, which is the core's: where its BARs are, whether it may
 * master the bus, and which interrupt messages it sends. When CPL3 owned them a program could
 * move the BAR of the common configuration to where it maps it, turn bus mastering on for any
 * device, or have the card send an NMI, an INIT or a vector below 32 to any CPU.
 *   pci-config   a start-up hook toggles the host bridge's bus mastering, which is refused even
 *                then. Main writes the BAR holding the card's MSI-X table, the card's command
 *                register without bus mastering, its MSI-X capability (MSI-X off), the host
 *                bridge's command register with bus mastering and unchanged, and maps the
 *                card's ECAM page for CPL3; each is refused. The core programs entry 0 again
 *                (accepted) but not one beyond the table. Tasks then write entry 0 of the MSI-X
 *                table (an NMI, then vector 3) and, on a PCI Express host, the card's command
 *                register in ECAM: contained faults. The card still masters the bus, its
 *                MSI-X is on, its BAR where it was, and it still receives.
 * Prints "pci-config <what>: <result>" for each call from main and a line per task. */
#include "hostile.h"
#include "kabi.h"
#include "pci.h"
#include "runtime.h"
#include "virtio_regs.h"
#include "x86.h"

#include <stdio.h>
#include <string.h>

#define HOSTILE_PORT    7070
#define RECV_NS         10000000000ull /* the wait for a datagram after the attack */
#define MSI_DATA_NMI    0x400u         /* delivery mode NMI (SDM vol. 3A 11.11.2) */
#define LOW_VECTOR      3              /* #BP */
#define BAR_ELSEWHERE   0x100000u      /* 1 MiB into the placement window */
#define ENTRY_TOO_LARGE 4096           /* beyond any MSI-X table (at most 2048 entries) */

static struct pci_device card;
static unsigned msix_cap, msix_bar;
static volatile uint32_t *entry0;       /* the card's MSI-X table entry 0 (the core's page) */
static volatile uint16_t *ecam_command; /* the card's command register in ECAM, or NULL */

static int is_virtio_net(const struct pci_device *d, void *ctx)
{
    (void)ctx;
    return d->vendor == VIRTIO_PCI_VENDOR && (d->device == VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_NET ||
                                              d->device == VIRTIO_PCI_TRANSITIONAL_NET);
}

static long config_write(const struct pci_device *d, unsigned reg, unsigned width, uint32_t v)
{
    return hostile_syscall(KABI_SYS_PCI_WRITE, KABI_PCI_ADDRESS(d->bus, d->dev, d->fn, reg), width,
                           v, 0);
}

/* Entry 0 of the card's table, in the BAR the capability names, as the driver placed it (BARs
 * below 4 GiB are identity-mapped); the card's ECAM page from the ACPI tables, when it has one. */
static int find_card(void)
{
    if (pci_find(is_virtio_net, NULL, &card) != 0 ||
        !(msix_cap = pci_find_cap(&card, PCI_CAP_ID_MSIX, 0)))
        return -1;
    uint32_t table = pci_read(&card, msix_cap + PCI_MSIX_TABLE, 4);
    msix_bar = PCI_BAR0 + 4 * (table & PCI_MSIX_BIR_MASK);
    uint64_t base = pci_read(&card, msix_bar, 4) & PCI_BAR_MEM_MASK;
    entry0 = (volatile uint32_t *)(uintptr_t)(base + (table & PCI_MSIX_OFFSET_MASK));
    struct pci_platform p;
    pci_acpi_read(&p);
    if (p.ecam_base)
        ecam_command = (volatile uint16_t *)(uintptr_t)(p.ecam_base +
                                                        ((uint64_t)card.bus << PCI_ECAM_BUS_SHIFT) +
                                                        ((uint64_t)card.dev << PCI_ECAM_DEV_SHIFT) +
                                                        ((uint64_t)card.fn << PCI_ECAM_FN_SHIFT) +
                                                        PCI_COMMAND);
    return 0;
}

/* During start-up (a start-up hook, before main) configuration writes are still allowed, but
 * not one that turns a device's bus mastering on or off: the host bridge's, toggled. */
static long startup_master;

static void toggle_master_at_startup(void)
{
    const struct pci_device host_bridge = {0};
    uint32_t command = pci_read(&host_bridge, PCI_COMMAND, 2);
    startup_master = config_write(&host_bridge, PCI_COMMAND, 2, command ^ PCI_COMMAND_MASTER);
}
RUNTIME_STARTUP_HOOK(toggle_master_at_startup);

static void say(const char *what, long rc)
{
    printf("pci-config %s: %ld\n", what, rc);
}

static void config_attack(void)
{
    const struct pci_device host_bridge = {0};
    uint32_t bar = pci_read(&card, msix_bar, 4);
    uint32_t command = pci_read(&card, PCI_COMMAND, 2);
    uint32_t control = pci_read(&card, msix_cap + PCI_MSIX_CONTROL, 2);
    uint32_t host_command = pci_read(&host_bridge, PCI_COMMAND, 2);
    say("startup-master", startup_master);
    say("bar", config_write(&card, msix_bar, 4, bar + BAR_ELSEWHERE));
    say("master-off", config_write(&card, PCI_COMMAND, 2, command & ~PCI_COMMAND_MASTER));
    say("msix-off",
        config_write(&card, msix_cap + PCI_MSIX_CONTROL, 2, control & ~PCI_MSIX_CONTROL_ENABLE));
    say("msix-table-offset", config_write(&card, msix_cap + PCI_MSIX_TABLE, 4, 0));
    say("host-master",
        config_write(&host_bridge, PCI_COMMAND, 2, host_command | PCI_COMMAND_MASTER));
    say("host-same", config_write(&host_bridge, PCI_COMMAND, 2, host_command));
    if (ecam_command)
        say("ecam-map",
            hostile_syscall(KABI_SYS_MMIO_MAP,
                            (long)((uintptr_t)ecam_command & ~(uintptr_t)(X86_LARGE_PAGE_SIZE - 1)),
                            0, 0, 0));
    say("msix-entry", hostile_syscall(KABI_SYS_VIRTIO_CTL, 0, KABI_VIRTIO_MSIX, 0, 0));
    say("msix-beyond",
        hostile_syscall(KABI_SYS_VIRTIO_CTL, 0, KABI_VIRTIO_MSIX, ENTRY_TOO_LARGE, 0));
}

/* Entry 0, masked, raising `data` (delivery mode and vector): the task ends with its fault */
static void write_entry(uint32_t data)
{
    entry0[PCI_MSIX_ENTRY_CONTROL / 4] |= PCI_MSIX_ENTRY_MASKED;
    entry0[PCI_MSIX_ENTRY_DATA / 4] = data;
}

static uint64_t write_nmi(unsigned i)
{
    (void)i;
    write_entry(MSI_DATA_NMI);
    return 1;
}

static uint64_t write_low_vector(unsigned i)
{
    (void)i;
    write_entry(LOW_VECTOR);
    return 1;
}

/* The value it has: harmless if it went through, but a store to the core's page is a fault */
static uint64_t write_ecam(unsigned i)
{
    (void)i;
    *ecam_command = (uint16_t)pci_read(&card, PCI_COMMAND, 2);
    return 1;
}

/* What the card's configuration says now */
static void check(uint32_t bar)
{
    say("bar-moved", pci_read(&card, msix_bar, 4) != bar);
    say("master", (pci_read(&card, PCI_COMMAND, 2) & PCI_COMMAND_MASTER) != 0);
    say("msix-on",
        (pci_read(&card, msix_cap + PCI_MSIX_CONTROL, 2) & PCI_MSIX_CONTROL_ENABLE) != 0);
}

int hostile_pci(const char *mode)
{
    int sock;
    if (strcmp(mode, "pci-config") || tf_net_start(0) != 0 ||
        (sock = tf_udp_bind(HOSTILE_PORT)) < 0 || find_card() != 0) {
        fprintf(stderr, "hostile: %s needs a network card with MSI-X\n", mode);
        return 2;
    }
    uint32_t bar = pci_read(&card, msix_bar, 4);
    config_attack();
    hostile_round("write-msix-nmi", write_nmi);
    hostile_round("write-msix-low", write_low_vector);
    printf("pci-config ecam: %s\n", ecam_command ? "yes" : "no");
    if (ecam_command)
        hostile_round("write-ecam", write_ecam);
    check(bar);
    printf("hostile: ready\n");
    fflush(stdout);
    char buf[64];
    int n = tf_udp_recv(sock, buf, sizeof(buf), NULL, RECV_NS);
    printf("pci-config: received %d\n", n);
    fflush(stdout);
    return hostile_normal_round();
}
