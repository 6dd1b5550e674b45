/* CPL3: the RSDP, the RSDT/XSDT and the search for one table (acpi.h describes the order and the
 * policy for damaged tables). Every byte is read through the caller's accessor or from a range it
 * mapped, and never past the length that range was mapped with. */
#include "acpi.h"
#include "acpi_tables.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

uint8_t acpi_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + b[i]);
    return s;
}

unsigned acpi_sdt_check(const uint8_t *t, size_t len, const char *sig)
{
    if (len < ACPI_SDT_HEADER_SIZE)
        return ACPI_SDT_BAD_SIGNATURE | ACPI_SDT_BAD_LENGTH | ACPI_SDT_BAD_CHECKSUM;
    unsigned bad = 0;
    uint32_t declared = acpi_get32(t + ACPI_SDT_LENGTH);
    if (sig && memcmp(t + ACPI_SDT_SIGNATURE, sig, ACPI_SDT_SIGNATURE_LEN))
        bad |= ACPI_SDT_BAD_SIGNATURE;
    if (declared != len)
        bad |= ACPI_SDT_BAD_LENGTH;
    if (declared <= len && acpi_sum(t, declared))
        bad |= ACPI_SDT_BAD_CHECKSUM;
    return bad;
}

int acpi_rsdp_parse(const void *buf, size_t len, struct acpi_rsdp *out)
{
    const uint8_t *p = buf;
    if (len < ACPI_RSDP_V1_SIZE ||
        memcmp(p + ACPI_RSDP_SIGNATURE, ACPI_RSDP_SIGNATURE_TEXT, ACPI_RSDP_SIGNATURE_LEN))
        return -EINVAL;
    if (acpi_sum(p, ACPI_RSDP_V1_SIZE))
        return -EBADMSG;
    *out = (struct acpi_rsdp){.revision = p[ACPI_RSDP_REVISION],
                              .rsdt = acpi_get32(p + ACPI_RSDP_RSDT_ADDRESS)};
    if (out->revision < ACPI_RSDP_REVISION_V2)
        return 0;
    uint32_t full = len >= ACPI_RSDP_V2_SIZE ? acpi_get32(p + ACPI_RSDP_LENGTH) : 0;
    if (full < ACPI_RSDP_V2_SIZE || full > len || acpi_sum(p, full))
        out->xsdt_refused = 1;
    else
        out->xsdt = acpi_get64(p + ACPI_RSDP_XSDT_ADDRESS);
    return 0;
}

/* A valid RSDP in [base, base + len) on 16-byte boundaries. */
static int scan_range(acpi_map_fn map, void *ctx, uint64_t base, size_t len, struct acpi_rsdp *out,
                      uint64_t *where)
{
    const uint8_t *p = map(base, len, ctx);
    if (!p)
        return -ENOENT;
    for (size_t off = 0; off + ACPI_RSDP_V1_SIZE <= len; off += ACPI_RSDP_ALIGN) {
        if (acpi_rsdp_parse(p + off, len - off, out) == 0) {
            if (where)
                *where = base + off;
            return 0;
        }
    }
    return -ENOENT;
}

int acpi_rsdp_scan(acpi_map_fn map, void *ctx, struct acpi_rsdp *out, uint64_t *where)
{
    /* The BIOS data area lies in the first page, which a guest may keep unmapped (null
     * pointers fault there): then the EBDA is skipped and only the BIOS area is searched. */
    const uint8_t *seg = map(ACPI_BDA_EBDA_SEGMENT, sizeof(uint16_t), ctx);
    if (seg) {
        uint64_t ebda = (uint64_t)acpi_get16(seg) << ACPI_EBDA_SEGMENT_SHIFT;
        if (ebda && ebda + ACPI_EBDA_SEARCH_SIZE <= ACPI_BIOS_AREA_START &&
            scan_range(map, ctx, ebda, ACPI_EBDA_SEARCH_SIZE, out, where) == 0)
            return 0;
    }
    return scan_range(map, ctx, ACPI_BIOS_AREA_START, ACPI_BIOS_AREA_END - ACPI_BIOS_AREA_START,
                      out, where);
}

void acpi_problem(unsigned *bits, char *error, size_t size, unsigned what, const char *fmt, ...)
{
    *bits |= what;
    if (error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error, size, fmt, ap);
    va_end(ap);
}

#define note(root, what, ...) ACPI_PROBLEM((root)->notes, (root)->error, what, __VA_ARGS__)

/* Maps the table at `addr`: its header first, then its whole length. NULL when either cannot be
 * mapped or the length does not cover the header. */
