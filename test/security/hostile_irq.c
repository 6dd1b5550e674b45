/* Interrupts on the exception vectors 16-31. CPL3 used to be able to send them itself, by
 * rewriting the network card's MSI-X table; that table is the core's now (hostile_pci.c checks
 * it), but the stubs must still tell an interrupt from an exception on those vectors: vectors
 * with an error code (#AC 17) ran their stub on a frame the CPU did not push, those without
 * (#MF 16) were taken for an exception of whatever code was interrupted. The interrupts come
 * from the test suite's core (KABI_SYS_SELFTEST_IRQ: a fixed IPI, which the LAPIC delivers as
 * it delivers an MSI-X message):
 *   irq-task V   a task sends vector V to its own CPU from the system call, so that it arrives
 *                at CPL3 inside the task (which must return 42)
 *   irq-wait V   vector V arrives while CPU 0 halts at CPL0 in KABI_SYS_DEV_WAIT (the NIC's
 *                wait) in main; a task on CPU 1 sends it once CPU 0 halts
 *   irq-park V   the same while CPU 0 halts in the core's short park path, from a task that set
 *                its GS base to 0 (CPL0 must not use that GS)
 * Each prints "irq-<mode>: ..." and runs a round of plain tasks. And the exceptions on those
 * vectors, which must stay exceptions:
 *   fp-exceptions   tasks on every CPU raise #MF (x87) and #XM (SSE), unmasked divisions by 0 */
#include "hostile.h"
#include "kabi.h"
#include "x86.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEND_SPINS    100000      /* PAUSEs a task runs after sending, the interrupt taken */
#define PARK_SETTLE   1000000     /* PAUSEs CPU 1 lets CPU 0 take to reach its HLT */
#define WAKE_EVERY_NS 10000000ull /* CPU 1's fallback wake-ups, should CPU 0 sleep on */

static uint8_t vector;

static long send(unsigned cpu)
{
    return hostile_syscall(KABI_SYS_SELFTEST_IRQ, cpu, vector, 0, 0);
}

static void report(const char *what, int err, uint64_t result)
{
    if (TF_IS_FAULT(err))
        printf("%s: fault %d\n", what, TF_FAULT_VECTOR(err));
    else
        printf("%s: %s %lld\n", what, err ? "error" : "returned", err ? err : (long long)result);
}

/* The system call returns with interrupts on: the IPI it sent is taken at CPL3, here. */
static uint64_t send_task(void *arg)
{
    (void)arg;
    if (send(tf_cpu_self()) != 0)
        return 1;
    for (int i = 0; i < SEND_SPINS; i++)
        __asm__ volatile("pause");
    return 42;
}

static void irq_task(void)
{
    uint64_t result = 0;
    int err = tf_wait(tf_submit(send_task, NULL), &result);
    report("irq-task", err, result);
}

static uint32_t *park_word; /* alone in a 2 MiB page: the short park path takes it */
static uint32_t cpu0_halting, cpu0_woke, helper_started;

/* On CPU 1: sends the vector to CPU 0 once CPU 0 has said it halts (and has had the time to
 * reach its HLT), then wakes it now and then in case it halted after the interrupt. */
static void send_to_cpu0(void)
{
    while (!__atomic_load_n(&cpu0_halting, __ATOMIC_SEQ_CST))
        __asm__ volatile("pause");
    for (int k = 0; k < PARK_SETTLE; k++)
        __asm__ volatile("pause");
    send(0);
    uint64_t last = tf_now_ns();
    while (!__atomic_load_n(&cpu0_woke, __ATOMIC_SEQ_CST))
        if (tf_now_ns() - last > WAKE_EVERY_NS) {
            hostile_syscall(KABI_SYS_WAKE, 0, 0, 0, 0);
            last = tf_now_ns();
        }
}

static uint64_t send_helper(void *arg)
{
    (void)arg;
    __atomic_store_n(&helper_started, 1, __ATOMIC_SEQ_CST);
    send_to_cpu0();
    return 2;
}

static void irq_wait(void)
{
    static const uint16_t never = 1;
    tf_task_t helper = tf_submit(send_helper, NULL);
    while (!__atomic_load_n(&helper_started, __ATOMIC_SEQ_CST))
        __asm__ volatile("pause");
    __atomic_store_n(&cpu0_halting, 1, __ATOMIC_SEQ_CST);
    long rc = hostile_syscall(KABI_SYS_DEV_WAIT, (long)&never, 1, 0, KABI_TIMER_NONE);
    __atomic_store_n(&cpu0_woke, 1, __ATOMIC_SEQ_CST);
    uint64_t result = 0;
    int err = tf_wait(helper, &result);
    printf("irq-wait: woke (%ld)\n", rc);
    report("irq-wait helper", err, result);
}

/* CPU 0: a GS base of 0, then the short park path (HLT with interrupts on, at CPL0) until an
 * interrupt; the task then ends as a page fault (fault_call reads GS 0) and gets GS back. */
static uint64_t park_task(unsigned i)
{
    (void)i;
    if (tf_cpu_self() != 0) {
        send_to_cpu0();
        return 2;
    }
    hostile_syscall(KABI_SYS_SET_USER_GS, 0, 0, 0, 0);
    __atomic_store_n(&cpu0_halting, 1, __ATOMIC_SEQ_CST);
    hostile_syscall(KABI_SYS_PARK, (long)park_word, 0, KABI_PARK_HLT, 0);
    __atomic_store_n(&cpu0_woke, 1, __ATOMIC_SEQ_CST);
    return 1;
}

static void irq_park(void)
{
    park_word = memalign(X86_LARGE_PAGE_SIZE, X86_LARGE_PAGE_SIZE);
    *park_word = 0;
    hostile_round("irq-park", park_task);
}

#define X87_CW_UNMASK_ZERO_DIVIDE 0x37B  /* FNINIT's 0x37F without the ZM mask bit */
#define MXCSR_UNMASK_ZERO_DIVIDE  0x1D80 /* X86_MXCSR_DEFAULT without the ZM mask bit */

static uint64_t x87_divide_by_zero(unsigned i)
{
    (void)i;
    uint16_t cw = X87_CW_UNMASK_ZERO_DIVIDE;
    __asm__ volatile("fldcw %0; fld1; fldz; fdivrp; fwait" ::"m"(cw));
    return 1;
}

static uint64_t sse_divide_by_zero(unsigned i)
{
    (void)i;
    uint32_t mxcsr = MXCSR_UNMASK_ZERO_DIVIDE;
    float one = 1.0f, zero = 0.0f;
    __asm__ volatile("ldmxcsr %1; divss %2, %0" : "+x"(one) : "m"(mxcsr), "x"(zero));
    return 1;
}

int hostile_fp_exceptions(void)
{
    hostile_round("x87-divide", x87_divide_by_zero);
    hostile_round("sse-divide", sse_divide_by_zero);
    return hostile_normal_round();
}

int hostile_irq(const char *mode, const char *vector_arg)
{
    long v = vector_arg ? strtol(vector_arg, NULL, 0) : -1;
    if (v < 0 || v > UINT8_MAX) {
        fprintf(stderr, "hostile: %s needs a vector\n", mode);
        return 2;
    }
    vector = (uint8_t)v;
    if (!strcmp(mode, "irq-task"))
        irq_task();
    else if (!strcmp(mode, "irq-wait"))
        irq_wait();
    else if (!strcmp(mode, "irq-park"))
        irq_park();
    else
        return 2;
    fflush(stdout);
    return hostile_normal_round();
}
