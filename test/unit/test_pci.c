/* The MCFG parser (src/acpi/mcfg.c) and the host bridge scan of the DSDT (src/acpi/pcihost.c).
 * The tables are built here the way firmware lays them out (QEMU's q35 MCFG, QEMU's microvm
 * DSDT fragment for its PCI Express host bridge), then damaged. Every table is handed over in a
 * heap block of exactly its length, so AddressSanitizer catches any read past it. */
#include "acpi.h"
#include "acpi_tables.h"
#include "mcfg.h"
#include "pcihost.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- byte building ---- */

struct bytes {
    uint8_t b[4096];
    size_t n;
};

static void put8(struct bytes *o, unsigned v)
{
    ck_assert_uint_lt(o->n, sizeof(o->b));
    o->b[o->n++] = (uint8_t)v;
}

static void put_le(struct bytes *o, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        put8(o, (unsigned)(v >> 8 * i) & 0xFF);
}

static void put_bytes(struct bytes *o, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(o, ((const uint8_t *)p)[i]);
}

/* A copy in a block of exactly n bytes (freed by the caller) */
static uint8_t *exact(const void *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(c);
    memcpy(c, p, n);
    return c;
}

static void set_le(uint8_t *p, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

static void fix_checksum(uint8_t *t, size_t len)
{
    t[ACPI_SDT_CHECKSUM] = 0;
    t[ACPI_SDT_CHECKSUM] = (uint8_t)(0x100 - acpi_sum(t, len));
}

/* ---- MCFG ---- */

struct alloc {
    uint64_t base;
    uint16_t segment;
    uint8_t start, end;
};

/* An MCFG as QEMU builds it for q35: header "MCFG", revision 1, 8 reserved bytes, allocations */
static size_t build_mcfg(struct bytes *o, const struct alloc *a, unsigned count)
{
    o->n = 0;
    put_bytes(o, "MCFG", 4);
    put_le(o, 0, 4); /* length, set below */
    put8(o, 1);      /* revision */
    put8(o, 0);      /* checksum */
    put_bytes(o, "BOCHS ", 6);
    put_bytes(o, "BXPC    ", 8);
    put_le(o, 1, 4);
    put_bytes(o, "BXPC", 4);
    put_le(o, 1, 4);
    put_le(o, 0, 8); /* reserved */
    for (unsigned i = 0; i < count; i++) {
        put_le(o, a[i].base, 8);
        put_le(o, a[i].segment, 2);
        put8(o, a[i].start);
        put8(o, a[i].end);
        put_le(o, 0, 4);
    }
    set_le(o->b + ACPI_SDT_LENGTH, o->n, 4);
    fix_checksum(o->b, o->n);
    return o->n;
}

static int parse_exact(const struct bytes *o, size_t len, struct mcfg_info *info)
{
    uint8_t *t = exact(o->b, len);
    int rc = mcfg_parse(t, len, info);
    free(t);
    return rc;
}

START_TEST(mcfg_q35)
{
    struct bytes o;
    struct alloc a = {0xB0000000, 0, 0, 255};
    size_t len = build_mcfg(&o, &a, 1);
    ck_assert_uint_eq(len, 60);
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, len, &info), 0);
    ck_assert_uint_eq(info.problems, 0);
    ck_assert_str_eq(info.error, "");
    ck_assert_uint_eq(info.entries, 1);
    ck_assert_uint_eq(info.count, 1);
    ck_assert_uint_eq(info.ranges[0].base, 0xB0000000);
    ck_assert_uint_eq(info.ranges[0].end_bus, 255);
    /* bus 1, device 2, function 3, and the last function of the last bus */
    ck_assert_uint_eq(mcfg_address(&info, 0, 1, 2, 3), 0xB0000000 + 0x100000 + 0x10000 + 0x3000);
    ck_assert_uint_eq(mcfg_address(&info, 0, 255, 31, 7), 0xB0000000 + 0x0FFFF000);
    ck_assert_uint_eq(mcfg_address(&info, 1, 0, 0, 0), 0); /* no segment 1 */
}
END_TEST

