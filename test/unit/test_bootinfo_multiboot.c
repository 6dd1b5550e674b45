/* The boot information parser (src/boot/bootinfo.c) on crafted Multiboot2 and Multiboot1
 * information: the structure itself, its header, the walk over Multiboot2's tags and how it
 * stops on damage, the Multiboot1 flags, and errors counted. The loader's physical memory is a
 * heap buffer of exactly the blob's size at a fake physical address; the map function refuses any
 * range outside it, and AddressSanitizer catches any read past it that bypasses the map
 * function. The memory map, the RSDP and the command line have their own tests
 * (test_bootinfo_mmap.c, test_bootinfo_acpi.c, test_bootinfo_cmdline.c). */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- Multiboot2 -------------------------------------------------------------------------- */

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

/* ---- Multiboot1 -------------------------------------------------------------------------- */

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

static Suite *bootinfo_multiboot_suite(void)
{
    Suite *s = suite_create("bootinfo_multiboot");
    TCase *t = tcase_create("multiboot2");
    tcase_add_test(t, mb2_complete);
    tcase_add_test(t, mb2_stops_at_end_tag);
    tcase_add_test(t, mb2_no_end_tag);
    tcase_add_test(t, mb2_tag_past_total);
    tcase_add_test(t, mb2_last_tag_unaligned);
    tcase_add_test(t, mb2_tag_too_small);
    tcase_add_test(t, mb2_misaligned_tags);
    tcase_add_test(t, mb2_errors_counted);
    tcase_add_test(t, mb2_truncated_blob);
    tcase_add_test(t, mb2_bad_header);
    tcase_add_test(t, mb2_oversized_total);
    tcase_add_test(t, unknown_magic);
    suite_add_tcase(s, t);
    t = tcase_create("multiboot1");
    tcase_add_test(t, mb1_complete);
    tcase_add_test(t, mb1_flags);
    tcase_add_test(t, mb1_unreadable_header);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootinfo_multiboot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
