/* ACPI discovery: the MADT parser over real firmware tables and hand-made damaged ones, and the
 * RSDP/RSDT/XSDT search over a fake physical memory. Every table is handed to the parser in a heap
 * buffer of exactly its size, so AddressSanitizer reports any read past its end. */
#include "acpi.h"
#include "acpi_tables.h"
#include "madt.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IDS 4096

/* ---- building tables ---- */

struct tb {
    uint8_t b[2048];
    size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void tb_sdt(struct tb *t, const char *sig, uint8_t revision)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->b + ACPI_SDT_SIGNATURE, sig, ACPI_SDT_SIGNATURE_LEN);
    t->b[ACPI_SDT_REVISION] = revision;
    memcpy(t->b + ACPI_SDT_OEMID, "TFTEST", 6);
    t->len = ACPI_SDT_HEADER_SIZE;
}

static void tb_madt(struct tb *t, uint8_t revision, uint32_t lapic)
{
    tb_sdt(t, ACPI_MADT_SIGNATURE_TEXT, revision);
    put32(t->b + ACPI_MADT_LAPIC_ADDRESS, lapic);
    put32(t->b + ACPI_MADT_FLAGS, ACPI_MADT_FLAG_PCAT_COMPAT);
    t->len = ACPI_MADT_HEADER_SIZE;
}

static uint8_t *tb_entry(struct tb *t, uint8_t type, uint8_t len)
{
    uint8_t *e = t->b + t->len;
    ck_assert_uint_le(t->len + len, sizeof(t->b));
    e[ACPI_MADT_ENTRY_TYPE] = type;
    e[ACPI_MADT_ENTRY_LENGTH] = len;
    t->len += len;
    return e;
}

static void tb_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
    uint8_t *e = tb_entry(t, ACPI_MADT_LOCAL_APIC, ACPI_LAPIC_SIZE);
    e[ACPI_LAPIC_UID] = uid;
    e[ACPI_LAPIC_APIC_ID] = id;
    put32(e + ACPI_LAPIC_FLAGS, flags);
}

static void tb_x2apic(struct tb *t, uint32_t id, uint32_t flags, uint32_t uid)
{
    uint8_t *e = tb_entry(t, ACPI_MADT_LOCAL_X2APIC, ACPI_X2APIC_SIZE);
    put32(e + ACPI_X2APIC_APIC_ID, id);
    put32(e + ACPI_X2APIC_FLAGS, flags);
    put32(e + ACPI_X2APIC_UID, uid);
}

static void tb_ioapic(struct tb *t)
{
    uint8_t *e = tb_entry(t, ACPI_MADT_IO_APIC, ACPI_IOAPIC_SIZE);
    put32(e + ACPI_IOAPIC_ADDRESS, 0xFEC00000);
}

static void tb_override(struct tb *t, uint64_t addr)
{
    put64(tb_entry(t, ACPI_MADT_LAPIC_OVERRIDE, ACPI_LAPIC_OVR_SIZE) + ACPI_LAPIC_OVR_ADDRESS,
          addr);
}

/* Sets the header's length to the bytes written and the checksum so they sum to 0. */
static void tb_finish(struct tb *t)
{
    put32(t->b + ACPI_SDT_LENGTH, (uint32_t)t->len);
    t->b[ACPI_SDT_CHECKSUM] = 0;
    t->b[ACPI_SDT_CHECKSUM] = (uint8_t)(0x100 - acpi_sum(t->b, t->len));
}

/* Parses the first `len` bytes of t from a heap copy of exactly that size. */
static int parse_n(const struct tb *t, size_t len, uint32_t *ids, unsigned max,
                   struct madt_info *info)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, t->b, len);
    int rc = madt_parse(copy, len, ids, max, info);
    free(copy);
    return rc;
}

static int parse(const struct tb *t, uint32_t *ids, struct madt_info *info)
{
    return parse_n(t, t->len, ids, MAX_IDS, info);
}

/* A table of four CPUs (APIC IDs 0, 1, 2, 300), a disabled one, an I/O APIC and a reserved type */
static void tb_sample(struct tb *t)
{
    tb_madt(t, 5, 0xFEE00000);
    tb_lapic(t, 0, 0, ACPI_MADT_CPU_ENABLED);
    tb_lapic(t, 1, 1, ACPI_MADT_CPU_ENABLED);
    tb_lapic(t, 2, 7, 0);
    tb_ioapic(t);
    tb_entry(t, 127, 12); /* reserved type: skipped by its length */
    tb_lapic(t, 3, 2, ACPI_MADT_CPU_ENABLED);
    tb_x2apic(t, 300, ACPI_MADT_CPU_ENABLED, 4);
    tb_entry(t, ACPI_MADT_LOCAL_APIC_NMI, ACPI_LAPIC_NMI_SIZE);
}

/* ---- real tables ---- */

