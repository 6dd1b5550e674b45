/* The boundary between the CPL3 runtime and the CPL0 core: system-call numbers, exit codes and
 * segment selectors. Included by both sides and by assembly. */
#ifndef TF_CORE_KABI_H
#define TF_CORE_KABI_H

#ifndef TF_MAX_CPUS
#define TF_MAX_CPUS 256
#endif

/* GDT layout. SYSCALL loads CS = KCODE64 and SS = KCODE64 + 8; the user selectors follow the
 * SYSRET convention (SS = base + 8, CS = base + 16) so either return path can be used. */
#define KABI_SEL_KCODE64 0x08
#define KABI_SEL_KDATA   0x10
#define KABI_SEL_KCODE32 0x18 /* 32-bit code, for the AP trampoline */
#define KABI_SEL_UDATA   0x20
#define KABI_SEL_UCODE64 0x28
#define KABI_SEL_TSS0    0x30 /* CPU i's TSS descriptor (16 bytes) at TSS0 + 16 * i */
#define KABI_RPL3        3
#define KABI_GDT_ENTRIES (KABI_SEL_TSS0 / 8 + 2 * TF_MAX_CPUS)

/* System calls: SYSCALL with the number in RAX, arguments in RDI, RSI, RDX, R10; result in RAX
 * (negative errno on failure). RCX, R8, R9, R11 and the argument registers are clobbered.
 * [start-up]: only while the runtime starts, before KABI_SYS_STARTUP_DONE (and so before main
 * and any task); -KABI_EPERM afterwards. They change the platform under every CPU. */
/* clang-format off */
#define KABI_SYS_WRITE          0 /* (buf, len): console write; returns len */
#define KABI_SYS_EXIT           1 /* (code): leave the virtual machine; does not return */
#define KABI_SYS_SET_USER_GS    2 /* (base below 4 GiB): this CPU's GS base at CPL3 */
#define KABI_SYS_SET_POWEROFF   3 /* [start-up] (pm1a_port, slp_typ_a, pm1b_port or 0, slp_typ_b): ACPI S5,
                                     entered on exit when there is no exit device; once */
#define KABI_SYS_SELFTEST_FAULT 4 /* (vector): raise #DE, #PF or #UD at CPL0; only in the test suite's core
                                     (built with TF_CORE_TEST_CALLS), -KABI_ENOSYS in any other */
#define KABI_SYS_KVMCLOCK       5 /* [start-up] (struct pvclock_vcpu_time_info *): enable; NULL: disable */
#define KABI_SYS_PIT_CALIBRATE  6 /* [start-up] (): TSC ticks while the 8254 counts PIT_CALIBRATE_TICKS */
#define KABI_SYS_SMP_SETUP      7 /* [start-up] (struct kabi_smp_setup *): CPU table, LAPIC, trampoline; returns 1 in x2APIC mode */
#define KABI_SYS_SMP_START      8 /* [start-up] (cpu, KABI_SMP_INIT or KABI_SMP_SIPI): one step of INIT-SIPI-SIPI,
                                     to a CPU that has not come up yet */
#define KABI_SYS_WAKE           9 /* (cpu): wake-up IPI */
#define KABI_SYS_PARK          10 /* (const uint32_t *word, seen, KABI_PARK_*): sleep unless *word != seen */
#define KABI_SYS_GUARD_PAGE    11 /* [start-up] (addr): unmap one 4 KiB user page above the image */
#define KABI_SYS_FAULT_SETUP   12 /* [start-up] (uint32_t *armed, recover_rip, recover_rsp, gs_base): below */
#define KABI_SYS_CPUID         13 /* (leaf, subleaf, uint32_t out[4]): CPUID as the hypervisor defines it */
#define KABI_SYS_READ_ONLY     14 /* [start-up] (addr, len): 2 MiB-aligned user pages above the image become read-only */
#define KABI_SYS_STARTUP_DONE  15 /* [start-up] (ram_end): start-up is over; RAM ends at ram_end below 4 GiB */
/* 16-31: devices (src/core/kdev.c). CPL3 rings the NIC's doorbells itself through its
 * memory-mapped registers; these are the privileged steps. */
