# The CPU interface (cpu.h) the scheduler and the mailbox slots stand on: a header only, which
# src/apic implements in the guest and src/host on Linux.
tf_layer(cpu)
