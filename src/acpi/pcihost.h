/* CPL3: the address windows of the PCI host bridge, read out of the ACPI DSDT. Pure C over a
 * byte buffer; it never reads outside [aml, aml + len).
 *
 * Where the firmware assigns no BARs (QEMU's microvm runs none), the driver must place them
 * where the host bridge forwards memory cycles to the bus: the memory ranges the bridge's _CRS
 * produces. Evaluating AML needs an interpreter; this reads only resource templates, which are
 * plain data. The scan:
 *   1. every AML buffer object (BufferOp, PkgLength, BufferSize, bytes) in the DSDT whose bytes
 *      are a well-formed resource template: descriptors each within the buffer, ending with an
 *      End Tag (ACPI 6.5, 6.4), is a candidate; _CRS methods that return a named buffer and
 *      _CRS names are found alike;
 *   2. the first candidate that produces a bus-number range (type 2 address space descriptor,
 *      consumer bit clear) is the host bridge's: only host bridges produce bus numbers;
 *   3. its producer memory ranges with a zero translation offset (bus address = CPU address)
 *      give the windows: the largest entirely below 4 GiB and the largest above. Whether it
 *      produces any I/O range is recorded too (PCI Express hosts may forward no port I/O).
 * The ECAM base of a host bridge without an MCFG entry is what its _CBA object evaluates to
 * (ACPI 6.5, 6.5.6; QEMU 7.2's microvm has no MCFG and declares it this way). Two encodings are
 * recognised: Name (_CBA, <integer>) and a method whose body is Return (<integer>); the first
 * _CBA of the table counts.
 * A random byte sequence that passes step 1 and 2 would need a run of valid descriptors ending
 * exactly in an End Tag within a buffer's bounds; resource templates are what AML compilers
 * emit for _CRS, so the first host bridge template is the first bus's (segment 0). */
#ifndef TF_ACPI_PCIHOST_H
#define TF_ACPI_PCIHOST_H

#include <stddef.h>
#include <stdint.h>

struct pcihost_window {
    uint64_t start, end; /* [start, end); start == end: none */
};

#define PCIHOST_MAX_WINDOWS 8

struct pcihost_info {
    uint8_t bus_start, bus_end;  /* the bus numbers the bridge produces, inclusive */
    struct pcihost_window mem32; /* largest memory window below 4 GiB */
    struct pcihost_window mem64; /* largest memory window at or above 4 GiB */
    struct pcihost_window mem[PCIHOST_MAX_WINDOWS]; /* every memory window, in table order */
    unsigned mem_count;                             /* of them, stored in mem[] */
    int has_io;                                     /* it produces an I/O port range */
    uint64_t ecam_base; /* what _CBA returns; 0: no _CBA (or one computed at run time) */
    unsigned templates; /* well-formed resource templates seen before it */
};

/* Scans `len` bytes of AML (a DSDT or SSDT, header included or not) for the host bridge's
 * resource template and for _CBA. Returns 0 and fills *out, or -ENOENT when no template produces
 * bus numbers. */
int pcihost_scan(const void *aml, size_t len, struct pcihost_info *out);

#endif
