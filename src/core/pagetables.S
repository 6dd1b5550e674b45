/* The boot page tables: an identity map of the low 4 GiB, built by the assembler so that the
 * emulated CPL0 boot path does not loop over thousands of entries (on PVM each CPL0 instruction
 * is emulated). __tfk_boot_entry32 only clears the user bit on the pages of the CPL0 core.
 *
 *   0          not present (null pointers fault)
 *   4 KiB-2 MiB  4 KiB pages, user, read/write (the core's pages become supervisor at boot)
 *   2 MiB-4 GiB  2 MiB pages, user, read/write, write-back
 *   top 32 MiB   2 MiB pages, supervisor, uncached: IOAPIC (0xFEC00000), LAPIC (0xFEE00000)
 * Reference: Intel SDM vol. 3A 4.5 (4-level paging). */
#include "x86.h"

#define PT_USER  (X86_PTE_P | X86_PTE_W | X86_PTE_U)
#define PT_LARGE (PT_USER | X86_PTE_PS)
#define PT_MMIO  (X86_PTE_P | X86_PTE_W | X86_PTE_PS | X86_PTE_PCD | X86_PTE_PWT)
#define PD_ENTRIES 2048             /* four page directories: 4 GiB of 2 MiB pages */
#define PD_MMIO_FIRST (PD_ENTRIES - 16) /* 0xFE000000 */

        .section .kdata.pagetables, "aw"
        .balign 4096
        .globl __tfk_pml4, kpdpt, kpd, kpt_low
__tfk_pml4:
        .quad   kpdpt + PT_USER
        .fill   511, 8, 0
kpdpt:
        .quad   kpd + 0 * 4096 + PT_USER
        .quad   kpd + 1 * 4096 + PT_USER
        .quad   kpd + 2 * 4096 + PT_USER
        .quad   kpd + 3 * 4096 + PT_USER
        .fill   508, 8, 0
kpd:
        .quad   kpt_low + PT_USER
        .set    i, 1
        .rept   PD_MMIO_FIRST - 1
        .quad   (i << X86_LARGE_PAGE_SHIFT) + PT_LARGE
        .set    i, i + 1
        .endr
        .rept   PD_ENTRIES - PD_MMIO_FIRST
        .quad   (i << X86_LARGE_PAGE_SHIFT) + PT_MMIO
        .set    i, i + 1
        .endr
kpt_low:
        .quad   0
        .set    i, 1
        .rept   X86_PT_ENTRIES - 1
        .quad   (i << X86_PAGE_SHIFT) + PT_USER
        .set    i, i + 1
        .endr

        .section .note.GNU-stack, "", @progbits
