/* Boot modules (src/boot/bootinfo.c, bootinfo_memory.c): Multiboot1 module lists and Multiboot2
 * module tags, crafted field by field (truncated, unterminated, unreadable, too many), the names
 * the runtime gives them, the checks that keep only modules it can hand out (in RAM, clear of the
 * image and of each other), and the heap's choice around them. */
#include "bootinfo.h"
#include "bootinfo_builders.h"
#include "multiboot_abi.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIB        1024ull
#define PAGE_2M    (2 * MIB)
#define ARRAY_N(a) (sizeof(a) / sizeof((a)[0]))

static const struct bootinfo_region ram[] = {
    {0, 0x9fc00, MB_MEMORY_AVAILABLE},
    {0xf0000, 0x10000, 2},
    {MIB, 127 * MIB, MB_MEMORY_AVAILABLE},
};

/* What the runtime keeps out of modules in these tests: page 0 and an image at [1, 4) MiB. */
static const struct bootinfo_range keep_out[] = {{0, 4 * KIB}, {MIB, 4 * MIB}};

/* ---- Multiboot2 module tags ------------------------------------------------------------------
 */

/* A module tag: start, end, then the string's bytes (n of them: pass strlen + 1 for a C string). */
static void mb2_module_bytes(struct blob *b, uint32_t start, uint32_t end, const char *s, size_t n)
{
    put32(b, MB2_TAG_MODULE);
    put32(b, (uint32_t)(MB2_MODULE_STRING + n));
    put32(b, start);
    put32(b, end);
    put(b, s, n);
    pad8(b);
}

static void mb2_module(struct blob *b, uint32_t start, uint32_t end, const char *s)
{
    mb2_module_bytes(b, start, end, s, strlen(s) + 1);
}

static void assert_module(const struct bootinfo *bi, size_t i, uint64_t start, uint64_t end,
                          const char *name)
{
    ck_assert_uint_lt(i, bi->nmodules);
    ck_assert_uint_eq(bi->modules[i].start, start);
    ck_assert_uint_eq(bi->modules[i].end, end);
    ck_assert_str_eq(bi->modules[i].name, name);
}

