/* Builders shared by the boot-information unit tests (test_bootinfo_*.c): fake physical memory
 * that refuses any range outside it, Multiboot1 and Multiboot2 information put together field by
 * field, boot information holding just a memory map, and a sample memory map and RSDP. */
#ifndef TF_TEST_BOOTINFO_BUILDERS_H
#define TF_TEST_BOOTINFO_BUILDERS_H

#include "bootinfo.h"
#include "multiboot_abi.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define PHYS_BASE 0x100000u /* where the fake memory starts, 8-byte aligned */
#define MIB       (1ull << 20)

/* ---- Fake physical memory ---------------------------------------------------------------------
 */

struct fake_mem {
    uint64_t base;
    uint8_t *buf;
    size_t size;
    unsigned calls; /* map() calls seen */
};

static inline const void *map_fake(uint64_t addr, size_t len, void *ctx)
{
    struct fake_mem *m = ctx;
    m->calls++;
    if (addr < m->base || addr - m->base > m->size || len > m->size - (addr - m->base))
        return NULL;
    return m->buf + (addr - m->base);
}

/* Memory of exactly `size` bytes holding the first `size` bytes of data (zeros past len). */
static inline struct fake_mem fake_from(const uint8_t *data, size_t len, size_t size)
{
    struct fake_mem m = {PHYS_BASE, malloc(size ? size : 1), size, 0};
    ck_assert_ptr_nonnull(m.buf);
    memset(m.buf, 0, size);
    memcpy(m.buf, data, len < size ? len : size);
    return m;
}

/* ---- Blob builder -----------------------------------------------------------------------------
 */

struct blob {
    uint8_t data[8192];
    size_t len;
};

