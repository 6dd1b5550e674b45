/* ACPI table layouts the runtime reads: the one table of names for their byte offsets, sizes,
 * signatures and flag bits. Nothing outside this file writes a raw ACPI offset. All multi-byte
 * fields are little-endian and may be unaligned: read them with acpi_get16/32/64 (acpi.h).
 * Reference: ACPI Specification 6.5, sections 5.2.5 (RSDP), 5.2.6 (system description table
 * header), 5.2.7 (RSDT), 5.2.8 (XSDT), 5.2.12 (MADT). */
#ifndef TF_ACPI_ACPI_TABLES_H
#define TF_ACPI_ACPI_TABLES_H

/* Root System Description Pointer (5.2.5.3) */
#define ACPI_RSDP_SIGNATURE      0  /* 8 bytes "RSD PTR " */
#define ACPI_RSDP_CHECKSUM       8  /* bytes 0-19 sum to 0 */
#define ACPI_RSDP_OEMID          9  /* 6 bytes */
#define ACPI_RSDP_REVISION       15 /* 0: ACPI 1.0 (20 bytes, RSDT only); 2: ACPI 2.0+ */
#define ACPI_RSDP_RSDT_ADDRESS   16 /* 32-bit physical address of the RSDT */
#define ACPI_RSDP_V1_SIZE        20 /* what the checksum covers */
#define ACPI_RSDP_LENGTH         20 /* 32-bit: size of the whole RSDP (revision 2+) */
#define ACPI_RSDP_XSDT_ADDRESS   24 /* 64-bit physical address of the XSDT (revision 2+) */
#define ACPI_RSDP_EXT_CHECKSUM   32 /* all ACPI_RSDP_LENGTH bytes sum to 0 (revision 2+) */
#define ACPI_RSDP_RESERVED       33 /* 3 bytes */
#define ACPI_RSDP_V2_SIZE        36
#define ACPI_RSDP_SIGNATURE_TEXT "RSD PTR "
#define ACPI_RSDP_SIGNATURE_LEN  8
#define ACPI_RSDP_REVISION_V2    2
#define ACPI_RSDP_ALIGN          16 /* the BIOS-area scan looks on 16-byte boundaries */

/* Where a legacy BIOS leaves the RSDP (5.2.5.1): the first KiB of the Extended BIOS Data Area,
 * whose real-mode segment is stored at ACPI_BDA_EBDA_SEGMENT, or the read-only BIOS area. */
#define ACPI_BDA_EBDA_SEGMENT   0x40E /* 16-bit segment; physical = segment << 4 */
#define ACPI_EBDA_SEGMENT_SHIFT 4
#define ACPI_EBDA_SEARCH_SIZE   1024
#define ACPI_BIOS_AREA_START    0xE0000
#define ACPI_BIOS_AREA_END      0x100000 /* exclusive */

/* System description table header, common to the RSDT, XSDT, MADT and the rest (5.2.6) */
#define ACPI_SDT_SIGNATURE        0 /* 4 bytes, e.g. "APIC" */
#define ACPI_SDT_LENGTH           4 /* 32-bit: whole table, header included */
#define ACPI_SDT_REVISION         8
#define ACPI_SDT_CHECKSUM         9  /* all ACPI_SDT_LENGTH bytes sum to 0 */
#define ACPI_SDT_OEMID            10 /* 6 bytes */
#define ACPI_SDT_OEM_TABLE_ID     16 /* 8 bytes */
#define ACPI_SDT_OEM_REVISION     24 /* 32-bit */
#define ACPI_SDT_CREATOR_ID       28 /* 4 bytes */
#define ACPI_SDT_CREATOR_REVISION 32 /* 32-bit */
#define ACPI_SDT_HEADER_SIZE      36
#define ACPI_SDT_SIGNATURE_LEN    4

/* RSDT and XSDT (5.2.7, 5.2.8): the header, then physical addresses of the other tables */
#define ACPI_RSDT_SIGNATURE_TEXT "RSDT"
#define ACPI_RSDT_ENTRY_SIZE     4 /* 32-bit addresses */
#define ACPI_XSDT_SIGNATURE_TEXT "XSDT"
#define ACPI_XSDT_ENTRY_SIZE     8 /* 64-bit addresses */

