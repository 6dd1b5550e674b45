/* The copy of the ACPI RSDP in Multiboot2 information (src/boot/bootinfo.c): the ACPI 2.0+
 * copy preferred to the 1.0 one, long copies cut, short ones refused, in crafted information on
 * fake physical memory (bootinfo_builders.h). */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

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

static Suite *bootinfo_acpi_suite(void)
{
    Suite *s = suite_create("bootinfo_acpi");
    TCase *t = tcase_create("rsdp");
    tcase_add_test(t, mb2_rsdp_new_wins);
    tcase_add_test(t, mb2_rsdp_long);
    tcase_add_test(t, mb2_rsdp_short);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootinfo_acpi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
