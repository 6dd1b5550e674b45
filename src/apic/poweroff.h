/* CPL3: the ACPI power-off the core uses on exit where there is no exit device. */
#ifndef TF_APIC_POWEROFF_H
#define TF_APIC_POWEROFF_H

/* Reads the PM1 control ports (FADT) and the S5 sleep types (\_S5 of the DSDT) and gives them
 * to the core (KABI_SYS_SET_POWEROFF), once, at start-up. Without ACPI tables, on a
 * hardware-reduced platform, or without a \_S5 package, the core has no power-off: exit then
 * halts the CPU where no exit device ends the machine. Returns 0 when the core took it. */
int poweroff_init(void);

#endif