#define KABI_SYS_PCI_READ      16 /* (KABI_PCI_ADDRESS, width 1/2/4): configuration read */
#define KABI_SYS_PCI_WRITE     17 /* [start-up] (KABI_PCI_ADDRESS, width, value): configuration write;
                                     never bus mastering, never a virtio device's MSI-X capability */
#define KABI_SYS_PORT_READ     18 /* (port >= KABI_PORT_DEVICE_MIN, width): I/O port read */
#define KABI_SYS_PORT_WRITE    19 /* (port, width, value): I/O port write */
#define KABI_SYS_MMIO_MAP      20 /* (addr): its 2 MiB device page becomes user, uncached; never RAM */
#define KABI_SYS_DEV_WAIT      21 /* (const uint16_t *word, seen, timer, KABI_TIMER_*): halt */
/* Virtqueues whose descriptor table and available ring are the core's (src/core/kvq.c): the
 * card reads them from supervisor-only memory, so it only ever sees buffers the core checked. */
#define KABI_SYS_VQ_OPEN       22 /* (size, struct kabi_vq_rings *out): a queue; returns its number */
#define KABI_SYS_VQ_POST       23 /* (queue, const struct kabi_vq_buffer *, count): after start-up */
#define KABI_SYS_VQ_WAIT       24 /* (queue, seen, timer, KABI_TIMER_*): DEV_WAIT on its used index */
/* Virtio devices whose common configuration is the core's (src/core/kvirtio.c): the registers
 * that say where the queues are, which features hold and the device status are written only by
 * the core, so the card's queues are always the core's. */
#define KABI_SYS_VIRTIO_OPEN   25 /* [start-up] (address, KABI_VIRTIO_MODERN or _LEGACY, KABI_PCI_ADDRESS, vector):
                                     a device; returns its number */
#define KABI_SYS_VIRTIO_CTL    26 /* (device, KABI_VIRTIO_*, arg, arg): status, features, queue sizes */
#define KABI_SYS_VQ_SETUP      27 /* (device, device queue, queue, MSI-X entry): give the card a queue of VQ_OPEN */
#define KABI_SYS_RAM_END       28 /* [start-up] (ram_end): RAM ends here (STARTUP_DONE says it again) */
#define KABI_SYS_PCI_ECAM      29 /* [start-up] (base, first bus, last bus): PCI_READ and PCI_WRITE use
                                     this ECAM range, whose pages become the core's; once */
#define KABI_SYS_SELFTEST_IRQ  30 /* (cpu, vector 16-255): a fixed IPI; only in the test suite's core,
                                     -KABI_ENOSYS in any other */
#define KABI_SYS_VQ_BIND       31 /* (queue, const struct kabi_vq_buffer *first, count): fixed buffers */
#define KABI_SYS_VQ_PUT        32 /* (queue | count << 16, slot, slot, slot): VQ_POST of 1-3 slots of a bound queue */
#define KABI_SYS_COUNT         33
/* clang-format on */

#define KABI_SMP_INIT   0
#define KABI_SMP_SIPI   1
#define KABI_PARK_HLT   0
#define KABI_PARK_MWAIT 1

/* KABI_SYS_PCI_*: bus 23:16, device 15:11, function 10:8, register 7:0 (aligned to the width).
 * The configuration space is the core's: through ports 0xCF8/0xCFC, or the ECAM range of
 * KABI_SYS_PCI_ECAM (supervisor-only from then on; a bus outside it is -KABI_EINVAL). A write
 * is refused (-KABI_EPERM) once start-up is over, when it would change a command register's
 * bus-master bit (only the core sets it: KABI_SYS_VIRTIO_OPEN), and when it touches the MSI-X
 * capability of a device registered with KABI_SYS_VIRTIO_OPEN. */
