/* CPL0: the local APIC, in xAPIC or x2APIC mode. Only this file and the assembler macros of
 * klapic.h (for the interrupt stubs and kpark.S) touch LAPIC registers. */
#include "klapic.h"
#include "x86_ops.h"

#define XAPIC_SEND_SPINS 100000 /* reads of the delivery status before giving up */

static int x2apic_mode;
static volatile uint32_t *xapic; /* identity-mapped, uncached (pagetables.S) */
uint32_t klapic_x2apic;
uint64_t klapic_eoi_address;

static const uint32_t lvt_registers[] = {LAPIC_LVT_TIMER, LAPIC_LVT_THERMAL, LAPIC_LVT_PERF,
                                         LAPIC_LVT_LINT0, LAPIC_LVT_LINT1,   LAPIC_LVT_ERROR};

static uint32_t lapic_read(uint32_t reg)
{
    if (x2apic_mode)
        return (uint32_t)x86_rdmsr(LAPIC_X2APIC_MSR(reg));
    return xapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t value)
{
    if (x2apic_mode)
        x86_wrmsr(LAPIC_X2APIC_MSR(reg), value);
    else
        xapic[reg / 4] = value;
}

int klapic_configure(int x2apic)
{
    /* The xAPIC registers' address from the CPU itself, never from CPL3: the core writes there
     * on every interrupt. */
    uint64_t xapic_base = x86_rdmsr(IA32_APIC_BASE_MSR) & IA32_APIC_BASE_ADDR_MASK;
    /* A LAPIC already in x2APIC mode cannot go back to xAPIC without being disabled first
     * (SDM vol. 3A 11.12.5), and some hypervisors (PVM) offer no xAPIC at all: keep x2APIC. */
    if (x86_rdmsr(IA32_APIC_BASE_MSR) & IA32_APIC_BASE_EXTD)
        x2apic = 1;
    x2apic_mode = x2apic;
    klapic_x2apic = (uint32_t)x2apic;
    xapic = (volatile uint32_t *)(uintptr_t)xapic_base;
    klapic_eoi_address = xapic_base + LAPIC_EOI;
    return x2apic;
}

void klapic_enable(void)
{
    uint64_t base = x86_rdmsr(IA32_APIC_BASE_MSR);
    uint64_t want = IA32_APIC_BASE_EN | (x2apic_mode ? IA32_APIC_BASE_EXTD : 0);
    /* Written only when it changes: a hypervisor that keeps the LAPIC in x2APIC mode without
     * offering x2APIC in CPUID (PVM with -x2apic) refuses any write with #GP. */
    if ((base & (IA32_APIC_BASE_EN | IA32_APIC_BASE_EXTD)) != want) {
        base |= IA32_APIC_BASE_EN;
        x86_wrmsr(IA32_APIC_BASE_MSR, base);
        if (x2apic_mode) /* xAPIC -> x2APIC needs EN set first (SDM vol. 3A 11.12.5) */
            x86_wrmsr(IA32_APIC_BASE_MSR, base | IA32_APIC_BASE_EXTD);
    }
    /* Nothing but IPIs: firmware may leave the timer or other local sources armed, possibly on
     * vectors below 32, where an interrupt would be taken for an exception. */
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    for (unsigned i = 0; i < sizeof(lvt_registers) / sizeof(lvt_registers[0]); i++)
        lapic_write(lvt_registers[i], LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | KABI_VEC_SPURIOUS);
}

uint32_t klapic_id(void)
{
    uint32_t id = lapic_read(LAPIC_ID);
    return x2apic_mode ? id : id >> LAPIC_XAPIC_ID_SHIFT;
}

void klapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

int klapic_in_service(unsigned vector)
{
    if (!x2apic_mode && !xapic)
        return 0;
    uint32_t reg = LAPIC_ISR + (vector / 32) * LAPIC_ISR_STRIDE;
    return (lapic_read(reg) >> (vector % 32)) & 1;
}

static int xapic_wait_idle(void)
{
    for (int i = 0; i < XAPIC_SEND_SPINS; i++) {
        if (!(xapic[LAPIC_ICR_LO / 4] & LAPIC_ICR_BUSY))
            return 0;
        x86_pause();
    }
    return -KABI_ETIMEDOUT;
}

int klapic_send(uint32_t apic_id, uint32_t icr_low)
{
    if (x2apic_mode) {
        x86_wrmsr(KLAPIC_X2APIC_ICR_MSR,
                  ((uint64_t)apic_id << LAPIC_ICR_X2APIC_DEST_SHIFT) | icr_low);
        return 0;
    }
    if (xapic_wait_idle())
        return -KABI_ETIMEDOUT;
    xapic[LAPIC_ICR_HI / 4] = apic_id << LAPIC_ICR_XAPIC_DEST_SHIFT;
    xapic[LAPIC_ICR_LO / 4] = icr_low;
    return xapic_wait_idle();
}

void klapic_timer_arm(int tsc_deadline, uint64_t value, uint32_t vector)
{
    if (tsc_deadline) {
        lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_TSC_DEADLINE | vector);
        /* The mode switch must reach the LAPIC before the deadline is written, or the write is
         * ignored; MFENCE orders the xAPIC store before WRMSR (SDM vol. 3A 11.5.4.1). */
        __asm__ volatile("mfence" ::: "memory");
        x86_wrmsr(IA32_TSC_DEADLINE_MSR, value);
        return;
    }
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_TIMER_DIVIDE_BY_1);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_TIMER_ONESHOT | vector);
    lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)value);
}

void klapic_timer_stop(int tsc_deadline)
{
    if (tsc_deadline)
        x86_wrmsr(IA32_TSC_DEADLINE_MSR, 0);
    else
        lapic_write(LAPIC_TIMER_INITIAL, 0);
}