static const char *testdata_dir(void)
{
    const char *d = getenv("TF_ACPI_TESTDATA");
    return d && *d ? d : TF_ACPI_TESTDATA_DEFAULT;
}

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_gt(n, 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)n); /* exactly the table: ASan catches any overread */
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* "0,1,8" -> sorted ids; returns the count */
static unsigned parse_id_list(char *s, uint32_t *ids)
{
    unsigned n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
        ids[n++] = (uint32_t)strtoul(tok, NULL, 0);
    qsort(ids, n, sizeof(*ids), cmp_u32);
    return n;
}

struct index_row {
    char *file, *checksum, *lapic, *enabled, *ids, *types;
};

/* Splits one INDEX.tsv line in place; 0 when it has too few columns. */
static int split_row(char *line, struct index_row *r)
{
    char *col[9];
    int n = 0;
    for (char *p = line; n < 9 && p; n++) {
        col[n] = p;
        p = strchr(p, '\t');
        if (p)
            *p++ = 0;
    }
    if (n < 9)
        return 0;
    col[8][strcspn(col[8], "\r\n")] = 0;
    *r = (struct index_row){col[0], col[4], col[5], col[6], col[7], col[8]};
    return 1;
}

static void check_row(const char *dir, struct index_row *r)
{
    static uint32_t got[MAX_IDS], want[MAX_IDS];
    static struct madt_info info;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, r->file);
    size_t len;
    uint8_t *buf = load(path, &len);
    int rc = madt_parse(buf, len, got, MAX_IDS, &info);
    free(buf);
    const char *f = r->file;
    int want_ok = !strcmp(r->checksum, "yes");
    ck_assert_msg(info.checksum_ok == want_ok, "%s: checksum verdict %d, index says %s", f,
                  info.checksum_ok, r->checksum);
    ck_assert_msg(rc == (madt_damaged(&info) ? -EBADMSG : 0), "%s: rc %d", f, rc);
    ck_assert_msg(want_ok || (rc == -EBADMSG && info.error[0]), "%s: damage not reported", f);
    ck_assert_msg(info.header_lapic_address == strtoul(r->lapic, NULL, 0), "%s: LAPIC %#x", f,
                  info.header_lapic_address);
    ck_assert_msg(info.type_count[ACPI_MADT_LAPIC_OVERRIDE] ||
                      info.lapic_address == info.header_lapic_address,
                  "%s: LAPIC address changed without an override", f);
    unsigned n = parse_id_list(r->ids, want);
    ck_assert_msg(info.enabled == strtoul(r->enabled, NULL, 10) && info.enabled == n,
                  "%s: %u enabled CPUs, index says %s", f, info.enabled, r->enabled);
    ck_assert_msg(info.stored == n, "%s: %u stored", f, info.stored);
    qsort(got, n, sizeof(*got), cmp_u32);
    for (unsigned i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s: APIC ID %u, index says %u", f, got[i], want[i]);
    unsigned want_types[ACPI_MADT_TYPES] = {0};
    for (char *tok = strtok(r->types, " "); tok; tok = strtok(NULL, " ")) {
        unsigned type, count;
        ck_assert_msg(sscanf(tok, "%u:%u", &type, &count) == 2 && type < ACPI_MADT_TYPES,
                      "%s: bad entry_types field %s", f, tok);
        want_types[type] = count;
    }
    for (unsigned t = 0; t < ACPI_MADT_TYPES; t++)
        ck_assert_msg(info.type_count[t] == want_types[t], "%s: %u entries of type %u, index %u", f,
                      info.type_count[t], t, want_types[t]);
}

static unsigned count_tables(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    unsigned n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t l = strlen(e->d_name);
        n += l > 4 && !strcmp(e->d_name + l - 4, ".bin");
    }
    closedir(d);
    return n;
}

START_TEST(real_tables_agree_with_index)
{
    const char *dir = testdata_dir();
    char path[4096];
    snprintf(path, sizeof(path), "%s/INDEX.tsv", dir);
    FILE *idx = fopen(path, "r");
    ck_assert_msg(idx,
                  "MADT test data missing: cannot open %s (%s); set TF_ACPI_TESTDATA to the "
                  "directory of the real tables",
                  path, strerror(errno));
    char line[8192];
    unsigned rows = 0, damaged = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), idx)); /* column names */
    ck_assert_msg(!strncmp(line, "file\t", 5), "INDEX.tsv: unexpected header %s", line);
    while (fgets(line, sizeof(line), idx)) {
        struct index_row r;
        if (line[0] == '\n' || !split_row(line, &r))
            continue;
        damaged += strcmp(r.checksum, "yes") != 0;
        check_row(dir, &r);
        rows++;
    }
    fclose(idx);
    ck_assert_uint_gt(rows, 0);
    ck_assert_uint_eq(rows, count_tables(dir)); /* every table has its row */
    if (!strcmp(dir, TF_ACPI_TESTDATA_DEFAULT))
        ck_assert_uint_gt(damaged, 0); /* the bundled set includes damaged tables */
}
END_TEST

