/* CPL3: fault_call and the recovery entry the core resumes a faulting CPU at (see fault.h).
 *
 * fault_call(fn, arg, ret, info) frame, from the top: return address, RBP, RBX, R12-R15, this
 * CPU's per-CPU block (GS as it must be after fn), its fault context, ret, info, and one word
 * holding the caller's MXCSR (low 4 bytes) and x87 control word (the 2 bytes above), which also
 * keeps RSP 16-aligned at the call of fn. The context's rsp points at that word.
 *
 * Every task starts with the default floating-point environment (FNINIT: x87 control word
 * 0x37F, empty register stack, no pending exception; MXCSR X86_MXCSR_DEFAULT: every SSE
 * exception masked, round to nearest), whatever the task before it on this CPU left: a task
 * that unmasks an exception or changes the rounding mode changes only itself. The caller's
 * control words are put back when fn returns or faults (the bootstrap CPU runs tasks inside
 * tf_wait, and main's own environment must survive them).
 *
 * After fn returns, and before disarming, GS is checked: fn may have changed it. Reading
 * through a GS that points at nothing faults (recovered); one that points elsewhere is met with
 * CLI, which raises #GP at CPL3 (IOPL is 0: SDM vol. 2A, CLI), recovered too. Either way the core
 * puts the runtime's GS back (kfault.c) and fn's call ends as a fault. */
#include "fault.h"
#include "percpu.h"
#include "x86.h"

/* fault_call's frame, from the context's rsp upwards (the header comment) */
#define FRAME_INFO 8
#define FRAME_RET  16
#define FRAME_CTX  24
#define FRAME_SELF 32
#define FRAME_POP  40

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
        pushq   %gs:PERCPU_SELF
        pushq   %gs:PERCPU_FAULT
        pushq   %rdx                    /* ret */
        pushq   %rcx                    /* info */
        subq    $8, %rsp
        stmxcsr (%rsp)                  /* the caller's environment, back at 1: below */
        fnstcw  4(%rsp)
        fninit
        ldmxcsr fault_mxcsr_default(%rip)
        movq    FRAME_CTX(%rsp), %rax
        movq    %rsp, FAULT_CTX_RSP(%rax)
        movq    %rdi, %r11
        movq    %rsi, %rdi
        /* Armed from here: a plain store, which the core reads on this same CPU */
        movl    $1, FAULT_CTX_ARMED(%rax)
        call    *%r11
        movq    FRAME_SELF(%rsp), %rcx  /* still armed: is GS still ours? */
        cmpq    %gs:PERCPU_SELF, %rcx
        jne     2f
        movq    FRAME_CTX(%rsp), %rcx
        movl    $0, FAULT_CTX_ARMED(%rcx)
        movq    FRAME_RET(%rsp), %rdx
        movq    %rax, (%rdx)
        xorl    %eax, %eax
        jmp     1f
2:      cli                             /* #GP, recovered below with GS given back */
        ud2                             /* (were IOPL ever 3: #UD, recovered the same way) */

/* Entered from the core (kfault.c) at CPL3 on the recovery stack, disarmed and with this CPU's
 * GS: RDI = vector, RSI = error code, RDX = faulting RIP, RCX = CR2. */
fault_recover_entry:
        movq    %gs:PERCPU_FAULT, %rax
        movq    FAULT_CTX_RSP(%rax), %rsp
        movq    FRAME_INFO(%rsp), %rax
        movl    %edi, FAULT_INFO_VECTOR(%rax)
        movq    %rsi, FAULT_INFO_ERROR(%rax)
        movq    %rdx, FAULT_INFO_RIP(%rax)
        movq    %rcx, FAULT_INFO_CR2(%rax)
        cld
        /* The task's x87 state may hold what raised the fault (a pending x87 error that the
         * next x87 instruction would raise again): cleared before the caller's control word is
         * loaded back below. */
        fninit
        movl    $-1, %eax
1:      ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $FRAME_POP, %rsp        /* saved environment, info, ret, context, block */
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   fault_call, . - fault_call

        .section .rodata
        .balign 4
fault_mxcsr_default:
        .long   X86_MXCSR_DEFAULT

        .section .note.GNU-stack, "", @progbits
