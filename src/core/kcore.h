/* The CPL0 core's own declarations: per-CPU kernel data, stacks, and the functions the assembly
 * entry points call. Nothing here is visible to the CPL3 runtime. */
#ifndef TF_CORE_KCORE_H
#define TF_CORE_KCORE_H

#include "cache_line.h"
#include "kabi.h"

#define KCORE_KSTACK_SHIFT 13
#define KCORE_KSTACK_SIZE  (1 << KCORE_KSTACK_SHIFT) /* per CPU: system calls, exception reports */
#define KCORE_IST_SIZE     4096                      /* per CPU and IST slot: double fault, NMI */
#define KCORE_IST_DF       1                         /* TSS IST index for #DF */
#define KCORE_IST_NMI      2                         /* TSS IST index for NMI */
/* Bytes from one exception or interrupt stub to the next (isr.S's kisr_stubs and kirq_stubs,
 * which kcpu.c puts in the IDT) */
#define KCORE_ISR_STUB_SIZE 16

/* Offsets into struct kcpu used by isr.S and entry.S (static-asserted in kcpu.c) */
#define KCPU_SELF       0
#define KCPU_KSTACK_TOP 8
#define KCPU_USER_RSP   16
#define KCPU_INDEX      24

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>

struct kcpu {
    struct kcpu *self;              /* KCPU_SELF: GS-relative pointer to this structure */
    uint64_t kstack_top;            /* KCPU_KSTACK_TOP: RSP on SYSCALL entry */
    uint64_t user_rsp;              /* KCPU_USER_RSP: the caller's RSP while in a system call */
    uint32_t index;                 /* KCPU_INDEX: dense CPU index (0 = BSP) */
    uint32_t in_fault;              /* nonzero while reporting an exception (a second one halts) */
    volatile uint32_t *fault_armed; /* CPL3 word: nonzero while a task may fault */
    uint64_t fault_rip, fault_rsp;  /* where a recovered fault resumes at CPL3 */
    uint64_t fault_gs;              /* and with which GS base */
} __attribute__((aligned(CPU_CACHE_LINE)));

/* Register state saved by isr.S, lowest address first */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

extern struct kcpu kcpus[TF_MAX_CPUS];
extern uint64_t kboot_magic, kboot_info, kboot_tsc;

/* kcpu.c */
void kcore_init_bsp(void);
void kcore_cpu_init(unsigned index);
/* This CPU's struct kcpu, from the stack CPL0 runs on: never through GS, which an interrupt or
 * NMI may find still holding the base CPL3 chose (the short park path halts without SWAPGS, an
 * NMI may come before the SYSCALL entry's SWAPGS). */
struct kcpu *kcore_self(void);
/* ktrap.c */
void ktrap(struct trap_frame *frame);
/* ksyscall.c */
long ksys_dispatch(long a0, long a1, long a2, long a3, long nr);
_Noreturn void kcore_exit(int code);
int kcore_user_buffer_ok(uint64_t addr, uint64_t len);       /* CPL3 may read it */
int kcore_user_buffer_writable(uint64_t addr, uint64_t len); /* CPL3 may write it */
/* kfault.c */
long kfault_setup(uint64_t armed, uint64_t rip, uint64_t rsp, uint64_t gs);
int kfault_recover(struct trap_frame *frame);
/* kpaging.c */
long kpaging_guard_page(uint64_t addr);
long kpaging_read_only(uint64_t addr, uint64_t len);
/* 1 when every page of [addr, addr + len) is present and user-accessible (below 4 GiB), and
 * writable when `write` */
int kpaging_user_range(uint64_t addr, uint64_t len, int write);
/* The 4 KiB page holding `addr` (below 4 GiB) becomes supervisor-only for good, its 2 MiB page
 * split when it is not yet; only this CPU's TLB is flushed (the other CPUs have not started).
 * 0, -KABI_EINVAL, -KABI_ENOMEM (no page table or slot left). */
long kpaging_protect(uint64_t addr);
/* The 2 MiB pages holding [start, end) become supervisor-only and uncached for good (ordinary
 * user pages until now); 0 or -KABI_EINVAL. */