/* ---- hand-made tables ---- */

START_TEST(sound_table)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_sample(&t);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), 0);
    ck_assert_int_eq(info.checksum_ok, 1);
    ck_assert_uint_eq(info.problems, 0);
    ck_assert_str_eq(info.error, "");
    ck_assert_uint_eq(info.revision, 5);
    ck_assert_uint_eq(info.flags, ACPI_MADT_FLAG_PCAT_COMPAT);
    ck_assert_uint_eq(info.lapic_address, 0xFEE00000);
    ck_assert_uint_eq(info.enabled, 4);
    ck_assert_uint_eq(info.stored, 4);
    ck_assert_uint_eq(info.disabled, 1);
    ck_assert_uint_eq(ids[0], 0);
    ck_assert_uint_eq(ids[1], 1);
    ck_assert_uint_eq(ids[2], 2); /* table order */
    ck_assert_uint_eq(ids[3], 300);
    ck_assert_uint_eq(info.entries, 8);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LOCAL_APIC], 4);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LOCAL_X2APIC], 1);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_IO_APIC], 1);
    ck_assert_uint_eq(info.type_count[127], 1);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LOCAL_APIC_NMI], 1);
}
END_TEST

START_TEST(truncated_table)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_sample(&t);
    tb_finish(&t);
    /* cut inside the x2APIC entry: the header claims more than is there */
    size_t cut = t.len - ACPI_LAPIC_NMI_SIZE - 5;
    ck_assert_int_eq(parse_n(&t, cut, ids, MAX_IDS, &info), -EBADMSG);
    ck_assert_int_eq(info.checksum_ok, 0);
    ck_assert(info.problems & MADT_LENGTH_MISMATCH);
    ck_assert(info.problems & MADT_BAD_ENTRY);
    ck_assert_uint_eq(info.enabled, 3); /* the entries before the cut */
    ck_assert_uint_eq(ids[2], 2);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LOCAL_X2APIC], 0);
    ck_assert(strstr(info.error, "header says"));
    /* too short for the MADT header: nothing is read */
    ck_assert_int_eq(parse_n(&t, ACPI_MADT_HEADER_SIZE - 1, ids, MAX_IDS, &info), -EINVAL);
    ck_assert(info.problems & MADT_TOO_SHORT);
    ck_assert_uint_eq(info.enabled, 0);
    ck_assert_int_eq(parse_n(&t, 0, ids, MAX_IDS, &info), -EINVAL);
    /* exactly the header: sound, no CPUs */
    struct tb h;
    tb_madt(&h, 3, 0xFEE00000);
    tb_finish(&h);
    ck_assert_int_eq(parse(&h, ids, &info), 0);
    ck_assert_uint_eq(info.entries, 0);
}
END_TEST

START_TEST(zero_length_entry)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_madt(&t, 3, 0xFEE00000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    tb_entry(&t, ACPI_MADT_IO_APIC, 0);
    t.len += ACPI_IOAPIC_SIZE;
    tb_lapic(&t, 1, 1, ACPI_MADT_CPU_ENABLED); /* never reached */
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_int_eq(info.checksum_ok, 1);
    ck_assert_uint_eq(info.problems, MADT_BAD_ENTRY);
    ck_assert_uint_eq(info.enabled, 1);
    ck_assert_uint_eq(info.entries, 1);
    ck_assert(strstr(info.error, "offset 52"));
    /* a length of 1 stops the walk too */
    t.b[52 + ACPI_MADT_ENTRY_LENGTH] = 1;
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_uint_eq(info.entries, 1);
}
END_TEST

START_TEST(entry_past_end)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_madt(&t, 3, 0xFEE00000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    tb_lapic(&t, 1, 1, ACPI_MADT_CPU_ENABLED);
    uint8_t *last = tb_entry(&t, ACPI_MADT_LOCAL_X2APIC, ACPI_X2APIC_SIZE);
    put32(last + ACPI_X2APIC_APIC_ID, 5);
    put32(last + ACPI_X2APIC_FLAGS, ACPI_MADT_CPU_ENABLED);
    last[ACPI_MADT_ENTRY_LENGTH] = 200; /* claims more than the table holds */
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MADT_BAD_ENTRY);
    ck_assert_uint_eq(info.enabled, 2);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LOCAL_X2APIC], 0);
    /* one stray byte after the last entry */
    tb_madt(&t, 3, 0xFEE00000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    t.len++;
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MADT_BAD_ENTRY);
    ck_assert_uint_eq(info.enabled, 1);
}
END_TEST

START_TEST(bad_checksum)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_sample(&t);
    tb_finish(&t);
    t.b[ACPI_SDT_CHECKSUM]++;
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_int_eq(info.checksum_ok, 0);
    ck_assert_uint_eq(info.problems, MADT_BAD_CHECKSUM);
    ck_assert_str_eq(info.error, "MADT: checksum fails");
    ck_assert_uint_eq(info.enabled, 4); /* the entries are still read (policy in madt.h) */
    ck_assert_uint_eq(ids[3], 300);
}
END_TEST

