/* faults: raises the CPU exception its argument names, so the QEMU tests can check the report
 * and the exit code.
 *   faults de|pf|ud|gp            at CPL3 (divide error, page fault, invalid opcode, protection)
 *   faults kde|kpf|kud            at CPL0, through the core's self-test system call
 *   faults supervisor-write       a CPL3 store into the core's supervisor-only pages
 *   faults exit N                 exit(N) without a fault */
#include "kabi.h"
#include "usys.h"
#include "x86.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char __image_start[];

#define UNMAPPED_ADDRESS 0x100000000000ull /* far above the identity-mapped 4 GiB */

__attribute__((noinline)) static void divide_error(void)
{
    __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx");
}

__attribute__((noinline)) static void page_fault(void)
{
    *(volatile int *)(uintptr_t)UNMAPPED_ADDRESS = 1;
}

__attribute__((noinline)) static void invalid_opcode(void)
{
    __asm__ volatile("ud2");
}

__attribute__((noinline)) static void general_protection(void)
{
    __asm__ volatile("cli");
}

__attribute__((noinline)) static void supervisor_write(void)
{
    *(volatile char *)(__image_start + 0x10) = 1;
}

static long kernel_fault(long vector)
{
    return usys_call(KABI_SYS_SELFTEST_FAULT, vector, 0, 0, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: faults de|pf|ud|gp|kde|kpf|kud|supervisor-write|exit N\n");
        return 2;
    }
    const char *what = argv[1];
    printf("faults: %s\n", what);
    fflush(stdout);
    if (!strcmp(what, "de"))
        divide_error();
    else if (!strcmp(what, "pf"))
        page_fault();
    else if (!strcmp(what, "ud"))
        invalid_opcode();
    else if (!strcmp(what, "gp"))
        general_protection();
    else if (!strcmp(what, "supervisor-write"))
        supervisor_write();
    else if (!strcmp(what, "kde"))
        kernel_fault(X86_VEC_DE);
    else if (!strcmp(what, "kpf"))
        kernel_fault(X86_VEC_PF);
    else if (!strcmp(what, "ktriple"))
        kernel_fault(X86_VEC_DF);
    else if (!strcmp(what, "kud"))
        kernel_fault(X86_VEC_UD);
    else if (!strcmp(what, "exit") && argc > 2)
        return atoi(argv[2]);
    printf("faults: %s did not fault\n", what);
    return 1;
}
