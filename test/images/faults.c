/* faults: raises the CPU exception its argument names, so the QEMU tests can check the report
 * and the exit code.
 *   faults de|pf|ud|gp            at CPL3 (divide error, page fault, invalid opcode, protection)
 *   faults kde|kpf|kud            at CPL0, through the core's self-test system call
 *   faults supervisor-write       a CPL3 store into the core's supervisor-only pages
 *   faults exit N                 exit(N) without a fault
 *   faults contained              each CPL3 fault above inside fault_call, plus a stack overflow
 *                                 into the guard page: prints one line per call and exits 0 */
#include "fault.h"
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

/* Recursion deep enough to run off any stack; the frame stays live so it is not optimized out. */
__attribute__((noinline)) static uint64_t overflow(volatile char *prev)
{
    volatile char frame[256];
    frame[0] = prev ? prev[0] + 1 : 0;
    return overflow(frame) + frame[0];
}

static uint64_t call_void(void *fn)
{
    ((void (*)(void))fn)();
    return 0;
}

static uint64_t call_overflow(void *unused)
{
    (void)unused;
    return overflow(NULL);
}

static uint64_t answer(void *arg)
{
    return (uint64_t)(uintptr_t)arg * 2;
}

static void contained_one(const char *name, uint64_t (*fn)(void *), void *arg)
{
    uint64_t ret = 0;
    struct fault_info info = {0};
    int rc = fault_call(fn, arg, &ret, &info);
    if (rc == 0)
        printf("contained %s: returned %llu\n", name, (unsigned long long)ret);
    else
        printf("contained %s: vector %u error %#llx cr2 %#llx\n", name, info.vector,
               (unsigned long long)info.error, (unsigned long long)info.cr2);
}

static int contained(void)
{
    contained_one("de", call_void, (void *)divide_error);
    contained_one("pf", call_void, (void *)page_fault);
    contained_one("ud", call_void, (void *)invalid_opcode);
    contained_one("gp", call_void, (void *)general_protection);
    contained_one("overflow", call_overflow, NULL);
    contained_one("answer", answer, (void *)21);
    return 0;
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
    else if (!strcmp(what, "contained"))
        return contained();
    else if (!strcmp(what, "exit") && argc > 2)
        return atoi(argv[2]);
    printf("faults: %s did not fault\n", what);
    return 1;
}
