/* The command line in the boot information (src/boot/bootinfo.c), as Multiboot2 and Multiboot1
 * loaders hand it over: the longest that fits, longer ones cut, lines without their NUL, in
 * crafted information on fake physical memory (bootinfo_builders.h). Splitting the line into
 * words is test_cmdline.c's. */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* ---- Multiboot2 -------------------------------------------------------------------------- */

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

/* ---- Multiboot1 -------------------------------------------------------------------------- */

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

static Suite *bootinfo_cmdline_suite(void)
{
    Suite *s = suite_create("bootinfo_cmdline");
    TCase *t = tcase_create("multiboot2");
    tcase_add_test(t, mb2_cmdline_longest);
    tcase_add_test(t, mb2_cmdline_too_long);
    tcase_add_test(t, mb2_cmdline_unterminated);
    suite_add_tcase(s, t);
    t = tcase_create("multiboot1");
    tcase_add_test(t, mb1_cmdline_too_long);
    tcase_add_test(t, mb1_cmdline_unreadable);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootinfo_cmdline_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
