/* Multiboot1 and Multiboot2 information parsing. Every read goes through map(), which bounds it;
 * every length field is checked against what contains it before it is followed. */
#include "bootinfo.h"
#include "multiboot_abi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void report(struct bootinfo *bi, const char *fmt, ...)
{
    if (bi->nerrors++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(bi->error, sizeof(bi->error), fmt, ap);
        va_end(ap);
    }
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static void add_region(struct bootinfo *bi, uint64_t base, uint64_t length, uint32_t type)
{
    if (bi->nregions == BOOTINFO_REGIONS_MAX) {
        bi->regions_truncated = 1;
        return;
    }
    bi->regions[bi->nregions++] = (struct bootinfo_region){base, length, type};
}

/* Copies a NUL-terminated string of at most max bytes (including the NUL) at `p`, which has
 * `avail` readable bytes. */
static void copy_cmdline(struct bootinfo *bi, const char *p, size_t avail)
{
    size_t n = 0;
    while (n < avail && p[n] && n + 1 < sizeof(bi->cmdline)) {
        bi->cmdline[n] = p[n];
        n++;
    }
    bi->cmdline[n] = '\0';
    if (n < avail && p[n] && n + 1 == sizeof(bi->cmdline))
        bi->cmdline_truncated = 1;
    else if (n == avail)
        report(bi, "command line is not terminated within its %zu bytes", avail);
}

/* Multiboot1: the command line is a C string somewhere in memory: read it a byte at a time
 * through map() so an unterminated one stops at the first unreadable byte. */
static void mb1_cmdline(struct bootinfo *bi, uint32_t addr, bootinfo_map_fn map, void *ctx)
{
    size_t n = 0;
    for (;; n++) {
        const char *c = map((uint64_t)addr + n, 1, ctx);
        if (!c) {
            report(bi, "command line at %#x runs into unreadable memory", addr);
            break;
        }
        if (*c == '\0')
            break;
        if (n + 1 == sizeof(bi->cmdline)) {
            bi->cmdline_truncated = 1;
            break;
        }
        bi->cmdline[n] = *c;
    }
    bi->cmdline[n] = '\0';
}

static void mb1_mmap(struct bootinfo *bi, uint32_t addr, uint32_t length, bootinfo_map_fn map,
                     void *ctx)
{
    if (length > BOOTINFO_MB1_MMAP_MAX) {
        report(bi, "memory map length %u exceeds %u", length, BOOTINFO_MB1_MMAP_MAX);
        return;
    }
    const uint8_t *p = map(addr, length, ctx);
    if (!p) {
        report(bi, "memory map at %#x (%u bytes) is unreadable", addr, length);
        return;
    }
    for (uint32_t off = 0; off < length;) {
        if (length - off < 4 + MB1_MMAP_ENTRY_MIN) {
            report(bi, "memory map entry at offset %u is truncated", off);
            return;
        }
        uint32_t size = rd32(p + off);
        if (size < MB1_MMAP_ENTRY_MIN || size > length - off - 4) {
            report(bi, "memory map entry at offset %u has bad size %u", off, size);
            return;
        }
        add_region(bi, rd64(p + off + 4), rd64(p + off + 12), rd32(p + off + 20));
        off += 4 + size;
    }
}

static int parse_mb1(uint64_t info, bootinfo_map_fn map, void *ctx, struct bootinfo *bi)
{
    const uint8_t *p = map(info, MB1_INFO_MIN_SIZE, ctx);
    if (!p)
        return -EFAULT;
    bi->protocol = 1;
    uint32_t flags = rd32(p + MB1_OFF_FLAGS);
    if (flags & MB1_INFO_CMDLINE)
        mb1_cmdline(bi, rd32(p + MB1_OFF_CMDLINE), map, ctx);
    if (flags & MB1_INFO_MMAP)
        mb1_mmap(bi, rd32(p + MB1_OFF_MMAP_ADDR), rd32(p + MB1_OFF_MMAP_LENGTH), map, ctx);
    else if (flags & MB1_INFO_MEMORY) {
        /* Only the two legacy sizes: conventional memory and memory above 1 MiB, in KiB */
        add_region(bi, 0, (uint64_t)rd32(p + MB1_OFF_MEM_LOWER) << 10, MB_MEMORY_AVAILABLE);
        add_region(bi, 1 << 20, (uint64_t)rd32(p + MB1_OFF_MEM_UPPER) << 10, MB_MEMORY_AVAILABLE);
    }
    return 0;
}

static void mb2_mmap(struct bootinfo *bi, const uint8_t *tag, uint32_t size)
{
    if (size < MB2_MMAP_HEADER_SIZE) {
        report(bi, "memory map tag of %u bytes is too short", size);
        return;
    }
    uint32_t entry_size = rd32(tag + 8);
    if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8) {
        report(bi, "memory map entry size %u is invalid", entry_size);
        return;
    }
    for (uint32_t off = MB2_MMAP_HEADER_SIZE; size - off >= entry_size; off += entry_size)
        add_region(bi, rd64(tag + off), rd64(tag + off + 8), rd32(tag + off + 16));
    if ((size - MB2_MMAP_HEADER_SIZE) % entry_size)
        report(bi, "memory map tag ends inside an entry");
}