START_TEST(mcfg_ranges_and_segments)
{
    struct bytes o;
    /* the base is bus 0's address even when the range starts higher */
    struct alloc a[] = {{0xE0000000, 0, 0, 63}, {0xC0000000, 0, 128, 191}, {0x80000000, 2, 0, 7}};
    size_t len = build_mcfg(&o, a, 3);
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, len, &info), 0);
    ck_assert_uint_eq(info.count, 3);
    ck_assert_uint_eq(mcfg_address(&info, 0, 63, 0, 0), 0xE0000000 + (63u << 20));
    ck_assert_uint_eq(mcfg_address(&info, 0, 64, 0, 0), 0);
    ck_assert_uint_eq(mcfg_address(&info, 0, 127, 0, 0), 0);
    ck_assert_uint_eq(mcfg_address(&info, 0, 128, 0, 0), 0xC0000000 + (128u << 20));
    ck_assert_uint_eq(mcfg_address(&info, 2, 7, 1, 0), 0x80000000 + (7u << 20) + (1u << 15));
    ck_assert_uint_eq(mcfg_address(&info, 2, 8, 0, 0), 0);
}
END_TEST

START_TEST(mcfg_no_allocations)
{
    struct bytes o;
    size_t len = build_mcfg(&o, NULL, 0);
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, len, &info), 0);
    ck_assert_uint_eq(info.count, 0);
    ck_assert_uint_eq(mcfg_address(&info, 0, 0, 0, 0), 0);
}
END_TEST

START_TEST(mcfg_bad_checksum_is_not_used)
{
    struct bytes o;
    struct alloc a = {0xB0000000, 0, 0, 255};
    size_t len = build_mcfg(&o, &a, 1);
    o.b[ACPI_MCFG_ENTRIES + ACPI_MCFG_BASE + 3] ^= 0x40; /* a flipped address bit */
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, len, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MCFG_BAD_CHECKSUM);
    ck_assert_uint_eq(info.count, 0);
    ck_assert_uint_eq(mcfg_address(&info, 0, 0, 0, 0), 0);
    ck_assert_str_ne(info.error, "");
}
END_TEST

START_TEST(mcfg_length_mismatch_is_not_used)
{
    struct bytes o;
    struct alloc a[] = {{0xB0000000, 0, 0, 255}, {0xC0000000, 1, 0, 255}};
    size_t len = build_mcfg(&o, a, 2);
    struct mcfg_info info;
    /* fewer bytes mapped than the header says (the walk must not follow the header) */
    ck_assert_int_eq(parse_exact(&o, len - 16, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MCFG_LENGTH_MISMATCH);
    ck_assert_uint_eq(info.count, 0);
    /* a header that claims less than the table */
    set_le(o.b + ACPI_SDT_LENGTH, len - 16, 4);
    fix_checksum(o.b, len);
    ck_assert_int_eq(parse_exact(&o, len, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MCFG_LENGTH_MISMATCH);
}
END_TEST

START_TEST(mcfg_too_short_or_wrong_signature)
{
    struct bytes o;
    struct alloc a = {0xB0000000, 0, 0, 255};
    size_t len = build_mcfg(&o, &a, 1);
    struct mcfg_info info;
    for (size_t n = 0; n < ACPI_MCFG_ENTRIES; n++) {
        ck_assert_int_eq(parse_exact(&o, n, &info), -EINVAL);
        ck_assert_uint_eq(info.problems, MCFG_TOO_SHORT);
    }
    memcpy(o.b, "APIC", 4);
    fix_checksum(o.b, len);
    ck_assert_int_eq(parse_exact(&o, len, &info), -EINVAL);
    ck_assert_uint_eq(info.count, 0);
}
END_TEST

START_TEST(mcfg_every_truncation_is_refused)
{
    struct bytes o;
    struct alloc a[] = {{0xB0000000, 0, 0, 255}, {0xC0000000, 1, 0, 255}};
    size_t len = build_mcfg(&o, a, 2);
    struct mcfg_info info;
    for (size_t n = 0; n < len; n++) {
        int rc = parse_exact(&o, n, &info);
        ck_assert(rc == -EINVAL || rc == -EBADMSG);
        ck_assert_uint_eq(info.count, 0);
    }
}
END_TEST

START_TEST(mcfg_partial_entry_is_ignored)
{
    struct bytes o;
    struct alloc a = {0xB0000000, 0, 0, 255};
    build_mcfg(&o, &a, 1);
    put_le(&o, 0xDEADBEEF, 4); /* 4 stray bytes after the allocation */
    set_le(o.b + ACPI_SDT_LENGTH, o.n, 4);
    fix_checksum(o.b, o.n);
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, o.n, &info), 0);
    ck_assert_uint_eq(info.problems, MCFG_PARTIAL_ENTRY);
    ck_assert_uint_eq(info.entries, 1);
    ck_assert_uint_eq(info.count, 1);
}
END_TEST

