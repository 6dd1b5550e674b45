/* CPL3: what soft-off (the S5 sleep state) takes, out of the FADT and the DSDT, so that the
 * guest powers the machine off on exit where there is no exit device (real machines, clouds,
 * QEMU without isa-debug-exit). Pure C over byte buffers; never reads outside them.
 *
 * S5 is entered by writing SLP_TYP (the sleep type, 3 bits) with SLP_EN into the PM1a control
 * register, and into PM1b's when there is one (ACPI 6.5, 4.8.3.2.1 and 7.4.2). The ports are
 * FADT fields (5.2.9); the sleep types are the first two integers of the \_S5 package of the
 * DSDT (7.4.2.6), an object AML normally declares as data:
 *     NameOp [RootChar] "_S5_" PackageOp PkgLength NumElements SLP_TYPa SLP_TYPb ...
 * (08 [5C] 5F 53 35 5F 12 ...), in whatever scope or If block. That pattern is searched for,
 * without an interpreter (GRUB's ACPI halt does the same): a \_S5 that a method computes is not
 * found. As ACPICA does, a package of one integer holds SLP_TYPa in its low byte and SLP_TYPb in
 * the next, and so does a plain integer in place of the package. */
#ifndef TF_ACPI_SLEEP_H
#define TF_ACPI_SLEEP_H

#include <stddef.h>
#include <stdint.h>

struct acpi_sleep_type {
    uint8_t a, b; /* SLP_TYPa and SLP_TYPb, each 0-7 */
};

/* Searches `len` bytes of AML (the DSDT after its header, or all of it) for the first \_S5
 * declaration that holds two sleep types of 3 bits. 0 and *out; -ENOENT when there is none. */
int acpi_s5_find(const void *aml, size_t len, struct acpi_sleep_type *out);

struct acpi_pm1_control {
    uint16_t a, b; /* I/O ports of the PM1a and PM1b control registers; b 0: no PM1b */
};

/* Reads the PM1 control ports from the FADT's `len` bytes: the X_PM1x_CNT_BLK Generic Address
 * when it is set (ACPI 2.0+), else PM1x_CNT_BLK. 0; -ENOENT for a hardware-reduced platform
 * (no fixed hardware, HW_REDUCED_ACPI) or one with no PM1a block; -EINVAL for a table too short
 * to say, a control block shorter than 2 bytes, or a register outside port I/O (a memory-mapped
 * PM1 block is not supported). */
int acpi_fadt_pm1_control(const uint8_t *fadt, size_t len, struct acpi_pm1_control *out);

#endif
