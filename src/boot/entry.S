/* Boot entry: from the Multiboot loader's 32-bit protected mode to long mode at CPL0, and from
 * there to the runtime at CPL3.
 *
 * Contract with the loaders (Multiboot1 3.2, Multiboot2 3.3): EAX = loader magic, EBX = physical
 * address of the information structure, flat 32-bit segments, paging and interrupts off. Nothing
 * else is assumed: we load our own GDT and stack before touching anything.
 *
 * Every instruction here is emulated on PVM hypervisors, so the path is short: the page tables
 * are prebuilt (pagetables.S) and only the CPL0 core's own pages are made supervisor-only. */
#include "x86.h"
#include "kabi.h"
#include "kcore.h"
#include "long_mode.h"

        .section .kboot, "ax"
        .code32
        .globl  __tfk_boot_entry32
__tfk_boot_entry32:
        cli
        cld
        movl    %eax, %esi
        rdtsc                           /* boot-time measurement: the first timestamp */
        movl    %eax, kboot_tsc
        movl    %edx, kboot_tsc + 4
        movl    %esi, %eax
        movl    %eax, kboot_magic
        movl    %ebx, kboot_info
        movl    $kstacks + KCORE_KSTACK_SIZE, %esp

        /* Supervisor-only: the 4 KiB pages [__image_start, __kernel_end) ... */
        movl    $__image_start, %eax
1:      movl    %eax, %edx
        shrl    $X86_PAGE_SHIFT, %edx
        andl    $~X86_PTE_U, kpt_low(, %edx, 8)
        addl    $X86_PAGE_SIZE, %eax
        cmpl    $__kernel_end, %eax
        jb      1b
        /* ... and the 2 MiB pages [__kbss_start, __kbss_end) */
        movl    $__kbss_start, %eax
2:      movl    %eax, %edx
        shrl    $X86_LARGE_PAGE_SHIFT, %edx
        andl    $~X86_PTE_U, kpd(, %edx, 8)
        addl    $X86_LARGE_PAGE_SIZE, %eax
        cmpl    $__kbss_end, %eax
        jb      2b

        /* Long mode (long_mode.h), then the core's GDT and its 64-bit code segment */
        LONG_MODE_ENABLE __tfk_pml4
        lgdt    kgdt_pointer
        ljmp    $KABI_SEL_KCODE64, $kboot_entry64

        .code64
kboot_entry64:
        LONG_MODE_SEGMENTS
        movq    $kstacks + KCORE_KSTACK_SIZE, %rsp
        xorl    %ebp, %ebp
        fninit
        call    kcore_init_bsp          /* GDT TSS, IDT, MSRs, console */

        /* Drop to CPL3: __tfr_user_entry(magic, info, tsc) on the runtime's boot stack,
         * interrupts on */
        movq    kboot_magic, %rdi
        movq    kboot_info, %rsi
        movq    kboot_tsc, %rdx
        pushq   $(KABI_SEL_UDATA | KABI_RPL3)
        pushq   $__tfr_boot_stack + KABI_BOOT_STACK_SIZE - 8 /* as if called: RSP+8 16-aligned */
        pushq   $(X86_RFLAGS_RESERVED | X86_RFLAGS_IF)
        pushq   $(KABI_SEL_UCODE64 | KABI_RPL3)
        pushq   $__tfr_user_entry
        movl    $(KABI_SEL_UDATA | KABI_RPL3), %eax
        movl    %eax, %ds
        movl    %eax, %es
        swapgs                          /* GS base: 0 for CPL3, struct kcpu kept for entries */
        iretq

        .section .kbss, "aw", @nobits
        .balign 4096
        .globl  kstacks, kist_df, kist_nmi
kstacks:
        .skip   KCORE_KSTACK_SIZE * TF_MAX_CPUS
kist_df:
        .skip   KCORE_IST_SIZE * TF_MAX_CPUS
kist_nmi:
        .skip   KCORE_IST_SIZE * TF_MAX_CPUS

        .section .note.GNU-stack, "", @progbits