START_TEST(mcfg_bad_ranges_are_skipped)
{
    struct bytes o;
    struct alloc a[] = {{0xB0000000, 0, 10, 9},  /* end below start */
                        {0xB0080000, 0, 0, 255}, /* base not 1 MiB aligned */
                        {0, 0, 0, 255},          /* no base */
                        {0xE0000000, 0, 0, 255}};
    size_t len = build_mcfg(&o, a, 4);
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, len, &info), 0);
    ck_assert_uint_eq(info.problems, MCFG_BAD_RANGE);
    ck_assert_uint_eq(info.entries, 4);
    ck_assert_uint_eq(info.count, 1);
    ck_assert_uint_eq(mcfg_address(&info, 0, 0, 0, 0), 0xE0000000);
}
END_TEST

START_TEST(mcfg_too_many_allocations)
{
    struct bytes o;
    struct alloc a[MCFG_MAX_RANGES + 2];
    for (unsigned i = 0; i < MCFG_MAX_RANGES + 2; i++)
        a[i] = (struct alloc){0x80000000ull + ((uint64_t)i << 28), (uint16_t)i, 0, 255};
    size_t len = build_mcfg(&o, a, MCFG_MAX_RANGES + 2);
    struct mcfg_info info;
    ck_assert_int_eq(parse_exact(&o, len, &info), 0);
    ck_assert_uint_eq(info.problems, MCFG_TOO_MANY);
    ck_assert_uint_eq(info.entries, MCFG_MAX_RANGES + 2);
    ck_assert_uint_eq(info.count, MCFG_MAX_RANGES);
    ck_assert_uint_eq(mcfg_address(&info, MCFG_MAX_RANGES - 1, 0, 0, 0),
                      0x80000000ull + ((uint64_t)(MCFG_MAX_RANGES - 1) << 28));
    ck_assert_uint_eq(mcfg_address(&info, MCFG_MAX_RANGES, 0, 0, 0), 0);
}
END_TEST

/* ---- AML ---- */

/* PkgLength (ACPI 6.5, 20.2.4) for a package of `body` bytes after it */
static void put_pkglen(struct bytes *o, size_t body)
{
    if (body + 1 <= 0x3F) {
        put8(o, (unsigned)(body + 1));
        return;
    }
    size_t total = body + 2; /* two bytes cover what the tests build */
    ck_assert_uint_lt(total, 1u << 12);
    put8(o, 0x40 | (unsigned)(total & 0xF));
    put8(o, (unsigned)(total >> 4));
}

/* Buffer (n) { bytes } */
static void put_buffer(struct bytes *o, const struct bytes *content)
{
    struct bytes body = {.n = 0};
    put8(&body, ACPI_AML_WORD_PREFIX);
    put_le(&body, content->n, 2);
    put_bytes(&body, content->b, content->n);
    put8(o, ACPI_AML_BUFFER_OP);
    put_pkglen(o, body.n);
    put_bytes(o, body.b, body.n);
}

