/* CPL0: one interface over the xAPIC (MMIO) and x2APIC (MSRs) register sets. */
#ifndef TF_CORE_KLAPIC_H
#define TF_CORE_KLAPIC_H

#include <stdint.h>

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