START_TEST(header_length_mismatch)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_sample(&t);
    tb_finish(&t);
    /* the header claims 100 bytes more than the buffer holds: never read past the buffer */
    put32(t.b + ACPI_SDT_LENGTH, (uint32_t)t.len + 100);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MADT_LENGTH_MISMATCH);
    ck_assert_int_eq(info.checksum_ok, 0);
    ck_assert_uint_eq(info.enabled, 4);
    /* the header claims less than the buffer holds */
    put32(t.b + ACPI_SDT_LENGTH, ACPI_MADT_HEADER_SIZE + ACPI_LAPIC_SIZE);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert(info.problems & MADT_LENGTH_MISMATCH);
    ck_assert_int_eq(info.checksum_ok, 0);
    /* not an MADT */
    tb_sample(&t);
    memcpy(t.b, "FACP", 4);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EINVAL);
    ck_assert_uint_eq(info.enabled, 0);
}
END_TEST

START_TEST(lapic_address_override)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_madt(&t, 3, 0xFEE00000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    tb_override(&t, 0x123456789000ull);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), 0);
    ck_assert_uint_eq(info.header_lapic_address, 0xFEE00000);
    ck_assert_uint_eq(info.lapic_address, 0x123456789000ull);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LAPIC_OVERRIDE], 1);
    /* an override too short to hold its address is skipped and reported */
    tb_madt(&t, 3, 0xFEE00000);
    uint8_t *o = tb_entry(&t, ACPI_MADT_LAPIC_OVERRIDE, 8);
    put32(o + ACPI_LAPIC_OVR_ADDRESS, 0x1000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MADT_SHORT_CPU_ENTRY);
    ck_assert_uint_eq(info.lapic_address, 0xFEE00000);
    ck_assert_uint_eq(info.enabled, 1);
}
END_TEST

START_TEST(short_cpu_entry)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_madt(&t, 3, 0xFEE00000);
    uint8_t *e = tb_entry(&t, ACPI_MADT_LOCAL_APIC, 4); /* no flags field */
    e[ACPI_LAPIC_APIC_ID] = 9;
    e = tb_entry(&t, ACPI_MADT_LOCAL_X2APIC, 10); /* no flags field */
    put32(e + ACPI_X2APIC_APIC_ID, 10);
    tb_lapic(&t, 0, 3, ACPI_MADT_CPU_ENABLED);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), -EBADMSG);
    ck_assert_uint_eq(info.problems, MADT_SHORT_CPU_ENTRY);
    ck_assert_uint_eq(info.enabled, 1);
    ck_assert_uint_eq(ids[0], 3);
    ck_assert_uint_eq(info.entries, 3);
}
END_TEST

START_TEST(online_capable_only)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_madt(&t, 5, 0xFEE00000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ONLINE_CAPABLE);
    tb_lapic(&t, 1, 1, ACPI_MADT_CPU_ONLINE_CAPABLE);
    tb_x2apic(&t, 1, ACPI_MADT_CPU_ONLINE_CAPABLE, 1); /* the same CPU again: counted once */
    tb_x2apic(&t, 2, 0, 2);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), 0);
    ck_assert_uint_eq(info.enabled, 0);
    ck_assert_uint_eq(info.stored, 0);
    ck_assert_uint_eq(info.online_capable, 2);
    ck_assert_uint_eq(info.disabled, 1);
    /* before revision 5 the bit is reserved: those CPUs are simply disabled */
    t.b[ACPI_SDT_REVISION] = 4;
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), 0);
    ck_assert_uint_eq(info.online_capable, 0);
    ck_assert_uint_eq(info.disabled, 4);
    /* enabled and online capable together: enabled */
    tb_madt(&t, 5, 0xFEE00000);
    tb_lapic(&t, 0, 4, ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), 0);
    ck_assert_uint_eq(info.enabled, 1);
    ck_assert_uint_eq(info.online_capable, 0);
}
END_TEST

START_TEST(duplicate_ids)
{
    struct tb t;
    uint32_t ids[MAX_IDS];
    struct madt_info info;
    tb_madt(&t, 3, 0xFEE00000);
    tb_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
    tb_lapic(&t, 1, 1, ACPI_MADT_CPU_ENABLED);
    tb_x2apic(&t, 1, ACPI_MADT_CPU_ENABLED, 1);
    tb_lapic(&t, 2, 0, ACPI_MADT_CPU_ENABLED);
    tb_finish(&t);
    ck_assert_int_eq(parse(&t, ids, &info), 0); /* noted, not damage */
    ck_assert_uint_eq(info.problems, MADT_DUPLICATE_ID);
    ck_assert_uint_eq(info.enabled, 2);
    ck_assert_uint_eq(info.stored, 2);
    ck_assert_uint_eq(ids[0], 0);
    ck_assert_uint_eq(ids[1], 1);
    ck_assert_uint_eq(info.type_count[ACPI_MADT_LOCAL_APIC], 3);
}
END_TEST

