/* What the runtime makes of the boot information's memory: the modules it can hand out, the
 * heap's range and the RAM there is. Pure C, like the parser (bootinfo.c). */
#include "bootinfo.h"
#include "multiboot_abi.h"

#include <errno.h>
#include <string.h>

static uint64_t region_end(const struct bootinfo_region *r)
{
    return r->length > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->length;
}

/* Do two ranges share a byte? An empty range overlaps nothing. */
static int overlaps(uint64_t a_start, uint64_t a_end, uint64_t b_start, uint64_t b_end)
{
    return a_start < a_end && b_start < b_end && a_start < b_end && b_start < a_end;
}

/* ---- Module names and checks --------------------------------------------------------------- */

static int copy_cut(const char *from, char *name, size_t max)
{
    size_t n = strlen(from);
    int cut = n >= max;
    if (cut)
        n = max - 1;
    memcpy(name, from, n);
    name[n] = '\0';
    return cut;
}

int bootinfo_module_name(const char *s, char *name, size_t max)
{
    const char *space = strchr(s, ' '), *slash = strrchr(s, '/');
    if (!space)
        return copy_cut(slash ? slash + 1 : s, name, max);
    size_t n = 0;
    for (const char *p = space + 1; *p; p++) {
        if (*p == '"')
            continue;
        if (*p == '\\' && p[1])
            p++;
        if (n + 1 == max) {
            name[n] = '\0';
            return 1;
        }
        name[n++] = *p;
    }
    name[n] = '\0';
    return 0;
}

/* The available entry holding address a (or ending there when at_end), or NULL. */
static const struct bootinfo_region *available_at(const struct bootinfo *bi, uint64_t a, int at_end)
{
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        uint64_t e = region_end(r);
        if (r->type == MB_MEMORY_AVAILABLE && r->base <= a && (a < e || (at_end && a == e)))
            return r;
    }
    return NULL;
}

/* [start, end) is covered by available entries (several adjacent ones will do) and overlaps no
 * entry of another type. */
static int in_available_ram(const struct bootinfo *bi, uint64_t start, uint64_t end)
{
    if (start == end)
        return available_at(bi, start, 1) != NULL;
    for (size_t i = 0; i < bi->nregions; i++) {
        const struct bootinfo_region *r = &bi->regions[i];
        if (r->type != MB_MEMORY_AVAILABLE && overlaps(start, end, r->base, region_end(r)))
            return 0;
    }
    for (uint64_t at = start; at < end;) {
        const struct bootinfo_region *r = available_at(bi, at, 0);
        if (!r)
            return 0;
        at = region_end(r);
    }
    return 1;
}

/* Why module m cannot be handed out, or NULL when it can. */
static const char *module_problem(const struct bootinfo *bi, const struct bootinfo_module *m,
                                  const struct bootinfo_range *keep_out, size_t n, uint64_t limit)
{
    if (m->end < m->start)
        return "it ends before it starts";
    if (m->end > limit)
        return "it lies beyond the identity-mapped memory";
    if (!in_available_ram(bi, m->start, m->end))
        return "it is not in available RAM";
    for (size_t i = 0; i < n; i++)
        if (overlaps(m->start, m->end, keep_out[i].start, keep_out[i].end))
            return "it overlaps memory the runtime uses (page 0, the image, the AP start-up page)";
    for (const struct bootinfo_module *k = bi->modules; k < m; k++)
        if (overlaps(m->start, m->end, k->start, k->end))
            return "it overlaps an earlier module";
    return NULL;
}

void bootinfo_check_modules(struct bootinfo *bi, const struct bootinfo_range *keep_out, size_t n,
                            uint64_t limit)
{
    size_t kept = 0;
    for (size_t i = 0; i < bi->nmodules; i++) {
        /* the modules kept so far are bi->modules[0..kept), which module_problem compares with */
        struct bootinfo_module m = bi->modules[i];
        bi->modules[kept] = m;
        const char *why = module_problem(bi, &bi->modules[kept], keep_out, n, limit);
        if (!why) {
            kept++;
            continue;
        }
        bi->modules_dropped++;
        bootinfo_report(bi, "module %zu \"%s\" [%#llx, %#llx) dropped: %s", i, m.name,
                        (unsigned long long)m.start, (unsigned long long)m.end, why);
    }
    bi->nmodules = kept;
}

/* ---- Heap ---------------------------------------------------------------------------------- */

static uint64_t page_down(uint64_t a)
{
    return a & ~(BOOTINFO_MODULE_PAGE - 1);
}

static uint64_t page_up(uint64_t a)
{
    return a > UINT64_MAX - (BOOTINFO_MODULE_PAGE - 1) ? UINT64_MAX
                                                       : page_down(a + BOOTINFO_MODULE_PAGE - 1);
}

/* Obstacle i of the heap, for i < bi->nregions + bi->nmodules: an entry of the memory map that is
 * not available RAM (reserved, ACPI, bad, ...), or the 2 MiB pages of a module. Returns 0 when
 * entry i is none (available RAM, an empty module). */
static int obstacle(const struct bootinfo *bi, size_t i, uint64_t *start, uint64_t *end)
{
    if (i < bi->nregions) {
        const struct bootinfo_region *r = &bi->regions[i];
        *start = r->base;
        *end = region_end(r);
        return r->type != MB_MEMORY_AVAILABLE;
    }
    const struct bootinfo_module *m = &bi->modules[i - bi->nregions];
    *start = page_down(m->start);
    *end = page_up(m->end);
    return m->end > m->start;
}

static size_t obstacles(const struct bootinfo *bi)
{
    return bi->nregions + bi->nmodules;
}

/* Does an obstacle cover address a? */
static int blocked_at(const struct bootinfo *bi, uint64_t a)
{
    uint64_t s, e;
    for (size_t i = 0; i < obstacles(bi); i++)
        if (obstacle(bi, i, &s, &e) && s <= a && a < e)
            return 1;
    return 0;
}

/* The lowest start of an obstacle in (a, hi), or hi. */
static uint64_t next_obstacle(const struct bootinfo *bi, uint64_t a, uint64_t hi)
{
    uint64_t s, e;
    for (size_t i = 0; i < obstacles(bi); i++)
        if (obstacle(bi, i, &s, &e) && s > a && s < hi)
            hi = s;
    return hi;
}

/* Considers the free piece starting at s and ending at the next obstacle or hi. */
static void consider_piece(const struct bootinfo *bi, uint64_t s, uint64_t hi, uint64_t best[2])
{
    if (blocked_at(bi, s))
        return;
    uint64_t e = next_obstacle(bi, s, hi);
    if (e - s > best[1] - best[0])
        best[0] = s, best[1] = e;
}

/* Firmware maps may overlap (a reserved entry inside an available one): an available range
 * splits into pieces at every obstacle, and a piece starts either where the range does or where
 * an obstacle ends. Regions and modules are few (BOOTINFO_REGIONS_MAX, BOOTINFO_MODULES_MAX), so
 * trying every such start is cheap. */
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
        for (size_t j = 0; j < obstacles(bi); j++) {
            uint64_t s, e;
            if (obstacle(bi, j, &s, &e) && e > lo && e < hi)
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
