/* CPL3: APIC ID field widths from CPUID (topology.h gives the order of the sources). */
#include "topology.h"
#include "x86.h"

#define FIELD(v, shift, mask) (((v) >> (shift)) & (mask))

unsigned topology_bits(uint32_t n)
{
    unsigned bits = 0;
    while (bits < 32 && (1ull << bits) < n)
        bits++;
    return bits;
}

/* Leaf 0x1F or 0xB, when implemented (max_basic covers it and subleaf 0 counts CPUs). Returns 1
 * and sets the shifts, or 0. */
static int read_extended(topology_cpuid_fn cpuid, void *ctx, uint32_t leaf, uint32_t max_basic,
                         struct topology_shifts *out)
{
    if (max_basic < leaf || !(cpuid(leaf, 0, ctx).ebx & X86_CPUID_TOPO_EBX_COUNT))
        return 0;
    unsigned smt = 0, last = 0;
    for (uint32_t sub = 0; sub < X86_TOPO_LEVELS_MAX; sub++) {
        struct topology_regs r = cpuid(leaf, sub, ctx);
        unsigned type = FIELD(r.ecx, X86_CPUID_TOPO_ECX_TYPE, X86_CPUID_TOPO_ECX_TYPE_MASK);
        if (type == X86_TOPO_LEVEL_INVALID)
            break;
        last = r.eax & X86_CPUID_TOPO_EAX_SHIFT;
        if (type == X86_TOPO_LEVEL_SMT)
            smt = last;
    }
    out->smt_shift = smt;
    out->pkg_shift = last > smt ? last : smt;
    out->source = leaf == X86_CPUID_TOPOLOGY_V2 ? "cpuid 0x1f" : "cpuid 0xb";
    return 1;
}

/* AMD/Hygon: 0x80000008 and 0x8000001E. Returns 1 and sets the shifts, or 0. */
static int read_amd(topology_cpuid_fn cpuid, void *ctx, struct topology_shifts *out)
{
    uint32_t max_ext = cpuid(X86_CPUID_EXT_MAX, 0, ctx).eax;
    if (max_ext < X86_CPUID_EXT_ADDR_SIZE)
        return 0;
    uint32_t ecx = cpuid(X86_CPUID_EXT_ADDR_SIZE, 0, ctx).ecx;
    unsigned pkg = FIELD(ecx, X86_CPUID_EXT8_ECX_CORE_ID_SIZE, X86_CPUID_EXT8_ECX_CORE_ID_MASK);
    if (!pkg)
        pkg = topology_bits((ecx & X86_CPUID_EXT8_ECX_NC_MASK) + 1);
    unsigned smt = 0;
    if (max_ext >= X86_CPUID_AMD_TOPOLOGY &&
        (cpuid(X86_CPUID_EXT_FEATURES, 0, ctx).ecx & X86_CPUID_EXTC_TOPOEXT)) {
        uint32_t ebx = cpuid(X86_CPUID_AMD_TOPOLOGY, 0, ctx).ebx;
        smt = topology_bits(FIELD(ebx, X86_CPUID_AMD_EBX_THREADS, X86_CPUID_AMD_EBX_THREADS_MASK) +
                            1);
    }
    out->smt_shift = smt < pkg ? smt : pkg;
    out->pkg_shift = pkg;
    out->source = "amd";
    return 1;
}

/* Leaf 1 EBX[23:16] and leaf 4 EAX[31:26]: the pre-x2APIC way. */
static void read_legacy(topology_cpuid_fn cpuid, void *ctx, uint32_t max_basic, int amd,
                        struct topology_shifts *out)
{
    struct topology_regs r1 = cpuid(X86_CPUID_FEATURES, 0, ctx);
    uint32_t logical = 1, cores = 1;
    if (r1.edx & X86_CPUID1_EDX_HTT)
        logical = FIELD(r1.ebx, X86_CPUID1_EBX_LOGICAL, X86_CPUID1_EBX_LOGICAL_MASK);
    if (!amd && max_basic >= X86_CPUID_CACHE_PARAMS) {
        uint32_t eax = cpuid(X86_CPUID_CACHE_PARAMS, 0, ctx).eax;
        if (eax & X86_CPUID4_EAX_TYPE_MASK)
            cores = FIELD(eax, X86_CPUID4_EAX_CORES, X86_CPUID4_EAX_CORES_MASK) + 1;
    }
    if (logical < cores)
        logical = cores;
    out->smt_shift = topology_bits((logical + cores - 1) / cores);
    out->pkg_shift = out->smt_shift + topology_bits(cores);
    out->source = "legacy";
}

void topology_read(topology_cpuid_fn cpuid, void *ctx, struct topology_shifts *out)
{
    struct topology_regs v = cpuid(X86_CPUID_VENDOR, 0, ctx);
    uint32_t max_basic = v.eax;
    if (read_extended(cpuid, ctx, X86_CPUID_TOPOLOGY_V2, max_basic, out) ||
        read_extended(cpuid, ctx, X86_CPUID_TOPOLOGY, max_basic, out))
        return;
    int amd = X86_VENDOR_IS_AMD(v.ebx);
    if (amd && read_amd(cpuid, ctx, out))
        return;
    read_legacy(cpuid, ctx, max_basic, amd, out); /* leaf 4 is Intel's (reserved on AMD) */
}

struct topology_place topology_decode(const struct topology_shifts *s, uint32_t apic_id)
{
    /* shifts of 32 would be undefined in C: widen first */
    uint64_t id = apic_id;
    uint64_t smt_mask = (1ull << s->smt_shift) - 1;
    uint64_t core_mask = (1ull << (s->pkg_shift - s->smt_shift)) - 1;
    return (struct topology_place){
        .package = (uint32_t)(id >> s->pkg_shift),
        .core = (uint32_t)((id >> s->smt_shift) & core_mask),
        .thread = (uint32_t)(id & smt_mask),
    };
}
