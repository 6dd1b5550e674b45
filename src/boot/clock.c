/* The TSC's frequency, from what the CPU or the hypervisor states in CPUID:
 *   - hypervisor leaf 0x40000010 EAX: TSC kHz (KVM and VMware convention),
 *   - leaf 0x15: crystal Hz * EBX / EAX (SDM vol. 2A, CPUID leaf 15H),
 *   - leaf 0x16 EAX: base MHz, close to the TSC rate on CPUs with an invariant TSC.
 * Zero when none is offered; calibration against a timer then falls to the SMP start-up code. */
#include "runtime.h"
#include "x86.h"
#include "x86_ops.h"

static uint64_t tsc_hz;

static uint64_t hz_from_cpuid(void)
{
    struct x86_cpuid r = x86_cpuid(X86_CPUID_FEATURES, 0);
    if (r.ecx & X86_CPUID1_ECX_HV) {
        struct x86_cpuid hv = x86_cpuid(X86_CPUID_HV_BASE, 0);
        if (hv.eax >= X86_CPUID_HV_TIMING) {
            uint64_t khz = x86_cpuid(X86_CPUID_HV_TIMING, 0).eax;
            if (khz)
                return khz * 1000;
        }
    }
    uint32_t max = x86_cpuid(X86_CPUID_VENDOR, 0).eax;
    if (max >= X86_CPUID_TSC_FREQ) {
        r = x86_cpuid(X86_CPUID_TSC_FREQ, 0);
        if (r.eax && r.ebx && r.ecx)
            return (uint64_t)r.ecx * r.ebx / r.eax;
    }
    if (max >= X86_CPUID_CPU_FREQ) {
        r = x86_cpuid(X86_CPUID_CPU_FREQ, 0);
        if (r.eax & 0xFFFF)
            return (uint64_t)(r.eax & 0xFFFF) * 1000000;
    }
    return 0;
}

uint64_t runtime_tsc_hz(void)
{
    if (!tsc_hz)
        tsc_hz = hz_from_cpuid();
    return tsc_hz;
}

void runtime_set_tsc_hz(uint64_t hz)
{
    tsc_hz = hz;
}

uint64_t runtime_tsc_to_ns(uint64_t ticks)
{
    uint64_t hz = runtime_tsc_hz();
    return hz ? (uint64_t)((unsigned __int128)ticks * 1000000000u / hz) : 0;
}
