/* CPL3: tf_cpuid, the virtual CPU's CPUID through the core (see KABI_SYS_CPUID). */
#include "runtime.h"
#include "taskfarm.h"
#include "usys.h"
#include "x86.h"

void tf_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
    struct x86_cpuid r = usys_cpuid(leaf, subleaf);
    regs[0] = r.eax;
    regs[1] = r.ebx;
    regs[2] = r.ecx;
    regs[3] = r.edx;
}
