/* Multiboot1 and Multiboot2 information parsing. Every read goes through map(), which bounds it;
 * every length field is checked against what contains it before it is followed. */
#include "bootinfo.h"
#include "multiboot_abi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void bootinfo_report(struct bootinfo *bi, const char *fmt, ...)
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
        bootinfo_report(bi, "command line is not terminated within its %zu bytes", avail);
}

/* Multiboot1 strings are C strings somewhere in memory: read a byte at a time through map() so an
 * unterminated one stops at the first unreadable byte. Copies at most max - 1 characters into
 * out (always terminated); 0, 1 when the string went on past them, -1 when it ran into
 * unreadable memory. */
static int mb1_string(uint32_t addr, char *out, size_t max, bootinfo_map_fn map, void *ctx)
{
    size_t n = 0;
    int rc = 0;
    for (;; n++) {
        const char *c = map((uint64_t)addr + n, 1, ctx);
        if (!c) {
            rc = -1;
            break;
        }
        if (*c == '\0')
            break;
        if (n + 1 == max) {
            rc = 1;
            break;
        }
        out[n] = *c;
    }
    out[n] = '\0';
    return rc;
}

static void mb1_cmdline(struct bootinfo *bi, uint32_t addr, bootinfo_map_fn map, void *ctx)
{
    int rc = mb1_string(addr, bi->cmdline, sizeof(bi->cmdline), map, ctx);
    if (rc < 0)
        bootinfo_report(bi, "command line at %#x runs into unreadable memory", addr);
    bi->cmdline_truncated = rc > 0;
}

/* Adds a module with the string `s` (the loader's; NULL: none). */
static void add_module(struct bootinfo *bi, uint64_t start, uint64_t end, const char *s)
{
    if (bi->nmodules == BOOTINFO_MODULES_MAX) {
        if (!bi->modules_truncated)
            bootinfo_report(bi, "more than %u modules: the rest are ignored", BOOTINFO_MODULES_MAX);
        bi->modules_truncated = 1;
        return;
    }
    struct bootinfo_module *m = &bi->modules[bi->nmodules++];
    m->start = start;
    m->end = end;
    if (bootinfo_module_name(s ? s : "", m->name, sizeof(m->name)))
        bootinfo_report(bi, "module %zu's name is longer than %u bytes: cut", bi->nmodules - 1,
                        BOOTINFO_MODULE_NAME_MAX - 1);
}

/* Multiboot1 3.3: mods_count entries of 16 bytes at mods_addr. */
static void mb1_modules(struct bootinfo *bi, uint32_t addr, uint32_t count, bootinfo_map_fn map,
                        void *ctx)
{
    if (count == 0)
        return; /* the address need not point anywhere */
    if (count > BOOTINFO_MB1_MODS_MAX) {
        bootinfo_report(bi, "mods_count %u exceeds %u", count, BOOTINFO_MB1_MODS_MAX);
        return;
    }
    const uint8_t *p = map(addr, (size_t)count * MB1_MOD_ENTRY_SIZE, ctx);
    if (!p) {
        bootinfo_report(bi, "module list at %#x (%u entries) is unreadable", addr, count);
        return;
    }
    char s[BOOTINFO_MODULE_STRING_MAX];
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = p + (size_t)i * MB1_MOD_ENTRY_SIZE;
        uint32_t string = rd32(e + MB1_MOD_STRING);
        int rc = string ? mb1_string(string, s, sizeof(s), map, ctx) : 0;
        if (rc < 0)
            bootinfo_report(bi, "module %u's string at %#x runs into unreadable memory", i, string);
        else if (rc > 0)
            bootinfo_report(bi, "module %u's string is longer than %u bytes: cut", i,
                            BOOTINFO_MODULE_STRING_MAX - 1);
        add_module(bi, rd32(e + MB1_MOD_START), rd32(e + MB1_MOD_END), string ? s : NULL);
    }
}

