/* CPL3: time in TSC and LAPIC timer ticks, and the timer of device waits (deadline.h). */
#include "deadline.h"
#include "runtime.h"
#include "usys.h"
#include "x86.h"
#include "x86_ops.h"

#define CAL_TICKS (1u << 22) /* LAPIC timer ticks of one calibration wait */
#define CAL_RUNS  2

static unsigned timer_mode = KABI_TIMER_NONE;
static uint64_t lapic_hz; /* one-shot mode: timer ticks per second */

uint64_t deadline_ticks(uint64_t ns, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)ns * hz / DEADLINE_NS_PER_SECOND);
}

uint64_t deadline_tsc_ticks(uint64_t ns)
{
    return deadline_ticks(ns, runtime_tsc_hz());
}

int deadline_tsc_offered(void)
{
    return (usys_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_TSC_DL) != 0;
}

/* One-shot waits of CAL_TICKS on a word that never changes, timed on the TSC: the shortest
 * counts (wake-up latency only lengthens a wait; nothing else interrupts the CPU this early). */
static uint64_t measure_lapic_hz(void)
{
    static const uint16_t never = 0;
    uint64_t shortest = UINT64_MAX;
    for (int i = 0; i < CAL_RUNS; i++) {
        uint64_t start = x86_rdtsc();
        usys_call(KABI_SYS_DEV_WAIT, (long)&never, 0, CAL_TICKS, KABI_TIMER_ONESHOT);
        uint64_t ticks = x86_rdtsc() - start;
        shortest = ticks < shortest ? ticks : shortest;
    }
    return shortest ? (uint64_t)CAL_TICKS * runtime_tsc_hz() / shortest : 0;
}

void deadline_timer_init(void)
{
    if (timer_mode != KABI_TIMER_NONE)
        return;
    if (deadline_tsc_offered()) {
        timer_mode = KABI_TIMER_TSC_DEADLINE;
        return;
    }
    lapic_hz = measure_lapic_hz();
    timer_mode = KABI_TIMER_ONESHOT;
}

unsigned deadline_timer_mode(void)
{
    return timer_mode;
}
uint64_t deadline_lapic_hz(void)
{
    return lapic_hz;
}

unsigned deadline_timer(uint64_t ns, uint64_t *timer)
{
    uint64_t hz = runtime_tsc_hz();
    if (!hz || timer_mode == KABI_TIMER_NONE)
        return KABI_TIMER_NONE;
    if (timer_mode == KABI_TIMER_TSC_DEADLINE) {
        *timer = x86_rdtsc() + deadline_ticks(ns, hz);
    } else {
        uint64_t ticks = deadline_ticks(ns, lapic_hz);
        *timer = ticks == 0 ? 1 : ticks > UINT32_MAX ? UINT32_MAX : ticks;
    }
    return timer_mode;
}
