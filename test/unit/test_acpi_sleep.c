/* The power-off parsers (src/acpi/sleep.c): the \_S5 sleep types out of a DSDT and the PM1
 * control ports out of a FADT, on the tables of QEMU's q35 and pc machines (test/data/acpi/qemu)
 * and on AML and FADTs built here the ways firmware writes them, then damaged. Every buffer is
 * handed over in a heap block of exactly its length, so AddressSanitizer catches a read past
 * it. */
#include "acpi.h"
#include "acpi_tables.h"
#include "sleep.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S5_NAME     '_', 'S', '5', '_'
#define PM1_PORT    0x604  /* QEMU's PM1a control block, q35 and pc */
#define OTHER_PORT  0x1804 /* a PM1a control port of real hardware */
#define FADT_V1_LEN 116    /* ACPI 1.0 FADT: no Generic Address fields */
#define FADT_V6_LEN 276

/* A copy in a block of exactly n bytes (freed by the caller) */
static uint8_t *exact(const void *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(c);
    memcpy(c, p, n);
    return c;
}

static int s5(const uint8_t *aml, size_t n, struct acpi_sleep_type *t)
{
    uint8_t *c = exact(aml, n);
    int rc = acpi_s5_find(c, n, t);
    free(c);
    return rc;
}

static uint8_t *read_file(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", TF_ACPI_QEMU_TABLES, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s missing", path);
    static uint8_t buf[65536];
    *len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    ck_assert_uint_gt(*len, ACPI_SDT_HEADER_SIZE);
    ck_assert_uint_eq(acpi_get32(buf + ACPI_SDT_LENGTH), *len);
    ck_assert_uint_eq(acpi_sum(buf, *len), 0);
    return exact(buf, *len);
}

/* ---- QEMU's own tables ---- */

static void check_qemu(const char *machine)
{
    char name[64];
    size_t len;
    snprintf(name, sizeof(name), "%s-dsdt.bin", machine);
    uint8_t *dsdt = read_file(name, &len);
    ck_assert(!memcmp(dsdt, ACPI_DSDT_SIGNATURE_TEXT, ACPI_SDT_SIGNATURE_LEN));
    struct acpi_sleep_type t = {9, 9};
    ck_assert_int_eq(acpi_s5_find(dsdt + ACPI_SDT_HEADER_SIZE, len - ACPI_SDT_HEADER_SIZE, &t), 0);
    ck_assert_uint_eq(t.a, 0);
    ck_assert_uint_eq(t.b, 0);
    free(dsdt);
    snprintf(name, sizeof(name), "%s-facp.bin", machine);
    uint8_t *fadt = read_file(name, &len);
    struct acpi_pm1_control pm1;
    ck_assert_int_eq(acpi_fadt_pm1_control(fadt, len, &pm1), 0);
    ck_assert_uint_eq(pm1.a, PM1_PORT);
    ck_assert_uint_eq(pm1.b, 0);
    free(fadt);
}

START_TEST(qemu_q35)
{
    check_qemu("q35");
}
END_TEST

START_TEST(qemu_pc)
{
    check_qemu("pc");
}
END_TEST

/* ---- \_S5 encodings ---- */

START_TEST(byte_prefixed_types)
{
    /* Name (_S5, Package (0x04) { 0x07, 0x07, Zero, Zero }): Intel chipsets */
    const uint8_t aml[] = {
        ACPI_AML_NAME_OP,     S5_NAME, ACPI_AML_PACKAGE_OP,  0x08, 0x04,
        ACPI_AML_BYTE_PREFIX, 0x07,    ACPI_AML_BYTE_PREFIX, 0x07, ACPI_AML_ZERO_OP,
        ACPI_AML_ZERO_OP};
    struct acpi_sleep_type t;
    ck_assert_int_eq(s5(aml, sizeof(aml), &t), 0);
    ck_assert_uint_eq(t.a, 7);
    ck_assert_uint_eq(t.b, 7);
}
END_TEST

START_TEST(root_prefix_and_ones)
{
    /* Name (\_S5, Package (0x02) { One, 0x05 }) */
    const uint8_t aml[] = {
        ACPI_AML_NAME_OP, ACPI_AML_ROOT_CHAR,   S5_NAME, ACPI_AML_PACKAGE_OP, 0x05, 0x02,
        ACPI_AML_ONE_OP,  ACPI_AML_BYTE_PREFIX, 0x05};
    struct acpi_sleep_type t;
    ck_assert_int_eq(s5(aml, sizeof(aml), &t), 0);
    ck_assert_uint_eq(t.a, 1);
    ck_assert_uint_eq(t.b, 5);
}
END_TEST