START_TEST(mb2_modules)
{
    struct blob b;
    mb2_begin(&b);
    mb2_module(&b, 0x400000, 0x400123, "/boot/m0 alpha");
    mb2_cmdline(&b, "kernel x");
    mb2_module(&b, 0x401000, 0x402000, "/boot/m1 two words");
    mb2_mmap(&b, MB2_MMAP_ENTRY_MIN, ram, ARRAY_N(ram));
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 2);
    assert_module(&bi, 0, 0x400000, 0x400123, "alpha");
    assert_module(&bi, 1, 0x401000, 0x402000, "two words");
    ck_assert_str_eq(bi.cmdline, "kernel x");
    ck_assert_uint_eq(bi.nregions, 3);
    ck_assert_int_eq(bi.modules_truncated, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

/* The name is what follows the first space, unquoted; without a space, what follows the last
 * '/'. */
START_TEST(module_names)
{
    static const char *const cases[][2] = {
        {"", ""},
        {"plain", "plain"},
        {"/boot/data.bin", "data.bin"},
        {"/boot/m0 dir/name.txt", "dir/name.txt"},
        {"/boot/m0 ", ""},
        {"/boot/m0  leading blank", " leading blank"},
        {"/boot/dir/", ""},
        {"path a,b=c", "a,b=c"},
        {"/boot/m0 \"two words\"", "two words"},
        {"/boot/m0 \"a \\\"quoted\\\" name\"", "a \"quoted\" name"},
        {"/boot/m0 back\\\\slash", "back\\slash"},
        {"/boot/m0 it\\'s", "it's"},
        {"/boot/m0 \"\"", ""},
        {"/boot/m0 ends\\", "ends\\"},
        {"no\"quotes", "no\"quotes"}, /* without a space the string is taken as it is */
    };
    for (size_t i = 0; i < ARRAY_N(cases); i++) {
        char name[BOOTINFO_MODULE_NAME_MAX];
        ck_assert_int_eq(bootinfo_module_name(cases[i][0], name, sizeof(name)), 0);
        ck_assert_str_eq(name, cases[i][1]);
    }
    char small[4];
    ck_assert_int_eq(bootinfo_module_name("p abc", small, sizeof(small)), 0);
    ck_assert_str_eq(small, "abc");
    ck_assert_int_eq(bootinfo_module_name("p abcd", small, sizeof(small)), 1);
    ck_assert_str_eq(small, "abc");
    ck_assert_int_eq(bootinfo_module_name("p \"abc\"", small, sizeof(small)), 0);
    ck_assert_str_eq(small, "abc");
    ck_assert_int_eq(bootinfo_module_name("abcd", small, sizeof(small)), 1);
    ck_assert_str_eq(small, "abc");
}
END_TEST

/* A tag that ends right after mod_end has no string: the module has an empty name. */
START_TEST(mb2_module_without_string)
{
    struct blob b;
    mb2_begin(&b);
    mb2_module_bytes(&b, 0x400000, 0x401000, NULL, 0);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 1);
    assert_module(&bi, 0, 0x400000, 0x401000, "");
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

/* Tags too short for mod_start and mod_end are reported and skipped; the next tag still counts. */
START_TEST(mb2_module_tag_truncated)
{
    for (uint32_t size = MB2_TAG_HEADER_SIZE; size < MB2_MODULE_STRING; size += 4) {
        struct blob b;
        mb2_begin(&b);
        put32(&b, MB2_TAG_MODULE);
        put32(&b, size);
        if (size > MB2_MODULE_START)
            put32(&b, 0x400000); /* mod_start only */
        pad8(&b);
        mb2_module(&b, 0x500000, 0x500010, "p next");
        mb2_finish(&b);
        struct bootinfo bi;
        ck_assert_int_eq(parse_mb2(&b, &bi), 0);
        ck_assert_uint_eq(bi.nmodules, 1);
        assert_module(&bi, 0, 0x500000, 0x500010, "next");
        ck_assert_uint_eq(bi.nerrors, 1);
        ck_assert_ptr_nonnull(strstr(bi.error, "module tag of"));
    }
}
END_TEST

/* A string without its NUL is taken up to the tag's end and reported; nothing past the tag (the
 * padding, the next tag) becomes part of it. */
START_TEST(mb2_module_unterminated)
{
    struct blob b;
    mb2_begin(&b);
    mb2_module_bytes(&b, 0x400000, 0x400001, "p abcde", 7);
    mb2_cmdline(&b, "after");
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 1);
    assert_module(&bi, 0, 0x400000, 0x400001, "abcde");
    ck_assert_str_eq(bi.cmdline, "after");
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "not terminated"));
}
END_TEST

/* Strings past BOOTINFO_MODULE_STRING_MAX and names past BOOTINFO_MODULE_NAME_MAX are cut. */
START_TEST(mb2_module_long_strings)
{
    static char s[BOOTINFO_MODULE_STRING_MAX + 200];
    memset(s, 'n', sizeof(s) - 1);
    s[0] = 'p';
    s[1] = ' ';
    s[sizeof(s) - 1] = '\0';
    struct blob b;
    mb2_begin(&b);
    mb2_module(&b, 0x400000, 0x400001, s);
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 1);
    ck_assert_uint_eq(strlen(bi.modules[0].name), BOOTINFO_MODULE_NAME_MAX - 1);
    ck_assert_uint_eq(bi.nerrors, 2); /* the string, then the name */
    ck_assert_ptr_nonnull(strstr(bi.error, "string is longer"));

    /* a name of exactly BOOTINFO_MODULE_NAME_MAX - 1 bytes fits */
    s[2 + BOOTINFO_MODULE_NAME_MAX - 1] = '\0';
    mb2_begin(&b);
    mb2_module(&b, 0x400000, 0x400001, s);
    mb2_finish(&b);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_str_eq(bi.modules[0].name, s + 2);
    ck_assert_uint_eq(bi.nerrors, 0);
    /* one more byte is cut */
    s[2 + BOOTINFO_MODULE_NAME_MAX - 1] = 'n';
    s[2 + BOOTINFO_MODULE_NAME_MAX] = '\0';
    mb2_begin(&b);
    mb2_module(&b, 0x400000, 0x400001, s);
    mb2_finish(&b);
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(strlen(bi.modules[0].name), BOOTINFO_MODULE_NAME_MAX - 1);
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "name is longer"));
}
END_TEST

