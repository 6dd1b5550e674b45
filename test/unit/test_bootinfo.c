/* Boot information parsing (src/boot/bootinfo.c) against crafted Multiboot1 and Multiboot2
 * information. The loader's physical memory is a heap buffer of exactly the blob's size at a fake
 * physical address; the map function refuses any range outside it, and AddressSanitizer catches
 * any read past it that bypasses the map function. */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct bootinfo_region three[] = {
    {0, 0x9fc00, MB_MEMORY_AVAILABLE},
    {0xf0000, 0x10000, 2},
    {MIB, 127 * MIB, MB_MEMORY_AVAILABLE},
};

static void assert_three(const struct bootinfo *bi)
{
    ck_assert_uint_eq(bi->nregions, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(bi->regions[i].base, three[i].base);
        ck_assert_uint_eq(bi->regions[i].length, three[i].length);
        ck_assert_uint_eq(bi->regions[i].type, three[i].type);
    }
    ck_assert_int_eq(bi->regions_truncated, 0);
}

/* An RSDP-like payload of n bytes: "RSD PTR " then a counting pattern starting at `seed`. */
static void fill_rsdp(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i);
    memcpy(p, "RSD PTR ", 8);
}

/* ---- Multiboot2 -------------------------------------------------------------------------------
 */

START_TEST(mb2_complete)
{
    struct blob b;
    uint8_t rsdp[20], name[] = "loader";
    fill_rsdp(rsdp, sizeof(rsdp), 1);
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_BOOTLOADER, name, sizeof(name)); /* not used: skipped */
    mb2_cmdline(&b, "prog a tf.park=hlt");
    mb2_mmap(&b, MB2_MMAP_ENTRY_MIN, three, 3);
    mb2_tag(&b, MB2_TAG_ACPI_OLD, rsdp, sizeof(rsdp));
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_int_eq(bi.protocol, 2);
    ck_assert_str_eq(bi.cmdline, "prog a tf.park=hlt");
    ck_assert_int_eq(bi.cmdline_truncated, 0);
    assert_three(&bi);
    ck_assert_uint_eq(bi.rsdp_len, 20);
    ck_assert_int_eq(bi.rsdp_version, 1);
    ck_assert_mem_eq(bi.rsdp, rsdp, 20);
    ck_assert_uint_eq(bi.nerrors, 0);
    ck_assert_str_eq(bi.error, "");
}
END_TEST

/* Tags after the end tag are not read, even when total_size covers them. */
START_TEST(mb2_stops_at_end_tag)
{
    struct blob b;
    mb2_begin(&b);
    mb2_cmdline(&b, "first");
    mb2_tag(&b, MB2_TAG_END, NULL, 0);
    mb2_cmdline(&b, "after the end");
    set32(&b, 0, (uint32_t)b.len);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "first");
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

/* Larger entries than the 24 bytes we read: the extra bytes are stepped over. */
START_TEST(mb2_mmap_entry_sizes)
{
    static const uint32_t sizes[] = {24, 32, 40, 64};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob b;
        mb2_begin(&b);
        mb2_mmap(&b, sizes[i], three, 3);
        mb2_finish(&b);
        struct bootinfo bi;
        ck_assert_int_eq(parse_mb2(&b, &bi), 0);
        assert_three(&bi);
        ck_assert_uint_eq(bi.nerrors, 0);
    }
}
END_TEST

/* Entry sizes below 24 bytes or not a multiple of 8 are refused: no region is taken. */
START_TEST(mb2_mmap_bad_entry_size)
{
    static const uint32_t sizes[] = {0, 8, 16, 20, 28, 30};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob b;
        mb2_begin(&b);
        mb2_mmap(&b, 24, three, 3);
        set32(&b, 16, sizes[i]); /* entry_size of the tag at offset 8 */
        mb2_finish(&b);
        struct bootinfo bi;
        ck_assert_int_eq(parse_mb2(&b, &bi), 0);
        ck_assert_uint_eq(bi.nregions, 0);
        ck_assert_uint_eq(bi.nerrors, 1);
        ck_assert_ptr_nonnull(strstr(bi.error, "entry size"));
    }
}
END_TEST

/* A tag that ends inside an entry keeps the whole entries before it and reports the rest. */
START_TEST(mb2_mmap_partial_entry)
{
    struct blob b;
    mb2_begin(&b);
    mb2_mmap(&b, 24, three, 2);
    put64(&b, MIB); /* a third entry cut after 8 bytes */
    set32(&b, 12, MB2_MMAP_HEADER_SIZE + 2 * 24 + 8);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 2);
    ck_assert_uint_eq(bi.regions[1].base, three[1].base);
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "inside an entry"));
}
END_TEST

/* A memory map tag too short to hold entry_size and entry_version. */
START_TEST(mb2_mmap_short_tag)
{
    struct blob b;
    uint8_t four[4] = {24, 0, 0, 0};
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_MMAP, four, sizeof(four));
    mb2_cmdline(&b, "still read");
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "too short"));
    ck_assert_str_eq(bi.cmdline, "still read");
}
END_TEST

