/* CPL0: where the AP start-up trampoline (trampoline.S) lands in 64-bit mode. */
#include "x86.h"
#include "kabi.h"
#include "kcore.h"
#include "long_mode.h"

/* 64-bit, CPL0, no stack: index = position of this CPU's APIC ID in ksmp_apic_ids. */
        .section .ktext, "ax"
        .code64
        .globl  __tfk_ap_entry64
__tfk_ap_entry64:
        LONG_MODE_SEGMENTS
        cmpl    $0, klapic_x2apic
        je      1f
        movl    $X86_CPUID_TOPOLOGY, %eax   /* EDX: x2APIC ID */
        xorl    %ecx, %ecx
        cpuid
        movl    %edx, %ebx
        jmp     2f
1:      movl    $X86_CPUID_FEATURES, %eax   /* EBX[31:24]: initial APIC ID */
        cpuid
        shrl    $X86_CPUID1_EBX_APICID, %ebx
2:      movl    $1, %ecx                    /* index 0 is the BSP */
3:      cmpl    ksmp_count, %ecx
        jae     4f
        cmpl    ksmp_apic_ids(, %rcx, 4), %ebx
        je      5f
        incl    %ecx
        jmp     3b
4:      cli                                 /* not a CPU we started: stay halted */
        hlt
        jmp     4b
5:      movl    %ecx, %edi
        leaq    1(%rcx), %rax
        shlq    $KCORE_KSTACK_SHIFT, %rax
        addq    $kstacks, %rax
        movq    %rax, %rsp
        xorl    %ebp, %ebp
        fninit
        call    kap_main                    /* does not return */
        jmp     4b

        .section .note.GNU-stack, "", @progbits
