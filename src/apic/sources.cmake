# CPUs at CPL3: CPUID topology, AP start-up (INIT-SIPI-SIPI through the core, the trampoline),
# parking policy (HLT, MWAIT, spin), the scheduler's CPU interface on bare metal, and the
# ACPI power-off the core uses on exit.
tf_layer(apic
  SOURCES apic/smp.c apic/park.c apic/trampoline.S apic/discover.c apic/topology.c apic/cpu.c
          apic/poweroff.c
  USES acpi boot cpu)
# the core programs the LAPIC (lapic_regs.h)
list(APPEND TF_KERNEL_INCLUDES apic)
