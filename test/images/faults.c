/* faults: raises the CPU exception its argument names, so the QEMU tests can check the report
 * and the exit code.
 *   faults de|pf|ud|gp            at CPL3 (divide error, page fault, invalid opcode, protection)
 *   faults kde|kpf|kud            at CPL0, through the core's self-test system call
 *   faults supervisor-write       a CPL3 store into the core's supervisor-only pages
 *   faults boundary               system calls with buffers CPL3 may not touch itself (page 0,
 *                                 the AP start-up page, the LAPIC, the core's data) must fail, and
 *                                 a jump to the SYSCALL entry with forged flags in R11 must not
 *                                 return with IOPL raised; prints "boundary: ok" and exits 0
 *   faults exit N                 exit(N) without a fault
 *   faults kexit N                the core's exit system call with N itself, past the runtime's
 *                                 range check: a code the core does not know must become 95
 *   faults contained              each CPL3 fault above inside fault_call, plus a stack overflow
 *                                 into the guard page: prints one line per call and exits 0 */
#include "fault.h"
#include "kabi.h"
#include "lapic_regs.h"
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

extern char ksyscall_entry[], __kbss_start[];

/* The core's entry point reached by a jump rather than SYSCALL: RCX and R11 are whatever the
 * caller chose. Asks for an unknown call (-ENOSYS) and returns RFLAGS as found afterwards. */
static uint64_t forged_entry(uint64_t forged_rflags)
{
    uint64_t flags;
    __asm__ volatile(
        "lea 1f(%%rip), %%rcx\n\t"
        "mov %[f], %%r11\n\t"
        "mov %[nr], %%eax\n\t"
        "jmp *%[entry]\n"
        "1:\n\t"
        "pushfq\n\t"
        "pop %[out]"
        : [out] "=r"(flags)
        : [f] "r"(forged_rflags), [nr] "i"(KABI_SYS_COUNT + 1), [entry] "r"(ksyscall_entry)
        : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
    return flags;
}

static int boundary(void)
{
    static const struct {
        const char *what;
        uint64_t addr;
    } refused[] = {{"page 0", 0x100},
                   {"the AP start-up page", KABI_TRAMPOLINE_ADDR},
                   {"the LAPIC", LAPIC_DEFAULT_BASE + LAPIC_SVR},
                   {"above 4 GiB", UNMAPPED_ADDRESS}};
    int bad = 0;
    for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        long rc = usys_call(KABI_SYS_CPUID, 0, 0, (long)refused[i].addr, 0);
        if (rc != -KABI_EFAULT) {
            printf("boundary: CPUID into %s returned %ld\n", refused[i].what, rc);
            bad = 1;
        }
    }
    long rc = usys_call(KABI_SYS_CPUID, 0, 0, (long)(uintptr_t)__kbss_start, 0);
    if (rc != -KABI_EFAULT) {
        printf("boundary: CPUID into the core's data returned %ld\n", rc);
        bad = 1;
    }
    uint64_t flags = forged_entry(X86_RFLAGS_IOPL | X86_RFLAGS_IF | X86_RFLAGS_RESERVED);
    if (flags & X86_RFLAGS_IOPL) {
        printf("boundary: a forged entry returned with IOPL %llu\n",
               (unsigned long long)((flags & X86_RFLAGS_IOPL) >> 12));
        bad = 1;
    }
    printf("boundary: %s\n", bad ? "FAILED" : "ok");
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: faults de|pf|ud|gp|kde|kpf|kud|supervisor-write|exit N|kexit N\n");
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
    else if (!strcmp(what, "boundary"))
        return boundary();
    else if (!strcmp(what, "exit") && argc > 2)
        return atoi(argv[2]);
    else if (!strcmp(what, "kexit") && argc > 2)
        usys_exit(atoi(argv[2]));
    printf("faults: %s did not fault\n", what);
    return 1;
}