/* Multiple APIC Description Table (5.2.12): the header, two fields, then interrupt controller
 * structures, each starting with a type byte and a length byte that covers the whole entry. */
#define ACPI_MADT_SIGNATURE_TEXT   "APIC"
#define ACPI_MADT_LAPIC_ADDRESS    36  /* 32-bit physical address of every CPU's local APIC */
#define ACPI_MADT_FLAGS            40  /* 32-bit */
#define ACPI_MADT_FLAG_PCAT_COMPAT 0x1 /* dual 8259 PICs present too */
#define ACPI_MADT_ENTRIES          44  /* first entry */
#define ACPI_MADT_HEADER_SIZE      44
#define ACPI_MADT_ENTRY_TYPE       0
#define ACPI_MADT_ENTRY_LENGTH     1
#define ACPI_MADT_ENTRY_MIN        2 /* shorter entries end the walk */
#define ACPI_MADT_OC_REVISION      5 /* the Online Capable flag exists from this revision on */

/* Entry types (5.2.12, table 5.21) */
#define ACPI_MADT_LOCAL_APIC       0x0
#define ACPI_MADT_IO_APIC          0x1
#define ACPI_MADT_INT_OVERRIDE     0x2
#define ACPI_MADT_NMI_SOURCE       0x3
#define ACPI_MADT_LOCAL_APIC_NMI   0x4
#define ACPI_MADT_LAPIC_OVERRIDE   0x5
#define ACPI_MADT_IO_SAPIC         0x6
#define ACPI_MADT_LOCAL_SAPIC      0x7
#define ACPI_MADT_PLATFORM_INT_SRC 0x8
#define ACPI_MADT_LOCAL_X2APIC     0x9
#define ACPI_MADT_LOCAL_X2APIC_NMI 0xA
#define ACPI_MADT_MP_WAKEUP        0x10 /* 0x0B-0x0F are the ARM GIC structures */
#define ACPI_MADT_TYPES            256  /* 0x80-0xFF are reserved for OEM use */

/* Flags of the Local APIC and Local x2APIC entries (5.2.12.2, table 5.23) */
#define ACPI_MADT_CPU_ENABLED        0x1 /* usable now */
#define ACPI_MADT_CPU_ONLINE_CAPABLE 0x2 /* may be enabled later (only when not Enabled) */

/* Type 0: Processor Local APIC (5.2.12.2) */
#define ACPI_LAPIC_UID     2 /* 8-bit ACPI processor UID */
#define ACPI_LAPIC_APIC_ID 3 /* 8-bit local APIC ID */
#define ACPI_LAPIC_FLAGS   4 /* 32-bit, ACPI_MADT_CPU_* */
#define ACPI_LAPIC_SIZE    8

/* Type 1: I/O APIC (5.2.12.3) */
#define ACPI_IOAPIC_ID       2
#define ACPI_IOAPIC_RESERVED 3
#define ACPI_IOAPIC_ADDRESS  4 /* 32-bit physical */
#define ACPI_IOAPIC_GSI_BASE 8 /* 32-bit */
#define ACPI_IOAPIC_SIZE     12

/* Type 2: Interrupt Source Override (5.2.12.5) */
#define ACPI_INTOVR_BUS    2 /* 0: ISA */
#define ACPI_INTOVR_SOURCE 3 /* bus-relative IRQ */
#define ACPI_INTOVR_GSI    4 /* 32-bit */
#define ACPI_INTOVR_FLAGS  8 /* 16-bit MPS INTI flags */
#define ACPI_INTOVR_SIZE   10

/* Type 3: NMI Source (5.2.12.6) */
#define ACPI_NMISRC_FLAGS 2 /* 16-bit MPS INTI flags */
#define ACPI_NMISRC_GSI   4 /* 32-bit */
#define ACPI_NMISRC_SIZE  8

/* Type 4: Local APIC NMI (5.2.12.7) */
#define ACPI_LAPIC_NMI_UID   2 /* 8-bit processor UID, 0xFF: all */
#define ACPI_LAPIC_NMI_FLAGS 3 /* 16-bit MPS INTI flags */
#define ACPI_LAPIC_NMI_LINT  5 /* LINT0 or LINT1 */
#define ACPI_LAPIC_NMI_SIZE  6

