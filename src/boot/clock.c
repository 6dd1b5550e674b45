/* The TSC's rate, from the first source that states it:
 *   1. KVM's pvclock (the hypervisor's exact TSC-to-nanoseconds factor),
 *   2. hypervisor leaf 0x40000010 EAX: TSC kHz (VMware convention, also offered by QEMU),
 *   3. CPUID leaf 0x15: crystal Hz * EBX / EAX (SDM vol. 2A, CPUID leaf 15H), or leaf 0x16 EAX:
 *      base MHz,
 *   4. a calibration against the 8254 PIT (the shortest of three 10 ms runs, done by the core),
 *   5. else an assumed 2 GHz, reported at boot, so that timeouts still end.
 * Every CPU shares the rate: the runtime relies on an invariant, synchronised TSC, as KVM and
 * QEMU provide. */
#include "kvm_para.h"
#include "pit8254.h"
#include "runtime.h"
#include "usys.h"
#include "x86.h"
#include "x86_ops.h"

#define TSC_HZ_ASSUMED 2000000000ull /* when no source states the rate */

static uint64_t tsc_hz;
/* ns = ticks * ns_per_tick_q32 >> 32: a multiplication instead of a 128-bit division, since the
 * scheduler reads the clock around every task */
static uint64_t ns_per_tick_q32;
static const char *tsc_source = "none";
static struct pvclock_vcpu_time_info pvclock;

static int kvm_offers_clock(void)
{
    if (!(usys_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_HV))
        return 0;
    struct x86_cpuid sig = usys_cpuid(KVM_CPUID_SIGNATURE, 0);
    return sig.ebx == KVM_SIGNATURE_EBX && sig.ecx == KVM_SIGNATURE_ECX &&
           sig.edx == KVM_SIGNATURE_EDX && sig.eax >= KVM_CPUID_FEATURES &&
           (usys_cpuid(KVM_CPUID_FEATURES, 0).eax & KVM_FEATURE_CLOCKSOURCE2);
}

/* TSC Hz from pvclock's factor: ns = (ticks << shift) * mul / 2^32. */
static uint64_t hz_from_kvmclock(void)
{
    if (!kvm_offers_clock() || usys_kvmclock(&pvclock) != 0)
        return 0;
    uint32_t mul;
    int8_t shift;
    uint32_t v;
    do {
        v = __atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE);
        mul = pvclock.tsc_to_system_mul;
        shift = pvclock.tsc_shift;
    } while ((v & 1) || v != __atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE));
    usys_kvmclock(NULL);
    if (!mul)
        return 0;
    unsigned __int128 hz = ((unsigned __int128)1000000000u << 32) / mul;
    return (uint64_t)(shift >= 0 ? hz >> shift : hz << -shift);
}

static uint64_t hz_from_cpuid(void)
{
    if (usys_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_HV) {
        struct x86_cpuid hv = usys_cpuid(X86_CPUID_HV_BASE, 0);
        if (hv.eax >= X86_CPUID_HV_TIMING && usys_cpuid(X86_CPUID_HV_TIMING, 0).eax)
            return (uint64_t)usys_cpuid(X86_CPUID_HV_TIMING, 0).eax * 1000;
    }
    uint32_t max = usys_cpuid(X86_CPUID_VENDOR, 0).eax;
    if (max >= X86_CPUID_TSC_FREQ) {
        struct x86_cpuid r = usys_cpuid(X86_CPUID_TSC_FREQ, 0);
        if (r.eax && r.ebx && r.ecx)
            return (uint64_t)r.ecx * r.ebx / r.eax;
    }
    if (max >= X86_CPUID_CPU_FREQ && (usys_cpuid(X86_CPUID_CPU_FREQ, 0).eax & 0xFFFF))
        return (uint64_t)(usys_cpuid(X86_CPUID_CPU_FREQ, 0).eax & 0xFFFF) * 1000000;
    return 0;
}

/* The least of a few runs: a virtual CPU that the host deschedules while the PIT counts only
 * measures too many TSC ticks, never too few (seen 3x too many on a loaded host under TCG). */
#define PIT_RUNS 3

static uint64_t hz_from_pit(void)
{
    long best = 0;
    for (int i = 0; i < PIT_RUNS; i++) {
        long ticks = usys_pit_calibrate();
        if (ticks <= 0)
            return 0;
        best = best && best < ticks ? best : ticks;
    }
    return (uint64_t)best * PIT_HZ / PIT_CALIBRATE_TICKS;
}

void runtime_clock_init(void)
{
    if ((tsc_hz = hz_from_kvmclock()))
        tsc_source = "kvmclock";
    else if ((tsc_hz = hz_from_cpuid()))
        tsc_source = "cpuid";
    else if ((tsc_hz = hz_from_pit()))
        tsc_source = "pit";
    else { /* timeouts must still end: assume a plausible rate and say so at boot */
        tsc_hz = TSC_HZ_ASSUMED;
        tsc_source = "nothing: rate assumed";
    }
    ns_per_tick_q32 = (uint64_t)(((unsigned __int128)1000000000u << 32) / tsc_hz);
}

uint64_t runtime_tsc_hz(void)
{
    return tsc_hz;
}
const char *runtime_tsc_source(void)
{
    return tsc_source;
}

uint64_t runtime_tsc_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * ns_per_tick_q32) >> 32);
}
