/* The memory map in the boot information (src/boot/bootinfo.c): Multiboot2 memory map tags
 * (entry sizes, cut entries, short and empty tags, two tags) and Multiboot1 entries and lengths,
 * and more regions than BOOTINFO_REGIONS_MAX, in crafted information on fake physical memory
 * (bootinfo_builders.h). */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ---- Multiboot2 -------------------------------------------------------------------------- */

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

/* ---- Multiboot1 -------------------------------------------------------------------------- */

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

static Suite *bootinfo_mmap_suite(void)
{
    Suite *s = suite_create("bootinfo_mmap");
    TCase *t = tcase_create("multiboot2");
    tcase_add_test(t, mb2_mmap_entry_sizes);
    tcase_add_test(t, mb2_mmap_bad_entry_size);
    tcase_add_test(t, mb2_mmap_partial_entry);
    tcase_add_test(t, mb2_mmap_short_tag);
    tcase_add_test(t, mb2_mmap_empty);
    tcase_add_test(t, mb2_too_many_regions);
    tcase_add_test(t, mb2_two_mmap_tags);
    suite_add_tcase(s, t);
    t = tcase_create("multiboot1");
    tcase_add_test(t, mb1_mmap_bad_entries);
    tcase_add_test(t, mb1_mmap_bad_length);
    tcase_add_test(t, mb1_too_many_regions);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootinfo_mmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
