/* CPL3: the MCFG walk (mcfg.h states the layout and the policy for damaged tables). */
#include "mcfg.h"
#include "acpi.h"
#include "acpi_tables.h"

#include <errno.h>
#include <string.h>

#define ECAM_BASE_ALIGN (1ull << MCFG_BUS_SHIFT)

#define problem(out, what, ...) ACPI_PROBLEM((out)->problems, (out)->error, what, __VA_ARGS__)

static int check_header(const uint8_t *t, size_t len, struct mcfg_info *out)
{
    unsigned bad = len < ACPI_MCFG_ENTRIES ? ACPI_SDT_BAD_SIGNATURE
                                           : acpi_sdt_check(t, len, ACPI_MCFG_SIGNATURE_TEXT);
    if (bad & ACPI_SDT_BAD_SIGNATURE) {
        problem(out, MCFG_TOO_SHORT, "MCFG shorter than its header or not signed MCFG");
        return -EINVAL;
    }
    if (bad & ACPI_SDT_BAD_LENGTH) {
        problem(out, MCFG_LENGTH_MISMATCH, "MCFG length %u, %zu bytes given",
                acpi_get32(t + ACPI_SDT_LENGTH), len);
        return -EBADMSG;
    }
    if (bad & ACPI_SDT_BAD_CHECKSUM) {
        problem(out, MCFG_BAD_CHECKSUM, "MCFG checksum fails");
        return -EBADMSG;
    }
    return 0;
}

static void take_entry(const uint8_t *e, struct mcfg_info *out)
{
    struct mcfg_range r = {.base = acpi_get64(e + ACPI_MCFG_BASE),
                           .segment = acpi_get16(e + ACPI_MCFG_SEGMENT),
                           .start_bus = e[ACPI_MCFG_START_BUS],
                           .end_bus = e[ACPI_MCFG_END_BUS]};
    if (r.end_bus < r.start_bus || r.base % ECAM_BASE_ALIGN || r.base == 0) {
        problem(out, MCFG_BAD_RANGE, "MCFG allocation %u: base %#llx, buses %u-%u", out->entries,
                (unsigned long long)r.base, r.start_bus, r.end_bus);
        return;
    }
    if (out->count == MCFG_MAX_RANGES) {
        problem(out, MCFG_TOO_MANY, "MCFG has more than %u allocations", MCFG_MAX_RANGES);
        return;
    }
    out->ranges[out->count++] = r;
}

int mcfg_parse(const void *table, size_t len, struct mcfg_info *out)
{
    const uint8_t *t = table;
    *out = (struct mcfg_info){0};
    int rc = check_header(t, len, out);
    if (rc)
        return rc;
    size_t off = ACPI_MCFG_ENTRIES;
    for (; off + ACPI_MCFG_ENTRY_SIZE <= len; off += ACPI_MCFG_ENTRY_SIZE) {
        take_entry(t + off, out);
        out->entries++;
    }
    if (off != len)
        problem(out, MCFG_PARTIAL_ENTRY, "MCFG ends with %zu bytes of a partial allocation",
                len - off);
    return 0;
}

uint64_t mcfg_address(const struct mcfg_info *info, uint16_t segment, unsigned bus, unsigned dev,
                      unsigned fn)
{
    for (unsigned i = 0; i < info->count; i++) {
        const struct mcfg_range *r = &info->ranges[i];
        if (r->segment == segment && bus >= r->start_bus && bus <= r->end_bus)
            return r->base + ((uint64_t)bus << MCFG_BUS_SHIFT | (uint64_t)dev << MCFG_DEV_SHIFT |
                              (uint64_t)fn << MCFG_FN_SHIFT);
    }
    return 0;
}