static const uint8_t *map_table(acpi_map_fn map, void *ctx, uint64_t addr, uint32_t *length)
{
    const uint8_t *h = addr ? map(addr, ACPI_SDT_HEADER_SIZE, ctx) : NULL;
    if (!h)
        return NULL;
    *length = acpi_get32(h + ACPI_SDT_LENGTH);
    if (*length < ACPI_SDT_HEADER_SIZE)
        return NULL;
    return map(addr, *length, ctx);
}

/* Maps the root table at `addr` when it is valid; 0 or a negative errno, with the reason noted. */
static int use_root(struct acpi_root *root, uint64_t addr, const char *sig, unsigned entry_size,
                    unsigned what)
{
    uint32_t length = 0;
    const uint8_t *t = map_table(root->map, root->ctx, addr, &length);
    if (!t) {
        note(root, what, "ACPI %s at %#llx unreadable (length %u)", sig, (unsigned long long)addr,
             length);
        return -EFAULT;
    }
    if (acpi_sdt_check(t, length, sig)) {
        note(root, what, "ACPI %s at %#llx has a bad signature or checksum", sig,
             (unsigned long long)addr);
        return -EBADMSG;
    }
    root->table = t;
    root->length = length;
    root->entry_size = entry_size;
    return 0;
}

static int find_rsdp(struct acpi_root *root, const void *boot_rsdp, size_t boot_len)
{
    if (boot_len) {
        if (acpi_rsdp_parse(boot_rsdp, boot_len, &root->rsdp) == 0)
            return 0;
        note(root, ACPI_NOTE_BOOT_RSDP, "the loader's ACPI RSDP is invalid");
    }
    return acpi_rsdp_scan(root->map, root->ctx, &root->rsdp, NULL);
}

int acpi_init(struct acpi_root *root, const void *boot_rsdp, size_t boot_len, acpi_map_fn map,
              void *ctx)
{
    *root = (struct acpi_root){.map = map, .ctx = ctx};
    if (find_rsdp(root, boot_rsdp, boot_len) < 0)
        return -ENOENT;
    if (root->rsdp.xsdt_refused)
        note(root, ACPI_NOTE_XSDT, "the ACPI RSDP's extended checksum fails");
    if (root->rsdp.xsdt && use_root(root, root->rsdp.xsdt, ACPI_XSDT_SIGNATURE_TEXT,
                                    ACPI_XSDT_ENTRY_SIZE, ACPI_NOTE_XSDT) == 0)
        return 0;
    if (use_root(root, root->rsdp.rsdt, ACPI_RSDT_SIGNATURE_TEXT, ACPI_RSDT_ENTRY_SIZE,
                 ACPI_NOTE_RSDT) == 0)
        return 0;
    return -EBADMSG;
}

static uint64_t root_entry(const struct acpi_root *root, uint32_t off)
{
    const uint8_t *p = root->table + off;
    return root->entry_size == ACPI_XSDT_ENTRY_SIZE ? acpi_get64(p) : acpi_get32(p);
}

int acpi_find(const struct acpi_root *root, const char *sig, struct acpi_table *out)
{
    int found = 0;
    for (uint32_t off = ACPI_SDT_HEADER_SIZE; off + root->entry_size <= root->length;
         off += root->entry_size) {
        uint64_t addr = root_entry(root, off);
        uint32_t length;
        const uint8_t *t = map_table(root->map, root->ctx, addr, &length);
        if (!t || memcmp(t + ACPI_SDT_SIGNATURE, sig, ACPI_SDT_SIGNATURE_LEN))
            continue;
        int ok = acpi_sum(t, length) == 0;
        if (!found || ok)
            *out = (struct acpi_table){addr, t, length, ok};
        found = 1;
        if (ok)
            break;
    }
    return found ? 0 : -ENOENT;
}

int acpi_find_dsdt(const struct acpi_root *root, struct acpi_table *out)
{
    struct acpi_table fadt;
    if (acpi_find(root, ACPI_FADT_SIGNATURE_TEXT, &fadt) < 0 ||
        fadt.length < ACPI_FADT_DSDT + sizeof(uint32_t))
        return -ENOENT;
    uint64_t addr = acpi_get32(fadt.data + ACPI_FADT_DSDT);
    if (fadt.length >= ACPI_FADT_X_DSDT + sizeof(uint64_t) &&
        acpi_get64(fadt.data + ACPI_FADT_X_DSDT))
        addr = acpi_get64(fadt.data + ACPI_FADT_X_DSDT);
    uint32_t length;
    const uint8_t *t = map_table(root->map, root->ctx, addr, &length);
    if (!t || memcmp(t + ACPI_SDT_SIGNATURE, ACPI_DSDT_SIGNATURE_TEXT, ACPI_SDT_SIGNATURE_LEN))
        return -ENOENT;
    *out = (struct acpi_table){addr, t, length, acpi_sum(t, length) == 0};
    return 0;
}
