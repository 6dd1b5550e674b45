/* CPL3: bringing the other CPUs up at boot and parking them (src/apic/smp.c). */
#ifndef TF_APIC_SMP_H
#define TF_APIC_SMP_H

#include <stdint.h>

/* Discovers the CPUs (ACPI MADT), starts every application processor in parallel with
 * INIT-SIPI-SIPI, waits for them to check in, decodes the topology and prints the CPU table.
 * CPUs that do not answer in time are reported and left out. Returns the number online. */
unsigned smp_start(void);

/* CPUs online (>= 1) and the dense index of the calling CPU */
unsigned smp_cpu_count(void);

/* Busy-waits `ns` nanoseconds on the calibrated TSC (CPL3, PAUSE between reads). */
void smp_delay_ns(uint64_t ns);

/* Runs on each application processor once it is at CPL3 on its own stack; provided by the
 * layer above (the scheduler's worker loop). Never returns. */
_Noreturn void smp_worker_main(unsigned index);

#endif
