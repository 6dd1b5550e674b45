/* The heap's range and the RAM there is (src/boot/bootinfo_memory.c), chosen from memory maps
 * made for each case (bootinfo_builders.h): the largest available range below the limit and
 * above the image, other types and overlaps left out; and the parser and the choice together. */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static Suite *bootinfo_heap_suite(void)
{
    Suite *s = suite_create("bootinfo_heap");
    TCase *t = tcase_create("heap");
    tcase_add_test(t, heap_largest);
    tcase_add_test(t, heap_straddles_image_end);
    tcase_add_test(t, heap_straddles_limit);
    tcase_add_test(t, heap_none);
    tcase_add_test(t, heap_reserved_ignored);
    tcase_add_test(t, available_bytes);
    tcase_add_test(t, mb2_to_heap);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bootinfo_heap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