long kpaging_core_device(uint64_t start, uint64_t end);
/* The 2 MiB page at `addr` becomes user-accessible and uncached, all but its protected 4 KiB
 * pages; kdev_mmio_map has checked that it may. */
void kpaging_map_device(uint64_t addr);
/* kdev.c (src/udp): device calls */
long kdev_pci_read(uint64_t address, uint64_t width);
long kdev_pci_write(uint64_t address, uint64_t width, uint64_t value);
long kdev_pci_ecam(uint64_t base, uint64_t first_bus, uint64_t last_bus);
/* The core's own configuration accesses (address and width checked by the caller): a value,
 * or -KABI_EINVAL for a bus the ECAM range does not decode (whose writes go nowhere) */
long kdev_config_read(uint64_t address, uint64_t width);
void kdev_config_write(uint64_t address, uint64_t width, uint32_t value);
/* 1 when `addr` lies in a 2 MiB page above the end of RAM and below 4 GiB: device memory */
int kdev_device_memory(uint64_t addr);
long kdev_port_read(uint64_t port, uint64_t width);
long kdev_port_write(uint64_t port, uint64_t width, uint64_t value);
long kdev_mmio_map(uint64_t addr);
/* Start-up is over: RAM ends at ram_end (below 4 GiB), which MMIO_MAP never makes uncached. */
void kdev_startup_done(uint64_t ram_end);
long kdev_ram_end(uint64_t ram_end); /* the same, earlier: KABI_SYS_RAM_END */
long kdev_wait(const uint16_t *word, uint64_t seen, uint64_t timer, uint64_t mode);
/* kvq.c: the KABI_SYS_VQ_* calls; buffers are refused until start-up is over (RAM ends at
 * ram_end) */
long kvq_call(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
void kvq_startup_done(uint64_t ram_end);
/* KABI_SYS_VQ_PUT, which isr.S's system call paths call without ksys_dispatch: the request
 * path's one call per reply */
long kvq_put(uint64_t queue_count, uint64_t s0, uint64_t s1, uint64_t s2);
/* Queue q's rings and size, as VQ_OPEN made them; -1 for a queue that does not exist. */
int kvq_rings(uint64_t q, struct kabi_vq_rings *rings, uint16_t *size);
/* kvirtio.c: the KABI_SYS_VIRTIO_* calls and VQ_SETUP; kvirtio_port_write_ok says whether CPL3
 * may write [port, port + width) (not a legacy device's common registers but its doorbell) */
long kvirtio_open(uint64_t where, uint64_t kind, uint64_t pci, uint64_t vector);
long kvirtio_ctl(uint64_t dev, uint64_t op, uint64_t a, uint64_t b);
long kvirtio_vq_setup(uint64_t dev, uint64_t q, uint64_t vq, uint64_t msix);
int kvirtio_port_write_ok(uint64_t port, uint64_t width);
/* 1 when CPL3 may write configuration register [address, + width): not a registered device's
 * MSI-X capability */
int kvirtio_config_write_ok(uint64_t address, uint64_t width);
/* ksmp.c (src/apic) */
long ksmp_setup(const struct kabi_smp_setup *setup);
long ksmp_start(uint64_t cpu, uint64_t step);
long ksmp_wake(uint64_t cpu);
long ksmp_park(const uint32_t *word, uint64_t seen, uint64_t mode);
extern uint32_t ksmp_count, ksmp_apic_ids[TF_MAX_CPUS]; /* also read by kpark.S, kap_entry.S */
/* kpark.S: halt (HLT; or MWAIT, woken also by a store to the word's line) while *word == seen.
 * Interrupts off on entry and on return; the word is one CPL3 may read. Return 0. */
long kpark_hlt(const uint32_t *word, uint32_t seen);
long kpark_mwait(const uint32_t *word, uint32_t seen);
_Noreturn void kcore_halt_forever(void);
/* kconsole.c */
void kconsole_init(void);
void kconsole_write(const char *buf, size_t len);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
#endif
