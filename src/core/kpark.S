/* CPL0: parking a CPU until its word changes and waking a parked CPU (KABI_SYS_PARK,
 * KABI_SYS_WAKE), and the wake-up IPI's handler: the core's one copy of each.
 *
 * Two ways in. ksmp.c, from the C dispatcher, checks any call the long way and parks through
 * kpark_hlt or kpark_mwait below, or wakes through klapic_send. The fast entries, kfast_park and
 * kfast_wake, are where isr.S's page-fault path sends a system call on PVM hypervisors: CPL0 is
 * emulated there (about a microsecond an instruction) and the C dispatcher's path was about
 * 60 us, so they check the common cases in a few instructions and end in the same halt (the
 * PARK_HLT macro) or the same IPI (KLAPIC_ICR_WAKE through klapic.h's KLAPIC_X2APIC_SEND);
 * everything else, errors included, goes on to the dispatcher (kpf_syscall): the result is the
 * same. Nothing here touches per-CPU data, so nothing needs SWAPGS.
 *
 * No lost wake-up: every park is entered with interrupts off (SYSCALL's FMASK, or the fault),
 * compares the word, and halts with STI; HLT (or MWAIT). STI's one-instruction shadow covers the
 * halt, so a wake-up IPI sent after the comparison stays pending until it, and ends it. */
#include "x86.h"
#include "kabi.h"
#include "kcore.h"
#include "klapic.h"
#include "platform.h"

/* Halts unless the word at RDI differs from ESI. EAX = 0, the call's result. */
.macro PARK_HLT
        xorl    %eax, %eax
        cmpl    %esi, (%rdi)
        jne     .Lpark_hlt_done\@
        sti
        hlt
        cli
.Lpark_hlt_done\@:
.endm

        .section .ktext, "ax"
        .code64

/* long kpark_hlt(const uint32_t *word, uint32_t seen): the word is one CPL3 may read. */
        .globl  kpark_hlt
kpark_hlt:
        PARK_HLT
        ret

/* long kpark_mwait(const uint32_t *word, uint32_t seen): MONITOR the word's line, then MWAIT
 * unless it changed; a store to the line ends the wait as an interrupt does. No extensions, no
 * hints (ECX = EAX = 0 for MWAIT; ECX = EDX = 0 for MONITOR). */
        .globl  kpark_mwait
kpark_mwait:
        movq    %rdi, %rax
        xorl    %ecx, %ecx
        xorl    %edx, %edx
        monitor
        xorl    %eax, %eax
        cmpl    %esi, (%rdi)
        jne     1f
        sti
        mwait
        cli
1:      ret

/* The fast entries: on the page-fault frame (error code, RIP, CS, RFLAGS, RSP, SS), with RIP and
 * RFLAGS already those to resume with, interrupts off, and the system call's registers.
 *
 * KABI_SYS_PARK with KABI_PARK_HLT (word in RDI, seen in ESI): an aligned word in a 2 MiB page
 * that is present and user-accessible, so that CPL3 could read it itself (other words, in pages
 * split into 4 KiB ones among them, take the long way through kcore_user_buffer_ok). */
        .globl  kfast_park
kfast_park:
        cmpq    $KABI_PARK_HLT, %rdx
        jne     kpf_syscall
        testq   $3, %rdi                /* an aligned word lies within one page */
        jnz     kpf_syscall
        movq    %rdi, %rcx
        shrq    $X86_LARGE_PAGE_SHIFT, %rcx
        cmpq    $(PLAT_MAPPED_LIMIT >> X86_LARGE_PAGE_SHIFT), %rcx
        jae     kpf_syscall
        movq    kpd(, %rcx, 8), %rcx    /* its 2 MiB page must be present and the user's */
        andl    $(X86_PTE_P | X86_PTE_U | X86_PTE_PS), %ecx
        cmpl    $(X86_PTE_P | X86_PTE_U | X86_PTE_PS), %ecx
        jne     kpf_syscall             /* split into 4 KiB pages, or not the user's: the long way */
        PARK_HLT
        addq    $8, %rsp                /* error code */
        iretq

/* KABI_SYS_WAKE in x2APIC mode (CPU index in RDI): one WRMSR of the ICR. xAPIC mode (which
 * waits for the delivery status) and bad indexes go the long way. Returns 0. */
        .globl  kfast_wake
kfast_wake:
        cmpl    $0, klapic_x2apic
        je      kpf_syscall
        movl    ksmp_count, %ecx
        cmpq    %rcx, %rdi
        jae     kpf_syscall
        movl    ksmp_apic_ids(, %rdi, 4), %edx
        movl    $KLAPIC_ICR_WAKE, %eax
        KLAPIC_X2APIC_SEND
        xorl    %eax, %eax
        addq    $8, %rsp                /* error code */
        iretq

/* The wake-up IPI, and the device vectors that only end a halt (isr.S's kirq_stubs jump here):
 * acknowledge it and resume; the parked CPU returns from its HLT or MWAIT. */
        .globl  kwake_entry
kwake_entry:
        KLAPIC_EOI_THEN iretq

        .section .note.GNU-stack, "", @progbits