/* An address space descriptor: Word (width 2), DWord (4) or QWord (8) */
static void put_address(struct bytes *o, unsigned width, unsigned type, unsigned flags,
                        uint64_t min, uint64_t len, uint64_t translation)
{
    put8(o, width == 2   ? ACPI_RES_WORD_ADDRESS
            : width == 4 ? ACPI_RES_DWORD_ADDRESS
                         : ACPI_RES_QWORD_ADDRESS);
    put_le(o, 3 + 5 * width, 2);
    put8(o, type);
    put8(o, flags);
    put8(o, 0);                      /* type-specific flags */
    put_le(o, 0, width);             /* granularity */
    put_le(o, min, width);           /* minimum */
    put_le(o, min + len - 1, width); /* maximum */
    put_le(o, translation, width);   /* translation offset */
    put_le(o, len, width);           /* length */
}

static void put_end_tag(struct bytes *o)
{
    put8(o, 0x79);
    put8(o, 0);
}

/* The resource template of QEMU microvm's PCI0 _CRS */
static void microvm_crs(struct bytes *t)
{
    t->n = 0;
    put_address(t, 2, ACPI_RES_ADDR_TYPE_BUS, 0x0C, 0, 256, 0);
    put_address(t, 4, ACPI_RES_ADDR_TYPE_MEMORY, 0x0C, 0xC0000000, 0x20000000, 0);
    put_address(t, 8, ACPI_RES_ADDR_TYPE_MEMORY, 0x0C, 0xC000000000, 0x4000000000, 0);
    put_end_tag(t);
}

/* A DSDT body in QEMU microvm's shape: a serial port with a small-item template, then the
 * host bridge with Method (_CBA) { Return (0xE0000000) } and Method (_CRS) { Name (RBUF,
 * <template>) Return (RBUF) }, then RES0 whose _CRS consumes the ECAM range. */
static void microvm_dsdt(struct bytes *o, int with_cba)
{
    struct bytes t;
    o->n = 0;
    put_bytes(o,
              "\x5B\x82\x20"
              "COM1",
              7); /* DeviceOp: content is not parsed */
    t.n = 0;
    put8(&t, 0x47); /* I/O port descriptor, small item of 7 bytes */
    put_bytes(&t, "\x01\xF8\x03\xF8\x03\x00\x08", 7);
    put8(&t, 0x22); /* IRQ descriptor, 2 bytes */
    put_le(&t, 1u << 4, 2);
    put_end_tag(&t);
    put8(o, ACPI_AML_NAME_OP);
    put_bytes(o, "_CRS", 4);
    put_buffer(o, &t);
    put_bytes(o, "\x5B\x82\x4F\x10PCI0", 8);
    if (with_cba) {
        put8(o, ACPI_AML_METHOD_OP);
        put_pkglen(o, 4 + 1 + 1 + 5);
        put_bytes(o, "_CBA", 4);
        put8(o, 0); /* MethodFlags */
        put8(o, ACPI_AML_RETURN_OP);
        put8(o, ACPI_AML_DWORD_PREFIX);
        put_le(o, 0xE0000000, 4);
    }
    microvm_crs(&t);
    struct bytes body = {.n = 0};
    put8(&body, ACPI_AML_NAME_OP);
    put_bytes(&body, "RBUF", 4);
    put_buffer(&body, &t);
    put8(&body, ACPI_AML_RETURN_OP);
    put_bytes(&body, "RBUF", 4);
    put8(o, ACPI_AML_METHOD_OP);
    put_pkglen(o, 4 + 1 + body.n);
    put_bytes(o, "_CRS", 4);
    put8(o, 0);
    put_bytes(o, body.b, body.n);
    put_bytes(o, "\x5B\x82\x30RES0", 7);
    t.n = 0;
    put_address(&t, 8, ACPI_RES_ADDR_TYPE_MEMORY, 0x0D, 0xE0000000, 0x10000000, 0);
    put_end_tag(&t);
    put8(o, ACPI_AML_NAME_OP);
    put_bytes(o, "_CRS", 4);
    put_buffer(o, &t);
}

