/* CPU topology from CPUID: the field widths read from recorded register values of several
 * machines (Intel with leaf 0xB, Intel with leaf 0x1F and a die level, AMD with 0x8000001E, the
 * legacy leaves 1 and 4) and of QEMU's layouts, and the split of APIC IDs by those widths. */
#include "topology.h"
#include "x86.h"

#include <check.h>
#include <stdlib.h>

#define ANY_SUBLEAF 0xFFFFFFFFu
#define MAX_LEAVES  24

struct leaf {
    uint32_t leaf, subleaf;
    struct topology_regs r;
};

/* A machine: the CPUID values it returns; leaves it does not list read as zero. */
struct machine {
    struct leaf leaves[MAX_LEAVES];
    unsigned n;
};

static struct topology_regs machine_cpuid(uint32_t leaf, uint32_t subleaf, void *ctx)
{
    const struct machine *m = ctx;
    for (unsigned i = 0; i < m->n; i++)
        if (m->leaves[i].leaf == leaf &&
            (m->leaves[i].subleaf == ANY_SUBLEAF || m->leaves[i].subleaf == subleaf))
            return m->leaves[i].r;
    return (struct topology_regs){0, 0, 0, 0};
}

static void set(struct machine *m, uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx,
                uint32_t ecx, uint32_t edx)
{
    ck_assert_uint_lt(m->n, MAX_LEAVES);
    m->leaves[m->n++] = (struct leaf){leaf, subleaf, {eax, ebx, ecx, edx}};
}

/* Leaf 0: the highest basic leaf and the vendor ("GenuineIntel" or "AuthenticAMD") */
static void vendor(struct machine *m, uint32_t max_basic, int amd)
{
    if (amd)
        set(m, X86_CPUID_VENDOR, ANY_SUBLEAF, max_basic, 0x68747541, 0x444D4163, 0x69746E65);
    else
        set(m, X86_CPUID_VENDOR, ANY_SUBLEAF, max_basic, 0x756E6547, 0x6C65746E, 0x49656E69);
}

/* A level of leaf 0xB/0x1F: shift to the next level, CPUs at this level, type */
static void level(struct machine *m, uint32_t leaf, uint32_t sub, uint32_t shift, uint32_t count,
                  uint32_t type)
{
    set(m, leaf, sub, shift, count, type << X86_CPUID_TOPO_ECX_TYPE | sub, 0);
}

/* Leaf 1 with EBX[23:16] = logical (HTT set when logical > 1) and leaf 4 with cores */
static void legacy(struct machine *m, uint32_t logical, uint32_t cores)
{
    set(m, X86_CPUID_FEATURES, ANY_SUBLEAF, 0x906A0, logical << X86_CPUID1_EBX_LOGICAL, 0,
        logical > 1 ? X86_CPUID1_EDX_HTT : 0);
    if (cores)
        set(m, X86_CPUID_CACHE_PARAMS, 0, (cores - 1) << X86_CPUID4_EAX_CORES | 1, 0, 0, 0);
}

static void expect_place(const struct topology_shifts *s, uint32_t id, uint32_t pkg, uint32_t core,
                         uint32_t thread)
{
    struct topology_place p = topology_decode(s, id);
    ck_assert_msg(p.package == pkg && p.core == core && p.thread == thread,
                  "APIC ID %u: package %u core %u thread %u, expected %u %u %u", id, p.package,
                  p.core, p.thread, pkg, core, thread);
}

START_TEST(bits)
{
    ck_assert_uint_eq(topology_bits(0), 0);
    ck_assert_uint_eq(topology_bits(1), 0);
    ck_assert_uint_eq(topology_bits(2), 1);
    ck_assert_uint_eq(topology_bits(3), 2);
    ck_assert_uint_eq(topology_bits(4), 2);
    ck_assert_uint_eq(topology_bits(5), 3);
    ck_assert_uint_eq(topology_bits(64), 6);
    ck_assert_uint_eq(topology_bits(0x80000001u), 32);
}
END_TEST

/* Intel, 8 cores with 2 threads each per package, leaf 0xB (leaves 1 and 4 agree, unused) */
START_TEST(intel_leaf_0xb)
{
    struct machine m = {0};
    vendor(&m, 0x16, 0);
    legacy(&m, 16, 8);
    level(&m, X86_CPUID_TOPOLOGY, 0, 1, 2, X86_TOPO_LEVEL_SMT);
    level(&m, X86_CPUID_TOPOLOGY, 1, 4, 16, X86_TOPO_LEVEL_CORE);
    level(&m, X86_CPUID_TOPOLOGY, 2, 0, 0, X86_TOPO_LEVEL_INVALID);
    struct topology_shifts s;
    topology_read(machine_cpuid, &m, &s);
    ck_assert_str_eq(s.source, "cpuid 0xb");
    ck_assert_uint_eq(s.smt_shift, 1);
    ck_assert_uint_eq(s.pkg_shift, 4);
    expect_place(&s, 0, 0, 0, 0);
    expect_place(&s, 1, 0, 0, 1);
    expect_place(&s, 14, 0, 7, 0);
    expect_place(&s, 15, 0, 7, 1);
    expect_place(&s, 0x13, 1, 1, 1);
    expect_place(&s, 0xFFFFFFFF, 0x0FFFFFFF, 7, 1);
}
END_TEST

