/* CPL3: tf_cpuid, the virtual CPU's CPUID through the core (see KABI_SYS_CPUID), and the
 * bootstrap CPU's APIC ID. */
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

uint32_t runtime_bsp_apic_id(void)
{
    struct tf_cpu_info info;
    if (tf_cpu_info(0, &info) == 0)
        return info.apic_id;
    return usys_cpuid(X86_CPUID_FEATURES, 0).ebx >> X86_CPUID1_EBX_APICID;
}