/* Type 5: Local APIC Address Override (5.2.12.8): replaces the header's 32-bit address */
#define ACPI_LAPIC_OVR_RESERVED 2 /* 16-bit */
#define ACPI_LAPIC_OVR_ADDRESS  4 /* 64-bit physical */
#define ACPI_LAPIC_OVR_SIZE     12

/* Type 9: Processor Local x2APIC (5.2.12.12) */
#define ACPI_X2APIC_RESERVED 2  /* 16-bit */
#define ACPI_X2APIC_APIC_ID  4  /* 32-bit x2APIC ID */
#define ACPI_X2APIC_FLAGS    8  /* 32-bit, ACPI_MADT_CPU_* */
#define ACPI_X2APIC_UID      12 /* 32-bit ACPI processor UID */
#define ACPI_X2APIC_SIZE     16

/* Type 10: Local x2APIC NMI (5.2.12.13) */
#define ACPI_X2APIC_NMI_FLAGS    2 /* 16-bit MPS INTI flags */
#define ACPI_X2APIC_NMI_UID      4 /* 32-bit processor UID, 0xFFFFFFFF: all */
#define ACPI_X2APIC_NMI_LINT     8
#define ACPI_X2APIC_NMI_RESERVED 9 /* 3 bytes */
#define ACPI_X2APIC_NMI_SIZE     12

/* Type 0x10: Multiprocessor Wakeup (5.2.12.19); listed so the walk can name it, not used */
#define ACPI_MP_WAKEUP_VERSION  2 /* 16-bit mailbox version */
#define ACPI_MP_WAKEUP_RESERVED 4 /* 32-bit */
#define ACPI_MP_WAKEUP_MAILBOX  8 /* 64-bit physical address of the mailbox */
#define ACPI_MP_WAKEUP_SIZE     16

/* PCI Express memory-mapped configuration space table "MCFG" (PCI Firmware Specification 3.2,
 * 4.1.2): the header, 8 reserved bytes, then one 16-byte allocation per ECAM range. Function
 * f of device d on bus b is configured at base + (b << 20 | d << 15 | f << 12), base being the
 * allocation's address for bus 0 even when its first bus is higher. */
#define ACPI_MCFG_SIGNATURE_TEXT "MCFG"
#define ACPI_MCFG_ENTRIES        44 /* first allocation */
#define ACPI_MCFG_BASE           0  /* 64-bit physical base address (bus 0) */
#define ACPI_MCFG_SEGMENT        8  /* 16-bit PCI segment group */
#define ACPI_MCFG_START_BUS      10 /* 8-bit first bus decoded */
#define ACPI_MCFG_END_BUS        11 /* 8-bit last bus decoded */
#define ACPI_MCFG_RESERVED       12 /* 32-bit */
#define ACPI_MCFG_ENTRY_SIZE     16

/* Fixed ACPI Description Table "FACP" (5.2.9, table 5.9): where the DSDT is, and the PM1
 * control registers the sleep states are entered through (4.8.3.2.1) */
#define ACPI_FADT_SIGNATURE_TEXT  "FACP"
#define ACPI_FADT_DSDT            40         /* 32-bit physical address */
#define ACPI_FADT_PM1A_CNT_BLK    64         /* 32-bit port of the PM1a control register block */
#define ACPI_FADT_PM1B_CNT_BLK    68         /* 32-bit port of PM1b's; 0: there is none */
#define ACPI_FADT_PM1_CNT_LEN     89         /* 8-bit: bytes of each control block (>= 2) */
#define ACPI_FADT_FLAGS           112        /* 32-bit fixed feature flags */
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20) /* no fixed hardware: no PM1 blocks (ACPI 5.0+) */
#define ACPI_FADT_X_DSDT          140 /* 64-bit physical address (ACPI 2.0+; wins when nonzero) */
#define ACPI_FADT_X_PM1A_CNT_BLK  172 /* Generic Address of PM1a control (ACPI 2.0+; wins) */
#define ACPI_FADT_X_PM1B_CNT_BLK  184 /* Generic Address of PM1b control */
#define ACPI_DSDT_SIGNATURE_TEXT  "DSDT"

/* Generic Address Structure (5.2.3.2, table 5.1) */
#define ACPI_GAS_SPACE_ID        0 /* address space: */
#define ACPI_GAS_SPACE_SYSTEM_IO 1
#define ACPI_GAS_BIT_WIDTH       1
#define ACPI_GAS_BIT_OFFSET      2
#define ACPI_GAS_ACCESS_SIZE     3
#define ACPI_GAS_ADDRESS         4 /* 64-bit */
#define ACPI_GAS_SIZE            12