/* Intel with leaf 0x1F: SMT (1 bit), core (3 bits), die (2 bits) per package. Leaf 0xB reports
 * only SMT and core, with the core level's shift reaching the package. */
START_TEST(intel_leaf_0x1f_with_die)
{
    struct machine m = {0};
    vendor(&m, 0x1F, 0);
    level(&m, X86_CPUID_TOPOLOGY_V2, 0, 1, 2, X86_TOPO_LEVEL_SMT);
    level(&m, X86_CPUID_TOPOLOGY_V2, 1, 4, 16, X86_TOPO_LEVEL_CORE);
    level(&m, X86_CPUID_TOPOLOGY_V2, 2, 6, 64, X86_TOPO_LEVEL_DIE);
    level(&m, X86_CPUID_TOPOLOGY_V2, 3, 0, 0, X86_TOPO_LEVEL_INVALID);
    level(&m, X86_CPUID_TOPOLOGY, 0, 1, 2, X86_TOPO_LEVEL_SMT);
    level(&m, X86_CPUID_TOPOLOGY, 1, 6, 64, X86_TOPO_LEVEL_CORE);
    level(&m, X86_CPUID_TOPOLOGY, 2, 0, 0, X86_TOPO_LEVEL_INVALID);
    struct topology_shifts s;
    topology_read(machine_cpuid, &m, &s);
    ck_assert_str_eq(s.source, "cpuid 0x1f");
    ck_assert_uint_eq(s.smt_shift, 1);
    ck_assert_uint_eq(s.pkg_shift, 6);
    /* the die bits are part of the core number: cores stay unique within the package */
    expect_place(&s, 0x22, 0, 17, 0); /* die 2, core 1 */
    expect_place(&s, 0x02, 0, 1, 0);  /* die 0, core 1 */
    expect_place(&s, 91, 1, 13, 1);
}
END_TEST

/* Leaf 0x1F within the basic range but not implemented (subleaf 0 counts no CPU): leaf 0xB */
START_TEST(leaf_0x1f_not_implemented)
{
    struct machine m = {0};
    vendor(&m, 0x20, 0);
    level(&m, X86_CPUID_TOPOLOGY, 0, 0, 1, X86_TOPO_LEVEL_SMT);
    level(&m, X86_CPUID_TOPOLOGY, 1, 3, 6, X86_TOPO_LEVEL_CORE);
    struct topology_shifts s;
    topology_read(machine_cpuid, &m, &s);
    ck_assert_str_eq(s.source, "cpuid 0xb");
    ck_assert_uint_eq(s.smt_shift, 0);
    ck_assert_uint_eq(s.pkg_shift, 3);
    expect_place(&s, 13, 1, 5, 0);
}
END_TEST

/* AMD Zen: no leaf 0xB; 0x80000008 ApicIdCoreIdSize 5 (32 logical CPUs), TOPOEXT with 2 threads
 * per core in 0x8000001E */
START_TEST(amd_topoext)
{
    struct machine m = {0};
    vendor(&m, 0x10, 1);
    legacy(&m, 32, 0);
    set(&m, X86_CPUID_EXT_MAX, ANY_SUBLEAF, 0x80000020, 0, 0, 0);
    set(&m, X86_CPUID_EXT_FEATURES, ANY_SUBLEAF, 0, 0, X86_CPUID_EXTC_TOPOEXT, 0);
    set(&m, X86_CPUID_EXT_ADDR_SIZE, ANY_SUBLEAF, 0x3030, 0, 5 << 12 | 31, 0);
    set(&m, X86_CPUID_AMD_TOPOLOGY, ANY_SUBLEAF, 0, 1 << 8 | 3, 0, 0);
    struct topology_shifts s;
    topology_read(machine_cpuid, &m, &s);
    ck_assert_str_eq(s.source, "amd");
    ck_assert_uint_eq(s.smt_shift, 1);
    ck_assert_uint_eq(s.pkg_shift, 5);
    expect_place(&s, 37, 1, 2, 1);
    expect_place(&s, 31, 0, 15, 1);
}
END_TEST

