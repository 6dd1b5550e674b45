/* CPL3: the MADT walk (madt.h states the walk and the policy for damaged tables). */
#include "madt.h"
#include "acpi.h"

#include <errno.h>
#include <string.h>

enum cpu_class { CPU_DISABLED, CPU_ENABLED, CPU_ONLINE_CAPABLE };

struct walk {
    const uint8_t *t;
    size_t end; /* bytes readable at t */
    uint8_t revision;
};

#define problem(info, what, ...) ACPI_PROBLEM((info)->problems, (info)->error, what, __VA_ARGS__)

/* Length of the entry at `off`, or 0 when none may be read there: the end reached, a length
 * below 2, or an entry running past the end. */
static size_t entry_length(const struct walk *w, size_t off)
{
    if (off + ACPI_MADT_ENTRY_MIN > w->end)
        return 0;
    size_t len = w->t[off + ACPI_MADT_ENTRY_LENGTH];
    return len < ACPI_MADT_ENTRY_MIN || len > w->end - off ? 0 : len;
}

/* 1 when the entry at `off` (of `len` bytes) describes a CPU; sets its APIC ID and class. */
static int cpu_entry(const struct walk *w, size_t off, size_t len, uint32_t *id,
                     enum cpu_class *cls)
{
    const uint8_t *e = w->t + off;
    uint32_t flags;
    if (e[ACPI_MADT_ENTRY_TYPE] == ACPI_MADT_LOCAL_APIC && len >= ACPI_LAPIC_SIZE) {
        *id = e[ACPI_LAPIC_APIC_ID];
        flags = acpi_get32(e + ACPI_LAPIC_FLAGS);
    } else if (e[ACPI_MADT_ENTRY_TYPE] == ACPI_MADT_LOCAL_X2APIC && len >= ACPI_X2APIC_SIZE) {
        *id = acpi_get32(e + ACPI_X2APIC_APIC_ID);
        flags = acpi_get32(e + ACPI_X2APIC_FLAGS);
    } else {
        return 0;
    }
    if (flags & ACPI_MADT_CPU_ENABLED)
        *cls = CPU_ENABLED;
    else if (w->revision >= ACPI_MADT_OC_REVISION && (flags & ACPI_MADT_CPU_ONLINE_CAPABLE))
        *cls = CPU_ONLINE_CAPABLE;
    else
        *cls = CPU_DISABLED;
    return 1;
}

/* 1 when an entry before `stop` lists the same APIC ID in the same class. Walks the table again
 * rather than keeping a set, so the counts stay exact however many CPUs the table lists. */
static int seen_before(const struct walk *w, size_t stop, uint32_t id, enum cpu_class cls)
{
    size_t len;
    for (size_t off = ACPI_MADT_ENTRIES; off < stop; off += len) {
        len = entry_length(w, off);
        uint32_t other;
        enum cpu_class c;
        if (cpu_entry(w, off, len, &other, &c) && other == id && c == cls)
            return 1;
    }
    return 0;
}

static void take_cpu(const struct walk *w, size_t off, size_t len, uint32_t *ids, unsigned max,
                     struct madt_info *info)
{
    uint32_t id;
    enum cpu_class cls;
    if (!cpu_entry(w, off, len, &id, &cls)) {
        problem(info, MADT_SHORT_CPU_ENTRY, "MADT: CPU entry at offset %zu is only %zu bytes", off,
                len);
        return;
    }
    if (cls == CPU_DISABLED) {
        info->disabled++;
    } else if (seen_before(w, off, id, cls)) {
        if (cls == CPU_ENABLED)
            problem(info, MADT_DUPLICATE_ID, "MADT: APIC ID %u listed twice", id);
    } else if (cls == CPU_ONLINE_CAPABLE) {
        info->online_capable++;
    } else {
        info->enabled++;
        if (info->stored < max)
            ids[info->stored++] = id;
        else
            problem(info, MADT_TOO_MANY_CPUS, "MADT: more than %u enabled CPUs", max);
    }
}

static void take_override(const struct walk *w, size_t off, size_t len, struct madt_info *info)
{
    if (len < ACPI_LAPIC_OVR_SIZE)
        problem(info, MADT_SHORT_CPU_ENTRY,
                "MADT: local APIC address override at offset %zu is only %zu bytes", off, len);
    else
        info->lapic_address = acpi_get64(w->t + off + ACPI_LAPIC_OVR_ADDRESS);
}

/* The header's length and checksum against the bytes given. */
static void check_header(const struct walk *w, struct madt_info *info)
{
    unsigned bad = acpi_sdt_check(w->t, w->end, NULL);
    if (bad & ACPI_SDT_BAD_LENGTH)
        problem(info, MADT_LENGTH_MISMATCH, "MADT: header says %u bytes, %zu given",
                acpi_get32(w->t + ACPI_SDT_LENGTH), w->end);
    if (bad & ACPI_SDT_BAD_CHECKSUM)
        problem(info, MADT_BAD_CHECKSUM, "MADT: checksum fails");
    info->checksum_ok = !(info->problems & (MADT_LENGTH_MISMATCH | MADT_BAD_CHECKSUM));
}

static void walk_entries(const struct walk *w, uint32_t *ids, unsigned max, struct madt_info *info)
{
    size_t off = ACPI_MADT_ENTRIES, len;
    for (; (len = entry_length(w, off)) != 0; off += len) {
        uint8_t type = w->t[off + ACPI_MADT_ENTRY_TYPE];
        info->entries++;
        info->type_count[type]++;
        if (type == ACPI_MADT_LOCAL_APIC || type == ACPI_MADT_LOCAL_X2APIC)
            take_cpu(w, off, len, ids, max, info);
        else if (type == ACPI_MADT_LAPIC_OVERRIDE)
            take_override(w, off, len, info);
    }
    if (off + ACPI_MADT_ENTRY_MIN <= w->end)
        problem(info, MADT_BAD_ENTRY, "MADT: entry at offset %zu (length %u) ends the walk", off,
                w->t[off + ACPI_MADT_ENTRY_LENGTH]);
    else if (off < w->end)
        problem(info, MADT_BAD_ENTRY, "MADT: %zu stray bytes at the end", w->end - off);
}

int madt_parse(const void *table, size_t len, uint32_t *ids, unsigned max, struct madt_info *out)
{
    memset(out, 0, sizeof(*out));
    const uint8_t *t = table;
    const struct walk w = {t, len, len > ACPI_SDT_REVISION ? t[ACPI_SDT_REVISION] : 0};
    if (len < ACPI_MADT_HEADER_SIZE ||
        memcmp(w.t + ACPI_SDT_SIGNATURE, ACPI_MADT_SIGNATURE_TEXT, ACPI_SDT_SIGNATURE_LEN)) {
        problem(out, MADT_TOO_SHORT, "MADT: %zu bytes, no MADT header", len);
        return -EINVAL;
    }
    out->revision = w.revision;
    out->flags = acpi_get32(w.t + ACPI_MADT_FLAGS);
    out->header_lapic_address = acpi_get32(w.t + ACPI_MADT_LAPIC_ADDRESS);
    out->lapic_address = out->header_lapic_address;
    check_header(&w, out);
    walk_entries(&w, ids, max, out);
    return madt_damaged(out) ? -EBADMSG : 0;
}
