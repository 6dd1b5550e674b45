/* CPL3: reading the PCI Express ECAM ranges out of an ACPI MCFG table. Pure C over a byte
 * buffer; it never reads outside [table, table + len).
 *
 * The table (PCI Firmware Specification 3.2, 4.1.2): the 36-byte ACPI header, 8 reserved bytes,
 * then 16-byte allocations: base address, segment group, first and last bus. Function f of
 * device d on bus b of an allocation is configured at base + (b << 20 | d << 15 | f << 12);
 * the base is the address bus 0 would have, even when the first bus is higher.
 *
 * Policy for a damaged table: ECAM addresses are written to, so a wrong one would send
 * configuration writes into arbitrary memory or devices. A table with a bad checksum, a header
 * length different from the bytes given, or fewer bytes than its header is not used at all
 * (-EBADMSG or -EINVAL): the caller keeps configuration mechanism #1 (ports 0xCF8/0xCFC).
 * Within a sound table, an allocation whose last bus is below its first, or whose base is not
 * 1 MiB aligned, is skipped (MCFG_BAD_RANGE); bytes after the last whole allocation are
 * ignored (MCFG_PARTIAL_ENTRY). Neither stops the other allocations from being used. */
#ifndef TF_ACPI_MCFG_H
#define TF_ACPI_MCFG_H

#include <stddef.h>
#include <stdint.h>

#define MCFG_MAX_RANGES 8
#define MCFG_ERROR_MAX  120
#define MCFG_BUS_SHIFT  20 /* each bus has 1 MiB: 32 devices x 8 functions x 4 KiB */
#define MCFG_DEV_SHIFT  15
#define MCFG_FN_SHIFT   12

/* Bits of mcfg_info.problems */
#define MCFG_TOO_SHORT       0x01 /* fewer bytes than the header, or not signed "MCFG" */
#define MCFG_LENGTH_MISMATCH 0x02 /* the header's length differs from the bytes given */
#define MCFG_BAD_CHECKSUM    0x04 /* the bytes do not sum to 0 */
#define MCFG_PARTIAL_ENTRY   0x08 /* trailing bytes shorter than an allocation */
#define MCFG_BAD_RANGE       0x10 /* an allocation with end bus < start bus or a misaligned base */
#define MCFG_TOO_MANY        0x20 /* more usable allocations than MCFG_MAX_RANGES */

struct mcfg_range {
    uint64_t base; /* physical address of bus 0's configuration space */
    uint16_t segment;
    uint8_t start_bus, end_bus; /* inclusive */
};

struct mcfg_info {
    unsigned entries; /* whole allocations in the table */
    unsigned count;   /* usable ones, stored in ranges[] (at most MCFG_MAX_RANGES) */
    struct mcfg_range ranges[MCFG_MAX_RANGES];
    unsigned problems;          /* MCFG_* bits */
    char error[MCFG_ERROR_MAX]; /* the first problem, "" when none */
};

/* Parses the MCFG in `len` bytes at `table` into *out. Returns 0 when the table is sound (it
 * may still have skipped allocations: see problems), -EBADMSG for a bad checksum or length
 * mismatch, -EINVAL for fewer bytes than the header or a wrong signature. In both failure cases
 * out->count is 0. */
int mcfg_parse(const void *table, size_t len, struct mcfg_info *out);

/* The physical address of the configuration space of function `fn` of device `dev` on `bus` in
 * `segment`, or 0 when no allocation covers that bus. dev < 32, fn < 8. */
uint64_t mcfg_address(const struct mcfg_info *info, uint16_t segment, unsigned bus, unsigned dev,
                      unsigned fn);

#endif
