/* CPL0 entry points: the 32 exception vectors and SYSCALL.
 *
 * Exceptions: each stub pushes a zero error code when the CPU pushes none, then its vector, and
 * jumps to isr_common, which saves the general registers in struct trap_frame order (kcore.h),
 * switches to the kernel GS base when it came from CPL3, and calls ktrap(frame). If ktrap returns
 * (it may rewrite the frame to resume elsewhere) the registers are restored and IRETQ resumes.
 *
 * SYSCALL: RCX = user RIP, R11 = user RFLAGS; FMASK has cleared IF, so nothing interrupts us.
 * SWAPGS gives the kernel per-CPU data, whose kstack_top becomes RSP. The return is IRETQ, not
 * SYSRETQ: SYSRETQ raises #GP on PVM hypervisors, and IRETQ also restores RFLAGS and RSP in one
 * instruction. The path is kept short because every instruction is emulated there. */
#include "x86.h"
#include "kabi.h"
#include "kcore.h"

        .section .ktext, "ax"
        .code64

        .balign KCORE_ISR_STUB_SIZE
        .globl  kisr_stubs
kisr_stubs:
        .set    vec, 0
        .rept   X86_EXCEPTIONS
        .balign KCORE_ISR_STUB_SIZE
1:
        .if     vec == X86_VEC_PF
        jmp     kpage_fault_entry
        .else
        /* An interrupt on a vector whose exception has an error code (an MSI may name any vector
         * from 16 up) pushes none. In 64-bit mode the CPU aligns RSP to 16 bytes before it
         * pushes the frame (SDM vol. 3A 7.14.2): 5 words without an error code, 6 with one,
         * so bit 3 of RSP tells which of the two frames this is. */
        .if     X86_VEC_HAS_ERRCODE(vec)
        testb   $8, %spl
        jz      2f
        .endif
        pushq   $0
2:      pushq   $vec
        jmp     isr_common
        .endif
        .org    1b + KCORE_ISR_STUB_SIZE /* an error when a stub outgrows its slot */
        .set    vec, vec + 1
        .endr

/* Vectors 32-255 without a handler of their own: report the unexpected interrupt (ktrap.c).
 * The NIC's, the output port's and the device-wait timer's vectors only end a halt:
 * acknowledged like a wake-up (kwake_entry, kpark.S). */
        .balign KCORE_ISR_STUB_SIZE
        .globl  kirq_stubs
kirq_stubs:
        .set    vec, X86_EXCEPTIONS
        .rept   256 - X86_EXCEPTIONS
        .balign KCORE_ISR_STUB_SIZE
        .if     vec == KABI_VEC_NIC || vec == KABI_VEC_TIMER || vec == KABI_VEC_OUTPUT
        jmp     kwake_entry
        .else
        pushq   $0
        pushq   $vec
        jmp     isr_common
        .endif
        .set    vec, vec + 1
        .endr

isr_common:
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %rbp
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        testb   $3, 18 * 8(%rsp)        /* frame->cs: did we come from CPL3? */
        jz      1f
        swapgs
1:      movq    %rsp, %rdi
        cld
        call    ktrap
        testb   $3, 18 * 8(%rsp)
        jz      2f
        swapgs
2:      popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rbp
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        addq    $16, %rsp               /* vector and error code */
        iretq

/* #PF, with one special case first. On PVM hypervisors SYSCALL from a guest that is not PVM-aware
 * jumps to LSTAR without leaving CPL3 (RCX and R11 are set as usual); fetching the
 * supervisor-only entry point then faults here with RIP == ksyscall_entry. That fault is the
 * system call: complete it on the same short path and return after the SYSCALL instruction.
 * Frame: error code, RIP, CS, RFLAGS, RSP, SS. */
