/* CPL3: the host bridge's windows from the DSDT's resource templates (pcihost.h describes the
 * scan). */
#include "pcihost.h"
#include "acpi.h"
#include "acpi_tables.h"
#include "aml.h"

#include <errno.h>
#include <string.h>

#define LOW_4G 0x100000000ull

/* A buffer object's bytes: [*start, *end) */
struct span {
    size_t start, end;
};

/* The integer term after PkgLength: how many bytes it takes, or 0 when it is not a constant. */
static size_t size_term(const uint8_t *p, size_t len, size_t at)
{
    if (at >= len)
        return 0;
    switch (p[at]) {
    case ACPI_AML_ZERO_OP:
    case ACPI_AML_ONE_OP:
        return 1;
    case ACPI_AML_BYTE_PREFIX:
        return 2;
    case ACPI_AML_WORD_PREFIX:
        return 3;
    case ACPI_AML_DWORD_PREFIX:
        return 5;
    default:
        return 0;
    }
}

/* The bytes of the buffer object whose BufferOp is at `at`; 0 when it is not one. */
static int buffer_at(const uint8_t *p, size_t len, size_t at, struct span *out)
{
    size_t lead = 0, total = aml_pkg_length(p, len, at + 1, &lead);
    if (total < lead || at + 1 + total > len)
        return 0;
    size_t term = size_term(p, len, at + 1 + lead);
    if (!term || lead + term > total)
        return 0;
    *out = (struct span){at + 1 + lead + term, at + 1 + total};
    return 1;
}

/* One address space descriptor's resource type, flags, minimum, length and translation. */
struct address {
    uint8_t type, flags;
    uint64_t min, length, translation;
};

static uint64_t field(const uint8_t *d, unsigned width, unsigned index)
{
    const uint8_t *f = d + ACPI_RES_ADDR_FIELDS + width * index;
    return width == 2 ? acpi_get16(f) : width == 4 ? acpi_get32(f) : acpi_get64(f);
}

/* Decodes a Word, DWord or QWord address space descriptor of `size` bytes; 0 when `d` is none
 * of them or too short for its layout. */
static int address_at(const uint8_t *d, size_t size, struct address *out)
{
    unsigned width = d[0] == ACPI_RES_WORD_ADDRESS    ? 2
                     : d[0] == ACPI_RES_DWORD_ADDRESS ? 4
                     : d[0] == ACPI_RES_QWORD_ADDRESS ? 8
                                                      : 0;
    if (!width || size < ACPI_RES_ADDR_FIELDS + ACPI_RES_ADDR_FIELD_COUNT * width)
        return 0;
    *out = (struct address){.type = d[ACPI_RES_ADDR_TYPE],
                            .flags = d[ACPI_RES_ADDR_FLAGS],
                            .min = field(d, width, ACPI_RES_ADDR_MIN_FIELD),
                            .translation = field(d, width, ACPI_RES_ADDR_TRANSLATION_FIELD),
                            .length = field(d, width, ACPI_RES_ADDR_LENGTH_FIELD)};
    return 1;
}

static void widen(struct pcihost_window *w, uint64_t start, uint64_t length)
{
    if (length > w->end - w->start)
        *w = (struct pcihost_window){start, start + length};
}

static void take(struct pcihost_info *info, const struct address *a, int *buses)
{
    if (a->flags & ACPI_RES_ADDR_CONSUMER)
        return;
    if (a->type == ACPI_RES_ADDR_TYPE_BUS && a->length) {
        *buses = 1;
        info->bus_start = (uint8_t)a->min;
        info->bus_end = (uint8_t)(a->min + a->length - 1);
    } else if (a->type == ACPI_RES_ADDR_TYPE_IO && a->length) {
        info->has_io = 1;
    } else if (a->type == ACPI_RES_ADDR_TYPE_MEMORY && a->translation == 0 && a->length &&
               a->min + a->length > a->min) {
        if (info->mem_count < PCIHOST_MAX_WINDOWS)
            info->mem[info->mem_count++] = (struct pcihost_window){a->min, a->min + a->length};
        if (a->min + a->length <= LOW_4G)
            widen(&info->mem32, a->min, a->length);
        else if (a->min >= LOW_4G)
            widen(&info->mem64, a->min, a->length);
    }
}

/* Walks the resource template in [s.start, s.end): 1 when it is well formed, with what it
 * produces in *info and *buses set when it produces bus numbers. */
static int template_at(const uint8_t *p, struct span s, struct pcihost_info *info, int *buses)
{
    size_t at = s.start;
    while (at < s.end) {
        uint8_t tag = p[at];
        size_t size;
        if (tag & ACPI_RES_LARGE) {
            if (at + ACPI_RES_LARGE_HEADER > s.end)
                return 0;
            size = ACPI_RES_LARGE_HEADER + acpi_get16(p + at + ACPI_RES_LARGE_LENGTH);
        } else {
            size = 1 + ACPI_RES_SMALL_LENGTH(tag);
        }
        if (size > s.end - at)
            return 0;
        if (!(tag & ACPI_RES_LARGE) && ACPI_RES_SMALL_NAME(tag) == ACPI_RES_SMALL_END_TAG)
            return 1;
        struct address a;
        if ((tag & ACPI_RES_LARGE) && address_at(p + at, size, &a))
            take(info, &a, buses);
        at += size;
    }
    return 0; /* no End Tag */
}

/* Method (_CBA) { Return (<integer>) }: a MethodOp and a PkgLength of k bytes before the name,
 * the lead byte announcing k - 1 followers; MethodFlags and ReturnOp after it. */
static int cba_method(const uint8_t *p, size_t len, size_t name, uint64_t *value)
{
    size_t ret = name + ACPI_AML_NAME_SEG_LEN + 1;
    if (ret >= len || p[ret] != ACPI_AML_RETURN_OP)
        return 0;
    for (size_t k = 1; k <= ACPI_AML_PKGLEN_MAX_BYTES && k < name; k++)
        if (p[name - k - 1] == ACPI_AML_METHOD_OP && ACPI_AML_PKGLEN_BYTES(p[name - k]) == k - 1)
            return aml_integer(p, len, ret + 1, value, NULL);
    return 0;
}

static uint64_t find_cba(const uint8_t *p, size_t len)
{
    for (size_t at = 1; at + ACPI_AML_NAME_SEG_LEN <= len; at++) {
        uint64_t value;
        if (memcmp(p + at, "_CBA", ACPI_AML_NAME_SEG_LEN))
            continue;
        if (p[at - 1] == ACPI_AML_NAME_OP &&
            aml_integer(p, len, at + ACPI_AML_NAME_SEG_LEN, &value, NULL))
            return value;
        if (cba_method(p, len, at, &value))
            return value;
    }
    return 0;
}

int pcihost_scan(const void *aml, size_t len, struct pcihost_info *out)
{
    const uint8_t *p = aml;
    unsigned templates = 0;
    for (size_t at = 0; at < len; at++) {
        struct span s;
        if (p[at] != ACPI_AML_BUFFER_OP || !buffer_at(p, len, at, &s) || s.start >= s.end)
            continue;
        struct pcihost_info info = {0};
        int buses = 0;
        if (!template_at(p, s, &info, &buses))
            continue;
        if (buses) {
            info.templates = templates;
            info.ecam_base = find_cba(p, len);
            *out = info;
            return 0;
        }
        templates++;
    }
    return -ENOENT;
}
