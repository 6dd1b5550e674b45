# CPUs at CPL3: CPUID topology, AP start-up (INIT-SIPI-SIPI through the core, the trampoline),
# parking policy (HLT, MWAIT, spin), and the scheduler's CPU interface on bare metal.
list(APPEND TF_RUNTIME_SOURCES
  apic/smp.c apic/park.c apic/trampoline.S apic/discover.c apic/topology.c apic/cpu.c)
list(APPEND TF_RUNTIME_INCLUDES apic)
list(APPEND TF_KERNEL_INCLUDES apic)