START_TEST(more_cpus_than_room)
{
    struct tb t;
    uint32_t ids[3] = {0, 0, 0xDEAD};
    struct madt_info info;
    tb_sample(&t);
    tb_finish(&t);
    ck_assert_int_eq(parse_n(&t, t.len, ids, 2, &info), 0);
    ck_assert_uint_eq(info.problems, MADT_TOO_MANY_CPUS);
    ck_assert_uint_eq(info.enabled, 4);
    ck_assert_uint_eq(info.stored, 2);
    ck_assert_uint_eq(ids[2], 0xDEAD); /* nothing written past max */
}
END_TEST

/* ---- RSDP, RSDT and XSDT in a fake physical memory ---- */

#define PHYS_SIZE  0x110000
#define EBDA_ADDR  0x9FC00
#define RSDT_ADDR  0x100000
#define XSDT_ADDR  0x101000
#define MADT_ADDR  0x102000
#define MADT2_ADDR 0x103000
#define FACP_ADDR  0x104000
#define MADT3_ADDR 0x105000

struct phys {
    uint8_t *mem;
    int page0_unmapped; /* as in the guest: the first page faults */
    unsigned maps;
};

static const void *phys_map(uint64_t addr, size_t len, void *ctx)
{
    struct phys *p = ctx;
    p->maps++;
    if (addr > PHYS_SIZE || len > PHYS_SIZE - addr || (p->page0_unmapped && addr < 0x1000))
        return NULL;
    return p->mem + addr;
}

static struct phys phys;

static void phys_setup(void)
{
    phys = (struct phys){calloc(1, PHYS_SIZE), 0, 0};
    ck_assert_ptr_nonnull(phys.mem);
}

static void phys_teardown(void)
{
    free(phys.mem);
}

static void place(uint64_t addr, const struct tb *t)
{
    memcpy(phys.mem + addr, t->b, t->len);
}

/* An RSDP of revision 0 (20 bytes) or 2 (36 bytes) at `addr` */
static void place_rsdp(uint64_t addr, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
    uint8_t *p = phys.mem + addr;
    memset(p, 0, revision >= ACPI_RSDP_REVISION_V2 ? ACPI_RSDP_V2_SIZE : ACPI_RSDP_V1_SIZE);
    memcpy(p + ACPI_RSDP_SIGNATURE, ACPI_RSDP_SIGNATURE_TEXT, ACPI_RSDP_SIGNATURE_LEN);
    memcpy(p + ACPI_RSDP_OEMID, "TFTEST", 6);
    p[ACPI_RSDP_REVISION] = revision;
    put32(p + ACPI_RSDP_RSDT_ADDRESS, rsdt);
    p[ACPI_RSDP_CHECKSUM] = (uint8_t)(0x100 - acpi_sum(p, ACPI_RSDP_V1_SIZE));
    if (revision >= ACPI_RSDP_REVISION_V2) {
        put32(p + ACPI_RSDP_LENGTH, ACPI_RSDP_V2_SIZE);
        put64(p + ACPI_RSDP_XSDT_ADDRESS, xsdt);
        p[ACPI_RSDP_EXT_CHECKSUM] = (uint8_t)(0x100 - acpi_sum(p, ACPI_RSDP_V2_SIZE));
    }
}

/* A root table ("RSDT" or "XSDT") listing `n` addresses */
static void place_root(uint64_t addr, const char *sig, const uint64_t *tables, unsigned n)
{
    struct tb t;
    int x = !strcmp(sig, ACPI_XSDT_SIGNATURE_TEXT);
    tb_sdt(&t, sig, 1);
    for (unsigned i = 0; i < n; i++) {
        if (x)
            put64(t.b + t.len, tables[i]);
        else
            put32(t.b + t.len, (uint32_t)tables[i]);
        t.len += x ? ACPI_XSDT_ENTRY_SIZE : ACPI_RSDT_ENTRY_SIZE;
    }
    tb_finish(&t);
    place(addr, &t);
}

/* MADTs with `cpus` enabled CPUs, and a FACP */
static void place_tables(void)
{
    struct tb t;
    for (unsigned k = 1; k <= 3; k++) {
        tb_madt(&t, 3, 0xFEE00000);
        for (unsigned i = 0; i < k; i++)
            tb_lapic(&t, (uint8_t)i, (uint8_t)i, ACPI_MADT_CPU_ENABLED);
        tb_finish(&t);
        place(k == 1 ? MADT_ADDR : k == 2 ? MADT2_ADDR : MADT3_ADDR, &t);
    }
    tb_sdt(&t, "FACP", 6);
    t.len = 116;
    tb_finish(&t);
    place(FACP_ADDR, &t);
}