#define KABI_PCI_ADDRESS(bus, dev, fn, reg) (((bus) << 16) | ((dev) << 11) | ((fn) << 8) | (reg))
#define KABI_PCI_ADDRESS_MAX                0xFFFFFF
/* KABI_SYS_PORT_*: ports below this belong to the platform (PIC, PIT, PCI configuration, exit) */
#define KABI_PORT_DEVICE_MIN 0x1000
/* KABI_SYS_MMIO_MAP: where device registers (PCI BARs) may be mapped user-accessible; uncached.
 * Ends below the IOAPIC and LAPIC, which stay supervisor-only. Below it, any 2 MiB user page of
 * the identity map at or above the end of RAM (KABI_SYS_STARTUP_DONE's ram_end: a PCI Express
 * host's memory window) can be made uncached; RAM never, nor the ECAM range (the core's). */
#define KABI_DEVICE_WINDOW_START 0xFE000000
#define KABI_DEVICE_WINDOW_END   0xFEC00000
/* KABI_SYS_DEV_WAIT: halts the CPU until an interrupt unless *word != seen (checked with
 * interrupts off, like KABI_SYS_PARK). The LAPIC timer ends the wait at a TSC value
 * (TSC-deadline mode) or after `timer` ticks (one-shot, divide by 1); it is armed only for that
 * wait. */
#define KABI_TIMER_NONE         0
#define KABI_TIMER_TSC_DEADLINE 1
#define KABI_TIMER_ONESHOT      2

/* KABI_SYS_VQ_*: at most KABI_VQ_QUEUES queues of a power-of-two size up to KABI_VQ_SIZE_MAX,
 * in the legacy layout (virtio 1.0 4.1.5.1.1: the used ring on the first 4 KiB boundary after
 * the available ring), so one address serves a legacy device too. The used ring is readable at
 * CPL3 and written only by the card.
 * VQ_POST hands buffers to the card in order: descriptor `id` describes the buffer and the
 * available ring offers it. Each buffer lies in user RAM (present, user-accessible, writable
 * when the card writes it; below the end of RAM; not the core's image, its page tables, stacks,
 * the device window or the MSI range), and its descriptor is not the card's already (it has
 * been posted and not come back in the used ring). Returns the number posted, with
 * KABI_VQ_NOTIFY set when the card wants its doorbell rung (it did not set NO_NOTIFY), or a
 * negative errno for the first buffer when nothing was posted: -KABI_EFAULT (the array or a
 * buffer's memory), -KABI_EBUSY (a descriptor the card holds), -KABI_EINVAL (queue, id, flags,
 * count), -KABI_EPERM (before start-up is over). A later buffer that is refused ends the batch
 * there: the count says how many went.
 * VQ_BIND, once per queue and before its first post, fixes its buffers: descriptor i < count
 * describes the i-th slot of an array, [first.addr + i * first.len, + first.len), in the
 * direction first.flags says (first.id is not used). The whole array is checked as above, once,
 * at the next post (which fails with -KABI_EFAULT, as does every one after, should it fail).
 * From then on a buffer posted on the queue must be its descriptor's slot, exactly its address
 * and flags, 1 to first.len bytes of it (-KABI_EFAULT for another address or length,
 * -KABI_EINVAL for an id of count or more or other flags), and the core no longer asks whether
 * the card holds it: posting one the card holds (it sees its old length or the new one) is the
 * caller's mistake, within the caller's memory; -KABI_EBUSY only when the available ring is
 * full (the card has not returned `size` of those offered). Each post is then a few compares.
 * VQ_BIND returns -KABI_EBUSY when the queue is bound already or has been posted to,
 * -KABI_EINVAL for a count of 0 or above the queue's size, a length of 0 or flags other than
 * KABI_VQ_DEVICE_WRITES, -KABI_EFAULT for the template's own memory.
 * VQ_PUT is VQ_POST for 1 to KABI_VQ_PUT_MAX buffers of a bound queue, passed in registers as
 * KABI_VQ_SLOT(id, len), so the core reads no array: the result and the errors are VQ_POST's
 * (-KABI_EINVAL for a queue that is not bound or a count out of range).
 * VQ_WAIT asks the card for interrupts, halts as KABI_SYS_DEV_WAIT does on the used index and
 * `seen`, then turns the card's interrupts off again. */
