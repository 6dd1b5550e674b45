/* CPL3: package lengths and integer constants of AML (aml.h). */
#include "aml.h"
#include "acpi_tables.h"

size_t aml_pkg_length(const uint8_t *p, size_t len, size_t at, size_t *bytes)
{
    if (at >= len)
        return 0;
    unsigned follow = ACPI_AML_PKGLEN_BYTES(p[at]);
    *bytes = 1 + follow;
    if (at + *bytes > len)
        return 0;
    if (follow == 0)
        return ACPI_AML_PKGLEN_SHORT(p[at]);
    size_t n = ACPI_AML_PKGLEN_NIBBLE(p[at]);
    for (unsigned i = 0; i < follow; i++)
        n |= (size_t)p[at + 1 + i] << (4 + 8 * i);
    return n;
}

int aml_integer(const uint8_t *p, size_t len, size_t at, uint64_t *value, size_t *bytes)
{
    if (at >= len)
        return 0;
    if (p[at] == ACPI_AML_ZERO_OP || p[at] == ACPI_AML_ONE_OP) {
        *value = p[at];
        if (bytes)
            *bytes = 1;
        return 1;
    }
    unsigned size = p[at] == ACPI_AML_BYTE_PREFIX    ? 1
                    : p[at] == ACPI_AML_WORD_PREFIX  ? 2
                    : p[at] == ACPI_AML_DWORD_PREFIX ? 4
                    : p[at] == ACPI_AML_QWORD_PREFIX ? 8
                                                     : 0;
    if (!size || at + 1 + size > len)
        return 0;
    *value = 0;
    for (unsigned i = 0; i < size; i++)
        *value |= (uint64_t)p[at + 1 + i] << 8 * i;
    if (bytes)
        *bytes = 1 + size;
    return 1;
}
