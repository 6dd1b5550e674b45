/* sw_isa_detect in the guest. CPUID comes from tf_cpuid(): on hypervisors that run guest user
 * code natively, the CPUID instruction at CPL3 would describe the host's processor. AVX2 also
 * needs the YMM state enabled in XCR0, which the runtime's core sets at boot from CPUID leaf 0xD
 * (only when the CPU model offers XSAVE and that leaf): CR4.OSXSAVE shows as CPUID.1:ECX bit 27,
 * and then XGETBV, allowed at CPL3, reads XCR0. */
#include "kernel.h"

#include <taskfarm.h>

#define CPUID1_ECX_SSSE3   (1u << 9)
#define CPUID1_ECX_SSE41   (1u << 19)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CPUID1_ECX_AVX     (1u << 28)
#define CPUID7_EBX_AVX2    (1u << 5)
#define XCR0_SSE_AVX       0x6u /* XMM and YMM state */

static uint64_t xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static int avx2_usable(uint32_t max_leaf, uint32_t ecx1)
{
    uint32_t r[4];
    if (max_leaf < 7 || !(ecx1 & CPUID1_ECX_AVX) || !(ecx1 & CPUID1_ECX_OSXSAVE))
        return 0;
    tf_cpuid(7, 0, r);
    return (r[1] & CPUID7_EBX_AVX2) && (xcr0() & XCR0_SSE_AVX) == XCR0_SSE_AVX;
}

enum sw_isa sw_isa_detect(void)
{
    uint32_t r[4];
    tf_cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    tf_cpuid(1, 0, r);
    if (avx2_usable(max_leaf, r[2]))
        return SW_ISA_AVX2;
    if ((r[2] & CPUID1_ECX_SSE41) && (r[2] & CPUID1_ECX_SSSE3))
        return SW_ISA_SSE41;
    return SW_ISA_SSE2;
}