#define KABI_VQ_QUEUES          8
#define KABI_VQ_SIZE_MAX        1024
#define KABI_VQ_DEVICE_WRITES   1 /* kabi_vq_buffer.flags: a receive buffer */
#define KABI_VQ_NOTIFY          0x10000
#define KABI_VQ_PUT_QUEUE       0xFFFF /* VQ_PUT's first argument: the queue, and the count above */
#define KABI_VQ_PUT_COUNT_SHIFT 16
#define KABI_VQ_PUT_MAX         3
#define KABI_VQ_SLOT(id, len)   (((uint64_t)(id) << 32) | (uint32_t)(len))

/* KABI_SYS_VIRTIO_*: at most KABI_VIRTIO_DEVICES devices, each registered once by the runtime
 * before the other CPUs start, with its PCI function (KABI_PCI_ADDRESS: its BARs placed and
 * decoding on) and the core's vector its interrupts raise (KABI_VEC_NIC or KABI_VEC_OUTPUT).
 * The core turns on bus mastering and takes the MSI-X table: its 4 KiB pages become
 * supervisor-only, and only VIRTIO_CTL's MSIX programs an entry. For the modern interface the
 * address of its common configuration
 * (virtio 1.0 4.1.4.3), whose 4 KiB page becomes supervisor-only (the notification and
 * device-specific structures must lie in other pages: QEMU gives each its own); for the legacy
 * one its I/O base, whose registers up to the device-specific ones CPL3 may then read but not
 * write with KABI_SYS_PORT_WRITE, but for the doorbell (QUEUE_NOTIFY).
 * VIRTIO_CTL operations: GET_STATUS, SET_STATUS (status byte), GET_FEATURES (half: 0 for bits
 * 0-31, 1 for 32-63), SET_FEATURES (half, bits: only the device type's bits 0-23, ANY_LAYOUT
 * and VERSION_1; -KABI_EINVAL for any other, since the core's rings are split rings without
 * indirect tables or event indexes), QUEUE_MAX (device queue): its size limit (legacy: its size),
 * MSIX (entry): the entry's message becomes the device's vector, fixed delivery, edge, to the
 * calling CPU (its APIC ID below 256), unmasked, and MSI-X is enabled; -KABI_ENODEV for a
 * device without MSI-X.
 * VQ_SETUP writes the queue's size and the addresses of its rings as VQ_OPEN made them, the
 * MSI-X entry (0xFFFF: none) and, modern, enables it; returns the queue's notify offset (modern)
 * or 0, -KABI_EIO when the device refused the entry, -KABI_EINVAL for a legacy queue of another
 * size than the device's. */
#define KABI_VIRTIO_DEVICES      4
#define KABI_VIRTIO_MODERN       0
#define KABI_VIRTIO_LEGACY       1
#define KABI_VIRTIO_GET_STATUS   0
#define KABI_VIRTIO_SET_STATUS   1
#define KABI_VIRTIO_GET_FEATURES 2
#define KABI_VIRTIO_SET_FEATURES 3
#define KABI_VIRTIO_QUEUE_MAX    4
#define KABI_VIRTIO_MSIX         5

/* Interrupt vectors of the core */
#define KABI_VEC_WAKE     0xF0 /* IPI that ends a park */
#define KABI_VEC_NIC      0xE0 /* the NIC's MSI-X message: EOI only, it ends a KABI_SYS_DEV_WAIT */
#define KABI_VEC_TIMER    0xE1 /* the LAPIC timer of a KABI_SYS_DEV_WAIT: EOI only */
#define KABI_VEC_OUTPUT   0xE2 /* the output port's MSI-X message: EOI only, like KABI_VEC_NIC */
#define KABI_VEC_SPURIOUS 0xFF /* LAPIC spurious-interrupt vector */