START_TEST(mb2_too_many_modules)
{
    struct blob b;
    mb2_begin(&b);
    for (uint32_t i = 0; i < BOOTINFO_MODULES_MAX + 5; i++) {
        char s[32];
        snprintf(s, sizeof(s), "p m%u", i);
        mb2_module(&b, 0x400000 + i * 0x1000, 0x400000 + i * 0x1000 + 1, s);
    }
    mb2_finish(&b);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb2(&b, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, BOOTINFO_MODULES_MAX);
    ck_assert_int_eq(bi.modules_truncated, 1);
    ck_assert_str_eq(bi.modules[BOOTINFO_MODULES_MAX - 1].name, "m63");
    ck_assert_uint_eq(bi.nerrors, 1); /* reported once */
    ck_assert_ptr_nonnull(strstr(bi.error, "more than 64 modules"));
}
END_TEST

/* ---- Multiboot1 module lists -----------------------------------------------------------------
 */

/* Appends a module list of n entries and their strings (NULL: string 0) after what the test put
 * so far, and points mods_addr and mods_count at it. */
static void mb1_modules(struct mb1 *t, const uint32_t (*range)[2], const char *const *strings,
                        size_t n)
{
    struct blob *b = &t->mem;
    size_t table = b->len, text = table + n * MB1_MOD_ENTRY_SIZE;
    b->len = text;
    for (size_t i = 0; i < n; i++) {
        uint32_t string = 0;
        if (strings[i]) {
            string = (uint32_t)(PHYS_BASE + b->len);
            put(b, strings[i], strlen(strings[i]) + 1);
        }
        size_t e = table + i * MB1_MOD_ENTRY_SIZE;
        set32(b, e + MB1_MOD_START, range[i][0]);
        set32(b, e + MB1_MOD_END, range[i][1]);
        set32(b, e + MB1_MOD_STRING, string);
        set32(b, e + 12, 0xeeeeeeee); /* reserved */
    }
    set32(b, MB1_OFF_MODS_ADDR, (uint32_t)(PHYS_BASE + table));
    set32(b, MB1_OFF_MODS_COUNT, (uint32_t)n);
}

/* As QEMU's -kernel loader lays them out: modules after the image, strings "PATH NAME". */
START_TEST(mb1_modules_listed)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_MMAP | MB1_INFO_MODS | MB1_INFO_CMDLINE);
    mb1_set_cmdline(&t, "image a b");
    for (size_t i = 0; i < ARRAY_N(ram); i++)
        mb1_entry(&t, 20, ram[i].base, ram[i].length, ram[i].type);
    mb1_mmap_done(&t);
    static const uint32_t range[][2] = {{0x401000, 0x401100}, {0x402000, 0x402000}, {0, 0}};
    static const char *const strings[] = {"/tmp/x/in.dat in.dat", "/tmp/x/e my, name", NULL};
    mb1_modules(&t, range, strings, 3);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 3);
    assert_module(&bi, 0, 0x401000, 0x401100, "in.dat");
    assert_module(&bi, 1, 0x402000, 0x402000, "my, name");
    assert_module(&bi, 2, 0, 0, ""); /* string 0: no name */
    ck_assert_str_eq(bi.cmdline, "image a b");
    ck_assert_uint_eq(bi.nregions, 3);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

/* Without MB1_INFO_MODS the fields are not read, even when they hold garbage. */
START_TEST(mb1_modules_flag_clear)
{
    struct mb1 t;
    mb1_init(&t, 0);
    set32(&t.mem, MB1_OFF_MODS_ADDR, 0xdeadbeef);
    set32(&t.mem, MB1_OFF_MODS_COUNT, 0xffffffff);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
    /* with the flag and a count of 0 the address is not read either */
    mb1_init(&t, MB1_INFO_MODS);
    set32(&t.mem, MB1_OFF_MODS_ADDR, 0xdeadbeef);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 0);
    ck_assert_uint_eq(bi.nerrors, 0);
}
END_TEST