START_TEST(one_element_and_integer_split)
{
    /* ACPICA's reading of Package (0x01) { 0x0705 } and of Name (_S5, 0x0705): a in the low
     * byte, b in the next */
    const uint8_t pkg[] = {ACPI_AML_NAME_OP,
                           S5_NAME,
                           ACPI_AML_PACKAGE_OP,
                           0x05,
                           0x01,
                           ACPI_AML_WORD_PREFIX,
                           0x05,
                           0x07};
    const uint8_t integer[] = {ACPI_AML_NAME_OP, S5_NAME, ACPI_AML_WORD_PREFIX, 0x05, 0x07};
    struct acpi_sleep_type t;
    ck_assert_int_eq(s5(pkg, sizeof(pkg), &t), 0);
    ck_assert_uint_eq(t.a, 5);
    ck_assert_uint_eq(t.b, 7);
    t = (struct acpi_sleep_type){0, 0};
    ck_assert_int_eq(s5(integer, sizeof(integer), &t), 0);
    ck_assert_uint_eq(t.a, 5);
    ck_assert_uint_eq(t.b, 7);
}
END_TEST

START_TEST(inside_scope_and_if_with_long_pkglength)
{
    /* Scope (\) { If (SS5) { Name (_S5, ...) } } in the middle of other AML, the package's
     * PkgLength in two bytes (lead byte 0x4n: one follower) */
    uint8_t aml[64] = {0x10,
                       0x20,
                       ACPI_AML_ROOT_CHAR,
                       0xA0,
                       0x1A,
                       'S',
                       'S',
                       '5',
                       '_',
                       ACPI_AML_NAME_OP,
                       S5_NAME,
                       ACPI_AML_PACKAGE_OP,
                       0x49,
                       0x00,
                       0x04,
                       ACPI_AML_BYTE_PREFIX,
                       0x06,
                       ACPI_AML_BYTE_PREFIX,
                       0x03,
                       ACPI_AML_ZERO_OP,
                       ACPI_AML_ZERO_OP,
                       0x5B,
                       0x80};
    struct acpi_sleep_type t;
    ck_assert_int_eq(s5(aml, sizeof(aml), &t), 0);
    ck_assert_uint_eq(t.a, 6);
    ck_assert_uint_eq(t.b, 3);
}
END_TEST

START_TEST(first_sound_declaration_wins)
{
    /* a type of 8 does not fit SLP_TYP's 3 bits: that declaration is skipped */
    const uint8_t aml[] = {ACPI_AML_NAME_OP,
                           S5_NAME,
                           ACPI_AML_PACKAGE_OP,
                           0x06,
                           0x02,
                           ACPI_AML_BYTE_PREFIX,
                           0x08,
                           ACPI_AML_BYTE_PREFIX,
                           0x00,
                           ACPI_AML_NAME_OP,
                           S5_NAME,
                           ACPI_AML_PACKAGE_OP,
                           0x04,
                           0x02,
                           ACPI_AML_ONE_OP,
                           ACPI_AML_ONE_OP};
    struct acpi_sleep_type t;
    ck_assert_int_eq(s5(aml, sizeof(aml), &t), 0);
    ck_assert_uint_eq(t.a, 1);
    ck_assert_uint_eq(t.b, 1);
}
END_TEST

START_TEST(what_is_not_a_declaration)
{
    struct acpi_sleep_type t;
    /* Method (_S5, 0) { Return (Package ...) }: computed, not data */
    const uint8_t method[] = {0x14,
                              0x0C,
                              S5_NAME,
                              0x00,
                              0xA4,
                              ACPI_AML_PACKAGE_OP,
                              0x05,
                              0x02,
                              ACPI_AML_ZERO_OP,
                              ACPI_AML_ZERO_OP};
    ck_assert_int_eq(s5(method, sizeof(method), &t), -ENOENT);
    /* a package of names, not integers; an empty package; another name */
    const uint8_t names[] = {ACPI_AML_NAME_OP,
                             S5_NAME,
                             ACPI_AML_PACKAGE_OP,
                             0x0A,
                             0x02,
                             'S',
                             'L',
                             'P',
                             'A',
                             'S',
                             'L',
                             'P',
                             'B'};
    ck_assert_int_eq(s5(names, sizeof(names), &t), -ENOENT);
    const uint8_t empty[] = {ACPI_AML_NAME_OP, S5_NAME, ACPI_AML_PACKAGE_OP, 0x02, 0x00};
    ck_assert_int_eq(s5(empty, sizeof(empty), &t), -ENOENT);
    const uint8_t s4[] = {
        ACPI_AML_NAME_OP, '_', 'S', '4', '_', ACPI_AML_PACKAGE_OP, 0x04, 0x02, ACPI_AML_ZERO_OP,
        ACPI_AML_ZERO_OP};
    ck_assert_int_eq(s5(s4, sizeof(s4), &t), -ENOENT);
    ck_assert_int_eq(s5(s4, 0, &t), -ENOENT);
}
END_TEST