static int scan_exact(const struct bytes *o, size_t len, struct pcihost_info *info)
{
    uint8_t *t = exact(o->b, len);
    int rc = pcihost_scan(t, len, info);
    free(t);
    return rc;
}

START_TEST(host_microvm)
{
    struct bytes o;
    microvm_dsdt(&o, 1);
    struct pcihost_info info;
    ck_assert_int_eq(scan_exact(&o, o.n, &info), 0);
    ck_assert_uint_eq(info.templates, 1); /* COM1's came first */
    ck_assert_uint_eq(info.bus_start, 0);
    ck_assert_uint_eq(info.bus_end, 255);
    ck_assert_uint_eq(info.mem32.start, 0xC0000000);
    ck_assert_uint_eq(info.mem32.end, 0xE0000000);
    ck_assert_uint_eq(info.mem64.start, 0xC000000000);
    ck_assert_uint_eq(info.mem64.end, 0x10000000000);
    ck_assert_uint_eq(info.mem_count, 2);
    ck_assert_int_eq(info.has_io, 0);
    ck_assert_uint_eq(info.ecam_base, 0xE0000000);
}
END_TEST

START_TEST(host_without_cba)
{
    struct bytes o;
    microvm_dsdt(&o, 0);
    struct pcihost_info info;
    ck_assert_int_eq(scan_exact(&o, o.n, &info), 0);
    ck_assert_uint_eq(info.ecam_base, 0);
    ck_assert_uint_eq(info.mem32.start, 0xC0000000);
}
END_TEST

START_TEST(host_cba_as_name)
{
    struct bytes o, t;
    o.n = 0;
    put8(&o, ACPI_AML_NAME_OP);
    put_bytes(&o, "_CBA", 4);
    put8(&o, ACPI_AML_QWORD_PREFIX);
    put_le(&o, 0x3000000000, 8);
    microvm_crs(&t);
    put8(&o, ACPI_AML_NAME_OP);
    put_bytes(&o, "_CRS", 4);
    put_buffer(&o, &t);
    struct pcihost_info info;
    ck_assert_int_eq(scan_exact(&o, o.n, &info), 0);
    ck_assert_uint_eq(info.ecam_base, 0x3000000000);
}
END_TEST

START_TEST(host_pc_windows)
{
    /* The PC's PCI0 _CRS: bus numbers, the VGA hole, port I/O, the hole below 4 GiB, and a
     * window a translation offset moves (not identity: not used) */
    struct bytes t, o = {.n = 0};
    t.n = 0;
    put_address(&t, 2, ACPI_RES_ADDR_TYPE_BUS, 0x0C, 0, 256, 0);
    put_address(&t, 2, ACPI_RES_ADDR_TYPE_IO, 0x0C, 0x0D00, 0xF300, 0);
    put_address(&t, 4, ACPI_RES_ADDR_TYPE_MEMORY, 0x0C, 0xA0000, 0x20000, 0);
    put_address(&t, 4, ACPI_RES_ADDR_TYPE_MEMORY, 0x0C, 0x08000000, 0xF6C00000, 0);
    put_address(&t, 8, ACPI_RES_ADDR_TYPE_MEMORY, 0x0C, 0x10000000, 0x80000000, 0x1000);
    put_end_tag(&t);
    put_buffer(&o, &t);
    struct pcihost_info info;
    ck_assert_int_eq(scan_exact(&o, o.n, &info), 0);
    ck_assert_int_eq(info.has_io, 1);
    ck_assert_uint_eq(info.mem_count, 2);
    ck_assert_uint_eq(info.mem32.start, 0x08000000);
    ck_assert_uint_eq(info.mem32.end, 0xFEC00000);
    ck_assert_uint_eq(info.mem64.end, 0); /* the translated window is not taken */
}
END_TEST

