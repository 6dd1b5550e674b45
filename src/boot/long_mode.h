/* Assembler macros: the way into long mode at CPL0, which the bootstrap CPU takes from the
 * loader's protected mode (entry.S) and every other CPU from the start-up trampoline's
 * (src/apic/trampoline.S, then src/core/kap_entry.S). One copy, so that the two cannot drift
 * apart. Intel SDM vol. 3A 9.8.5 (initializing IA-32e mode). */
#ifndef TF_BOOT_LONG_MODE_H
#define TF_BOOT_LONG_MODE_H

#include "kabi.h"
#include "x86.h"

/* clang-format off */

/* In 32-bit protected mode, paging off: PAE and the SSE enables in CR4, the page tables at
 * `pml4` in CR3, EFER.LME (and SCE, for SYSCALL), then paging, write protection at CPL0, native
 * x87 errors and no x87 emulation in CR0. Long mode is then active, in its 32-bit compatibility
 * submode until a far jump to a 64-bit code segment. Clobbers EAX, ECX, EDX. */
.macro LONG_MODE_ENABLE pml4
        movl    %cr4, %eax
        orl     $(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT), %eax
        movl    %eax, %cr4
        movl    $\pml4, %eax
        movl    %eax, %cr3
        movl    $X86_MSR_EFER, %ecx
        rdmsr
        orl     $(X86_EFER_LME | X86_EFER_SCE), %eax
        wrmsr
        movl    %cr0, %eax
        andl    $~(X86_CR0_EM | X86_CR0_TS), %eax
        orl     $(X86_CR0_PG | X86_CR0_PE | X86_CR0_WP | X86_CR0_MP | X86_CR0_NE), %eax
        movl    %eax, %cr0
.endm

/* The first instructions in 64-bit mode: the core's data segment in DS, ES and SS, null
 * selectors in FS and GS (whose bases are MSRs). Clobbers EAX. */
.macro LONG_MODE_SEGMENTS
        movl    $KABI_SEL_KDATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        xorl    %eax, %eax
        movl    %eax, %fs
        movl    %eax, %gs
.endm

/* clang-format on */

#endif