START_TEST(mb1_module_list_damaged)
{
    struct mb1 t;
    struct bootinfo bi;
    static const uint32_t range[][2] = {{0x401000, 0x402000}, {0x402000, 0x403000}};
    static const char *const strings[] = {"p a", "p b"};
    /* a count running past readable memory: nothing is taken */
    mb1_init(&t, MB1_INFO_MODS);
    mb1_modules(&t, range, strings, 2);
    set32(&t.mem, MB1_OFF_MODS_COUNT, 200);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 0);
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "module list"));
    /* the list outside memory altogether */
    set32(&t.mem, MB1_OFF_MODS_COUNT, 2);
    set32(&t.mem, MB1_OFF_MODS_ADDR, 0x10);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 0);
    ck_assert_uint_eq(bi.nerrors, 1);
    /* a count past BOOTINFO_MB1_MODS_MAX, whose byte size would wrap 32 bits */
    set32(&t.mem, MB1_OFF_MODS_COUNT, 0x10000001);
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 0);
    ck_assert_ptr_nonnull(strstr(bi.error, "exceeds"));
}
END_TEST

/* A string running into unreadable memory keeps what was readable, reported; so does a string
 * address outside memory (an empty name). The modules themselves are kept. */
START_TEST(mb1_module_string_unreadable)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_MODS);
    static const uint32_t range[][2] = {{0x401000, 0x402000}, {0x402000, 0x403000}};
    static const char *const strings[] = {"p first", "p second"};
    mb1_modules(&t, range, strings, 2);
    t.mem.len--; /* the second string's NUL is gone */
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 2);
    assert_module(&bi, 0, 0x401000, 0x402000, "first");
    assert_module(&bi, 1, 0x402000, 0x403000, "second");
    ck_assert_uint_eq(bi.nerrors, 1);
    ck_assert_ptr_nonnull(strstr(bi.error, "module 1's string"));

    set32(&t.mem, MB1_MMAP_AT + MB1_MOD_STRING, 0x20); /* module 0's string: outside memory */
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 2);
    ck_assert_str_eq(bi.modules[0].name, "");
    ck_assert_uint_eq(bi.nerrors, 2);
    ck_assert_ptr_nonnull(strstr(bi.error, "module 0's string at 0x20"));
}
END_TEST

START_TEST(mb1_module_string_too_long)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_MODS);
    static char s[BOOTINFO_MODULE_STRING_MAX + 10];
    memset(s, 'x', sizeof(s) - 1);
    s[sizeof(s) - 1] = '\0';
    static const uint32_t range[][2] = {{0x401000, 0x402000}};
    const char *strings[] = {s};
    mb1_modules(&t, range, strings, 1);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, 1);
    /* no blank: the cut string is the name, cut again to the name's size */
    ck_assert_uint_eq(strlen(bi.modules[0].name), BOOTINFO_MODULE_NAME_MAX - 1);
    ck_assert_uint_eq(bi.nerrors, 2);
    ck_assert_ptr_nonnull(strstr(bi.error, "string is longer"));
}
END_TEST

START_TEST(mb1_too_many_modules)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_MODS);
    enum { N = BOOTINFO_MODULES_MAX + 10 };
    static uint32_t range[N][2];
    const char *strings[N];
    for (unsigned i = 0; i < N; i++) {
        range[i][0] = 0x400000 + i * 0x1000;
        range[i][1] = range[i][0] + 0x1000;
        strings[i] = NULL;
    }
    mb1_modules(&t, range, strings, N);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    ck_assert_uint_eq(bi.nmodules, BOOTINFO_MODULES_MAX);
    ck_assert_int_eq(bi.modules_truncated, 1);
    ck_assert_uint_eq(bi.modules[BOOTINFO_MODULES_MAX - 1].start,
                      0x400000 + (BOOTINFO_MODULES_MAX - 1) * 0x1000);
    ck_assert_uint_eq(bi.nerrors, 1);
}
END_TEST

/* ---- Which modules the runtime keeps ---------------------------------------------------------
 */

