# The Multiboot headers and the entry into long mode (CPL0, linked into the core), then at CPL3:
# the boot information, command line and options, heap and newlib's glue, clock and the
# device-wait timer (deadline), fault containment, the runtime's errno values as the API's error
# codes (boot), and the start-up that ties the runtime together and calls main() (start, the top
# of the runtime: it brings up the CPUs and the scheduler).
list(APPEND TF_KERNEL_SOURCES boot/multiboot_header.S boot/entry.S)
list(APPEND TF_KERNEL_INCLUDES boot)
tf_layer(boot
  SOURCES boot/fault.c boot/fault_call.S boot/bootinfo.c boot/bootinfo_memory.c boot/cmdline.c
          boot/newlib_glue.c boot/locks.c boot/options.c boot/option_check.c boot/clock.c
          boot/cpuid.c boot/modules.c boot/api_error.c boot/deadline.c
  USES kabi cpu)
tf_layer(start DIR boot SOURCES boot/start.c USES apic cpu boot)