kpage_fault_entry:
        testb   $3, 16(%rsp)            /* from CPL3 ... */
        jz      1f
        cmpq    $ksyscall_entry, 8(%rsp) /* ... at the SYSCALL entry point */
        jne     1f
        /* RCX and R11 are the caller's word here, not the CPU's: any CPL3 code can jump to the
         * entry point with values of its own. IRETQ at CPL0 would load every flag (IOPL
         * included) and fault on a return address outside the identity map, so only the
         * flags CPL3 may set pass, and a return address above 4 GiB is a fault, not a call. */
        pushq   %rcx
        shrq    $32, %rcx               /* sets ZF when RCX < 4 GiB (PLAT_MAPPED_LIMIT) */
        popq    %rcx
        jnz     1f
        andl    $X86_RFLAGS_USER, %r11d
        orl     $(X86_RFLAGS_IF | X86_RFLAGS_RESERVED), %r11d
        movq    %rcx, 8(%rsp)           /* resume after SYSCALL, with the caller's RFLAGS */
        movq    %r11, 24(%rsp)
        /* Parking and waking are what a task hand-off costs in the core: the common cases take
         * a few instructions in kpark.S, which come back here for the rest. */
        cmpq    $KABI_SYS_PARK, %rax
        je      kfast_park
        cmpq    $KABI_SYS_WAKE, %rax
        je      kfast_wake
        .globl  kpf_syscall
kpf_syscall:
        swapgs
        cld                             /* the C code's string instructions count upwards */
        movq    %r10, %rcx              /* ksys_dispatch(a0, a1, a2, a3, nr) */
        cmpq    $KABI_SYS_VQ_PUT, %rax  /* a reply's post goes straight to kvq_put (kvq.c) */
        je      5f
        movq    %rax, %r8
        call    ksys_dispatch
6:      swapgs
        addq    $8, %rsp                /* error code */
        iretq
5:      call    kvq_put
        jmp     6b
1:      testb   $8, %spl                /* an interrupt on vector 14: no error code (above) */
        jz      2f
        pushq   $0
2:      pushq   $X86_VEC_PF
        jmp     isr_common

/* Spurious LAPIC interrupts need no EOI (SDM vol. 3A 11.9) */
        .globl  kspurious_entry
kspurious_entry:
        iretq

/* kenter_user(rip, rsp, arg0): leave CPL0 for rip(arg0) at CPL3 on the stack whose top is rsp,
 * interrupts on. The kernel GS base stays in KERNEL_GS_BASE for the next entry. */
        .globl  kenter_user
kenter_user:
        pushq   $(KABI_SEL_UDATA | KABI_RPL3)
        subq    $8, %rsi                /* as if called: RSP+8 16-aligned */
        pushq   %rsi
        pushq   $(X86_RFLAGS_RESERVED | X86_RFLAGS_IF)
        pushq   $(KABI_SEL_UCODE64 | KABI_RPL3)
        pushq   %rdi
        movq    %rdx, %rdi
        movl    $(KABI_SEL_UDATA | KABI_RPL3), %eax
        movl    %eax, %ds
        movl    %eax, %es
        swapgs
        iretq

        .globl  ksyscall_entry
ksyscall_entry:
        swapgs
        movq    %rsp, %gs:KCPU_USER_RSP
        movq    %gs:KCPU_KSTACK_TOP, %rsp
        pushq   $(KABI_SEL_UDATA | KABI_RPL3)
        pushq   %gs:KCPU_USER_RSP
        pushq   %r11
        pushq   $(KABI_SEL_UCODE64 | KABI_RPL3)
        pushq   %rcx
        subq    $8, %rsp                /* RSP 16-byte aligned at the call (SysV ABI) */
        movq    %r10, %rcx              /* ksys_dispatch(a0, a1, a2, a3, nr) */
        cmpq    $KABI_SYS_VQ_PUT, %rax  /* as in kpf_syscall */
        je      5f
        movq    %rax, %r8
        call    ksys_dispatch
6:      addq    $8, %rsp
        swapgs
        iretq
5:      call    kvq_put
        jmp     6b

        .section .note.GNU-stack, "", @progbits
