/* CPL3: reading the CPUs out of an ACPI MADT ("APIC" table). Pure C over a byte buffer; it never
 * reads outside [table, table + len).
 *
 * The walk: entries start after the 44-byte MADT header; each names its type and its length. An
 * entry shorter than 2 bytes, or running past `len`, ends the walk. Entries of unknown or reserved
 * types are skipped by their length. The walk covers the `len` bytes the caller hands over (in
 * the guest acpi_find hands over exactly the header's length; a header length that differs from
 * `len` is reported as damage).
 *
 * What is taken from the entries:
 *   type 0 (Processor Local APIC) and 9 (Processor Local x2APIC): the APIC IDs of the CPUs whose
 *     Enabled flag is set, each ID once, in table order. From MADT revision 5 on, a CPU that is
 *     not Enabled but Online Capable is counted (online_capable), not listed: it could be
 *     brought up later, but the firmware has not enabled it.
 *   type 5 (Local APIC Address Override): its 64-bit address replaces the header's 32-bit one.
 *   every type: how many entries of it were met.
 *
 * Policy for a damaged table (problems != 0, error describes the first problem):
 *   - bad checksum or header length different from `len`: the entries that parse cleanly are
 *     still used; the caller says the table was damaged;
 *   - a truncated entry or one shorter than 2 bytes: the walk stops there; the entries before
 *     it are used;
 *   - a CPU or override entry shorter than its layout: that entry is skipped;
 *   - fewer bytes than the MADT header, or a wrong signature: nothing is used (-EINVAL);
 *   - no enabled CPU at all: the caller runs on the bootstrap CPU alone. */
#ifndef TF_ACPI_MADT_H
#define TF_ACPI_MADT_H

#include "acpi_tables.h"

#include <stddef.h>
#include <stdint.h>

#define MADT_ERROR_MAX 160

/* Bits of madt_info.problems. The first four mean the table is damaged (madt_damaged). */
#define MADT_TOO_SHORT       0x001 /* fewer than 44 bytes, or not signed "APIC" */
#define MADT_LENGTH_MISMATCH 0x002 /* the header's length differs from the bytes given */
#define MADT_BAD_CHECKSUM    0x004 /* the bytes do not sum to 0 */
#define MADT_BAD_ENTRY       0x008 /* an entry shorter than 2 bytes, or past the end */
#define MADT_SHORT_CPU_ENTRY 0x010 /* a type 0, 5 or 9 entry shorter than its layout */
#define MADT_DUPLICATE_ID    0x020 /* an enabled APIC ID listed twice (counted once) */
#define MADT_TOO_MANY_CPUS   0x040 /* more enabled CPUs than the caller's array holds */
#define MADT_DAMAGE_MASK                                                                           \
    (MADT_TOO_SHORT | MADT_LENGTH_MISMATCH | MADT_BAD_CHECKSUM | MADT_BAD_ENTRY |                  \
     MADT_SHORT_CPU_ENTRY)

struct madt_info {
    uint8_t revision;
    uint32_t flags;                       /* ACPI_MADT_FLAG_* from the header */
    uint32_t header_lapic_address;        /* the header's 32-bit field */
    uint64_t lapic_address;               /* the one to use: the override's when present */
    int checksum_ok;                      /* length matches and the bytes sum to 0 */
    unsigned enabled;                     /* distinct enabled APIC IDs */
    unsigned stored;                      /* of them, written to ids[] (at most max) */
    unsigned online_capable;              /* distinct IDs not enabled but online capable */
    unsigned disabled;                    /* CPU entries neither enabled nor online capable */
    unsigned entries;                     /* entries walked */
    unsigned type_count[ACPI_MADT_TYPES]; /* entries walked, by type */
    unsigned problems;                    /* MADT_* bits */
    char error[MADT_ERROR_MAX];           /* the first problem, "" when none */
};

/* Parses the MADT in `len` bytes at `table`. Writes up to `max` enabled APIC IDs to `ids` (in
 * table order, each once) and fills *out. Returns 0 when the table is sound, -EBADMSG when it is
 * damaged but its clean entries were read (see the policy above), -EINVAL when nothing could be
 * read (fewer bytes than the MADT header or a wrong signature). */
int madt_parse(const void *table, size_t len, uint32_t *ids, unsigned max, struct madt_info *out);

/* 1 when the problems found make the table untrustworthy (MADT_DAMAGE_MASK). */
static inline int madt_damaged(const struct madt_info *info)
{
    return (info->problems & MADT_DAMAGE_MASK) != 0;
}

#endif