/* An empty memory map (header only) is no error. */
START_TEST(mb2_mmap_empty)
{
    struct blob b;
    mb2_begin(&b);
    mb2_mmap(&b, 24, NULL, 0);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

START_TEST(mb2_too_many_regions)
{
    enum { N = BOOTINFO_REGIONS_MAX + 6 };
    struct bootinfo_region r[N];
    for (size_t i = 0; i < N; i++)
        r[i] = (struct bootinfo_region){i * MIB, MIB, MB_MEMORY_AVAILABLE};
    struct blob b;
    mb2_begin(&b);
    mb2_mmap(&b, 24, r, N);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nregions, BOOTINFO_REGIONS_MAX);
    ck_assert_int_eq(bi.regions_truncated, 1);
    ck_assert_uint_eq(bi.regions[BOOTINFO_REGIONS_MAX - 1].base, (BOOTINFO_REGIONS_MAX - 1) * MIB);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

/* Two memory map tags: their regions add up. */
START_TEST(mb2_two_mmap_tags)
{
    struct blob b;
    mb2_begin(&b);
    mb2_mmap(&b, 24, three, 2);
    mb2_mmap(&b, 32, three + 2, 1);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    assert_three(&bi);
}
END_TEST

/* The ACPI 2.0+ copy wins over the 1.0 copy whichever comes first. */
START_TEST(mb2_rsdp_new_wins)
{
    uint8_t old[20], new[36];
    fill_rsdp(old, sizeof(old), 1);
    fill_rsdp(new, sizeof(new), 100);
    for (int order = 0; order < 2; order++) {
        struct blob b;
        mb2_begin(&b);
        if (order == 0)
            mb2_tag(&b, MB2_TAG_ACPI_OLD, old, sizeof(old));
        mb2_tag(&b, MB2_TAG_ACPI_NEW, new, sizeof(new));
        if (order == 1)
            mb2_tag(&b, MB2_TAG_ACPI_OLD, old, sizeof(old));
        mb2_finish(&b);
        struct bootinfo bi;
        ck_assert_int_eq(parse_mb2(&b, &bi), 0);
        ck_assert_int_eq(bi.rsdp_version, 2);
        ck_assert_uint_eq(bi.rsdp_len, 36);
        ck_assert_mem_eq(bi.rsdp, new, 36);
        ck_assert_uint_eq(bi.nerrors, 0);
    }
}
END_TEST

/* A copy longer than an ACPI 2.0 RSDP keeps its first BOOTINFO_RSDP_MAX bytes. */
START_TEST(mb2_rsdp_long)
{
    uint8_t new[48];
    fill_rsdp(new, sizeof(new), 7);
    struct blob b;
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_ACPI_NEW, new, sizeof(new));
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.rsdp_len, BOOTINFO_RSDP_MAX);
    ck_assert_mem_eq(bi.rsdp, new, BOOTINFO_RSDP_MAX);
}
END_TEST

/* A copy shorter than its version's RSDP is reported and does not replace a good one. */
START_TEST(mb2_rsdp_short)
{
    uint8_t old[20], new[36];
    fill_rsdp(old, sizeof(old), 1);
    fill_rsdp(new, sizeof(new), 100);
    struct blob b;
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_ACPI_OLD, old, sizeof(old));
    mb2_tag(&b, MB2_TAG_ACPI_NEW, new, 24); /* an ACPI 2.0 RSDP cut at 24 bytes */
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_int_eq(bi.rsdp_version, 1);
    ck_assert_uint_eq(bi.rsdp_len, 20);
    ck_assert_mem_eq(bi.rsdp, old, 20);
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "RSDP"));

    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_ACPI_OLD, NULL, 0);
    mb2_finish(&b);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.rsdp_len, 0);
    ck_assert_int_eq(bi.rsdp_version, 0);
    ck_assert_uint_eq(bi.nerrors, 1);
}
END_TEST