START_TEST(every_truncation)
{
    /* cut anywhere before its end, a declaration is not found, and nothing past the cut is read */
    const uint8_t aml[] = {ACPI_AML_NAME_OP,
                           ACPI_AML_ROOT_CHAR,
                           S5_NAME,
                           ACPI_AML_PACKAGE_OP,
                           0x09,
                           0x04,
                           ACPI_AML_BYTE_PREFIX,
                           0x07,
                           ACPI_AML_DWORD_PREFIX,
                           0x07,
                           0x00,
                           0x00,
                           0x00};
    struct acpi_sleep_type t;
    for (size_t n = 0; n < sizeof(aml); n++)
        ck_assert_int_eq(s5(aml, n, &t), -ENOENT);
    ck_assert_int_eq(s5(aml, sizeof(aml), &t), 0);
    ck_assert_uint_eq(t.b, 7);
}
END_TEST

/* ---- the FADT's PM1 control ports ---- */

static uint8_t *fadt(size_t len)
{
    static uint8_t t[FADT_V6_LEN];
    memset(t, 0, sizeof(t));
    memcpy(t, ACPI_FADT_SIGNATURE_TEXT, ACPI_SDT_SIGNATURE_LEN);
    t[ACPI_FADT_PM1A_CNT_BLK] = PM1_PORT & 0xFF;
    t[ACPI_FADT_PM1A_CNT_BLK + 1] = PM1_PORT >> 8;
    t[ACPI_FADT_PM1_CNT_LEN] = ACPI_PM1_CNT_MIN_LEN;
    return exact(t, len);
}

static void set_gas(uint8_t *t, size_t at, unsigned space, uint64_t address)
{
    t[at + ACPI_GAS_SPACE_ID] = (uint8_t)space;
    t[at + ACPI_GAS_BIT_WIDTH] = 16;
    for (unsigned i = 0; i < 8; i++)
        t[at + ACPI_GAS_ADDRESS + i] = (uint8_t)(address >> 8 * i);
}

START_TEST(fadt_legacy_and_generic_address)
{
    struct acpi_pm1_control pm1;
    uint8_t *t = fadt(FADT_V1_LEN);
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V1_LEN, &pm1), 0);
    ck_assert_uint_eq(pm1.a, PM1_PORT);
    free(t);
    /* X_PM1a_CNT_BLK wins when set; X_PM1b names the second block */
    t = fadt(FADT_V6_LEN);
    set_gas(t, ACPI_FADT_X_PM1A_CNT_BLK, ACPI_GAS_SPACE_SYSTEM_IO, OTHER_PORT);
    set_gas(t, ACPI_FADT_X_PM1B_CNT_BLK, ACPI_GAS_SPACE_SYSTEM_IO, OTHER_PORT + 4);
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V6_LEN, &pm1), 0);
    ck_assert_uint_eq(pm1.a, OTHER_PORT);
    ck_assert_uint_eq(pm1.b, OTHER_PORT + 4);
    free(t);
}
END_TEST

START_TEST(fadt_refusals)
{
    struct acpi_pm1_control pm1;
    uint8_t *t = fadt(FADT_V6_LEN);
    set_gas(t, ACPI_FADT_X_PM1A_CNT_BLK, 0 /* system memory */, 0xFED80000);
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V6_LEN, &pm1), -EINVAL);
    set_gas(t, ACPI_FADT_X_PM1A_CNT_BLK, ACPI_GAS_SPACE_SYSTEM_IO, 0x10000);
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V6_LEN, &pm1), -EINVAL);
    free(t);
    t = fadt(FADT_V6_LEN);
    t[ACPI_FADT_FLAGS + 2] = ACPI_FADT_HW_REDUCED_ACPI >> 16; /* microvm's kind of platform */
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V6_LEN, &pm1), -ENOENT);
    free(t);
    t = fadt(FADT_V1_LEN);
    t[ACPI_FADT_PM1_CNT_LEN] = 1;
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V1_LEN, &pm1), -EINVAL);
    t[ACPI_FADT_PM1A_CNT_BLK] = t[ACPI_FADT_PM1A_CNT_BLK + 1] = 0;
    ck_assert_int_eq(acpi_fadt_pm1_control(t, FADT_V1_LEN, &pm1), -ENOENT);
    free(t);
    for (size_t n = 0; n <= ACPI_FADT_PM1_CNT_LEN; n++) {
        t = fadt(n);
        ck_assert_int_eq(acpi_fadt_pm1_control(t, n, &pm1), -EINVAL);
        free(t);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi_sleep");
    TCase *q = tcase_create("qemu");
    tcase_add_test(q, qemu_q35);
    tcase_add_test(q, qemu_pc);
    suite_add_tcase(s, q);
    TCase *a = tcase_create("s5");
    tcase_add_test(a, byte_prefixed_types);
    tcase_add_test(a, root_prefix_and_ones);
    tcase_add_test(a, one_element_and_integer_split);
    tcase_add_test(a, inside_scope_and_if_with_long_pkglength);
    tcase_add_test(a, first_sound_declaration_wins);
    tcase_add_test(a, what_is_not_a_declaration);
    tcase_add_test(a, every_truncation);
    suite_add_tcase(s, a);
    TCase *f = tcase_create("fadt");
    tcase_add_test(f, fadt_legacy_and_generic_address);
    tcase_add_test(f, fadt_refusals);
    suite_add_tcase(s, f);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
