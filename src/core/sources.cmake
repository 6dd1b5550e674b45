# The CPL0 core, all of it: GDT/IDT/TSS, traps and exception reports, page tables, system calls,
# the LAPIC and IPIs, parking (HLT, MWAIT) and waking (kpark.S), AP entry into long mode, device
# access on behalf of CPL3, the descriptor tables of the virtqueues (kvq.c, kvring.c) and the
# virtio devices' common configuration (kvirtio.c).
# Nothing else in the guest runs at CPL0 but the Multiboot entry of src/boot.
list(APPEND TF_KERNEL_SOURCES
  core/pagetables.S core/isr.S core/kpark.S core/kap_entry.S
  core/kcpu.c core/kconsole.c core/ktrap.c core/kfault.c core/ksyscall.c core/kpaging.c
  core/klapic.c core/ksmp.c core/kdev.c core/kvq.c core/kvring.c core/kvirtio.c)
list(APPEND TF_KERNEL_INCLUDES core)
# What CPL3 sees of the core: the system-call numbers and shared constants of kabi.h.
tf_layer(kabi DIR core)