START_TEST(mb2_cmdline_longest)
{
    char line[BOOTINFO_CMDLINE_MAX];
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    struct blob b;
    mb2_begin(&b);
    mb2_cmdline(&b, line);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, line);
    ck_assert_int_eq(bi.cmdline_truncated, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

START_TEST(mb2_cmdline_too_long)
{
    char line[BOOTINFO_CMDLINE_MAX + 977];
    for (size_t i = 0; i < sizeof(line) - 1; i++)
        line[i] = (char)('a' + i % 26);
    line[sizeof(line) - 1] = '\0';
    struct blob b;
    mb2_begin(&b);
    mb2_cmdline(&b, line);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_int_eq(bi.cmdline_truncated, 1);
    ck_assert_uint_eq(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
    ck_assert_int_eq(strncmp(bi.cmdline, line, BOOTINFO_CMDLINE_MAX - 1), 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

/* A command line without its NUL inside the tag keeps the tag's bytes and is reported. */
START_TEST(mb2_cmdline_unterminated)
{
    struct blob b;
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_CMDLINE, "abc", 3); /* padding bytes follow, but outside the tag */
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "abc");
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "not terminated"));

    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_CMDLINE, NULL, 0);
    mb2_finish(&b);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "");
    ck_assert_uint_eq(bi.nerrors, 1);

    /* the tag ends exactly at a tag boundary: the next tag's bytes are not taken */
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_CMDLINE, "abcdefgh", 8);
    mb2_tag(&b, 0x41414141, "zz", 2);
    mb2_finish(&b);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "abcdefgh");
    ck_assert_uint_eq(bi.nerrors, 1);

    /* and the last bytes of the memory: nothing past them is read */
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_CMDLINE, "abcdefgh", 8);
    set32(&b, 0, (uint32_t)b.len);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "abcdefgh");
    ck_assert_uint_eq(bi.nerrors, 2); /* unterminated, and no end tag */
}
END_TEST

/* The tag list runs out without an end tag: what came before is kept. */
START_TEST(mb2_no_end_tag)
{
    struct blob b;
    mb2_begin(&b);
    mb2_cmdline(&b, "kept");
    set32(&b, 0, (uint32_t)b.len);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "kept");
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "without an end tag"));

    /* total_size of the header alone: no tag at all */
    mb2_begin(&b);
    set32(&b, 0, MB2_INFO_HEADER_SIZE);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_int_eq(bi.protocol, 2);
    ck_assert_uint_eq(bi.nerrors, 1);

    /* total_size cuts the list 4 bytes into a tag header */
    mb2_begin(&b);
    mb2_cmdline(&b, "kept");
    put32(&b, MB2_TAG_MMAP);
    set32(&b, 0, (uint32_t)b.len);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "kept");
    ck_assert_uint_eq(bi.nerrors, 1);
}
END_TEST

/* A tag whose size runs past total_size is reported, not followed; the earlier tags stay. */
START_TEST(mb2_tag_past_total)
{
    static const uint32_t sizes[] = {0x1000, 0xffffffffu, 0x80000000u};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob b;
        mb2_begin(&b);
        mb2_cmdline(&b, "before");
        size_t at = b.len;
        mb2_mmap(&b, 24, three, 3);
        set32(&b, at + 4, sizes[i]);
        mb2_finish(&b);
        struct bootinfo bi;
        ck_assert_int_eq(parse_mb2(&b, &bi), 0);
        ck_assert_str_eq(bi.cmdline, "before");
        ck_assert_uint_eq(bi.nregions, 0);
        ck_assert_uint_eq(bi.nerrors, 1);
        ck_assert_ptr_nonnull(strstr(bi.error, "past the end"));
    }
}
END_TEST

/* The last tag's size, rounded up to the tag alignment, passes total_size. */
START_TEST(mb2_last_tag_unaligned)
{
    struct blob b;
    mb2_begin(&b);
    put32(&b, MB2_TAG_CMDLINE);
    put32(&b, MB2_TAG_HEADER_SIZE + 5);
    put(&b, "tail", 5);
    set32(&b, 0, (uint32_t)b.len); /* 21 bytes: no padding, no end tag */
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "tail");
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "aligned"));
}
END_TEST

/* Zero-size tags and tags smaller than their own header stop the walk (no endless loop). */
START_TEST(mb2_tag_too_small)
{
    static const uint32_t sizes[] = {0, 1, 4, 7};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob b;
        mb2_begin(&b);
        mb2_cmdline(&b, "before");
        size_t at = b.len;
        mb2_cmdline(&b, "after");
        set32(&b, at + 4, sizes[i]);
        mb2_finish(&b);
        struct bootinfo bi;
        ck_assert_int_eq(parse_mb2(&b, &bi), 0);
        ck_assert_str_eq(bi.cmdline, "before");
        ck_assert_uint_eq(bi.nerrors, 1);
    }
    /* an end tag with size 0 is damaged too */
    struct blob b;
    mb2_begin(&b);
    mb2_cmdline(&b, "before");
    mb2_finish(&b);
    set32(&b, b.len - 4, 0);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nerrors, 1);
}
END_TEST

/* A loader that packs tags without the 8-byte alignment: the parser reads the next tag at the
 * aligned offset, finds garbage there (the middle of the packed memory map tag), and stops. */
START_TEST(mb2_misaligned_tags)
{
    struct blob b;
    mb2_begin(&b);
    put32(&b, MB2_TAG_CMDLINE);
    put32(&b, MB2_TAG_HEADER_SIZE + 6);
    put(&b, "abcde", 6); /* the next tag should start at 24; this one is put at 22 */
    put32(&b, MB2_TAG_MMAP);
    put32(&b, MB2_MMAP_HEADER_SIZE + 24);
    put32(&b, 24);
    put32(&b, 0);
    put64(&b, MIB);
    put64(&b, MIB);
    put32(&b, MB_MEMORY_AVAILABLE);
    put32(&b, 0);
    pad8(&b);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "abcde");
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_uint_ge(bi.nerrors, 1);
}
END_TEST

