/* CPL3: the S5 sleep type from the DSDT and the PM1 control ports from the FADT (sleep.h). */
#include "sleep.h"
#include "acpi.h"
#include "acpi_tables.h"
#include "aml.h"

#include <errno.h>
#include <string.h>

#define S5_NAME       "_S5_"
#define BYTE_BITS     8
#define SPLIT_TYPES   2 /* a package of one integer (or an integer) holds both types */
#define PACKAGE_TYPES 2 /* the elements read: SLP_TYPa, SLP_TYPb */

static int split(uint64_t v, struct acpi_sleep_type *out)
{
    out->a = (uint8_t)v;
    out->b = (uint8_t)(v >> BYTE_BITS);
    return out->a <= ACPI_SLP_TYP_MAX && out->b <= ACPI_SLP_TYP_MAX &&
           v >> SPLIT_TYPES * BYTE_BITS == 0;
}

/* The package whose PackageOp is at `at`: its first two integers (or the one). */
static int s5_package(const uint8_t *p, size_t len, size_t at, struct acpi_sleep_type *out)
{
    size_t lead = 0, total = aml_pkg_length(p, len, at + 1, &lead);
    if (total <= lead || at + 1 + total > len)
        return 0;
    size_t end = at + 1 + total, next = at + 1 + lead + 1;
    unsigned count = p[at + 1 + lead];
    uint64_t v[PACKAGE_TYPES];
    if (count == 0)
        return 0;
    for (unsigned i = 0; i < count && i < PACKAGE_TYPES; i++) {
        size_t bytes;
        if (!aml_integer(p, end, next, &v[i], &bytes))
            return 0;
        next += bytes;
    }
    if (count == 1)
        return split(v[0], out);
    out->a = (uint8_t)v[0];
    out->b = (uint8_t)v[1];
    return v[0] <= ACPI_SLP_TYP_MAX && v[1] <= ACPI_SLP_TYP_MAX;
}

/* What follows NameOp [RootChar] "_S5_" at `at`: a package, or an integer. */
static int s5_object(const uint8_t *p, size_t len, size_t at, struct acpi_sleep_type *out)
{
    uint64_t v;
    if (at < len && p[at] == ACPI_AML_PACKAGE_OP)
        return s5_package(p, len, at, out);
    return aml_integer(p, len, at, &v, NULL) && split(v, out);
}

int acpi_s5_find(const void *aml, size_t len, struct acpi_sleep_type *out)
{
    const uint8_t *p = aml;
    for (size_t at = 0; at + 1 < len; at++) {
        if (p[at] != ACPI_AML_NAME_OP)
            continue;
        size_t name = at + 1 + (p[at + 1] == ACPI_AML_ROOT_CHAR);
        if (name + ACPI_AML_NAME_SEG_LEN > len || memcmp(p + name, S5_NAME, ACPI_AML_NAME_SEG_LEN))
            continue;
        struct acpi_sleep_type t;
        if (s5_object(p, len, name + ACPI_AML_NAME_SEG_LEN, &t)) {
            *out = t;
            return 0;
        }
    }
    return -ENOENT;
}

/* One control register's port: the Generic Address at `gas` when the table has it and it is
 * set, else the 32-bit block address at `legacy`. 0: none; -1: not a port. */
static long pm1_port(const uint8_t *fadt, size_t len, size_t gas, size_t legacy)
{
    uint64_t port = acpi_get32(fadt + legacy);
    if (len >= gas + ACPI_GAS_SIZE && acpi_get64(fadt + gas + ACPI_GAS_ADDRESS)) {
        if (fadt[gas + ACPI_GAS_SPACE_ID] != ACPI_GAS_SPACE_SYSTEM_IO)
            return -1;
        port = acpi_get64(fadt + gas + ACPI_GAS_ADDRESS);
    }
    return port > ACPI_PORT_MAX ? -1 : (long)port;
}

int acpi_fadt_pm1_control(const uint8_t *fadt, size_t len, struct acpi_pm1_control *out)
{
    if (len <= ACPI_FADT_PM1_CNT_LEN)
        return -EINVAL;
    if (len >= ACPI_FADT_FLAGS + sizeof(uint32_t) &&
        (acpi_get32(fadt + ACPI_FADT_FLAGS) & ACPI_FADT_HW_REDUCED_ACPI))
        return -ENOENT;
    long a = pm1_port(fadt, len, ACPI_FADT_X_PM1A_CNT_BLK, ACPI_FADT_PM1A_CNT_BLK);
    long b = pm1_port(fadt, len, ACPI_FADT_X_PM1B_CNT_BLK, ACPI_FADT_PM1B_CNT_BLK);
    if (a == 0)
        return -ENOENT;
    if (a < 0 || b < 0 || fadt[ACPI_FADT_PM1_CNT_LEN] < ACPI_PM1_CNT_MIN_LEN)
        return -EINVAL;
    *out = (struct acpi_pm1_control){(uint16_t)a, (uint16_t)b};
    return 0;
}
