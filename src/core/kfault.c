/* CPL0: ending a faulting task instead of the machine. Each CPU registers, once, a word in user
 * memory that the runtime sets while it runs a task, where to resume and with which GS base
 * (src/boot/fault.c). A CPU exception raised at CPL3 while that word is nonzero is not reported:
 * the trap frame is rewritten so that IRETQ lands in the runtime's recovery code, at CPL3, on a
 * spare stack, with the fault's details in registers. A few dozen instructions here; the rest
 * happens at CPL3.
 *
 * Nothing the task could have changed is trusted: the word is in user memory, so it is checked
 * against the page tables again before each use (registration proved nothing about later), and
 * the GS base is put back, since the recovery code finds its state through GS and a task may
 * have loaded a selector, called KABI_SYS_SET_USER_GS or executed WRGSBASE. The core disarms
 * the word itself: a fault in the recovery code is then reported instead of recovered into the
 * same fault forever. */
#include "kcore.h"
#include "platform.h"
#include "x86.h"
#include "x86_ops.h"

/* Never recovered: they do not mean the running code did something wrong. */
#define NOT_RECOVERED(v) ((v) == X86_VEC_NMI || (v) == X86_VEC_DF || (v) == X86_VEC_MC)

long kfault_setup(uint64_t armed, uint64_t rip, uint64_t rsp, uint64_t gs)
{
    struct kcpu *self = kcore_self();
    if (self->fault_armed)
        return -KABI_EPERM; /* once: a task may not move the recovery elsewhere */
    if (!kcore_user_buffer_ok(armed, sizeof(uint32_t)) || armed % sizeof(uint32_t) ||
        !kcore_user_buffer_ok(rip, 1) || !kcore_user_buffer_ok(rsp - 8, 8))
        return -KABI_EFAULT;
    if (gs >= PLAT_MAPPED_LIMIT) /* loaded by WRMSR, which faults on a non-canonical base */
        return -KABI_EINVAL;
    self->fault_rip = rip;
    self->fault_rsp = rsp;
    self->fault_gs = gs;
    self->fault_armed = (volatile uint32_t *)(uintptr_t)armed;
    return 0;
}

/* Returns 1 when the frame now resumes in the recovery code, 0 to report the fault as usual.
 * Called from CPL3 entries only, after SWAPGS: the interrupted code's GS base is in
 * KERNEL_GS_BASE, which the return's SWAPGS makes current again. */
int kfault_recover(struct trap_frame *tf)
{
    struct kcpu *self = kcore_self();
    unsigned vector = tf->vector & 0xFF;
    volatile uint32_t *armed = self->fault_armed;
    if (!armed || NOT_RECOVERED(vector) ||
        !kcore_user_buffer_ok((uint64_t)(uintptr_t)armed, sizeof(*armed)) || !*armed)
        return 0;
    *armed = 0;
    x86_wrmsr(X86_MSR_KERNEL_GS_BASE, self->fault_gs);
    tf->rdi = vector;
    tf->rsi = tf->error;
    tf->rdx = tf->rip;
    tf->rcx = vector == X86_VEC_PF ? x86_read_cr2() : 0;
    tf->rip = self->fault_rip;
    tf->rsp = self->fault_rsp;
    tf->rflags = X86_RFLAGS_RESERVED | X86_RFLAGS_IF;
    return 1;
}