static void mb1_mmap(struct bootinfo *bi, uint32_t addr, uint32_t length, bootinfo_map_fn map,
                     void *ctx)
{
    if (length > BOOTINFO_MB1_MMAP_MAX) {
        bootinfo_report(bi, "memory map length %u exceeds %u", length, BOOTINFO_MB1_MMAP_MAX);
        return;
    }
    const uint8_t *p = map(addr, length, ctx);
    if (!p) {
        bootinfo_report(bi, "memory map at %#x (%u bytes) is unreadable", addr, length);
        return;
    }
    for (uint32_t off = 0; off < length;) {
        if (length - off < 4 + MB1_MMAP_ENTRY_MIN) {
            bootinfo_report(bi, "memory map entry at offset %u is truncated", off);
            return;
        }
        uint32_t size = rd32(p + off);
        if (size < MB1_MMAP_ENTRY_MIN || size > length - off - 4) {
            bootinfo_report(bi, "memory map entry at offset %u has bad size %u", off, size);
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
    if (flags & MB1_INFO_MODS)
        mb1_modules(bi, rd32(p + MB1_OFF_MODS_ADDR), rd32(p + MB1_OFF_MODS_COUNT), map, ctx);
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
        bootinfo_report(bi, "memory map tag of %u bytes is too short", size);
        return;
    }
    uint32_t entry_size = rd32(tag + 8);
    if (entry_size < MB2_MMAP_ENTRY_MIN || entry_size % 8) {
        bootinfo_report(bi, "memory map entry size %u is invalid", entry_size);
        return;
    }
    for (uint32_t off = MB2_MMAP_HEADER_SIZE; size - off >= entry_size; off += entry_size)
        add_region(bi, rd64(tag + off), rd64(tag + off + 8), rd32(tag + off + 16));
    if ((size - MB2_MMAP_HEADER_SIZE) % entry_size)
        bootinfo_report(bi, "memory map tag ends inside an entry");
}

/* A copy shorter than the RSDP of its ACPI version is damaged: keep whatever copy we had. */
static void mb2_rsdp(struct bootinfo *bi, const uint8_t *tag, uint32_t size, int version)
{
    size_t len = size - MB2_TAG_HEADER_SIZE;
    size_t need = version == 2 ? BOOTINFO_RSDP_MAX : BOOTINFO_RSDP_V1_LEN;
    if (len < need) {
        bootinfo_report(bi, "ACPI %d.0 RSDP tag holds %zu bytes, fewer than %zu", version, len,
                        need);
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

/* A module tag's string runs to the end of the tag and should end with a NUL; one that does not is
 * reported and taken up to the end. A tag without any string bytes has no name. */
static void mb2_module(struct bootinfo *bi, const uint8_t *tag, uint32_t size)
{
    if (size < MB2_MODULE_STRING) {
        bootinfo_report(bi, "module tag of %u bytes is too short", size);
        return;
    }
    char s[BOOTINFO_MODULE_STRING_MAX];
    size_t avail = size - MB2_MODULE_STRING, n = 0;
    const char *p = (const char *)tag + MB2_MODULE_STRING;
    while (n < avail && p[n] && n + 1 < sizeof(s)) {
        s[n] = p[n];
        n++;
    }
    s[n] = '\0';
    if (n < avail && p[n])
        bootinfo_report(bi, "module %zu's string is longer than %u bytes: cut", bi->nmodules,
                        BOOTINFO_MODULE_STRING_MAX - 1);
    else if (n == avail && avail)
        bootinfo_report(bi, "module %zu's string is not terminated within its tag", bi->nmodules);
    add_module(bi, rd32(tag + MB2_MODULE_START), rd32(tag + MB2_MODULE_END), s);
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
            bootinfo_report(bi, "tag list ends at offset %u without an end tag", off);
            break;
        }
        uint32_t type = rd32(p + off), size = rd32(p + off + 4);
        if (size < MB2_TAG_HEADER_SIZE || size > total - off) {
            bootinfo_report(bi, "tag %u at offset %u has size %u past the end (%u)", type, off,
                            size, total);
            break;
        }
        if (type == MB2_TAG_END)
            break;
        const uint8_t *tag = p + off;
        if (type == MB2_TAG_CMDLINE)
            copy_cmdline(bi, (const char *)tag + MB2_TAG_HEADER_SIZE, size - MB2_TAG_HEADER_SIZE);
        else if (type == MB2_TAG_MMAP)
            mb2_mmap(bi, tag, size);
        else if (type == MB2_TAG_MODULE)
            mb2_module(bi, tag, size);
        else if (type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW)
            mb2_rsdp(bi, tag, size, type == MB2_TAG_ACPI_NEW ? 2 : 1);
        uint32_t next = (size + MB2_TAG_ALIGN - 1) & ~(uint32_t)(MB2_TAG_ALIGN - 1);
        if (next > total - off) {
            bootinfo_report(bi, "tag %u at offset %u is not followed by an aligned tag", type, off);
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
