/* CPL0: CPU exceptions. Prints one report on the console (what happened, where, at which
 * privilege level, on which CPU, the registers and a frame-pointer backtrace) and leaves the
 * machine with KABI_EXIT_FAULT_BASE + vector (KABI_EXIT_FAULT_OTHER past #CP), unless the CPU
 * faulted at CPL3 inside a task, which kfault.c ends instead. */
#include "kcore.h"
#include "klapic.h"
#include "lapic_regs.h"
#include "platform.h"
#include "x86.h"
#include "x86_ops.h"

#define BACKTRACE_MAX_FRAMES 16
#define BACKTRACE_MAX_FRAME  0x100000 /* a frame larger than 1 MiB means the chain is broken */
#define X86_CALL_REL32       0xE8     /* opcode of CALL rel32, 5 bytes long */
#define X86_CALL_REL32_SIZE  5

extern char __ktext_start[], __ktext_end[], __text_start[], __text_end[];

static const char *const vector_names[X86_EXCEPTIONS] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor segment overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 floating point",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD floating point",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "#HV hypervisor injection",
    "#VC VMM communication",
    "#SX security",
    "reserved 31",
};

static unsigned initial_apic_id(void)
{
    return x86_cpuid(X86_CPUID_FEATURES, 0).ebx >> X86_CPUID1_EBX_APICID;
}

/* A frame pointer we may dereference: aligned, mapped, below the device window, not page 0. */
static int frame_readable(uint64_t fp)
{
    return (fp & 7) == 0 && fp >= X86_PAGE_SIZE && fp + 16 <= KABI_DEVICE_WINDOW_START;
}

static int in_text(uint64_t a)
{
    return (a >= (uintptr_t)__text_start && a < (uintptr_t)__text_end) ||
           (a >= (uintptr_t)__ktext_start && a < (uintptr_t)__ktext_end);
}

/* A leaf function may have no frame of its own (gcc omits it even with -fno-omit-frame-pointer
 * when nothing needs the stack), so its return address is on top of the stack, not in the RBP
 * chain. Report that word when it follows a CALL instruction; '?' marks the guess. */
static void leaf_return_address(const struct trap_frame *tf)
{
    if (!frame_readable(tf->rsp))
        return;
    uint64_t ret = *(const uint64_t *)(uintptr_t)tf->rsp;
    if (in_text(ret) && in_text(ret - X86_CALL_REL32_SIZE) &&
        *(const uint8_t *)(uintptr_t)(ret - X86_CALL_REL32_SIZE) == X86_CALL_REL32)
        kprintf(" ?%lx", ret);
}

static void backtrace(const struct trap_frame *tf)
{
    kprintf("backtrace: %lx", tf->rip);
    leaf_return_address(tf);
    uint64_t fp = tf->rbp;
    for (int n = 0; n < BACKTRACE_MAX_FRAMES && frame_readable(fp); n++) {
        const uint64_t *frame = (const uint64_t *)(uintptr_t)fp;
        if (frame[1] == 0)
            break;
        kprintf(" %lx", frame[1]);
        if (frame[0] <= fp || frame[0] - fp > BACKTRACE_MAX_FRAME)
            break;
        fp = frame[0];
    }
    kprintf("\n");
}

static void page_fault_detail(uint64_t error)
{
    kprintf("page fault: %s %s at CPL%u (%s)\n",
            error & X86_PF_ERR_I   ? "instruction fetch"
            : error & X86_PF_ERR_W ? "write"
                                   : "read",
            "access", error & X86_PF_ERR_U ? 3 : 0,
            error & X86_PF_ERR_P ? "protection violation" : "page not present");
}

static uint16_t x87_status(void)
{
    uint16_t fsw;
    __asm__ volatile("fnstsw %0" : "=m"(fsw)); /* no wait: a pending x87 error stays pending */
    return fsw;
}

