/* CPL3: nanoseconds in ticks of the TSC and of the LAPIC timer, and the timer that bounds a
 * device wait (KABI_SYS_DEV_WAIT) for the drivers (src/boot/deadline.c). The TSC's rate is the
 * one clock.c found (runtime_tsc_hz), which every caller here comes after. */
#ifndef TF_BOOT_DEADLINE_H
#define TF_BOOT_DEADLINE_H

#include <stdint.h>

#define DEADLINE_NS_PER_SECOND 1000000000ull

/* `ns` in ticks of a clock of `hz` Hz, rounded down (no overflow: the product is 128-bit). */
uint64_t deadline_ticks(uint64_t ns, uint64_t hz);
/* `ns` in TSC ticks; 0 before runtime_clock_init. */
uint64_t deadline_tsc_ticks(uint64_t ns);

/* 1 when this CPU's LAPIC timer offers TSC-deadline mode (CPUID). */
int deadline_tsc_offered(void);

/* Chooses the timer of device waits: TSC-deadline mode when the CPU offers it, else one-shot,
 * whose rate it measures against the TSC (about 8 ms at QEMU's 1 GHz, the first time only).
 * Call before deadline_timer; again is free. */
void deadline_timer_init(void);
/* The mode chosen (KABI_TIMER_TSC_DEADLINE or KABI_TIMER_ONESHOT; KABI_TIMER_NONE before
 * deadline_timer_init), and in one-shot mode the timer's ticks per second (0 when unmeasured). */
unsigned deadline_timer_mode(void);
uint64_t deadline_lapic_hz(void);
/* The KABI_SYS_DEV_WAIT mode and, in *timer, its value that ends a wait `ns` from now: a TSC
 * value, or one-shot ticks (1 to UINT32_MAX). KABI_TIMER_NONE when no timer is chosen or the
 * TSC's rate is unknown: the caller cannot bound the wait. */
unsigned deadline_timer(uint64_t ns, uint64_t *timer);

#endif
