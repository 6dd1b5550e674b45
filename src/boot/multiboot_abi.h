/* Multiboot1 and Multiboot2 constants: header magics, flags and information tags.
 * References: Multiboot Specification 0.6.96 (Multiboot1) and Multiboot2 Specification 2.0. */
#ifndef TF_BOOT_MULTIBOOT_ABI_H
#define TF_BOOT_MULTIBOOT_ABI_H

/* Multiboot1 header (in the first 8 KiB of the image, 4-byte aligned) */
#define MB1_HEADER_MAGIC       0x1BADB002
#define MB1_HEADER_PAGE_ALIGN  0x00000001 /* modules page aligned */
#define MB1_HEADER_MEMINFO     0x00000002 /* loader passes mem_* and mmap_* */
#define MB1_HEADER_AOUT_KLUDGE 0x00010000 /* load addresses come from the header, not the ELF */
#define MB1_LOADER_MAGIC       0x2BADB002

/* Multiboot1 information structure: flags and field offsets */
#define MB1_INFO_MEMORY     0x001 /* mem_lower, mem_upper valid */
#define MB1_INFO_CMDLINE    0x004 /* cmdline valid */
#define MB1_INFO_MODS       0x008 /* mods_count, mods_addr valid */
#define MB1_INFO_MMAP       0x040 /* mmap_length, mmap_addr valid */
#define MB1_OFF_FLAGS       0
#define MB1_OFF_MEM_LOWER   4
#define MB1_OFF_MEM_UPPER   8
#define MB1_OFF_CMDLINE     16
#define MB1_OFF_MODS_COUNT  20
#define MB1_OFF_MODS_ADDR   24
#define MB1_OFF_MMAP_LENGTH 44
#define MB1_OFF_MMAP_ADDR   48
#define MB1_INFO_MIN_SIZE   52 /* through mmap_addr */
/* Multiboot1 memory map entry: u32 size (of the rest), u64 base, u64 length, u32 type */
#define MB1_MMAP_ENTRY_MIN 20 /* the size field's minimum value */
/* Multiboot1 module entry (3.3): u32 mod_start, u32 mod_end (exclusive), u32 string (physical
 * address of a C string, 0: none), u32 reserved */
#define MB1_MOD_START      0
#define MB1_MOD_END        4
#define MB1_MOD_STRING     8
#define MB1_MOD_ENTRY_SIZE 16

/* Multiboot2 header (in the first 32 KiB, 8-byte aligned) */
#define MB2_HEADER_MAGIC            0xE85250D6
#define MB2_ARCH_I386               0
#define MB2_HEADER_TAG_END          0
#define MB2_HEADER_TAG_INFO_REQUEST 1
#define MB2_LOADER_MAGIC            0x36D76289

/* Multiboot2 information: u32 total_size, u32 reserved, then 8-byte aligned tags
 * (u32 type, u32 size including this header) up to an end tag */
#define MB2_INFO_HEADER_SIZE  8
#define MB2_TAG_HEADER_SIZE   8
#define MB2_TAG_ALIGN         8
#define MB2_TAG_END           0
#define MB2_TAG_CMDLINE       1
#define MB2_TAG_BOOTLOADER    2
#define MB2_TAG_MODULE        3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP          6
#define MB2_TAG_ACPI_OLD      14 /* copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW      15 /* copy of the ACPI 2.0+ RSDP */
#define MB2_MMAP_HEADER_SIZE  16 /* tag header + u32 entry_size + u32 entry_version */
#define MB2_MMAP_ENTRY_MIN    24 /* u64 base, u64 length, u32 type, u32 reserved */
/* Module tag (3.6.6): tag header, u32 mod_start, u32 mod_end (exclusive), then the module's
 * NUL-terminated string up to the end of the tag */
#define MB2_MODULE_START  8
#define MB2_MODULE_END    12
#define MB2_MODULE_STRING 16

/* Memory types shared by both memory maps (and the BIOS E820 map) */
#define MB_MEMORY_AVAILABLE        1
#define MB_MEMORY_ACPI_RECLAIMABLE 3

#endif