START_TEST(host_needs_bus_producer)
{
    /* a template that consumes bus numbers (consumer bit) is not a host bridge's */
    struct bytes t, o = {.n = 0};
    t.n = 0;
    put_address(&t, 2, ACPI_RES_ADDR_TYPE_BUS, 0x0D, 0, 256, 0);
    put_address(&t, 4, ACPI_RES_ADDR_TYPE_MEMORY, 0x0C, 0xC0000000, 0x20000000, 0);
    put_end_tag(&t);
    put_buffer(&o, &t);
    struct pcihost_info info;
    ck_assert_int_eq(scan_exact(&o, o.n, &info), -ENOENT);
}
END_TEST

START_TEST(host_template_needs_end_tag)
{
    struct bytes t, o = {.n = 0};
    microvm_crs(&t);
    t.n -= 2; /* no End Tag */
    put_buffer(&o, &t);
    struct pcihost_info info;
    ck_assert_int_eq(scan_exact(&o, o.n, &info), -ENOENT);
    /* a descriptor whose length runs past the buffer */
    microvm_crs(&t);
    t.b[1] = 0xFF;
    o.n = 0;
    put_buffer(&o, &t);
    ck_assert_int_eq(scan_exact(&o, o.n, &info), -ENOENT);
}
END_TEST

START_TEST(host_every_truncation_is_safe)
{
    /* Cut the DSDT at every length: no read past it (ASan), and a result only once the whole
     * host bridge template is inside */
    struct bytes o;
    microvm_dsdt(&o, 1);
    struct pcihost_info info;
    int found = 0;
    for (size_t n = 0; n <= o.n; n++) {
        int rc = scan_exact(&o, n, &info);
        ck_assert(rc == 0 || rc == -ENOENT);
        if (rc == 0) {
            found = 1;
            ck_assert_uint_eq(info.mem32.start, 0xC0000000);
        }
        ck_assert(found == (rc == 0)); /* once found, longer prefixes find it too */
    }
    ck_assert(found);
}
END_TEST

START_TEST(host_random_bytes_are_safe)
{
    /* Corrupt one byte at a time: any outcome, but no read past the table */
    struct bytes o;
    microvm_dsdt(&o, 1);
    struct pcihost_info info;
    for (size_t i = 0; i < o.n; i++)
        for (unsigned v = 0; v < 256; v += 51) {
            uint8_t keep = o.b[i];
            o.b[i] = (uint8_t)v;
            int rc = scan_exact(&o, o.n, &info);
            ck_assert(rc == 0 || rc == -ENOENT);
            o.b[i] = keep;
        }
}
END_TEST

static Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *mcfg = tcase_create("mcfg");
    tcase_add_test(mcfg, mcfg_q35);
    tcase_add_test(mcfg, mcfg_ranges_and_segments);
    tcase_add_test(mcfg, mcfg_no_allocations);
    tcase_add_test(mcfg, mcfg_bad_checksum_is_not_used);
    tcase_add_test(mcfg, mcfg_length_mismatch_is_not_used);
    tcase_add_test(mcfg, mcfg_too_short_or_wrong_signature);
    tcase_add_test(mcfg, mcfg_every_truncation_is_refused);
    tcase_add_test(mcfg, mcfg_partial_entry_is_ignored);
    tcase_add_test(mcfg, mcfg_bad_ranges_are_skipped);
    tcase_add_test(mcfg, mcfg_too_many_allocations);
    suite_add_tcase(s, mcfg);
    TCase *host = tcase_create("host");
    tcase_add_test(host, host_microvm);
    tcase_add_test(host, host_without_cba);
    tcase_add_test(host, host_cba_as_name);
    tcase_add_test(host, host_pc_windows);
    tcase_add_test(host, host_needs_bus_producer);
    tcase_add_test(host, host_template_needs_end_tag);
    tcase_add_test(host, host_every_truncation_is_safe);
    tcase_add_test(host, host_random_bytes_are_safe);
    suite_add_tcase(s, host);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pci_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