/* AMD before TOPOEXT (a quad-core): ApicIdCoreIdSize 0, NC = 3: two bits of core, no threads */
START_TEST(amd_without_topoext)
{
    struct machine m = {0};
    vendor(&m, 0x5, 1);
    legacy(&m, 4, 0);
    set(&m, X86_CPUID_EXT_MAX, ANY_SUBLEAF, 0x8000001B, 0, 0, 0);
    set(&m, X86_CPUID_EXT_ADDR_SIZE, ANY_SUBLEAF, 0x3030, 0, 3, 0);
    set(&m, X86_CPUID_AMD_TOPOLOGY, ANY_SUBLEAF, 0, 1 << 8, 0, 0); /* ignored: no TOPOEXT */
    struct topology_shifts s;
    topology_read(machine_cpuid, &m, &s);
    ck_assert_str_eq(s.source, "amd");
    ck_assert_uint_eq(s.smt_shift, 0);
    ck_assert_uint_eq(s.pkg_shift, 2);
    expect_place(&s, 6, 1, 2, 0);
}
END_TEST

/* Intel before leaf 0xB: 8 logical CPUs and 4 cores per package (leaves 1 and 4) */
START_TEST(legacy_leaves)
{
    struct machine m = {0};
    vendor(&m, 0xA, 0);
    legacy(&m, 8, 4);
    struct topology_shifts s;
    topology_read(machine_cpuid, &m, &s);
    ck_assert_str_eq(s.source, "legacy");
    ck_assert_uint_eq(s.smt_shift, 1);
    ck_assert_uint_eq(s.pkg_shift, 3);
    expect_place(&s, 7, 0, 3, 1);
    expect_place(&s, 10, 1, 1, 0);
    /* a single-CPU package: no HTT, no leaf 4 */
    struct machine one = {0};
    vendor(&one, 0x2, 0);
    legacy(&one, 1, 0);
    topology_read(machine_cpuid, &one, &s);
    ck_assert_uint_eq(s.smt_shift, 0);
    ck_assert_uint_eq(s.pkg_shift, 0);
    expect_place(&s, 5, 5, 0, 0);
}
END_TEST

/* QEMU: thread bits = bits(threads), core bits = bits(cores) above them, then the socket. Both
 * its leaf 0xB and its leaves 1 and 4 must give back every CPU's place. */
static const unsigned qemu_layouts[][3] = {{1, 2, 1}, {1, 2, 2}, {2, 3, 1},
                                           {2, 2, 2}, {1, 1, 1}, {2, 3, 2}};

static void check_qemu_layout(const struct machine *m, unsigned sockets, unsigned cores,
                              unsigned threads)
{
    struct topology_shifts s;
    topology_read(machine_cpuid, (void *)m, &s);
    unsigned tb = topology_bits(threads), cb = topology_bits(cores);
    ck_assert_uint_eq(s.smt_shift, tb);
    ck_assert_uint_eq(s.pkg_shift, tb + cb);
    for (unsigned p = 0; p < sockets; p++)
        for (unsigned c = 0; c < cores; c++)
            for (unsigned t = 0; t < threads; t++)
                expect_place(&s, p << (cb + tb) | c << tb | t, p, c, t);
}

START_TEST(qemu_layout_leaf_0xb)
{
    const unsigned *l = qemu_layouts[_i];
    unsigned threads = l[2], cores = l[1];
    unsigned tb = topology_bits(threads), cb = topology_bits(cores);
    struct machine m = {0};
    vendor(&m, 0xD, 1); /* QEMU's default models call themselves AMD and have leaf 0xB */
    level(&m, X86_CPUID_TOPOLOGY, 0, tb, threads, X86_TOPO_LEVEL_SMT);
    level(&m, X86_CPUID_TOPOLOGY, 1, tb + cb, cores * threads, X86_TOPO_LEVEL_CORE);
    level(&m, X86_CPUID_TOPOLOGY, 2, 0, 0, X86_TOPO_LEVEL_INVALID);
    check_qemu_layout(&m, l[0], cores, threads);
}
END_TEST

START_TEST(qemu_layout_legacy)
{
    const unsigned *l = qemu_layouts[_i];
    struct machine m = {0};
    vendor(&m, 0x4, 0);
    legacy(&m, l[1] * l[2], l[1]);
    check_qemu_layout(&m, l[0], l[1], l[2]);
}
END_TEST

static Suite *topology_suite(void)
{
    Suite *s = suite_create("topology");
    TCase *tc = tcase_create("machines");
    tcase_add_test(tc, bits);
    tcase_add_test(tc, intel_leaf_0xb);
    tcase_add_test(tc, intel_leaf_0x1f_with_die);
    tcase_add_test(tc, leaf_0x1f_not_implemented);
    tcase_add_test(tc, amd_topoext);
    tcase_add_test(tc, amd_without_topoext);
    tcase_add_test(tc, legacy_leaves);
    int n = (int)(sizeof(qemu_layouts) / sizeof(qemu_layouts[0]));
    tcase_add_loop_test(tc, qemu_layout_leaf_0xb, 0, n);
    tcase_add_loop_test(tc, qemu_layout_legacy, 0, n);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(topology_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
