/* CPL3: fault_call and the recovery entry the core resumes a faulting CPU at (see fault.h).
 *
 * fault_call(fn, arg, ret, info) frame, from the top: return address, RBP, RBX, R12-R15, ret,
 * info, one pad word (RSP 16-aligned at the call of fn). The context's rsp points at the pad. */
#include "fault.h"
#include "percpu.h"
#include "x86.h"

        .text
        .globl  fault_call, fault_recover_entry
        .type   fault_call, @function
fault_call:
        pushq   %rbp
        movq    %rsp, %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdx                    /* ret */
        pushq   %rcx                    /* info */
        subq    $8, %rsp
        movq    %gs:PERCPU_FAULT, %rax
        movq    %rsp, FAULT_CTX_RSP(%rax)
        movq    %rdi, %r11
        movq    %rsi, %rdi
        /* Armed from here: a plain store, which the core reads on this same CPU */
        movl    $1, FAULT_CTX_ARMED(%rax)
        call    *%r11
        movq    %gs:PERCPU_FAULT, %rcx
        movl    $0, FAULT_CTX_ARMED(%rcx)
        movq    16(%rsp), %rdx          /* ret */
        movq    %rax, (%rdx)
        xorl    %eax, %eax
        jmp     1f

/* Entered from the core (kfault.c) at CPL3 on the recovery stack: RDI = vector, RSI = error
 * code, RDX = faulting RIP, RCX = CR2. */
fault_recover_entry:
        movq    %gs:PERCPU_FAULT, %rax
        movl    $0, FAULT_CTX_ARMED(%rax)
        movq    FAULT_CTX_RSP(%rax), %rsp
        movq    8(%rsp), %rax           /* info */
        movl    %edi, FAULT_INFO_VECTOR(%rax)
        movq    %rsi, FAULT_INFO_ERROR(%rax)
        movq    %rdx, FAULT_INFO_RIP(%rax)
        movq    %rcx, FAULT_INFO_CR2(%rax)
        cld
        /* The task's floating-point state may hold what raised the fault (an unmasked x87 or
         * SSE exception, a pending x87 error that the next x87 instruction would raise again):
         * the next task starts from the defaults. */
        fninit
        pushq   $X86_MXCSR_DEFAULT
        ldmxcsr (%rsp)
        addq    $8, %rsp
        movl    $-1, %eax
1:      addq    $24, %rsp               /* pad, info, ret */
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   fault_call, . - fault_call

        .section .note.GNU-stack, "", @progbits