/* MXCSR through FXSAVE: STMXCSR at CPL0 is an instruction PVM's emulator does not know */
static uint32_t sse_status(void)
{
    uint8_t area[X86_FXSAVE_SIZE] __attribute__((aligned(X86_FXSAVE_ALIGN)));
    __asm__ volatile("fxsave64 %0" : "=m"(area));
    uint32_t mxcsr;
    __builtin_memcpy(&mxcsr, area + X86_FXSAVE_MXCSR, sizeof(mxcsr));
    return mxcsr;
}

/* An interrupt on an exception vector (16-31: an MSI, or a DMA write to the MSI range, may send
 * one; the LAPIC refuses 0-15) looks like the exception to its stub. Here only two of them can
 * be exceptions: the core enables nothing that raises #AC (CR0.AM), #MC (CR4.MCE), #CP (CET)
 * or the vendors' #VE, #HV, #VC and #SX, and runs no x87 or SSE arithmetic itself; so only #MF
 * and #XM from CPL3, each with an unmasked exception flagged in the x87 status word (ES) or in
 * MXCSR (SDM vol. 3A 7.15, interrupts 16 and 19). An interrupt that comes while such a flag is
 * pending is told apart by the LAPIC's in-service bit where the hypervisor keeps it (PVM's
 * x2APIC reads it as 0); elsewhere the task ends with the exception it had pending. */
static int is_interrupt(const struct trap_frame *tf)
{
    unsigned vector = tf->vector & 0xFF;
    if (vector < LAPIC_VECTOR_MIN)
        return 0;
    if (vector >= X86_EXCEPTIONS || (tf->cs & 3) == 0)
        return 1;
    int pending = 0;
    if (vector == X86_VEC_MF) {
        pending = (x87_status() & X86_FSW_ES) != 0;
    } else if (vector == X86_VEC_XM) {
        uint32_t mxcsr = sse_status();
        pending = (mxcsr & X86_MXCSR_FLAGS & ~(mxcsr >> X86_MXCSR_MASK_SHIFT)) != 0;
    }
    return !pending || klapic_in_service(vector);
}

/* An interrupt nobody asked for: say so once per vector, acknowledge it and carry on. */
static void unexpected_interrupt(const struct trap_frame *tf)
{
    static uint8_t reported[256];
    unsigned vector = tf->vector & 0xFF;
    if (!reported[vector]) {
        reported[vector] = 1;
        kprintf(
            "\n*** unexpected interrupt, vector %u, at CPL%u rip %lx; acknowledged and ignored\n",
            vector, (unsigned)(tf->cs & 3), tf->rip);
    }
    klapic_eoi();
}

void ktrap(struct trap_frame *tf)
{
    if (is_interrupt(tf)) {
        unexpected_interrupt(tf);
        return;
    }
    if ((tf->cs & 3) == 3 && kfault_recover(tf))
        return;
    struct kcpu *self = kcore_self();
    unsigned cpl = tf->cs & 3, vector = tf->vector & 0xFF;
    if (self->in_fault++) {
        kprintf("\n*** exception %u while reporting an exception on CPU %u: stopping\n", vector,
                self->index);
        kcore_exit(KABI_EXIT_PANIC);
    }
    kprintf("\n*** CPU exception %u (%s) at CPL%u on CPU %u (APIC ID %u)\n", vector,
            vector < X86_EXCEPTIONS ? vector_names[vector] : "interrupt", cpl, self->index,
            initial_apic_id());
    kprintf("rip %016lx  error %016lx  cr2 %016lx\n", tf->rip, tf->error, x86_read_cr2());
    kprintf("cs  %016lx  rflags %016lx  rsp %016lx  ss %016lx\n", tf->cs, tf->rflags, tf->rsp,
            tf->ss);
    kprintf("rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    kprintf("r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    kprintf("r13 %016lx  r14 %016lx  r15 %016lx\n", tf->r13, tf->r14, tf->r15);
    if (vector == X86_VEC_PF)
        page_fault_detail(tf->error);
    backtrace(tf);
    kcore_exit(vector < KABI_EXIT_FAULT_VECTORS ? KABI_EXIT_FAULT_BASE + (int)vector
                                                : KABI_EXIT_FAULT_OTHER);
}
