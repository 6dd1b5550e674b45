/* PCI register table: the configuration mechanism, the type 0/1 configuration header, base
 * address registers, the capability list and MSI-X. References: PCI Local Bus Specification 3.0
 * (3.2.2.3.2 configuration mechanism #1, 6.1 header, 6.2.5 BARs, 6.7 capabilities, 6.8.2 MSI-X),
 * PCI-to-PCI Bridge Architecture Specification 1.2 (3.2), Intel SDM vol. 3A 11.11 (MSI address and
 * data). */
#ifndef TF_PCI_PCI_REGS_H
#define TF_PCI_PCI_REGS_H

/* Configuration mechanism #1: write the address to 0xCF8, then access the dword at 0xCFC (plus
 * the low two bits of the register number for byte and word accesses). */
#define PCI_CONFIG_ADDRESS_PORT 0xCF8
#define PCI_CONFIG_DATA_PORT    0xCFC
#define PCI_CONFIG_ENABLE       (1u << 31) /* in the address: access configuration space */
#define PCI_CONFIG_DWORD_MASK   0xFFFFFCu  /* bus, device, function, dword-aligned register */

#define PCI_BUSES           256
#define PCI_DEVICES_PER_BUS 32
#define PCI_FUNCTIONS       8
#define PCI_CONFIG_SIZE     256 /* bytes of configuration space through mechanism #1 */
/* PCI Express ECAM (PCI Express Base 4.0, 7.2.2): 4 KiB per function, 1 MiB per bus, from the
 * address of bus 0 */
#define PCI_ECAM_FN_SHIFT  12
#define PCI_ECAM_DEV_SHIFT 15
#define PCI_ECAM_BUS_SHIFT 20

/* Type 0 and 1 header */
#define PCI_VENDOR_ID        0x00 /* 16 bits; 0xFFFF: no function here */
#define PCI_VENDOR_NONE      0xFFFF
#define PCI_DEVICE_ID        0x02       /* 16 bits */
#define PCI_COMMAND          0x04       /* 16 bits */
#define PCI_COMMAND_IO       (1u << 0)  /* decode the I/O BARs */
#define PCI_COMMAND_MEMORY   (1u << 1)  /* decode the memory BARs */
#define PCI_COMMAND_MASTER   (1u << 2)  /* the device may read and write memory (DMA) */
#define PCI_COMMAND_INTX_OFF (1u << 10) /* legacy INTx pin disabled */
#define PCI_STATUS           0x06       /* 16 bits */
#define PCI_STATUS_CAP_LIST  (1u << 4)  /* PCI_CAP_POINTER is valid */
#define PCI_PROG_IF          0x09       /* 8 bits */
#define PCI_SUBCLASS         0x0A       /* 8 bits */
#define PCI_CLASS            0x0B       /* 8 bits */
#define PCI_HEADER_TYPE      0x0E       /* 8 bits */
#define PCI_HEADER_TYPE_MASK 0x7F
#define PCI_HEADER_NORMAL    0x00
#define PCI_HEADER_BRIDGE    0x01 /* PCI-to-PCI bridge */
#define PCI_HEADER_MULTIFUNC 0x80 /* functions 1-7 may exist */
#define PCI_BAR0             0x10 /* 32 bits each, PCI_BARS of them (type 0) */
#define PCI_BARS             6
#define PCI_BRIDGE_SECONDARY 0x19 /* 8 bits, type 1: the bus behind the bridge */
#define PCI_SUBSYSTEM_ID     0x2E /* 16 bits, type 0 */
#define PCI_CAP_POINTER      0x34 /* 8 bits: first capability (low two bits reserved) */
#define PCI_CAP_POINTER_MASK 0xFC

/* Base address registers */
#define PCI_BAR_IO            (1u << 0) /* I/O space (else memory) */
#define PCI_BAR_IO_MASK       0xFFFFFFFCu
#define PCI_BAR_MEM_TYPE_MASK (3u << 1)
#define PCI_BAR_MEM_TYPE_64   (2u << 1) /* 64-bit: the next BAR holds the high half */
#define PCI_BAR_MEM_PREFETCH  (1u << 3)
#define PCI_BAR_MEM_MASK      0xFFFFFFF0u
#define PCI_BAR_SIZING        0xFFFFFFFFu /* written to read back the size mask */

/* Capability list: each entry starts with its ID and the offset of the next (0 ends) */
#define PCI_CAP_ID        0x00
#define PCI_CAP_NEXT      0x01
#define PCI_CAP_ID_VENDOR 0x09 /* vendor-specific (virtio uses these) */
#define PCI_CAP_ID_MSIX   0x11
#define PCI_CAP_LIST_MAX  48 /* entries before a looping list is given up */

/* MSI-X capability */
#define PCI_MSIX_CONTROL        0x02       /* 16 bits */
#define PCI_MSIX_CONTROL_SIZE   0x07FFu    /* table entries - 1 */
#define PCI_MSIX_CONTROL_MASK   (1u << 14) /* function mask: every vector masked */
#define PCI_MSIX_CONTROL_ENABLE (1u << 15)
#define PCI_MSIX_TABLE          0x04 /* 32 bits: offset in the BAR | BAR index */
#define PCI_MSIX_PBA            0x08 /* 32 bits: pending-bit array, same encoding */
#define PCI_MSIX_BIR_MASK       0x7u
#define PCI_MSIX_OFFSET_MASK    0xFFFFFFF8u

/* MSI-X table entry (in memory, 16 bytes each) */
#define PCI_MSIX_ENTRY_SIZE    16
#define PCI_MSIX_ENTRY_ADDR_LO 0x0
#define PCI_MSIX_ENTRY_ADDR_HI 0x4
#define PCI_MSIX_ENTRY_DATA    0x8
#define PCI_MSIX_ENTRY_CONTROL 0xC
#define PCI_MSIX_ENTRY_MASKED  (1u << 0)

/* Message address and data for the local APICs (SDM vol. 3A 11.11.1, 11.11.2): physical
 * destination mode, fixed delivery, edge triggered. */
#define MSI_ADDRESS_BASE       0xFEE00000u
#define MSI_ADDRESS_DEST_SHIFT 12
#define MSI_ADDRESS_DEST_MAX   0xFFu /* an 8-bit APIC ID without interrupt remapping */
#define MSI_DATA_FIXED_EDGE    0x0000u

/* Class codes of the bridges the bus scan follows */
#define PCI_CLASS_BRIDGE        0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04

#endif
