/* CPL3: finding ACPI tables. Pure C over byte buffers: every physical range is reached through a
 * caller's accessor (acpi_map_fn), so the same code runs in the guest over the identity map and
 * on the host over crafted buffers (test/unit/test_acpi.c).
 *
 * Order of the search (ACPI 6.5, 5.2.5):
 *   1. the RSDP copy the loader passed (Multiboot2 tags 14 and 15), when its checksums hold;
 *   2. else the first KiB of the Extended BIOS Data Area, then 0xE0000-0xFFFFF, on 16-byte
 *      boundaries: "RSD PTR " with a valid checksum (and extended checksum for revision 2+).
 * The root table is the XSDT (64-bit entries) when the RSDP has one and it is valid, else the
 * RSDT (32-bit entries). A table is valid when its signature matches, its length covers its
 * header and its bytes sum to 0. What was wrong but worked around is kept in `notes` and `error`.
 *
 * Policy for damaged root tables: a root table with a bad checksum is not used (its entries are
 * addresses, and a wrong one sends the walk into arbitrary memory); when neither is valid
 * acpi_init fails and the caller runs without ACPI. A table found through a valid root table is
 * handed over even with a bad checksum (checksum_ok says so): its parser decides what to trust. */
#ifndef TF_ACPI_ACPI_H
#define TF_ACPI_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_ERROR_MAX 160

/* How the parsers of this folder report damage to a table: sets `what` in *bits and, when it is
 * the first problem (error still ""), formats its description into error[0..size). Later
 * problems only add their bits, so error tells what went wrong first. ACPI_PROBLEM takes the
 * bits and the error array of a result structure (struct acpi_root, madt_info, mcfg_info). */
void acpi_problem(unsigned *bits, char *error, size_t size, unsigned what, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
#define ACPI_PROBLEM(bits, error, what, ...)                                                       \
    acpi_problem(&(bits), (error), sizeof(error), (what), __VA_ARGS__)

/* Gives a pointer to [addr, addr + len) of physical memory, or NULL when that range may not be
 * read. Same contract as bootinfo_map_fn (bootinfo.h). */
typedef const void *(*acpi_map_fn)(uint64_t addr, size_t len, void *ctx);

/* Little-endian, possibly unaligned loads from table bytes */
static inline uint16_t acpi_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t acpi_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t acpi_get64(const uint8_t *p)
{
    return (uint64_t)acpi_get32(p) | (uint64_t)acpi_get32(p + 4) << 32;
}

/* Sum of `len` bytes modulo 256: 0 for a table whose checksum holds. */
uint8_t acpi_sum(const void *p, size_t len);

/* What is wrong with the table (system description header first) of which `len` bytes are
 * readable at `t`: 0, or the ACPI_SDT_BAD_* below. `sig`: the signature it must have, or NULL
 * for any. The checksum is checked over the length the header declares when that much is
 * readable. Shorter than a header: every bit, and nothing is read. */
#define ACPI_SDT_BAD_SIGNATURE 0x1
#define ACPI_SDT_BAD_LENGTH    0x2 /* the header's length is not `len` */
#define ACPI_SDT_BAD_CHECKSUM  0x4
unsigned acpi_sdt_check(const uint8_t *t, size_t len, const char *sig);

/* What an RSDP says. xsdt is 0 when the revision is below 2 or the extended checksum fails. */
struct acpi_rsdp {
    uint8_t revision; /* the RSDP's revision byte: 0 for ACPI 1.0, 2 for 2.0 and later */
    uint64_t rsdt;    /* physical address of the RSDT, 0: none */
    uint64_t xsdt;    /* physical address of the XSDT, 0: none or not trusted */
    int xsdt_refused; /* revision 2+ whose extended checksum or length failed */
};

/* Reads an RSDP from `len` bytes at `buf`. Returns 0; -EINVAL when `len` is below 20 bytes or
 * the signature is wrong; -EBADMSG when the 20-byte checksum fails. A revision 2+ RSDP whose
 * extended part is short or fails its checksum is still accepted as ACPI 1.0 (xsdt = 0,
 * xsdt_refused = 1). */
int acpi_rsdp_parse(const void *buf, size_t len, struct acpi_rsdp *out);

/* Searches the EBDA's first KiB (when its segment at 0x40E can be read) and then the BIOS area
 * 0xE0000-0xFFFFF for a valid RSDP. Sets *where to its physical address when found (if `where`
 * is not NULL). Returns 0, or -ENOENT. */
int acpi_rsdp_scan(acpi_map_fn map, void *ctx, struct acpi_rsdp *out, uint64_t *where);

/* The root of the tables, from acpi_init. */
struct acpi_root {
    acpi_map_fn map;
    void *ctx;
    struct acpi_rsdp rsdp;
    const uint8_t *table;       /* the XSDT or RSDT, its whole length mapped */
    uint32_t length;            /* of that table */
    unsigned entry_size;        /* 8 (XSDT) or 4 (RSDT) */
    unsigned notes;             /* ACPI_NOTE_*: damage seen and worked around */
    char error[ACPI_ERROR_MAX]; /* the first problem, "" when none */
};

#define ACPI_NOTE_BOOT_RSDP 0x1 /* the loader's RSDP copy was invalid; the BIOS area was used */
#define ACPI_NOTE_XSDT      0x2 /* the XSDT was unusable; the RSDT was used */
#define ACPI_NOTE_RSDT      0x4 /* the RSDT was unusable too (acpi_init failed) */

/* Finds the RSDP (the loader's copy of `boot_len` bytes at `boot_rsdp` first, when boot_len is
 * not 0, else or when invalid the BIOS areas) and maps the root table. Returns 0; -ENOENT when no
 * RSDP was found; -EBADMSG when no root table is valid (error says why). */
int acpi_init(struct acpi_root *root, const void *boot_rsdp, size_t boot_len, acpi_map_fn map,
              void *ctx);

/* A table found by acpi_find: its whole header length mapped. */
struct acpi_table {
    uint64_t address;    /* physical */
    const uint8_t *data; /* mapped */
    uint32_t length;     /* the header's length: bytes readable at data */
    int checksum_ok;
};

/* Finds the table with signature `sig` (4 characters) among the root table's entries, preferring
 * the first whose checksum holds, else the first that could be mapped. Entries that cannot be
 * mapped, or whose length is below the header size, are skipped. Returns 0, or -ENOENT. */
int acpi_find(const struct acpi_root *root, const char *sig, struct acpi_table *out);

/* The DSDT, which the FADT names (its X_DSDT when set, else DSDT), its whole length mapped.
 * Returns 0, or -ENOENT when there is no FADT or the address holds no readable "DSDT". */
int acpi_find_dsdt(const struct acpi_root *root, struct acpi_table *out);

#endif