static struct bootinfo with_modules(const struct bootinfo_region *r, size_t nr,
                                    const struct bootinfo_module *m, size_t nm)
{
    struct bootinfo bi = with_regions(r, nr);
    ck_assert_uint_le(nm, BOOTINFO_MODULES_MAX);
    if (nm)
        memcpy(bi.modules, m, nm * sizeof(*m));
    bi.nmodules = nm;
    return bi;
}

static void check(struct bootinfo *bi)
{
    bootinfo_check_modules(bi, keep_out, ARRAY_N(keep_out), 4096 * MIB);
}

START_TEST(check_in_ram)
{
    const struct bootinfo_module m[] = {
        {4 * MIB, 5 * MIB, "kept"},
        {127 * MIB, 129 * MIB, "past the end of RAM"},
        {0xf8000, 0x100000, "in a reserved entry"},
        {0x9f000, 0xa0000, "straddles the end of low RAM"},
        {128 * MIB, 128 * MIB + 1, "beyond RAM"},
        {100 * MIB, 128 * MIB, "ends at the end of RAM"},
    };
    struct bootinfo bi = with_modules(ram, ARRAY_N(ram), m, ARRAY_N(m));
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 2);
    ck_assert_str_eq(bi.modules[0].name, "kept");
    ck_assert_str_eq(bi.modules[1].name, "ends at the end of RAM");
    ck_assert_uint_eq(bi.modules_dropped, 4);
    ck_assert_uint_eq(bi.nerrors, 4);
    ck_assert_ptr_nonnull(strstr(bi.error, "module 1 \"past the end of RAM\""));
    ck_assert_ptr_nonnull(strstr(bi.error, "not in available RAM"));
}
END_TEST

/* Available entries that touch count as one range; a reserved entry inside one does not. */
START_TEST(check_adjacent_and_reserved)
{
    const struct bootinfo_region r[] = {
        {MIB, 63 * MIB, MB_MEMORY_AVAILABLE},
        {64 * MIB, 64 * MIB, MB_MEMORY_AVAILABLE},
        {100 * MIB, MIB, 2}, /* inside the second */
    };
    const struct bootinfo_module m[] = {
        {60 * MIB, 70 * MIB, "spans both"},
        {99 * MIB, 102 * MIB, "over the reserved entry"},
        {101 * MIB, 102 * MIB, "just after it"},
    };
    struct bootinfo bi = with_modules(r, ARRAY_N(r), m, ARRAY_N(m));
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 2);
    ck_assert_str_eq(bi.modules[0].name, "spans both");
    ck_assert_str_eq(bi.modules[1].name, "just after it");
    ck_assert_uint_eq(bi.modules_dropped, 1);
}
END_TEST

START_TEST(check_overlaps)
{
    const struct bootinfo_module m[] = {
        {8 * MIB, 10 * MIB, "first"},          {9 * MIB, 11 * MIB, "overlaps first"},
        {10 * MIB, 12 * MIB, "touches first"}, {3 * MIB, 5 * MIB, "overlaps the image"},
        {0, 8 * KIB, "overlaps page 0"},       {8 * KIB, 12 * KIB, "low"},
        {7 * MIB, 13 * MIB, "covers two"},
    };
    struct bootinfo bi = with_modules(ram, ARRAY_N(ram), m, ARRAY_N(m));
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 3);
    ck_assert_str_eq(bi.modules[0].name, "first");
    ck_assert_str_eq(bi.modules[1].name, "touches first");
    ck_assert_str_eq(bi.modules[2].name, "low");
    ck_assert_uint_eq(bi.modules_dropped, 4);
    ck_assert_ptr_nonnull(strstr(bi.error, "overlaps an earlier module"));
}
END_TEST