/* Only the first error's text is kept; every error is counted. */
START_TEST(mb2_errors_counted)
{
    uint8_t short_rsdp[10] = {0};
    struct blob b;
    mb2_begin(&b);
    mb2_tag(&b, MB2_TAG_ACPI_OLD, short_rsdp, sizeof(short_rsdp));
    mb2_tag(&b, MB2_TAG_CMDLINE, "x", 1);
    mb2_mmap(&b, 24, three, 3);
    set32(&b, b.len - (MB2_MMAP_HEADER_SIZE + 3 * 24) + 8, 12); /* bad entry_size */
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nerrors, 3);
    ck_assert_ptr_nonnull(strstr(bi.error, "RSDP"));
}
END_TEST

/* total_size larger than the readable memory: the whole information is refused. */
START_TEST(mb2_truncated_blob)
{
    struct blob b;
    mb2_begin(&b);
    mb2_cmdline(&b, "prog");
    mb2_mmap(&b, 24, three, 3);
    mb2_finish(&b);
    /* readable: all but the last byte, ..., the header only, part of the header, nothing */
    const size_t sizes[] = {b.len - 1, b.len - 8, b.len - 25, 8, 7, 4, 0};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct fake_mem m = fake_from(b.data, b.len, sizes[i]);
        struct bootinfo bi;
        ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, m.base, map_fake, &m, &bi), -EFAULT);
        free(m.buf);
    }
}
END_TEST

START_TEST(mb2_bad_header)
{
    struct blob b;
    mb2_begin(&b);
    mb2_finish(&b);
    struct bootinfo bi;
    /* total_size smaller than the header */
    for (uint32_t total = 0; total < MB2_INFO_HEADER_SIZE; total++) {
        set32(&b, 0, total);
        ck_assert_int_eq(parse_mb2(&b, &bi), -EFAULT);
    }
    /* the information itself is not 8-byte aligned */
    set32(&b, 0, (uint32_t)b.len);
    struct fake_mem m = fake_from(b.data, b.len, b.len);
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, m.base, map_fake, &m, &bi), 0);
    m.base = PHYS_BASE + 4; /* the same bytes, 4 bytes further */
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, PHYS_BASE + 4, map_fake, &m, &bi), -EFAULT);
    free(m.buf);
    /* an address the map function refuses */
    m = fake_from(b.data, b.len, b.len);
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, 0, map_fake, &m, &bi), -EFAULT);
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, PHYS_BASE + 4096, map_fake, &m, &bi),
                     -EFAULT);
    free(m.buf);
}
END_TEST

/* total_size past BOOTINFO_MB2_MAX is refused even when that much memory is readable; exactly
 * BOOTINFO_MB2_MAX is accepted. */
START_TEST(mb2_oversized_total)
{
    size_t size = BOOTINFO_MB2_MAX + 8;
    struct fake_mem m = {PHYS_BASE, calloc(1, size), size, 0};
    ck_assert_ptr_nonnull(m.buf);
    /* one large unknown tag, then the end tag at BOOTINFO_MB2_MAX - 8 */
    uint32_t hdr[2] = {BOOTINFO_MB2_MAX, 0}, big[2] = {0x7777, BOOTINFO_MB2_MAX - 16};
    uint32_t end[2] = {MB2_TAG_END, 8};
    memcpy(m.buf, hdr, 8);
    memcpy(m.buf + 8, big, 8);
    memcpy(m.buf + BOOTINFO_MB2_MAX - 8, end, 8);
    struct bootinfo bi;
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, m.base, map_fake, &m, &bi), 0);
    ck_assert_uint_eq(bi.nerrors, 0);
    hdr[0] = BOOTINFO_MB2_MAX + 8;
    memcpy(m.buf, hdr, 4);
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, m.base, map_fake, &m, &bi), -EFAULT);
    hdr[0] = 0xfffffff8u;
    memcpy(m.buf, hdr, 4);
    ck_assert_int_eq(bootinfo_parse(MB2_LOADER_MAGIC, m.base, map_fake, &m, &bi), -EFAULT);
    free(m.buf);
}
END_TEST

START_TEST(unknown_magic)
{
    struct blob b;
    mb2_begin(&b);
    mb2_finish(&b);
    struct fake_mem m = fake_from(b.data, b.len, b.len);
    struct bootinfo bi;
    memset(&bi, 0x5a, sizeof(bi));
    static const uint32_t magics[] = {0, MB2_HEADER_MAGIC, MB1_HEADER_MAGIC, 0x36d76288};
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
        ck_assert_int_eq(bootinfo_parse(magics[i], m.base, map_fake, &m, &bi), -EINVAL);
        ck_assert_int_eq(bi.protocol, 0); /* out is cleared */
    }
    ck_assert_uint_eq(m.calls, 0); /* nothing is read */
    free(m.buf);
}
END_TEST

