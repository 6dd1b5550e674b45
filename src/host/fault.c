/* Fault containment on Linux: cpu_call_contained with signal handlers in place of the guest's
 * CPL0 fault path.
 *
 * SIGSEGV, SIGFPE, SIGILL and SIGBUS are caught on a per-thread alternate stack (so a task that
 * overflows its stack is caught too). While the thread runs a task (`armed`), the handler jumps
 * back into cpu_call_contained with the vector the guest would report; otherwise it puts the
 * previous action back (the default one, or a sanitizer's) and returns, so that the faulting
 * instruction runs again and meets it. SA_NODEFER leaves the signal unblocked, so leaving the
 * handler with siglongjmp needs no change of the signal mask (no system call per task). */
#define _GNU_SOURCE
#include "host.h"
#include "cpu.h"

#include <fenv.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* CPU exception vectors (Intel SDM vol. 3, table 6-1) */
#define VEC_DE 0  /* divide error */
#define VEC_UD 6  /* invalid opcode */
#define VEC_GP 13 /* general protection */
#define VEC_PF 14 /* page fault */
#define VEC_MF 16 /* x87 floating-point error */
#define VEC_AC 17 /* alignment check */

#define SIGNAL_STACK_SIZE (64 * 1024)

struct host_fault {
    sigjmp_buf back;              /* where a faulting task returns to */
    volatile sig_atomic_t armed;  /* a task runs */
    volatile sig_atomic_t vector; /* the fault's vector */
    stack_t old_stack;
    void *stack;
};

static __thread struct host_fault fault;
static const int fault_signals[] = {SIGSEGV, SIGFPE, SIGILL, SIGBUS};
#define NSIGNALS (sizeof(fault_signals) / sizeof(fault_signals[0]))
static struct sigaction old_actions[NSIGNALS];

/* The vector the CPU raised, from the signal and its si_code (as Linux derives them on x86). */
static int vector_of(int sig, const siginfo_t *si)
{
    switch (sig) {
    case SIGFPE:
        return si->si_code == FPE_INTDIV || si->si_code == FPE_INTOVF ? VEC_DE : VEC_MF;
    case SIGILL:
        return VEC_UD;
    case SIGBUS:
        return si->si_code == BUS_ADRALN ? VEC_AC : VEC_GP;
    default: /* SIGSEGV: SI_KERNEL for #GP (e.g. a non-canonical address), else a page fault */
        return si->si_code == SI_KERNEL ? VEC_GP : VEC_PF;
    }
}

static void on_fault(int sig, siginfo_t *si, void *context)
{
    (void)context;
    if (!fault.armed) {
        for (unsigned i = 0; i < NSIGNALS; i++)
            if (fault_signals[i] == sig)
                sigaction(sig, &old_actions[i], NULL);
        if (si->si_code <= 0) /* sent by kill() or raise(): nothing will run again, send it */
            raise(sig);
        return;
    }
    fault.armed = 0;
    fault.vector = vector_of(sig, si);
    siglongjmp(fault.back, 1);
}

/* The task runs in the default floating-point environment and the caller's comes back after it,
 * as in the guest (fault_call.S): a task that unmasks an exception or changes the rounding mode
 * changes only itself. */
int cpu_call_contained(tf_task_fn fn, void *arg, uint64_t *ret)
{
    fenv_t caller;
    fegetenv(&caller);
    fesetenv(FE_DFL_ENV);
    if (sigsetjmp(fault.back, 0)) {
        fesetenv(&caller);
        *ret = 0;
        return fault.vector + 1;
    }
    fault.armed = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* armed before the task's first instruction */
    uint64_t r = fn(arg);
    __atomic_signal_fence(__ATOMIC_SEQ_CST); /* disarmed after its last */
    fault.armed = 0;
    fesetenv(&caller);
    *ret = r;
    return 0;
}

int host_fault_thread_start(void)
{
    fault.armed = 0;
    fault.stack = malloc(SIGNAL_STACK_SIZE);
    if (!fault.stack)
        return TF_ENOMEM;
    stack_t st = {.ss_sp = fault.stack, .ss_size = SIGNAL_STACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&st, &fault.old_stack) != 0) {
        free(fault.stack);
        fault.stack = NULL;
        return TF_ENOMEM;
    }
    return 0;
}

void host_fault_thread_stop(void)
{
    if (!fault.stack)
        return;
    if (fault.old_stack.ss_flags & SS_DISABLE)
        fault.old_stack = (stack_t){.ss_flags = SS_DISABLE};
    sigaltstack(&fault.old_stack, NULL);
    free(fault.stack);
    fault.stack = NULL;
}

int host_fault_start(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < NSIGNALS; i++)
        sigaction(fault_signals[i], &sa, &old_actions[i]);
    return host_fault_thread_start();
}

void host_fault_stop(void)
{
    host_fault_thread_stop();
    for (unsigned i = 0; i < NSIGNALS; i++)
        sigaction(fault_signals[i], &old_actions[i], NULL);
}
