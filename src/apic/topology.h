/* CPL3: where each CPU sits (package, core, SMT thread), decoded from its APIC ID with the field
 * widths CPUID reports. Pure C: CPUID is reached through a caller's function, so the decoding runs
 * on the host over recorded register values (test/unit/test_topology.c).
 *
 * An APIC ID is split into three fields, lowest first:
 *
 *     package                 | core                        | thread
 *     id >> pkg_shift         | (id >> smt_shift) & mask    | id & ((1 << smt_shift) - 1)
 *
 * The widths come from, in order of preference:
 *   1. leaf 0x1F (V2 extended topology) when implemented, else leaf 0xB: for each subleaf,
 *      EAX[4:0] is the shift to the next level's ID and ECX[15:8] the level's type; smt_shift is
 *      the SMT level's shift, pkg_shift the last level's;
 *   2. on AMD and Hygon CPUs, 0x80000008 ECX[15:12] (ApicIdCoreIdSize, else ECX[7:0] + 1
 *      rounded up to a power of two) for pkg_shift, and with TOPOEXT, threads per core from
 *      0x8000001E EBX[15:8] + 1 for smt_shift;
 *   3. leaf 1 EBX[23:16] (logical CPUs per package, with HTT) and leaf 4 EAX[31:26] + 1 (cores
 *      per package): the thread and core fields as wide as those counts, rounded up to powers
 *      of two.
 * Levels between the core and the package (module, tile, die) are not told apart: their bits are
 * part of the core field, so `core` numbers cores uniquely within a package.
 *
 * The widths are the same on every CPU of a system (CPUID reports the layout of the package, not
 * of the CPU asking), so they are read once, on the bootstrap CPU, and applied to every APIC ID. */
#ifndef TF_APIC_TOPOLOGY_H
#define TF_APIC_TOPOLOGY_H

#include <stdint.h>

struct topology_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* Runs CPUID (or looks up recorded values) for `leaf`/`subleaf`. */
typedef struct topology_regs (*topology_cpuid_fn)(uint32_t leaf, uint32_t subleaf, void *ctx);

struct topology_shifts {
    unsigned smt_shift; /* APIC ID bits that number the threads of a core */
    unsigned pkg_shift; /* APIC ID bits below the package ID (>= smt_shift) */
    const char *source; /* "cpuid 0x1f", "cpuid 0xb", "amd", "legacy" */
};

struct topology_place {
    uint32_t package, core, thread;
};

/* Reads the field widths through `cpuid`. Always succeeds: without any topology leaf every CPU
 * is its own package (both shifts 0). */
void topology_read(topology_cpuid_fn cpuid, void *ctx, struct topology_shifts *out);

/* Splits `apic_id` by the widths in `s`. */
struct topology_place topology_decode(const struct topology_shifts *s, uint32_t apic_id);

/* The number of bits needed to number `n` items (0 for n <= 1): ceil(log2(n)). */
unsigned topology_bits(uint32_t n);

#endif
