/* hostile-production: a program linked like any user's (taskfarm_add_image: the production
 * core) that asks the core for what only the test suite's core offers:
 *   hostile-production selftest    KABI_SYS_SELFTEST_FAULT for a page fault at CPL0, and
 *                                  KABI_SYS_SELFTEST_IRQ for an interrupt
 * Prints "SELFTEST_FAULT: <result>" and "SELFTEST_IRQ: <result>" (-88, ENOSYS, when refused)
 * and exits 0. */
#include "kabi.h"
#include "x86.h"

#include <stdio.h>
#include <string.h>

static long syscall1(long nr, long a0)
{
    __asm__ volatile("syscall"
                     : "+a"(nr), "+D"(a0)
                     :
                     : "rcx", "r11", "rsi", "rdx", "r8", "r9", "r10", "memory", "cc");
    return nr;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "selftest")) {
        fprintf(stderr, "usage: hostile-production selftest\n");
        return 2;
    }
    printf("SELFTEST_FAULT: %ld\n", syscall1(KABI_SYS_SELFTEST_FAULT, X86_VEC_PF));
    printf("SELFTEST_IRQ: %ld\n", syscall1(KABI_SYS_SELFTEST_IRQ, 0));
    return 0;
}