/* ---- Multiboot1 -------------------------------------------------------------------------------
 */

START_TEST(mb1_complete)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_CMDLINE | MB1_INFO_MMAP | MB1_INFO_MEMORY);
    set32(&t.mem, MB1_OFF_MEM_LOWER, 1);
    mb1_set_cmdline(&t, "kernel tf.quiet=1");
    mb1_entry(&t, 20, three[0].base, three[0].length, three[0].type);
    mb1_entry(&t, 24, three[1].base, three[1].length, three[1].type); /* 4 extra bytes */
    mb1_entry(&t, 20, three[2].base, three[2].length, three[2].type);
    mb1_mmap_done(&t);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_int_eq(bi.protocol, 1);
    ck_assert_str_eq(bi.cmdline, "kernel tf.quiet=1");
    assert_three(&bi); /* the memory map wins over mem_lower/mem_upper */
    ck_assert_uint_eq(bi.rsdp_len, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

START_TEST(mb1_flags)
{
    struct mb1 t;
    struct bootinfo bi;
    /* nothing valid: fields are not read even when they hold garbage */
    mb1_init(&t, 0);
    set32(&t.mem, MB1_OFF_CMDLINE, 0xdeadbeef);
    set32(&t.mem, MB1_OFF_MMAP_LENGTH, 0xffffffff);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_int_eq(bi.protocol, 1);
    ck_assert_str_eq(bi.cmdline, "");
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_uint_eq(bi.nerrors, 0);

    /* the legacy sizes alone, in KiB */
    mb1_init(&t, MB1_INFO_MEMORY);
    set32(&t.mem, MB1_OFF_MEM_LOWER, 639);
    set32(&t.mem, MB1_OFF_MEM_UPPER, 130048);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 2);
    ck_assert_uint_eq(bi.regions[0].base, 0);
    ck_assert_uint_eq(bi.regions[0].length, 639 * 1024);
    ck_assert_uint_eq(bi.regions[1].base, MIB);
    ck_assert_uint_eq(bi.regions[1].length, 130048ull * 1024);
    ck_assert_uint_eq(bi.regions[1].type, MB_MEMORY_AVAILABLE);
    ck_assert_uint_eq(bootinfo_available_bytes(&bi), (639 + 130048ull) * 1024);
}
END_TEST

START_TEST(mb1_cmdline_too_long)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_CMDLINE);
    t.mem.len = MB1_CMDLINE_AT;
    char line[BOOTINFO_CMDLINE_MAX + 100];
    memset(line, 'q', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    put(&t.mem, line, sizeof(line));
    set32(&t.mem, MB1_OFF_CMDLINE, PHYS_BASE + MB1_CMDLINE_AT);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_int_eq(bi.cmdline_truncated, 1);
    ck_assert_uint_eq(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
    ck_assert_uint_eq(bi.nerrors, 0);

    /* exactly BOOTINFO_CMDLINE_MAX - 1 characters fit */
    t.mem.len = MB1_CMDLINE_AT;
    line[BOOTINFO_CMDLINE_MAX - 1] = '\0';
    put(&t.mem, line, BOOTINFO_CMDLINE_MAX);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_int_eq(bi.cmdline_truncated, 0);
    ck_assert_str_eq(bi.cmdline, line);
}
END_TEST

/* A command line without a NUL before the end of readable memory stops there, reported. */
START_TEST(mb1_cmdline_unreadable)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_CMDLINE);
    t.mem.len = MB1_CMDLINE_AT;
    put(&t.mem, "no end", 6);
    set32(&t.mem, MB1_OFF_CMDLINE, PHYS_BASE + MB1_CMDLINE_AT);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "no end");
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "unreadable"));

    set32(&t.mem, MB1_OFF_CMDLINE, 0x10); /* outside the memory altogether */
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_str_eq(bi.cmdline, "");
    ck_assert_uint_eq(bi.nerrors, 1);
}
END_TEST

START_TEST(mb1_mmap_bad_entries)
{
    struct mb1 t;
    struct bootinfo bi;
    /* an entry size below 20 */
    mb1_init(&t, MB1_INFO_MMAP);
    mb1_entry(&t, 20, MIB, MIB, MB_MEMORY_AVAILABLE);
    mb1_entry(&t, 20, 2 * MIB, MIB, MB_MEMORY_AVAILABLE);
    set32(&t.mem, MB1_MMAP_AT + 24, 16);
    mb1_mmap_done(&t);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 1);
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "bad size 16"));

    /* an entry size running past mmap_length */
    mb1_init(&t, MB1_INFO_MMAP);
    mb1_entry(&t, 20, MIB, MIB, MB_MEMORY_AVAILABLE);
    mb1_entry(&t, 20, 2 * MIB, MIB, MB_MEMORY_AVAILABLE);
    set32(&t.mem, MB1_MMAP_AT + 24, 21);
    mb1_mmap_done(&t);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "bad size 21"));

    /* a huge entry size: no wrap-around */
    set32(&t.mem, MB1_MMAP_AT + 24, 0xfffffffc);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 1);
    ck_assert_uint_eq(bi.nerrors, 1);
}
END_TEST

