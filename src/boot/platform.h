/* PC platform constants outside any one device: the QEMU exit device, legacy memory areas, the
 * image's fixed addresses. */
#ifndef TF_BOOT_PLATFORM_H
#define TF_BOOT_PLATFORM_H

/* QEMU's isa-debug-exit device (-device isa-debug-exit,iobase=0xf4,iosize=4): a 32-bit write of v
 * ends QEMU with exit status (v << 1) | 1. tools/tf-run undoes the shift. */
#define PLAT_DEBUG_EXIT_PORT 0xF4

#define PLAT_LOW_MEMORY_END 0x100000    /* end of the real-mode megabyte */
#define PLAT_IMAGE_BASE     0x100000    /* where the image is loaded (linker.ld) */
#define PLAT_MAPPED_LIMIT   0x100000000 /* identity map covers the low 4 GiB (no suffix: isr.S) */

/* ACPI PM1 control register: SLP_EN starts the sleep state in SLP_TYP (ACPI 6.5, 4.8.3.2.1) */
#define PLAT_ACPI_PM1_SLP_TYP_SHIFT 10
#define PLAT_ACPI_PM1_SLP_TYP_MASK  (7u << PLAT_ACPI_PM1_SLP_TYP_SHIFT)
#define PLAT_ACPI_PM1_SLP_EN        (1u << 13)
#define PLAT_ACPI_SLP_TYP_MAX       7

#endif