/* Application-processor start-up code is copied to this page (below 1 MiB, 4 KiB aligned: the
 * SIPI vector is its page number). The runtime checks that the memory map says it is free. */
#define KABI_TRAMPOLINE_ADDR 0x8000

/* KABI_SYS_FAULT_SETUP, once per CPU: a CPU exception raised at CPL3 while *armed is nonzero
 * (all but NMI, double fault and machine check) resumes the CPU at recover_rip on recover_rsp
 * with RDI = vector, RSI = error code, RDX = faulting RIP, RCX = CR2 (page faults, else 0),
 * interrupts on, GS base = gs_base (whatever the faulting code made of GS), and *armed = 0 (so
 * that a fault in the recovery code is reported, not recovered again and again). The core reads
 * and writes *armed only while that word is still user-accessible. */

#ifndef __ASSEMBLER__
#include <stdint.h>
/* What the runtime tells the core before starting the other CPUs. CPU 0 is the BSP; the core
 * keeps a copy of apic_ids and reads user_stack_tops when each CPU starts. */
struct kabi_smp_setup {
    uint32_t count;                        /* CPUs including the BSP, at most TF_MAX_CPUS */
    uint32_t x2apic;                       /* nonzero: x2APIC mode on every CPU */
    uint32_t apic_ids[TF_MAX_CPUS];        /* APIC ID of each CPU index */
    uint64_t user_stack_tops[TF_MAX_CPUS]; /* each AP enters __tfr_ap_entry(index) on this stack */
};

/* KABI_SYS_VQ_OPEN: where a queue's three parts are (physical addresses, for the device) */
struct kabi_vq_rings {
    uint64_t desc, avail, used;
};

/* KABI_SYS_VQ_POST: one buffer */
struct kabi_vq_buffer {
    uint64_t addr;
    uint32_t len;
    uint16_t id;    /* the descriptor, below the queue's size */
    uint16_t flags; /* KABI_VQ_DEVICE_WRITES or 0 */
};
#endif

/* Error numbers the core returns (negated): the same values as newlib's <errno.h>, which the core
 * does not see (usys.h checks them), so CPL3 takes them as its own -errno (api_error.h). */
#define KABI_EPERM     1
#define KABI_EFAULT    14
#define KABI_ENOMEM    12
#define KABI_EINVAL    22
#define KABI_ENOSYS    88
#define KABI_ETIMEDOUT 116
#define KABI_ENODEV    19
#define KABI_EBUSY     16
#define KABI_EIO       5

/* Exit codes. The exit device carries 7 bits (0-127); 119-127 are left to the host's launcher
 * (tf-run: a reset, its timeout, its own failures), so the guest never exits with them.
 * exit(n) and main's return take 0 to KABI_EXIT_USER_MAX; the core's own codes follow. */
#define KABI_EXIT_USER_MAX      93
#define KABI_EXIT_SIGNAL        94  /* abort() or raise() of a fatal signal */
#define KABI_EXIT_PANIC         95  /* a broken invariant, or the runtime could not start */
#define KABI_EXIT_FAULT_BASE    96  /* + vector: an unhandled exception with a vector below... */
#define KABI_EXIT_FAULT_VECTORS 22  /* ...this (#DE to #CP) */
#define KABI_EXIT_FAULT_OTHER   118 /* an unhandled exception or interrupt with any other vector */
#define KABI_EXIT_CODE_MAX      118

/* Boot handoff: the CPL0 core enters the runtime at __tfr_user_entry(magic, info, tsc) on the BSP,
 * with the loader's magic and information pointer and the TSC read at the core's first
 * instruction, on the top of __tfr_boot_stack (KABI_BOOT_STACK_SIZE bytes, the runtime's). */
#define KABI_BOOT_STACK_SIZE 0x100000
#define KABI_MB1_MAGIC       0x2BADB002 /* EAX from a Multiboot1 loader */
#define KABI_MB2_MAGIC       0x36D76289 /* EAX from a Multiboot2 loader */

#endif
