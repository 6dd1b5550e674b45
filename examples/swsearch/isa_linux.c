/* sw_isa_detect on Linux: GCC's CPU model checks, which include whether the OS saves the AVX
 * state (XCR0). */
#include "kernel.h"

enum sw_isa sw_isa_detect(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        return SW_ISA_AVX2;
    if (__builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3"))
        return SW_ISA_SSE41;
    return SW_ISA_SSE2;
}
