/* CPL3: the two pieces of AML the table parsers read without an interpreter (ACPI 6.5, 20.2):
 * package lengths and integer constants. Pure C over a byte buffer; they never read outside
 * [p, p + len). */
#ifndef TF_ACPI_AML_H
#define TF_ACPI_AML_H

#include <stddef.h>
#include <stdint.h>

/* PkgLength at `at` (20.2.4): the total, which counts its own bytes, with the bytes it takes in
 * *bytes. 0 when malformed or cut off. */
size_t aml_pkg_length(const uint8_t *p, size_t len, size_t at, size_t *bytes);

/* An integer constant at `at` (ZeroOp, OneOp, or a byte, word, dword or qword prefix and its
 * value; 20.2.3): 1 with *value and the bytes it takes in *bytes (may be NULL), 0 when there is
 * none or it is cut off. */
int aml_integer(const uint8_t *p, size_t len, size_t at, uint64_t *value, size_t *bytes);

#endif
