/* CPL3: what smp.c needs to know about the CPUs before and after starting them (discover.c):
 * which CPUs the firmware lists, and where each one sits. Called on the bootstrap CPU only. */
#ifndef TF_APIC_DISCOVER_H
#define TF_APIC_DISCOVER_H

#include <stdint.h>

/* Reads the ACPI MADT (acpi.c, madt.c). Writes the APIC IDs of up to `max` enabled CPUs to
 * `ids`, each once, in table order (the LAPIC's address is the core's to take, from
 * IA32_APIC_BASE). Returns how many IDs were written; 0 when no usable
 * table was found (the caller then runs on the bootstrap CPU alone). A damaged table, more CPUs
 * than `max`, or no MADT at all is reported in one line on stderr; a sound table prints nothing.
 * CPUs the firmware lists as online capable but not enabled are counted and named in one line
 * on stdout (unless tf.quiet), never returned. */
int smp_discover(uint32_t *ids, unsigned max);

/* Sets package, core and thread of percpu_table[0..count) from their apic_id, with the APIC ID
 * field widths CPUID reports on the calling (bootstrap) CPU (topology.c). */
void smp_topology(unsigned count);

#endif