/* PM1 control register (4.8.3.2.1, table 4.13): SLP_EN starts the sleep state in SLP_TYP */
#define ACPI_PM1_CNT_MIN_LEN 2
#define ACPI_SLP_TYP_MAX     7 /* SLP_TYP is 3 bits */
#define ACPI_PORT_MAX        0xFFFF

/* AML encodings the PCI host bridge scan and the \_S5 search recognise (20.2): a buffer object
 * is BufferOp, PkgLength, BufferSize (an integer term), then its bytes; a package is
 * PackageOp, PkgLength, NumElements (a byte), then its elements */
#define ACPI_AML_NAME_OP          0x08
#define ACPI_AML_PACKAGE_OP       0x12
#define ACPI_AML_ROOT_CHAR        0x5C /* RootChar: a name from the namespace root, as in \_S5 */
#define ACPI_AML_ONES_OP          0xFF
#define ACPI_AML_METHOD_OP        0x14 /* PkgLength, NameString, MethodFlags, TermList */
#define ACPI_AML_RETURN_OP        0xA4
#define ACPI_AML_QWORD_PREFIX     0x0E
#define ACPI_AML_NAME_SEG_LEN     4
#define ACPI_AML_PKGLEN_MAX_BYTES 4
#define ACPI_AML_BUFFER_OP        0x11
#define ACPI_AML_ZERO_OP          0x00
#define ACPI_AML_ONE_OP           0x01
#define ACPI_AML_BYTE_PREFIX      0x0A
#define ACPI_AML_WORD_PREFIX      0x0B
#define ACPI_AML_DWORD_PREFIX     0x0C
#define ACPI_AML_PKGLEN_BYTES(b)  ((b) >> 6)  /* lead byte: how many bytes follow */
#define ACPI_AML_PKGLEN_SHORT(b)  ((b)&0x3Fu) /* lead byte alone: the length */
#define ACPI_AML_PKGLEN_NIBBLE(b) ((b)&0x0Fu) /* lead byte with followers: low 4 bits */

/* Resource descriptors of a resource template (6.4): small items carry their length in the tag
 * byte, large items in the 16 bits after it. A template ends with the End Tag. */
#define ACPI_RES_LARGE                  0x80 /* tag bit 7: large item */
#define ACPI_RES_SMALL_LENGTH(t)        ((t)&0x07u)
#define ACPI_RES_SMALL_NAME(t)          (((t) >> 3) & 0x0Fu)
#define ACPI_RES_SMALL_END_TAG          0x0F /* small item name; 1 checksum byte follows */
#define ACPI_RES_LARGE_LENGTH           1    /* 16-bit length of the data after the 3-byte header */
#define ACPI_RES_LARGE_HEADER           3
#define ACPI_RES_DWORD_ADDRESS          0x87 /* DWord Address Space Descriptor (6.4.3.5.2) */
#define ACPI_RES_QWORD_ADDRESS          0x8A /* QWord Address Space Descriptor (6.4.3.5.1) */
#define ACPI_RES_WORD_ADDRESS           0x88 /* Word Address Space Descriptor (6.4.3.5.3) */
#define ACPI_RES_ADDR_TYPE              3    /* resource type: */
#define ACPI_RES_ADDR_TYPE_MEMORY       0
#define ACPI_RES_ADDR_TYPE_IO           1
#define ACPI_RES_ADDR_TYPE_BUS          2
#define ACPI_RES_ADDR_FLAGS             4   /* general flags: */
#define ACPI_RES_ADDR_CONSUMER          0x1 /* consumes the range (else produces it for children) */
#define ACPI_RES_ADDR_FIELDS            6   /* granularity, minimum, maximum, translation, length */
#define ACPI_RES_ADDR_FIELD_COUNT       5
#define ACPI_RES_ADDR_MIN_FIELD         1 /* index of the minimum among the five fields */
#define ACPI_RES_ADDR_TRANSLATION_FIELD 3 /* index of the translation offset */
#define ACPI_RES_ADDR_LENGTH_FIELD      4 /* index of the length */

#endif
