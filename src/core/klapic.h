/* CPL0: one interface over the xAPIC (MMIO) and x2APIC (MSRs) register sets: functions for the
 * C code, and for the interrupt stubs and fast system calls (kpark.S) the assembler macros
 * below, which read the same variables klapic.c sets. klapic.c and these macros are the only
 * code that touches LAPIC registers. */
#ifndef TF_CORE_KLAPIC_H
#define TF_CORE_KLAPIC_H

#include "kabi.h"
#include "lapic_regs.h"

/* The wake-up IPI's command (ICR low bits): what KABI_SYS_WAKE sends, by either path. */
#define KLAPIC_ICR_WAKE       (LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT | KABI_VEC_WAKE)
#define KLAPIC_X2APIC_ICR_MSR LAPIC_X2APIC_MSR(LAPIC_ICR_LO)
#define KLAPIC_X2APIC_EOI_MSR LAPIC_X2APIC_MSR(LAPIC_EOI)

#ifdef __ASSEMBLER__
/* clang-format off */

/* x2APIC mode only: sends the IPI whose ICR low bits are in EAX to the APIC ID in EDX (bits
 * 63:32 of the ICR: one WRMSR, no delivery status to wait for). Clobbers ECX. */
.macro KLAPIC_X2APIC_SEND
        movl    $KLAPIC_X2APIC_ICR_MSR, %ecx
        wrmsr
.endm

/* Acknowledges the interrupt in service, then executes `tail` (an IRETQ, say) with every
 * register as it was: one store in xAPIC mode, one WRMSR in x2APIC mode. The tail is emitted on
 * each path, so neither takes a jump more than it needs. */
.macro KLAPIC_EOI_THEN tail:vararg
        pushq   %rax
        cmpl    $0, klapic_x2apic
        jne     .Lklapic_eoi_x2apic\@
        movq    klapic_eoi_address, %rax
        movl    $0, (%rax)
        popq    %rax
        \tail
.Lklapic_eoi_x2apic\@:
        pushq   %rcx
        pushq   %rdx
        movl    $KLAPIC_X2APIC_EOI_MSR, %ecx
        xorl    %eax, %eax
        xorl    %edx, %edx
        wrmsr
        popq    %rdx
        popq    %rcx
        popq    %rax
        \tail
.endm
/* clang-format on */

#else
#include <stdint.h>

/* Read by the macros above and by the AP entry (kap_entry.S): 1 in x2APIC mode; the xAPIC EOI
 * register's address. Set by klapic_configure, before any interrupt. */
extern uint32_t klapic_x2apic;
extern uint64_t klapic_eoi_address;

/* Chooses the mode for every CPU (x2APIC when `x2apic` is nonzero, or when the BSP's LAPIC is
 * in x2APIC mode already) and the xAPIC base (IA32_APIC_BASE's); BSP only, before any other call.
 * Returns the mode chosen (1: x2APIC). */
int klapic_configure(int x2apic);
/* Enables this CPU's LAPIC in the configured mode: software enable, spurious vector, TPR 0,
 * LINT0/LINT1/error LVTs masked. */
void klapic_enable(void);
uint32_t klapic_id(void);
void klapic_eoi(void);
/* 1 when the LAPIC has an interrupt on `vector` in service (delivered, not yet acknowledged):
 * how an interrupt on an exception vector is told from the exception. 0 before
 * klapic_configure. */
int klapic_in_service(unsigned vector);
/* Sends an IPI (ICR low bits: delivery mode, vector, level, trigger) to one APIC ID. In xAPIC
 * mode waits for the previous and this command's delivery status (bounded). Returns 0, or
 * -KABI_ETIMEDOUT when the LAPIC never accepted it. */
int klapic_send(uint32_t apic_id, uint32_t icr_low);
/* Arms this CPU's timer once, to raise `vector`: at TSC value `value` (tsc_deadline nonzero;
 * the CPU must offer TSC-deadline mode) or after `value` timer ticks (one-shot, divide by 1). */
void klapic_timer_arm(int tsc_deadline, uint64_t value, uint32_t vector);
/* Disarms the timer armed by klapic_timer_arm (the same tsc_deadline). */
void klapic_timer_stop(int tsc_deadline);

#endif
#endif