START_TEST(check_bad_ranges)
{
    const struct bootinfo_module m[] = {
        {9 * MIB, 8 * MIB, "backwards"},
        {8 * MIB, 9 * MIB, "fine"},
    };
    struct bootinfo bi = with_modules(ram, ARRAY_N(ram), m, ARRAY_N(m));
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 1);
    ck_assert_str_eq(bi.modules[0].name, "fine");
    ck_assert_ptr_nonnull(strstr(bi.error, "ends before it starts"));
    /* above the limit: the identity map's end */
    const struct bootinfo_region big[] = {{MIB, 8191 * MIB, MB_MEMORY_AVAILABLE}};
    const struct bootinfo_module high[] = {{4095 * MIB, 4097 * MIB, "across 4 GiB"}};
    bi = with_modules(big, 1, high, 1);
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 0);
    ck_assert_ptr_nonnull(strstr(bi.error, "beyond the identity-mapped memory"));
    /* no memory map at all: nothing is known to be RAM */
    bi = with_modules(NULL, 0, m + 1, 1);
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 0);
}
END_TEST

/* An empty module needs only a start in available RAM (or at its end); it overlaps nothing. */
START_TEST(check_zero_size)
{
    const struct bootinfo_module m[] = {
        {8 * MIB, 8 * MIB, "empty"},
        {128 * MIB, 128 * MIB, "at the end of RAM"},
        {0xf8000, 0xf8000, "in a reserved entry"},
        {200 * MIB, 200 * MIB, "beyond RAM"},
        {6 * MIB, 10 * MIB, "around the first"},
        {2 * MIB, 2 * MIB, "inside the image"},
    };
    struct bootinfo bi = with_modules(ram, ARRAY_N(ram), m, ARRAY_N(m));
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 4);
    ck_assert_str_eq(bi.modules[0].name, "empty");
    ck_assert_str_eq(bi.modules[1].name, "at the end of RAM");
    ck_assert_str_eq(bi.modules[2].name, "around the first");
    ck_assert_str_eq(bi.modules[3].name, "inside the image");
    ck_assert_uint_eq(bi.modules_dropped, 2);
}
END_TEST

/* ---- The heap around modules -----------------------------------------------------------------
 */

START_TEST(heap_avoids_module_pages)
{
    const struct bootinfo_region r[] = {{MIB, 127 * MIB, MB_MEMORY_AVAILABLE}};
    /* [6 MiB + 4 KiB, 10 MiB + 100) takes the 2 MiB pages [6, 12) MiB */
    const struct bootinfo_module mid[] = {{6 * MIB + 4 * KIB, 10 * MIB + 100, "m"}};
    struct bootinfo bi = with_modules(r, 1, mid, 1);
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 12 * MIB, 128 * MIB);
    /* near the top: the heap ends at its first page */
    const struct bootinfo_module top[] = {{121 * MIB, 127 * MIB, "m"}};
    bi = with_modules(r, 1, top, 1);
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 4 * MIB, 120 * MIB);
    /* one byte: one whole page, the larger side wins */
    const struct bootinfo_module one[] = {{5 * MIB, 5 * MIB + 1, "m"}};
    bi = with_modules(r, 1, one, 1);
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 6 * MIB, 128 * MIB);
    /* an empty module takes nothing */
    const struct bootinfo_module empty[] = {{5 * MIB + 4 * KIB, 5 * MIB + 4 * KIB, "m"}};
    bi = with_modules(r, 1, empty, 1);
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 4 * MIB, 128 * MIB);
    /* a module right after the image (as QEMU places them), ending on a page boundary */
    const struct bootinfo_module after[] = {{4 * MIB + 8 * KIB, 8 * MIB, "m"}};
    bi = with_modules(r, 1, after, 1);
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 8 * MIB, 128 * MIB);
}
END_TEST

/* Several modules and reserved entries: the largest gap between all of them. */
START_TEST(heap_modules_and_reserved)
{
    const struct bootinfo_region r[] = {
        {MIB, 255 * MIB, MB_MEMORY_AVAILABLE},
        {40 * MIB, MIB, 2},
        {200 * MIB, 4 * MIB, 3},
    };
    const struct bootinfo_module m[] = {
        {10 * MIB, 11 * MIB, "a"},
        {100 * MIB + 1, 150 * MIB, "b"}, /* pages [100, 150) */
        {150 * MIB, 150 * MIB + 1, "c"}, /* [150, 152) */
    };
    struct bootinfo bi = with_modules(r, ARRAY_N(r), m, ARRAY_N(m));
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 41 * MIB, 100 * MIB);
    /* with a limit inside b the gap above the reserved entry is gone */
    HEAP_IS(bi, 4 * MIB, 99 * MIB, 41 * MIB, 99 * MIB);
    /* modules covering all the RAM above the image leave no heap */
    const struct bootinfo_module all[] = {{2 * MIB, 256 * MIB, "all"}};
    bi = with_modules(r, 1, all, 1);
    uint64_t s = 7, e = 7;
    ck_assert_int_eq(bootinfo_heap(&bi, 4 * MIB, 4096 * MIB, &s, &e), -ENOMEM);
    ck_assert_uint_eq(s, 7);
}
END_TEST