static unsigned cpus_of(const struct acpi_root *root)
{
    struct acpi_table tab;
    struct madt_info info;
    uint32_t ids[MAX_IDS];
    ck_assert_int_eq(acpi_find(root, ACPI_MADT_SIGNATURE_TEXT, &tab), 0);
    ck_assert_int_eq(tab.checksum_ok, 1);
    ck_assert_int_eq(madt_parse(tab.data, tab.length, ids, MAX_IDS, &info), 0);
    return info.enabled;
}

START_TEST(rsdp_v1_rsdt_in_bios_area)
{
    place_tables();
    uint64_t rsdt[] = {FACP_ADDR, MADT2_ADDR};
    place_root(RSDT_ADDR, ACPI_RSDT_SIGNATURE_TEXT, rsdt, 2);
    place_rsdp(0xF0120, 0, RSDT_ADDR, 0);
    phys.page0_unmapped = 1; /* the EBDA pointer cannot be read: the BIOS area still is */
    struct acpi_rsdp r;
    uint64_t where = 0;
    ck_assert_int_eq(acpi_rsdp_scan(phys_map, &phys, &r, &where), 0);
    ck_assert_uint_eq(where, 0xF0120);
    ck_assert_uint_eq(r.revision, 0);
    ck_assert_uint_eq(r.rsdt, RSDT_ADDR);
    ck_assert_uint_eq(r.xsdt, 0);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    ck_assert_uint_eq(root.entry_size, ACPI_RSDT_ENTRY_SIZE);
    ck_assert_uint_eq(root.notes, 0);
    ck_assert_uint_eq(cpus_of(&root), 2);
    struct acpi_table tab;
    ck_assert_int_eq(acpi_find(&root, "FACP", &tab), 0);
    ck_assert_uint_eq(tab.address, FACP_ADDR);
    ck_assert_uint_eq(tab.length, 116);
    ck_assert_int_eq(acpi_find(&root, "HPET", &tab), -ENOENT);
}
END_TEST

START_TEST(rsdp_v2_xsdt_in_ebda)
{
    place_tables();
    uint64_t rsdt[] = {MADT_ADDR}, xsdt[] = {FACP_ADDR, MADT3_ADDR};
    place_root(RSDT_ADDR, ACPI_RSDT_SIGNATURE_TEXT, rsdt, 1);
    place_root(XSDT_ADDR, ACPI_XSDT_SIGNATURE_TEXT, xsdt, 2);
    put16(phys.mem + ACPI_BDA_EBDA_SEGMENT, EBDA_ADDR >> ACPI_EBDA_SEGMENT_SHIFT);
    place_rsdp(EBDA_ADDR + 0x40, 2, RSDT_ADDR, XSDT_ADDR);
    struct acpi_rsdp r;
    uint64_t where = 0;
    ck_assert_int_eq(acpi_rsdp_scan(phys_map, &phys, &r, &where), 0);
    ck_assert_uint_eq(where, EBDA_ADDR + 0x40);
    ck_assert_uint_eq(r.xsdt, XSDT_ADDR);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    ck_assert_uint_eq(root.entry_size, ACPI_XSDT_ENTRY_SIZE); /* the XSDT is preferred */
    ck_assert_uint_eq(cpus_of(&root), 3);
    /* with the first page unmapped the EBDA cannot be found */
    phys.page0_unmapped = 1;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), -ENOENT);
}
END_TEST

START_TEST(bad_xsdt_falls_back_to_rsdt)
{
    place_tables();
    uint64_t rsdt[] = {MADT_ADDR}, xsdt[] = {MADT3_ADDR};
    place_root(RSDT_ADDR, ACPI_RSDT_SIGNATURE_TEXT, rsdt, 1);
    place_root(XSDT_ADDR, ACPI_XSDT_SIGNATURE_TEXT, xsdt, 1);
    phys.mem[XSDT_ADDR + ACPI_SDT_CHECKSUM] ^= 0x55;
    place_rsdp(0xE0000, 2, RSDT_ADDR, XSDT_ADDR);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    ck_assert_uint_eq(root.entry_size, ACPI_RSDT_ENTRY_SIZE);
    ck_assert_uint_eq(root.notes, ACPI_NOTE_XSDT);
    ck_assert(strstr(root.error, "XSDT"));
    ck_assert_uint_eq(cpus_of(&root), 1);
    /* the RSDT damaged too: no root table */
    phys.mem[RSDT_ADDR + ACPI_SDT_CHECKSUM] ^= 0x55;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), -EBADMSG);
    ck_assert_uint_eq(root.notes, ACPI_NOTE_XSDT | ACPI_NOTE_RSDT);
}
END_TEST