/* A copy shorter than the RSDP of its ACPI version is damaged: keep whatever copy we had. */
static void mb2_rsdp(struct bootinfo *bi, const uint8_t *tag, uint32_t size, int version)
{
    size_t len = size - MB2_TAG_HEADER_SIZE;
    size_t need = version == 2 ? BOOTINFO_RSDP_MAX : BOOTINFO_RSDP_V1_LEN;
    if (len < need) {
        report(bi, "ACPI %d.0 RSDP tag holds %zu bytes, fewer than %zu", version, len, need);
        return;
    }
    if (len > BOOTINFO_RSDP_MAX)
        len = BOOTINFO_RSDP_MAX;
    /* A 2.0+ copy wins over a 1.0 copy, whatever their order */
    if (bi->rsdp_version > version)
        return;
    memcpy(bi->rsdp, tag + MB2_TAG_HEADER_SIZE, len);
    bi->rsdp_len = len;
    bi->rsdp_version = version;
}

static int parse_mb2(uint64_t info, bootinfo_map_fn map, void *ctx, struct bootinfo *bi)
{
    const uint8_t *hdr = map(info, MB2_INFO_HEADER_SIZE, ctx);
    if (!hdr || info % MB2_TAG_ALIGN)
        return -EFAULT;
    uint32_t total = rd32(hdr);
    if (total < MB2_INFO_HEADER_SIZE || total > BOOTINFO_MB2_MAX)
        return -EFAULT;
    const uint8_t *p = map(info, total, ctx);
    if (!p)
        return -EFAULT;
    bi->protocol = 2;
    for (uint32_t off = MB2_INFO_HEADER_SIZE;;) {
        if (total - off < MB2_TAG_HEADER_SIZE) {
            report(bi, "tag list ends at offset %u without an end tag", off);
            break;
        }
        uint32_t type = rd32(p + off), size = rd32(p + off + 4);
        if (size < MB2_TAG_HEADER_SIZE || size > total - off) {
            report(bi, "tag %u at offset %u has size %u past the end (%u)", type, off, size, total);
            break;
        }
        if (type == MB2_TAG_END)
            break;
        const uint8_t *tag = p + off;
        if (type == MB2_TAG_CMDLINE)
            copy_cmdline(bi, (const char *)tag + MB2_TAG_HEADER_SIZE, size - MB2_TAG_HEADER_SIZE);
        else if (type == MB2_TAG_MMAP)
            mb2_mmap(bi, tag, size);
        else if (type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW)
            mb2_rsdp(bi, tag, size, type == MB2_TAG_ACPI_NEW ? 2 : 1);
        uint32_t next = (size + MB2_TAG_ALIGN - 1) & ~(uint32_t)(MB2_TAG_ALIGN - 1);
        if (next > total - off) {
            report(bi, "tag %u at offset %u is not followed by an aligned tag", type, off);
            break;
        }
        off += next;
    }
    return 0;
}

int bootinfo_parse(uint32_t magic, uint64_t info, bootinfo_map_fn map, void *ctx,
                   struct bootinfo *out)
{
    memset(out, 0, sizeof(*out));
    if (magic == MB1_LOADER_MAGIC)
        return parse_mb1(info, map, ctx, out);
    if (magic == MB2_LOADER_MAGIC)
        return parse_mb2(info, map, ctx, out);
    return -EINVAL;
}

static uint64_t region_end(const struct bootinfo_region *r)
{
    return r->length > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->length;
}

/* Does an entry that is not available RAM (reserved, ACPI, bad, ...) cover address a? */
static int unavailable_at(const struct bootinfo *bi, uint64_t a)
{
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type != MB_MEMORY_AVAILABLE && r->base <= a && a < region_end(r))
            return 1;
    }
    return 0;
}

/* The lowest start of an unavailable entry in (s, hi), or hi. */
static uint64_t next_unavailable(const struct bootinfo *bi, uint64_t s, uint64_t hi)
{
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type != MB_MEMORY_AVAILABLE && r->base > s && r->base < hi)
            hi = r->base;
    }
    return hi;
}

/* Considers the free piece starting at s and ending at the next unavailable entry or hi. */
static void consider_piece(const struct bootinfo *bi, uint64_t s, uint64_t hi, uint64_t best[2])
{
    if (unavailable_at(bi, s))
        return;
    uint64_t e = next_unavailable(bi, s, hi);
    if (e - s > best[1] - best[0])
        best[0] = s, best[1] = e;
}

/* Firmware maps may overlap (a reserved entry inside an available one): an available range
 * splits into pieces at every unavailable entry, and a piece starts either where the range does
 * or where an unavailable entry ends. Regions are few (BOOTINFO_REGIONS_MAX), so trying every
 * such start is cheap. */
int bootinfo_heap(const struct bootinfo *bi, uint64_t image_end, uint64_t limit, uint64_t *start,
                  uint64_t *end)
{
    uint64_t best[2] = {0, 0};
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type != MB_MEMORY_AVAILABLE || r->length > UINT64_MAX - r->base)
            continue;
        uint64_t lo = r->base > image_end ? r->base : image_end;
        uint64_t hi = r->base + r->length < limit ? r->base + r->length : limit;
        if (lo >= hi)
            continue;
        consider_piece(bi, lo, hi, best);
        for (size_t j = 0; j < bi->nregions; j++) {
            uint64_t e = region_end(&bi->regions[j]);
            if (bi->regions[j].type != MB_MEMORY_AVAILABLE && e > lo && e < hi)
                consider_piece(bi, e, hi, best);
        }
    }
    if (best[1] == best[0])
        return -ENOMEM;
    *start = best[0];
    *end = best[1];
    return 0;
}

uint64_t bootinfo_available_bytes(const struct bootinfo *bi)
{
    uint64_t total = 0;
    for (size_t i = 0; i < bi->nregions; i++) {
        uint64_t len = bi->regions[i].length;
        if (bi->regions[i].type == MB_MEMORY_AVAILABLE)
            total = len > UINT64_MAX - total ? UINT64_MAX : total + len; /* saturates */
    }
    return total;
}