static inline void put(struct blob *b, const void *p, size_t n)
{
    ck_assert_uint_le(b->len + n, sizeof(b->data));
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void put32(struct blob *b, uint32_t v)
{
    put(b, &v, sizeof(v));
}

static inline void put64(struct blob *b, uint64_t v)
{
    put(b, &v, sizeof(v));
}

static inline void set32(struct blob *b, size_t off, uint32_t v)
{
    memcpy(b->data + off, &v, sizeof(v));
}

static inline void pad8(struct blob *b)
{
    while (b->len % 8)
        b->data[b->len++] = 0;
}

static inline void mb2_begin(struct blob *b)
{
    b->len = 0;
    put32(b, 0); /* total_size, set by mb2_finish */
    put32(b, 0);
}

/* A tag with `n` payload bytes, padded to the next tag's alignment. */
static inline void mb2_tag(struct blob *b, uint32_t type, const void *payload, size_t n)
{
    put32(b, type);
    put32(b, (uint32_t)(MB2_TAG_HEADER_SIZE + n));
    put(b, payload, n);
    pad8(b);
}

static inline void mb2_cmdline(struct blob *b, const char *s)
{
    mb2_tag(b, MB2_TAG_CMDLINE, s, strlen(s) + 1);
}

/* A memory map tag of n entries of entry_size bytes; entries past 24 bytes are filled with 0xee. */
static inline void mb2_mmap(struct blob *b, uint32_t entry_size, const struct bootinfo_region *r,
                            size_t n)
{
    put32(b, MB2_TAG_MMAP);
    put32(b, (uint32_t)(MB2_MMAP_HEADER_SIZE + n * entry_size));
    put32(b, entry_size);
    put32(b, 0); /* entry_version */
    for (size_t i = 0; i < n; i++) {
        put64(b, r[i].base);
        put64(b, r[i].length);
        put32(b, r[i].type);
        put32(b, 0);
        for (uint32_t k = MB2_MMAP_ENTRY_MIN; k < entry_size; k++)
            put(b, "\xee", 1);
    }
    pad8(b);
}

static inline void mb2_finish(struct blob *b)
{
    mb2_tag(b, MB2_TAG_END, NULL, 0);
    set32(b, 0, (uint32_t)b->len);
}

/* Parses b as Multiboot2 information held in memory of exactly b->len bytes. */
static inline int parse_mb2(const struct blob *b, struct bootinfo *bi)
{
    struct fake_mem m = fake_from(b->data, b->len, b->len);
    int rc = bootinfo_parse(MB2_LOADER_MAGIC, m.base, map_fake, &m, bi);
    free(m.buf);
    return rc;
}

/* Memory layout of the Multiboot1 tests: info at 0, command line at 0x100, memory map at 0x200. */
enum { MB1_CMDLINE_AT = 0x100, MB1_MMAP_AT = 0x200 };

struct mb1 {
    struct blob mem;
};

static inline void mb1_init(struct mb1 *t, uint32_t flags)
{
    memset(t, 0, sizeof(*t));
    t->mem.len = MB1_MMAP_AT;
    set32(&t->mem, MB1_OFF_FLAGS, flags);
}

static inline void mb1_set_cmdline(struct mb1 *t, const char *s)
{
    ck_assert_uint_lt(strlen(s), MB1_MMAP_AT - MB1_CMDLINE_AT);
    memcpy(t->mem.data + MB1_CMDLINE_AT, s, strlen(s) + 1);
    set32(&t->mem, MB1_OFF_CMDLINE, PHYS_BASE + MB1_CMDLINE_AT);
}

/* An entry: u32 size (of what follows: 20, or more with extra bytes), base, length, type. */
static inline void mb1_entry(struct mb1 *t, uint32_t size, uint64_t base, uint64_t length,
                             uint32_t type)
{
    struct blob *b = &t->mem;
    put32(b, size);
    put64(b, base);
    put64(b, length);
    put32(b, type);
    for (uint32_t k = MB1_MMAP_ENTRY_MIN; k < size; k++)
        put(b, "\xee", 1);
}

/* Points mmap_addr/mmap_length at the entries put so far. */
static inline void mb1_mmap_done(struct mb1 *t)
{
    set32(&t->mem, MB1_OFF_MMAP_ADDR, PHYS_BASE + MB1_MMAP_AT);
    set32(&t->mem, MB1_OFF_MMAP_LENGTH, (uint32_t)(t->mem.len - MB1_MMAP_AT));
}

/* Parses with memory of exactly the bytes put so far. */
static inline int parse_mb1(const struct mb1 *t, struct bootinfo *bi)
{
    struct fake_mem m = fake_from(t->mem.data, t->mem.len, t->mem.len);
    int rc = bootinfo_parse(MB1_LOADER_MAGIC, m.base, map_fake, &m, bi);
    free(m.buf);
    return rc;
}

static inline struct bootinfo with_regions(const struct bootinfo_region *r, size_t n)
{
    struct bootinfo bi;
    memset(&bi, 0, sizeof(bi));
    ck_assert_uint_le(n, BOOTINFO_REGIONS_MAX);
    if (n)
        memcpy(bi.regions, r, n * sizeof(*r));
    bi.nregions = n;
    return bi;
}

#define HEAP_IS(bi, image_end, limit, want_start, want_end)                                        \
    do {                                                                                           \
        uint64_t s_ = 1, e_ = 1;                                                                   \
        ck_assert_int_eq(bootinfo_heap(&(bi), (image_end), (limit), &s_, &e_), 0);                 \
        ck_assert_uint_eq(s_, (want_start));                                                       \
        ck_assert_uint_eq(e_, (want_end));                                                         \
    } while (0)

/* ---- Samples ----------------------------------------------------------------------------- */

/* A PC's memory map: low memory, a reserved BIOS area, and 127 MiB from 1 MiB on. */
static const struct bootinfo_region three[] = {
    {0, 0x9fc00, MB_MEMORY_AVAILABLE},
    {0xf0000, 0x10000, 2},
    {MIB, 127 * MIB, MB_MEMORY_AVAILABLE},
};

/* Checks that bi holds exactly the regions of `three`, in order. */
static inline void assert_three(const struct bootinfo *bi)
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
static inline void fill_rsdp(uint8_t *p, size_t n, uint8_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed + i);
    memcpy(p, "RSD PTR ", 8);
}

#endif