START_TEST(bad_extended_checksum_uses_rsdt)
{
    /* in the last 32 bytes of the BIOS area: cut before its extended checksum (the RSDT,
     * placed after it, overwrites the rest) */
    place_rsdp(0xFFFE0, 2, RSDT_ADDR, XSDT_ADDR);
    place_tables();
    uint64_t rsdt[] = {MADT2_ADDR}, xsdt[] = {MADT3_ADDR};
    place_root(RSDT_ADDR, ACPI_RSDT_SIGNATURE_TEXT, rsdt, 1);
    place_root(XSDT_ADDR, ACPI_XSDT_SIGNATURE_TEXT, xsdt, 1);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    ck_assert_int_eq(root.rsdp.xsdt_refused, 1);
    ck_assert_uint_eq(root.notes, ACPI_NOTE_XSDT);
    ck_assert_uint_eq(cpus_of(&root), 2);
    place_rsdp(0xE0100, 2, RSDT_ADDR, XSDT_ADDR);
    phys.mem[0xE0100 + ACPI_RSDP_EXT_CHECKSUM] ^= 1;
    struct acpi_rsdp r;
    ck_assert_int_eq(acpi_rsdp_parse(phys.mem + 0xE0100, ACPI_RSDP_V2_SIZE, &r), 0);
    ck_assert_int_eq(r.xsdt_refused, 1);
    ck_assert_uint_eq(r.xsdt, 0);
    ck_assert_uint_eq(r.rsdt, RSDT_ADDR);
}
END_TEST

START_TEST(bad_rsdp_checksum)
{
    place_tables();
    uint64_t rsdt[] = {MADT_ADDR};
    place_root(RSDT_ADDR, ACPI_RSDT_SIGNATURE_TEXT, rsdt, 1);
    place_rsdp(0xE0040, 0, RSDT_ADDR, 0);
    phys.mem[0xE0040 + ACPI_RSDP_CHECKSUM] ^= 1;
    struct acpi_rsdp r;
    ck_assert_int_eq(acpi_rsdp_parse(phys.mem + 0xE0040, ACPI_RSDP_V1_SIZE, &r), -EBADMSG);
    ck_assert_int_eq(acpi_rsdp_parse(phys.mem + 0xE0040, ACPI_RSDP_V1_SIZE - 1, &r), -EINVAL);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), -ENOENT);
    /* a valid RSDP off the 16-byte grid is not found either */
    place_rsdp(0xE0208, 0, RSDT_ADDR, 0);
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), -ENOENT);
    place_rsdp(0xE0200, 0, RSDT_ADDR, 0);
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    ck_assert_uint_eq(cpus_of(&root), 1);
}
END_TEST

START_TEST(loader_rsdp_copy)
{
    place_tables();
    uint64_t rsdt[] = {MADT_ADDR}, xsdt[] = {MADT2_ADDR, MADT3_ADDR};
    place_root(RSDT_ADDR, ACPI_RSDT_SIGNATURE_TEXT, rsdt, 1);
    place_root(XSDT_ADDR, ACPI_XSDT_SIGNATURE_TEXT, xsdt, 2);
    place_rsdp(0x5000, 2, RSDT_ADDR, XSDT_ADDR); /* outside the scanned areas */
    uint8_t *copy = malloc(ACPI_RSDP_V2_SIZE);
    memcpy(copy, phys.mem + 0x5000, ACPI_RSDP_V2_SIZE);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, copy, ACPI_RSDP_V2_SIZE, phys_map, &phys), 0);
    ck_assert_uint_eq(root.entry_size, ACPI_XSDT_ENTRY_SIZE);
    ck_assert_uint_eq(cpus_of(&root), 2); /* the first MADT in the XSDT */
    /* an ACPI 1.0 copy (Multiboot2 tag 14): 20 bytes, the RSDT */
    place_rsdp(0x5000, 0, RSDT_ADDR, 0);
    memcpy(copy, phys.mem + 0x5000, ACPI_RSDP_V1_SIZE);
    ck_assert_int_eq(acpi_init(&root, copy, ACPI_RSDP_V1_SIZE, phys_map, &phys), 0);
    ck_assert_uint_eq(root.entry_size, ACPI_RSDT_ENTRY_SIZE);
    ck_assert_uint_eq(cpus_of(&root), 1);
    /* a damaged copy: noted, then the BIOS area is searched */
    copy[ACPI_RSDP_CHECKSUM] ^= 1;
    ck_assert_int_eq(acpi_init(&root, copy, ACPI_RSDP_V1_SIZE, phys_map, &phys), -ENOENT);
    ck_assert_uint_eq(root.notes, ACPI_NOTE_BOOT_RSDP);
    place_rsdp(0xE0000, 0, RSDT_ADDR, 0);
    ck_assert_int_eq(acpi_init(&root, copy, ACPI_RSDP_V1_SIZE, phys_map, &phys), 0);
    ck_assert_uint_eq(root.notes, ACPI_NOTE_BOOT_RSDP);
    free(copy);
}
END_TEST

