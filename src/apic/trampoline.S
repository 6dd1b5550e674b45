/* Application-processor start-up: from the real mode a SIPI leaves an AP in, to long mode at CPL0.
 *
 * Contract:
 * - The runtime (smp.c) copies [ktrampoline_start, ktrampoline_end) to KABI_TRAMPOLINE_ADDR
 *   (below 1 MiB, 4 KiB aligned) at CPL3; the core then makes that page supervisor-only and sends
 *   SIPIs with vector KABI_TRAMPOLINE_ADDR >> 12, so the code starts at
 *   CS:IP = (KABI_TRAMPOLINE_ADDR >> 4):0. It is position dependent on that address only.
 * - It uses no stack and no memory but its own page and the core's GDT (__tfk_gdt) and page tables
 *   (__tfk_pml4), both below 4 GiB and set up by the BSP before any SIPI.
 * - It ends at __tfk_ap_entry64 in 64-bit mode with no stack; __tfk_ap_entry64 finds the CPU's index from
 *   its APIC ID in ksmp_apic_ids[] and takes that CPU's kernel stack.
 * Reference: Intel SDM vol. 3A 9.4 (MP initialization) and 9.8.5 (entering IA-32e mode). */
#include "x86.h"
#include "kabi.h"
#include "long_mode.h"

#define TRAMPOLINE_LINEAR(label) (KABI_TRAMPOLINE_ADDR + (label) - ktrampoline_start)

        .section .rodata, "a"
        .code16
        .balign 16
        .globl  ktrampoline_start, ktrampoline_end
ktrampoline_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   trampoline_gdtr - ktrampoline_start
        movl    %cr0, %eax
        orl     $X86_CR0_PE, %eax
        movl    %eax, %cr0
        ljmpl   $KABI_SEL_KCODE32, $TRAMPOLINE_LINEAR(trampoline32)

        .code32
trampoline32:
        movl    $KABI_SEL_KDATA, %eax
        movl    %eax, %ds
        movl    %eax, %es
        movl    %eax, %ss
        LONG_MODE_ENABLE __tfk_pml4
        ljmp    $KABI_SEL_KCODE64, $__tfk_ap_entry64

        .balign 8
trampoline_gdtr:
        .word   KABI_GDT_ENTRIES * 8 - 1
        .long   __tfk_gdt
ktrampoline_end:

        .section .note.GNU-stack, "", @progbits
