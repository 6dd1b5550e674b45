/* CPL0: starting the other CPUs, waking them, and parking a CPU. The runtime decides (which
 * CPUs, in which order, how long to wait between steps, on its calibrated clock); the core only
 * performs each privileged step. See src/apic/smp.c for the sequence. */
#include "kabi.h"
#include "kcore.h"
#include "klapic.h"
#include "x86.h"
#include "x86_ops.h"

extern uint64_t kpt_low[];
_Noreturn void kenter_user(uint64_t rip, uint64_t rsp, uint64_t arg0);
void __tfr_ap_entry(unsigned index);

uint32_t ksmp_count = 1;
uint32_t ksmp_apic_ids[TF_MAX_CPUS];
static const struct kabi_smp_setup *ksmp_user; /* the runtime's copy, for the user stacks */

_Static_assert(KABI_TRAMPOLINE_ADDR % X86_PAGE_SIZE == 0 &&
                   KABI_TRAMPOLINE_ADDR <= LAPIC_SIPI_MAX_ADDR,
               "the SIPI vector is the start-up page number below 1 MiB");

/* The runtime has copied the start-up code to its page; from now on that page is the core's. */
static void protect_trampoline(void)
{
    kpt_low[KABI_TRAMPOLINE_ADDR >> X86_PAGE_SHIFT] &= ~(uint64_t)X86_PTE_U;
    __asm__ volatile("invlpg (%0)" ::"r"(KABI_TRAMPOLINE_ADDR) : "memory");
}

long ksmp_setup(const struct kabi_smp_setup *s)
{
    if (!kcore_user_buffer_ok((uint64_t)(uintptr_t)s, sizeof(*s)) || s->count < 1 ||
        s->count > TF_MAX_CPUS || ksmp_user)
        return -KABI_EINVAL;
    for (uint32_t i = 0; i < s->count; i++)
        ksmp_apic_ids[i] = s->apic_ids[i];
    ksmp_user = s;
    if (s->count > 1)
        protect_trampoline();
    __atomic_store_n(&ksmp_count, s->count, __ATOMIC_RELEASE);
    int x2apic = klapic_configure(s->x2apic != 0);
    klapic_enable();
    return x2apic;
}

/* INIT: assert, then de-assert (level triggered), as the SDM's MP initialization sequence sends
 * it; SIPI: the start-up page. The waits between them are the runtime's (SDM vol. 3A 9.4.4.1). */
long ksmp_start(uint64_t cpu, uint64_t step)
{
    if (!ksmp_user || cpu == 0 || cpu >= ksmp_count)
        return -KABI_EINVAL;
    uint32_t id = ksmp_apic_ids[cpu];
    if (step == KABI_SMP_INIT) {
        int rc = klapic_send(id, LAPIC_ICR_INIT | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL);
        return rc ? rc : klapic_send(id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL);
    }
    if (step == KABI_SMP_SIPI)
        return klapic_send(id, LAPIC_ICR_STARTUP | (KABI_TRAMPOLINE_ADDR >> LAPIC_SIPI_PAGE_SHIFT));
    return -KABI_EINVAL;
}

/* KABI_SYS_WAKE and KABI_SYS_PARK the long way: any index and LAPIC mode, any word CPL3 may
 * read. kpark.S has the short way of the common cases, and both halts. */
long ksmp_wake(uint64_t cpu)
{
    if (cpu >= ksmp_count)
        return -KABI_EINVAL;
    return klapic_send(ksmp_apic_ids[cpu], KLAPIC_ICR_WAKE);
}

long ksmp_park(const uint32_t *word, uint64_t seen, uint64_t mode)
{
    if (!kcore_user_buffer_ok((uint64_t)(uintptr_t)word, sizeof(*word)))
        return -KABI_EFAULT;
    if (mode == KABI_PARK_MWAIT)
        return kpark_mwait(word, (uint32_t)seen);
    return kpark_hlt(word, (uint32_t)seen);
}

/* An AP's first C code, on its kernel stack (from __tfk_ap_entry64). */
_Noreturn void kap_main(unsigned index)
{
    kcore_cpu_init(index);
    klapic_enable();
    uint64_t stack = ksmp_user->user_stack_tops[index];
    kenter_user((uint64_t)(uintptr_t)__tfr_ap_entry, stack, index);
}
