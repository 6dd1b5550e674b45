/* Tasks that change their CPU's GS base, which the runtime's per-CPU block (percpu.h) and fault
 * recovery (fault_call.S) are reached through: by loading a selector (the GDT's user data
 * segment has base 0), by the SET_USER_GS system call, or by WRGSBASE. Each does it and then
 * returns, or faults. The runtime must end such a task (or let it return) and give the CPU its
 * GS back; the core must refuse a base it cannot load (a non-canonical one would fault WRMSR at
 * CPL0). */
#include "hostile.h"
#include "kabi.h"

#include <stdio.h>
#include <string.h>

#define NON_CANONICAL (1ull << 63)

static uint64_t zeros[64]; /* a readable block that is not the runtime's */

static uint64_t selector_return(unsigned i)
{
    (void)i;
    __asm__ volatile("movl %0, %%gs" ::"r"(KABI_SEL_UDATA | KABI_RPL3));
    return 1;
}

static uint64_t selector_fault(unsigned i)
{
    (void)i;
    __asm__ volatile("movl %0, %%gs; ud2" ::"r"(KABI_SEL_UDATA | KABI_RPL3));
    return 1;
}

static uint64_t syscall_zero_return(unsigned i)
{
    (void)i;
    return (uint64_t)hostile_syscall(KABI_SYS_SET_USER_GS, 0, 0, 0, 0);
}

static uint64_t syscall_zero_fault(unsigned i)
{
    (void)i;
    hostile_syscall(KABI_SYS_SET_USER_GS, 0, 0, 0, 0);
    __asm__ volatile("ud2");
    return 1;
}

static uint64_t syscall_other_block(unsigned i)
{
    (void)i;
    return (uint64_t)hostile_syscall(KABI_SYS_SET_USER_GS, (long)zeros, 0, 0, 0);
}

static uint64_t syscall_non_canonical(unsigned i)
{
    (void)i;
    return (uint64_t)hostile_syscall(KABI_SYS_SET_USER_GS, (long)NON_CANONICAL, 0, 0, 0);
}

/* #UD unless CR4.FSGSBASE is on (or the hypervisor runs CPL3 natively on a host that has it). */
static uint64_t wrgsbase_return(unsigned i)
{
    (void)i;
    __asm__ volatile("wrgsbase %0" ::"r"(0ul));
    return 1;
}

static uint64_t wrgsbase_fault(unsigned i)
{
    (void)i;
    __asm__ volatile("wrgsbase %0; ud2" ::"r"((uint64_t)(uintptr_t)zeros));
    return 1;
}

int hostile_gs(const char *how)
{
    if (!strcmp(how, "selector")) {
        hostile_round("selector-return", selector_return);
        hostile_round("selector-fault", selector_fault);
    } else if (!strcmp(how, "syscall")) {
        hostile_round("syscall-zero-return", syscall_zero_return);
        hostile_round("syscall-zero-fault", syscall_zero_fault);
        hostile_round("syscall-other-block", syscall_other_block);
        hostile_round("syscall-non-canonical", syscall_non_canonical);
    } else if (!strcmp(how, "wrgsbase")) {
        hostile_round("wrgsbase-return", wrgsbase_return);
        hostile_round("wrgsbase-fault", wrgsbase_fault);
    } else {
        fprintf(stderr, "hostile: unknown mode gs-%s\n", how);
        return 2;
    }
    return hostile_normal_round();
}
