/* CPL0: ending a faulting task instead of the machine. Each CPU registers, once, a word in user
 * memory that the runtime sets while it runs a task, and where to resume (src/boot/fault.c). A
 * CPU exception raised at CPL3 while that word is nonzero is not reported: the trap frame is
 * rewritten so that IRETQ lands in the runtime's recovery code, at CPL3, on a spare stack, with
 * the fault's details in registers. A dozen instructions here; the rest happens at CPL3. */
#include "kcore.h"
#include "x86.h"
#include "x86_ops.h"

/* Never recovered: they do not mean the running code did something wrong. */
#define NOT_RECOVERED(v) ((v) == X86_VEC_NMI || (v) == X86_VEC_DF || (v) == X86_VEC_MC)

static struct kcpu *this_cpu(void)
{
    struct kcpu *self;
    __asm__ volatile("movq %%gs:%c1, %0" : "=r"(self) : "i"(KCPU_SELF));
    return self;
}

long kfault_setup(uint64_t armed, uint64_t rip, uint64_t rsp)
{
    if (!kcore_user_buffer_ok(armed, sizeof(uint32_t)) || armed % sizeof(uint32_t) ||
        !kcore_user_buffer_ok(rip, 1) || !kcore_user_buffer_ok(rsp - 8, 8))
        return -KABI_EFAULT;
    struct kcpu *self = this_cpu();
    self->fault_rip = rip;
    self->fault_rsp = rsp;
    self->fault_armed = (const volatile uint32_t *)(uintptr_t)armed;
    return 0;
}

/* Returns 1 when the frame now resumes in the recovery code, 0 to report the fault as usual. */
int kfault_recover(struct trap_frame *tf)
{
    struct kcpu *self = this_cpu();
    unsigned vector = tf->vector & 0xFF;
    if (!self->fault_armed || !*self->fault_armed || NOT_RECOVERED(vector))
        return 0;
    tf->rdi = vector;
    tf->rsi = tf->error;
    tf->rdx = tf->rip;
    tf->rcx = vector == X86_VEC_PF ? x86_read_cr2() : 0;
    tf->rip = self->fault_rip;
    tf->rsp = self->fault_rsp;
    tf->rflags = X86_RFLAGS_RESERVED | X86_RFLAGS_IF;
    return 1;
}