/* A module whose end is near the top of the address space: its last page does not wrap. */
START_TEST(heap_module_at_the_top)
{
    const struct bootinfo_region r[] = {{MIB, 127 * MIB, MB_MEMORY_AVAILABLE}};
    const struct bootinfo_module m[] = {{UINT64_MAX - MIB, UINT64_MAX, "top"}};
    struct bootinfo bi = with_modules(r, 1, m, 1);
    HEAP_IS(bi, 4 * MIB, UINT64_MAX, 4 * MIB, 128 * MIB);
}
END_TEST

/* Parser, checks and heap together, as the runtime uses them on QEMU's Multiboot1 layout. */
START_TEST(mb1_modules_to_heap)
{
    struct mb1 t;
    mb1_init(&t, MB1_INFO_MMAP | MB1_INFO_MODS);
    for (size_t i = 0; i < ARRAY_N(ram); i++)
        mb1_entry(&t, 20, ram[i].base, ram[i].length, ram[i].type);
    mb1_mmap_done(&t);
    static const uint32_t range[][2] = {
        {0x401000, 0x1000000}, {0x1000000, 0x1000123}, {0x7000000, 0x9000000}};
    static const char *const strings[] = {"p a", "p b", "p past the end"};
    mb1_modules(&t, range, strings, 3);
    struct bootinfo bi;
    ck_assert_int_eq(parse_mb1(&t, &bi), 0);
    check(&bi);
    ck_assert_uint_eq(bi.nmodules, 2);
    ck_assert_uint_eq(bi.modules_dropped, 1);
    /* a: pages [4, 16) MiB, b: [16, 18) MiB */
    HEAP_IS(bi, 4 * MIB, 4096 * MIB, 18 * MIB, 128 * MIB);
}
END_TEST

static Suite *modules_suite(void)
{
    Suite *s = suite_create("bootinfo_modules");
    TCase *mb2 = tcase_create("multiboot2");
    tcase_add_test(mb2, mb2_modules);
    tcase_add_test(mb2, module_names);
    tcase_add_test(mb2, mb2_module_without_string);
    tcase_add_test(mb2, mb2_module_tag_truncated);
    tcase_add_test(mb2, mb2_module_unterminated);
    tcase_add_test(mb2, mb2_module_long_strings);
    tcase_add_test(mb2, mb2_too_many_modules);
    suite_add_tcase(s, mb2);
    TCase *mb1 = tcase_create("multiboot1");
    tcase_add_test(mb1, mb1_modules_listed);
    tcase_add_test(mb1, mb1_modules_flag_clear);
    tcase_add_test(mb1, mb1_module_list_damaged);
    tcase_add_test(mb1, mb1_module_string_unreadable);
    tcase_add_test(mb1, mb1_module_string_too_long);
    tcase_add_test(mb1, mb1_too_many_modules);
    suite_add_tcase(s, mb1);
    TCase *keep = tcase_create("check");
    tcase_add_test(keep, check_in_ram);
    tcase_add_test(keep, check_adjacent_and_reserved);
    tcase_add_test(keep, check_overlaps);
    tcase_add_test(keep, check_bad_ranges);
    tcase_add_test(keep, check_zero_size);
    suite_add_tcase(s, keep);
    TCase *heap = tcase_create("heap");
    tcase_add_test(heap, heap_avoids_module_pages);
    tcase_add_test(heap, heap_modules_and_reserved);
    tcase_add_test(heap, heap_module_at_the_top);
    tcase_add_test(heap, mb1_modules_to_heap);
    suite_add_tcase(s, heap);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(modules_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