START_TEST(find_prefers_valid_table)
{
    place_tables();
    phys.mem[MADT3_ADDR + ACPI_SDT_CHECKSUM] ^= 1;
    /* an entry beyond memory, a damaged MADT, then a sound one */
    uint64_t xsdt[] = {0x7FFFFFFF000ull, MADT3_ADDR, MADT2_ADDR};
    place_root(XSDT_ADDR, ACPI_XSDT_SIGNATURE_TEXT, xsdt, 3);
    place_rsdp(0xE0000, 2, 0, XSDT_ADDR);
    struct acpi_root root;
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    struct acpi_table tab;
    ck_assert_int_eq(acpi_find(&root, ACPI_MADT_SIGNATURE_TEXT, &tab), 0);
    ck_assert_uint_eq(tab.address, MADT2_ADDR);
    ck_assert_int_eq(tab.checksum_ok, 1);
    /* only the damaged one: handed over, marked */
    xsdt[2] = FACP_ADDR;
    place_root(XSDT_ADDR, ACPI_XSDT_SIGNATURE_TEXT, xsdt, 3);
    ck_assert_int_eq(acpi_init(&root, NULL, 0, phys_map, &phys), 0);
    ck_assert_int_eq(acpi_find(&root, ACPI_MADT_SIGNATURE_TEXT, &tab), 0);
    ck_assert_uint_eq(tab.address, MADT3_ADDR);
    ck_assert_int_eq(tab.checksum_ok, 0);
    /* a table whose length does not cover its header is skipped */
    put32(phys.mem + MADT3_ADDR + ACPI_SDT_LENGTH, 10);
    ck_assert_int_eq(acpi_find(&root, ACPI_MADT_SIGNATURE_TEXT, &tab), -ENOENT);
}
END_TEST

/* The one header check the parsers share: each fault alone, and never a read past `len`. */
START_TEST(sdt_header_check)
{
    struct tb t;
    tb_sample(&t);
    tb_finish(&t);
    ck_assert_uint_eq(acpi_sdt_check(t.b, t.len, ACPI_MADT_SIGNATURE_TEXT), 0);
    ck_assert_uint_eq(acpi_sdt_check(t.b, t.len, NULL), 0);
    ck_assert_uint_eq(acpi_sdt_check(t.b, t.len, "FACP"), ACPI_SDT_BAD_SIGNATURE);
    /* the bytes given end before the length declared: no checksum over what is not there */
    ck_assert_uint_eq(acpi_sdt_check(t.b, t.len - 1, NULL), ACPI_SDT_BAD_LENGTH);
    /* more bytes than declared: the declared ones still sum to 0 */
    ck_assert_uint_eq(acpi_sdt_check(t.b, t.len + 1, NULL), ACPI_SDT_BAD_LENGTH);
    ck_assert_uint_eq(acpi_sdt_check(t.b, ACPI_SDT_HEADER_SIZE - 1, NULL),
                      ACPI_SDT_BAD_SIGNATURE | ACPI_SDT_BAD_LENGTH | ACPI_SDT_BAD_CHECKSUM);
    t.b[t.len - 1]++;
    ck_assert_uint_eq(acpi_sdt_check(t.b, t.len, NULL), ACPI_SDT_BAD_CHECKSUM);
}
END_TEST

static Suite *acpi_suite(void)
{
    Suite *s = suite_create("acpi");
    TCase *real = tcase_create("real tables");
    tcase_add_test(real, real_tables_agree_with_index);
    suite_add_tcase(s, real);
    TCase *madt = tcase_create("madt");
    tcase_add_test(madt, sdt_header_check);
    tcase_add_test(madt, sound_table);
    tcase_add_test(madt, truncated_table);
    tcase_add_test(madt, zero_length_entry);
    tcase_add_test(madt, entry_past_end);
    tcase_add_test(madt, bad_checksum);
    tcase_add_test(madt, header_length_mismatch);
    tcase_add_test(madt, lapic_address_override);
    tcase_add_test(madt, short_cpu_entry);
    tcase_add_test(madt, online_capable_only);
    tcase_add_test(madt, duplicate_ids);
    tcase_add_test(madt, more_cpus_than_room);
    suite_add_tcase(s, madt);
    TCase *root = tcase_create("rsdp");
    tcase_add_checked_fixture(root, phys_setup, phys_teardown);
    tcase_add_test(root, rsdp_v1_rsdt_in_bios_area);
    tcase_add_test(root, rsdp_v2_xsdt_in_ebda);
    tcase_add_test(root, bad_xsdt_falls_back_to_rsdt);
    tcase_add_test(root, bad_extended_checksum_uses_rsdt);
    tcase_add_test(root, bad_rsdp_checksum);
    tcase_add_test(root, loader_rsdp_copy);
    tcase_add_test(root, find_prefers_valid_table);
    suite_add_tcase(s, root);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(acpi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