START_TEST(mb1_mmap_bad_length)
{
    struct mb1 t;
    struct bootinfo bi;
    /* mmap_length ends inside the third entry */
    for (uint32_t extra = 1; extra < 24; extra += 5) {
        mb1_init(&t, MB1_INFO_MMAP);
        mb1_entry(&t, 20, MIB, MIB, MB_MEMORY_AVAILABLE);
        mb1_entry(&t, 20, 2 * MIB, MIB, MB_MEMORY_AVAILABLE);
        put(&t.mem, "\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", extra);
        mb1_mmap_done(&t);
        ck_assert_int_eq(parse_mb1(&t, &bi), 0);
        ck_assert_uint_eq(bi.nregions, 2);
        ck_assert_uint_eq(bi.nerrors, 1);
        ck_assert_ptr_nonnull(strstr(bi.error, "truncated"));
    }
    /* mmap_length past what is readable */
    mb1_init(&t, MB1_INFO_MMAP);
    mb1_entry(&t, 20, MIB, MIB, MB_MEMORY_AVAILABLE);
    mb1_mmap_done(&t);
    set32(&t.mem, MB1_OFF_MMAP_LENGTH, 48);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_ptr_nonnull(strstr(bi.error, "unreadable"));
    /* mmap_length past BOOTINFO_MB1_MMAP_MAX */
    set32(&t.mem, MB1_OFF_MMAP_LENGTH, BOOTINFO_MB1_MMAP_MAX + 24);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_ptr_nonnull(strstr(bi.error, "exceeds"));
    /* an empty memory map is no error */
    set32(&t.mem, MB1_OFF_MMAP_LENGTH, 0);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

START_TEST(mb1_too_many_regions)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_MMAP);
    for (uint64_t i = 0; i < BOOTINFO_REGIONS_MAX + 3; i++)
        mb1_entry(&t, 20, i * MIB, MIB, MB_MEMORY_AVAILABLE);
    mb1_mmap_done(&t);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nregions, BOOTINFO_REGIONS_MAX);
    ck_assert_int_eq(bi.regions_truncated, 1);
}
END_TEST

/* The information structure itself must be readable: 52 bytes through mmap_addr. */
START_TEST(mb1_unreadable_header)
{
    uint8_t info[MB1_INFO_MIN_SIZE] = {0};
    struct bootinfo bi;
    struct fake_mem m = fake_from(info, sizeof(info), sizeof(info) - 1);
    ck_assert_int_eq(bootinfo_parse(MB1_LOADER_MAGIC, m.base, map_fake, &m, &bi), -EFAULT);
    free(m.buf);
    m = fake_from(info, sizeof(info), sizeof(info));
    ck_assert_int_eq(bootinfo_parse(MB1_LOADER_MAGIC, m.base, map_fake, &m, &bi), 0);
    ck_assert_int_eq(bootinfo_parse(MB1_LOADER_MAGIC, m.base + 1, map_fake, &m, &bi), -EFAULT);
    free(m.buf);
}
END_TEST

/* ---- Heap choice and available bytes ----------------------------------------------------------
 */

START_TEST(heap_largest)
{
    const struct bootinfo_region r[] = {
        {0, 0x9fc00, MB_MEMORY_AVAILABLE},
        {MIB, 15 * MIB, MB_MEMORY_AVAILABLE},
        {16 * MIB, MIB, 2},
        {17 * MIB, 100 * MIB, MB_MEMORY_AVAILABLE},
        {0xfffc0000, 0x40000, 2},
    };
    struct bootinfo bi = with_regions(r, 5);
    HEAP_IS(bi, 2 * MIB, 4096 * MIB, 17 * MIB, 117 * MIB);
    /* the order of the map does not matter */
    const struct bootinfo_region rev[] = {r[4], r[3], r[2], r[1], r[0]};
    bi = with_regions(rev, 5);
    HEAP_IS(bi, 2 * MIB, 4096 * MIB, 17 * MIB, 117 * MIB);
}
END_TEST

