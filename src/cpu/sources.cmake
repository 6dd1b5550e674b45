# The CPU interface (cpu.h) the scheduler and the mailbox slots stand on: a header only, which
# src/apic implements in the guest and src/host on Linux. The core sees cache_line.h of it.
tf_layer(cpu)
list(APPEND TF_KERNEL_INCLUDES cpu)
