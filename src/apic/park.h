/* CPL3: how an idle CPU waits for work, and how another CPU ends that wait (src/apic/park.c).
 * Policy: spin on the word with PAUSE for tf.spin_us microseconds, then park: HLT (woken by an
 * IPI), MONITOR/MWAIT on the word's cache line (woken by the store itself), or keep spinning.
 * MWAIT is chosen when CPUID offers MONITOR, HLT otherwise; tf.park=hlt|mwait|spin overrides. */
#ifndef TF_APIC_PARK_H
#define TF_APIC_PARK_H

#include <stdint.h>

enum park_policy { PARK_HLT, PARK_MWAIT, PARK_SPIN };

/* Chooses the policy (CPUID and tf.park, tf.spin_us); BSP, once, before other CPUs park. */
void park_init(void);
enum park_policy park_policy(void);
/* The policy chosen at boot ("hlt", "mwait", "spin"); park_policy() may since have fallen back
 * from MWAIT to HLT, which is reported on the console when it happens. */
const char *park_policy_name(void);
uint64_t park_spin_ns(void);

/* Returns once *word != seen (and possibly earlier: callers re-check). Counts the time parked and
 * the wake-ups in the calling CPU's statistics. */
void park_wait(const uint32_t *word, uint32_t seen);

/* Ends the wait of CPU `cpu` after the caller has changed the word that CPU waits on. Sends an
 * IPI only when that CPU is halted (HLT policy). */
void park_wake(unsigned cpu);

struct park_stats {
    uint64_t parks;     /* waits that reached HLT/MWAIT (not satisfied while spinning) */
    uint64_t parked_ns; /* time inside those */
    uint64_t wakeups;   /* IPIs sent to this CPU */
};
const struct park_stats *park_stats(unsigned cpu);

#endif