START_TEST(heap_straddles_image_end)
{
    const struct bootinfo_region r[] = {
        {MIB, 15 * MIB, MB_MEMORY_AVAILABLE},
        {32 * MIB, 8 * MIB, MB_MEMORY_AVAILABLE},
    };
    struct bootinfo bi = with_regions(r, 2);
    /* the image takes [1, 12) MiB of the first: 4 MiB left, the second is larger */
    HEAP_IS(bi, 12 * MIB, 4096 * MIB, 32 * MIB, 40 * MIB);
    /* the image takes [1, 2) MiB: 14 MiB left, larger than the second */
    HEAP_IS(bi, 2 * MIB, 4096 * MIB, 2 * MIB, 16 * MIB);
    /* the image ends inside the second: the first lies wholly below it */
    HEAP_IS(bi, 35 * MIB, 4096 * MIB, 35 * MIB, 40 * MIB);
    /* the image ends exactly where the second ends: nothing left */
    uint64_t s = 7, e = 7;
    ck_assert_int_eq(bootinfo_heap(&bi, 40 * MIB, 4096 * MIB, &s, &e), -ENOMEM);
    ck_assert_uint_eq(s, 7);
    ck_assert_uint_eq(e, 7);
}
END_TEST

START_TEST(heap_straddles_limit)
{
    const struct bootinfo_region r[] = {
        {MIB, 2047 * MIB, MB_MEMORY_AVAILABLE},
        {4096 * MIB, 8192 * MIB, MB_MEMORY_AVAILABLE},
    };
    struct bootinfo bi = with_regions(r, 2);
    HEAP_IS(bi, 2 * MIB, 1024 * MIB, 2 * MIB, 1024 * MIB);
    /* the second starts at the limit: wholly above it */
    HEAP_IS(bi, 2 * MIB, 4096 * MIB, 2 * MIB, 2048 * MIB);
    /* a limit inside the second, which then is larger */
    HEAP_IS(bi, 2 * MIB, 8192 * MIB, 4096 * MIB, 8192 * MIB);
}
END_TEST

START_TEST(heap_none)
{
    uint64_t s = 7, e = 7;
    struct bootinfo bi = with_regions(NULL, 0);
    ck_assert_int_eq(bootinfo_heap(&bi, 0, UINT64_MAX, &s, &e), -ENOMEM);
    const struct bootinfo_region r[] = {
        {0, 0x9fc00, MB_MEMORY_AVAILABLE}, /* below the image */
        {MIB, 1023 * MIB, 2},              /* reserved */
        {1024 * MIB, 64 * MIB, 3},         /* ACPI reclaimable */
        {1088 * MIB, 0, 1},                /* empty */
        {8192 * MIB, MIB, 1},              /* above the limit */
        {UINT64_MAX - MIB, 2 * MIB, 1},    /* wraps around: damaged */
    };
    bi = with_regions(r, 6);
    ck_assert_int_eq(bootinfo_heap(&bi, 2 * MIB, 4096 * MIB, &s, &e), -ENOMEM);
    /* image_end at or past the limit */
    const struct bootinfo_region one[] = {{MIB, 100 * MIB, MB_MEMORY_AVAILABLE}};
    bi = with_regions(one, 1);
    ck_assert_int_eq(bootinfo_heap(&bi, 50 * MIB, 50 * MIB, &s, &e), -ENOMEM);
    ck_assert_int_eq(bootinfo_heap(&bi, 60 * MIB, 50 * MIB, &s, &e), -ENOMEM);
    ck_assert_uint_eq(s, 7);
    ck_assert_uint_eq(e, 7);
}
END_TEST

/* Entries of other types never become heap, even large ones, and even where they overlap
 * available RAM: the available range is split around them. */
START_TEST(heap_reserved_ignored)
{
    const struct bootinfo_region r[] = {
        {MIB, 63 * MIB, MB_MEMORY_AVAILABLE},
        {64 * MIB, 4000 * MIB, 2},
    };
    struct bootinfo bi = with_regions(r, 2);
    HEAP_IS(bi, 2 * MIB, UINT64_MAX, 2 * MIB, 64 * MIB);
    /* a reserved entry inside the available one: the larger side wins */
    const struct bootinfo_region inside[] = {
        {MIB, 63 * MIB, MB_MEMORY_AVAILABLE},
        {16 * MIB, MIB, 2},
    };
    bi = with_regions(inside, 2);
    HEAP_IS(bi, 2 * MIB, UINT64_MAX, 17 * MIB, 64 * MIB);
    HEAP_IS(bi, 2 * MIB, 20 * MIB, 2 * MIB, 16 * MIB);
    /* reserved entries overlapping either end, and one that covers the image end */
    const struct bootinfo_region ends[] = {
        {60 * MIB, 8 * MIB, 4},
        {MIB, 63 * MIB, MB_MEMORY_AVAILABLE},
        {0, 3 * MIB, 2},
    };
    bi = with_regions(ends, 3);
    HEAP_IS(bi, 2 * MIB, UINT64_MAX, 3 * MIB, 60 * MIB);
    /* several, overlapping each other: the largest gap between them */
    const struct bootinfo_region many[] = {
        {MIB, 99 * MIB, MB_MEMORY_AVAILABLE},
        {10 * MIB, 10 * MIB, 2},
        {15 * MIB, 20 * MIB, 3},
        {70 * MIB, 3 * MIB, 5},
        {40 * MIB, 2 * MIB, 2},
    };
    bi = with_regions(many, 5);
    HEAP_IS(bi, 2 * MIB, UINT64_MAX, 42 * MIB, 70 * MIB);
    /* a reserved entry covering the whole available one, and one that wraps around */
    const struct bootinfo_region all[] = {
        {MIB, 63 * MIB, MB_MEMORY_AVAILABLE},
        {0, 128 * MIB, 2},
        {200 * MIB, 100 * MIB, MB_MEMORY_AVAILABLE},
        {250 * MIB, UINT64_MAX, 2},
    };
    bi = with_regions(all, 4);
    HEAP_IS(bi, 2 * MIB, UINT64_MAX, 200 * MIB, 250 * MIB);
    uint64_t s, e;
    bi = with_regions(all, 2);
    ck_assert_int_eq(bootinfo_heap(&bi, 2 * MIB, UINT64_MAX, &s, &e), -ENOMEM);
}
END_TEST

