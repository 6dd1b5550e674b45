/* PCI at CPL3: configuration space, a bus scan that follows PCI-to-PCI bridges, BARs (sized,
 * and placed where the host bridge forwards them when the firmware left them unassigned or
 * elsewhere), the capability list and MSI-X. Bootstrap CPU only; not thread-safe.
 *
 * Configuration space is the core's (kabi.h, KABI_SYS_PCI_*): each access is a system call.
 * When the ACPI tables have a sound MCFG with an ECAM range for segment 0 below 4 GiB (PCI
 * Express hosts: QEMU's q35, and microvm with pcie=on), the first access gives that range to
 * the core, which then reaches every register through it (its pages are supervisor-only);
 * otherwise the core uses ports 0xCF8/0xCFC (the PC's mechanism #1). Writes end with start-up,
 * and bus mastering and the MSI-X capability of a virtio device are the core's.
 *
 * BAR placement window: the device window (KABI_DEVICE_WINDOW_START-END) unless, on an ECAM
 * host, the host bridge's 32-bit memory window from the DSDT does not contain it; then that
 * window (microvm: 0xC0000000-0xDFFFFFFF, and no port I/O at all). */
#ifndef TF_PCI_PCI_H
#define TF_PCI_PCI_H

#include "pci_regs.h"

#include <stddef.h>
#include <stdint.h>

struct pci_bar {
    uint64_t base; /* bus address (identity-mapped for memory BARs); 0: unassigned */
    uint64_t size; /* 0: no BAR here (or the upper half of a 64-bit BAR) */
    uint8_t io;    /* I/O space */
    uint8_t is64;  /* 64-bit memory BAR (spans this register and the next) */
};

struct pci_device {
    uint8_t bus, dev, fn;
    uint16_t vendor, device, subsystem;
    uint8_t class_code, subclass;
    struct pci_bar bars[PCI_BARS]; /* filled by pci_read_bars */
};

/* What the platform offers (pci_acpi.c reads it from the ACPI tables). */
struct pci_platform {
    uint64_t ecam_base;         /* ECAM address of bus 0; 0: ports 0xCF8/0xCFC */
    uint8_t bus_start, bus_end; /* the buses the ECAM range decodes */
    uint64_t mem_start;         /* where memory BARs may be placed: [mem_start, mem_end) */
    uint64_t mem_end;
    int no_io; /* the host bridge forwards no port I/O: I/O BARs cannot be used */
};

/* Fills *out from the ACPI tables (defaults: no ECAM, the device window, port I/O) and prints
 * one line on stdout when ECAM is used (unless tf.quiet), one on stderr about a damaged MCFG. */
void pci_acpi_read(struct pci_platform *out);

/* Configuration access; `width` 1, 2 or 4 bytes, `reg` aligned to it. Absent functions read as
 * all ones. */
uint32_t pci_read(const struct pci_device *d, unsigned reg, unsigned width);
void pci_write(const struct pci_device *d, unsigned reg, unsigned width, uint32_t value);

/* Scans bus 0 and every bus behind a PCI-to-PCI bridge, calling match(d, ctx) for each function
 * present; the first that matches (nonzero) is copied to *out. 0, or -ENODEV. */
typedef int (*pci_match_fn)(const struct pci_device *d, void *ctx);
int pci_find(pci_match_fn match, void *ctx, struct pci_device *out);

/* Sizes the device's BARs into d->bars (decoding is off meanwhile). */
void pci_read_bars(struct pci_device *d);

/* Makes BAR `bar` usable at CPL3: a memory BAR outside the placement window (unassigned, or
 * placed elsewhere by the firmware) is moved to a free, naturally aligned place inside it (see
 * above); its pages are then mapped user-accessible and uncached. An I/O BAR that is unassigned
 * gets a free range at or above KABI_PORT_DEVICE_MIN. Decoding stays off until pci_enable. 0,
 * -ENOSPC (no room, or an I/O BAR on a host without port I/O) or -EINVAL. */
int pci_place_bar(struct pci_device *d, unsigned bar);

/* Turns on memory and I/O decoding and turns off INTx (bus mastering is the core's:
 * KABI_SYS_VIRTIO_OPEN). */
void pci_enable(const struct pci_device *d);

/* Offset of the first capability with this ID at or after the one at `from` (0: from the start
 * of the list), or 0 when there is none. */
unsigned pci_find_cap(const struct pci_device *d, uint8_t id, unsigned from);

/* Pointer to a memory BAR's registers at `offset` (the BAR placed with pci_place_bar). */
volatile void *pci_bar_ptr(const struct pci_device *d, unsigned bar, uint64_t offset);

#endif
