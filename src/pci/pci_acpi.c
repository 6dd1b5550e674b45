/* CPL3: what the ACPI tables say about PCI (pci.h, struct pci_platform): the ECAM range of an
 * MCFG (mcfg.c) and the host bridge's memory window from the DSDT (pcihost.c), read over the
 * identity map of the low 4 GiB. */
#include "acpi.h"
#include "acpi_tables.h"
#include "kabi.h"
#include "mcfg.h"
#include "pci.h"
#include "pcihost.h"
#include "platform.h"
#include "runtime.h"
#include "taskfarm.h"
#include "x86.h"

#include <stdio.h>
#include <string.h>

#define PCI_SEGMENT 0 /* the only segment group scanned */

/* The ECAM range of segment 0 when the MCFG is sound and the range lies below 4 GiB (the
 * identity map's reach). */
static void read_mcfg(const struct acpi_root *root, struct pci_platform *out)
{
    static struct mcfg_info info;
    struct acpi_table t;
    if (acpi_find(root, ACPI_MCFG_SIGNATURE_TEXT, &t) < 0)
        return;
    if (mcfg_parse(t.data, t.length, &info) < 0) {
        fprintf(stderr, "taskfarm: ignoring the ACPI MCFG (%s); PCI through ports 0xCF8/0xCFC\n",
                info.error);
        return;
    }
    for (unsigned i = 0; i < info.count; i++) {
        const struct mcfg_range *r = &info.ranges[i];
        uint64_t end = r->base + (((uint64_t)r->end_bus + 1) << MCFG_BUS_SHIFT);
        if (r->segment != PCI_SEGMENT || end > PLAT_MAPPED_LIMIT)
            continue;
        out->ecam_base = r->base;
        out->bus_start = r->start_bus;
        out->bus_end = r->end_bus;
        return;
    }
    fprintf(stderr, "taskfarm: the ACPI MCFG has no ECAM range for segment 0 below 4 GiB\n");
}

/* Where the ECAM range came from, for the boot line */
static const char *ecam_source = "MCFG";

/* Without an MCFG, the host bridge's _CBA; then, on an ECAM host, the placement window: the
 * device window unless the host bridge's windows are known and none holds it; then its largest
 * 32-bit window (QEMU's microvm forwards only 0xC0000000-0xDFFFFFFF to its PCI Express bus). */
static void read_dsdt(const struct acpi_root *root, struct pci_platform *out)
{
    struct acpi_table dsdt;
    struct pcihost_info host;
    if (acpi_find_dsdt(root, &dsdt) < 0 ||
        pcihost_scan(dsdt.data + ACPI_SDT_HEADER_SIZE, dsdt.length - ACPI_SDT_HEADER_SIZE, &host) <
            0)
        return;
    uint64_t cba_end = host.ecam_base + (((uint64_t)host.bus_end + 1) << MCFG_BUS_SHIFT);
    if (!out->ecam_base && host.ecam_base && host.ecam_base % (1ull << MCFG_BUS_SHIFT) == 0 &&
        cba_end <= PLAT_MAPPED_LIMIT) {
        out->ecam_base = host.ecam_base;
        out->bus_start = host.bus_start;
        out->bus_end = host.bus_end;
        ecam_source = "_CBA";
    }
    if (!out->ecam_base)
        return;
    out->no_io = !host.has_io;
    for (unsigned i = 0; i < host.mem_count; i++)
        if (host.mem[i].start <= KABI_DEVICE_WINDOW_START &&
            host.mem[i].end >= KABI_DEVICE_WINDOW_END)
            return;
    if (host.mem32.end > host.mem32.start) {
        out->mem_start = host.mem32.start;
        out->mem_end = host.mem32.end;
    }
}

void pci_acpi_read(struct pci_platform *out)
{
    static struct acpi_root root;
    *out = (struct pci_platform){.mem_start = KABI_DEVICE_WINDOW_START,
                                 .mem_end = KABI_DEVICE_WINDOW_END};
    const void *copy = runtime_boot.rsdp_len ? runtime_boot.rsdp : NULL;
    if (acpi_init(&root, copy, runtime_boot.rsdp_len, runtime_map_identity, NULL) < 0)
        return;
    read_mcfg(&root, out);
    read_dsdt(&root, out);
    if (out->ecam_base && !runtime_option_on("quiet"))
        printf("taskfarm: PCI Express configuration through ECAM at %#llx (%s, buses %u-%u), "
               "BARs in %#llx-%#llx%s\n",
               (unsigned long long)out->ecam_base, ecam_source, out->bus_start, out->bus_end,
               (unsigned long long)out->mem_start, (unsigned long long)out->mem_end - 1,
               out->no_io ? ", no port I/O" : "");
}