START_TEST(available_bytes)
{
    struct bootinfo bi = with_regions(three, 3);
    ck_assert_uint_eq(bootinfo_available_bytes(&bi), 0x9fc00 + 127 * MIB);
    bi = with_regions(NULL, 0);
    ck_assert_uint_eq(bootinfo_available_bytes(&bi), 0);
    const struct bootinfo_region huge[] = {
        {0, UINT64_MAX / 2 + 1, MB_MEMORY_AVAILABLE},
        {0, UINT64_MAX / 2 + 1, MB_MEMORY_AVAILABLE},
        {0, 5, 2},
    };
    bi = with_regions(huge, 3);
    ck_assert_uint_eq(bootinfo_available_bytes(&bi), UINT64_MAX);
}
END_TEST

/* The parser and the heap choice together, as the runtime uses them. */
START_TEST(mb2_to_heap)
{
    struct blob b;
    mb2_begin(&b);
    mb2_mmap(&b, 24, three, 3);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    HEAP_IS(bi, 3 * MIB, 1024 * MIB, 3 * MIB, 128 * MIB);
}
END_TEST

static Suite *bootinfo_suite(void)
{
    Suite *s = suite_create("bootinfo");
    TCase *mb2 = tcase_create("multiboot2");
    tcase_add_test(mb2, mb2_complete);
    tcase_add_test(mb2, mb2_stops_at_end_tag);
    tcase_add_test(mb2, mb2_mmap_entry_sizes);
    tcase_add_test(mb2, mb2_mmap_bad_entry_size);
    tcase_add_test(mb2, mb2_mmap_partial_entry);
    tcase_add_test(mb2, mb2_mmap_short_tag);
    tcase_add_test(mb2, mb2_mmap_empty);
    tcase_add_test(mb2, mb2_too_many_regions);
    tcase_add_test(mb2, mb2_two_mmap_tags);
    tcase_add_test(mb2, mb2_rsdp_new_wins);
    tcase_add_test(mb2, mb2_rsdp_long);
    tcase_add_test(mb2, mb2_rsdp_short);
    tcase_add_test(mb2, mb2_cmdline_longest);
    tcase_add_test(mb2, mb2_cmdline_too_long);
    tcase_add_test(mb2, mb2_cmdline_unterminated);
    tcase_add_test(mb2, mb2_no_end_tag);
    tcase_add_test(mb2, mb2_tag_past_total);
    tcase_add_test(mb2, mb2_last_tag_unaligned);
    tcase_add_test(mb2, mb2_tag_too_small);
    tcase_add_test(mb2, mb2_misaligned_tags);
    tcase_add_test(mb2, mb2_errors_counted);
    tcase_add_test(mb2, mb2_truncated_blob);
    tcase_add_test(mb2, mb2_bad_header);
    tcase_add_test(mb2, mb2_oversized_total);
    tcase_add_test(mb2, unknown_magic);
    suite_add_tcase(s, mb2);
    TCase *mb1 = tcase_create("multiboot1");
    tcase_add_test(mb1, mb1_complete);
    tcase_add_test(mb1, mb1_flags);
    tcase_add_test(mb1, mb1_cmdline_too_long);
    tcase_add_test(mb1, mb1_cmdline_unreadable);
    tcase_add_test(mb1, mb1_mmap_bad_entries);
    tcase_add_test(mb1, mb1_mmap_bad_length);
    tcase_add_test(mb1, mb1_too_many_regions);
    tcase_add_test(mb1, mb1_unreadable_header);
    suite_add_tcase(s, mb1);
    TCase *heap = tcase_create("heap");
    tcase_add_test(heap, heap_largest);
    tcase_add_test(heap, heap_straddles_image_end);
    tcase_add_test(heap, heap_straddles_limit);
    tcase_add_test(heap, heap_none);
    tcase_add_test(heap, heap_reserved_ignored);
    tcase_add_test(heap, available_bytes);
    tcase_add_test(heap, mb2_to_heap);
    suite_add_tcase(s, heap);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootinfo_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
