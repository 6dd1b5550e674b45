/* Fault containment on Linux: cpu_call_contained with signal handlers in place of the guest's
 * CPL0 fault path.
 *
 * SIGSEGV, SIGFPE, SIGILL and SIGBUS are caught on a per-thread alternate stack (so a task that
 * overflows its stack is caught too). While the thread runs a task (`armed`) and the CPU raised
 * the signal, the handler jumps back into cpu_call_contained with the vector the guest would
 * report. Any other (a fault outside a task, or a signal sent with kill) goes to the action
 * that was there before the farm's, as if the farm's were not there: the previous handler is
 * called (the program's, or a sanitizer's), and the default action or SIG_IGN happen as the
 * kernel would make them happen. The farm's handlers stay in place, so the next task that
 * faults is contained again. SA_NODEFER leaves the signal unblocked, so leaving the handler
 * with siglongjmp needs no change of the signal mask (no system call per task).
 *
 * A task that ends its thread (pthread_exit, or a cancellation it reached) unwinds through
 * cpu_call_contained, whose cleanup handler reports the CPU lost (host_cpu_lost, cpus.c). */
#define _GNU_SOURCE
#include "host.h"
#include "cpu.h"

#include <fenv.h>
#include <pthread.h>
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

/* What the signal would have met without the farm. The default action of these four signals
 * ends the process, and the kernel does not let a fault it raised be ignored (it kills with the
 * default action then), so for those the default is put back before the signal comes again
 * (sent: raised once more; raised by the CPU: the faulting instruction runs again on return);
 * the process then ends, and the farm's handler with it. */
static void previous_action(int sig, siginfo_t *si, void *context)
{
    const struct sigaction *old = NULL;
    for (unsigned i = 0; i < NSIGNALS; i++)
        if (fault_signals[i] == sig)
            old = &old_actions[i];
    int sent = si->si_code <= 0; /* kill(), raise(), sigqueue(): not raised by the CPU */
    if (old && (old->sa_flags & SA_SIGINFO)) {
        old->sa_sigaction(sig, si, context);
    } else if (old && old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
    } else if (!(sent && old && old->sa_handler == SIG_IGN)) {
        signal(sig, SIG_DFL);
        if (sent)
            raise(sig);
    }
}

static void on_fault(int sig, siginfo_t *si, void *context)
{
    if (!fault.armed || si->si_code <= 0) {
        previous_action(sig, si, context);
        return;
    }
    fault.armed = 0;
    fault.vector = vector_of(sig, si);
    siglongjmp(fault.back, 1);
}

/* The task's thread is going away inside the task: pthread_exit, or a cancellation it reached,
 * unwinds through cpu_call_contained. */
static void task_leaves_thread(void *unused)
{
    (void)unused;
    fault.armed = 0;
    host_cpu_lost(host_self());
}

/* Runs fn with fault.back set inside the cleanup region, so that a fault, which leaves by
 * siglongjmp, still passes pthread_cleanup_pop. 0, or the fault's vector + 1. */
static int run_armed(tf_task_fn fn, void *arg, uint64_t *ret)
{
    volatile int vector1 = 0;
    pthread_cleanup_push(task_leaves_thread, NULL);
    if (sigsetjmp(fault.back, 0) == 0) {
        fault.armed = 1;
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* armed before the task's first instruction */
        *ret = fn(arg);
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* disarmed after its last */
        fault.armed = 0;
    } else {
        vector1 = fault.vector + 1;
    }
    pthread_cleanup_pop(0);
    return vector1;
}

/* The task runs in the default floating-point environment and the caller's comes back after it,
 * as in the guest (fault_call.S): a task that unmasks an exception or changes the rounding mode
 * changes only itself. */
int cpu_call_contained(tf_task_fn fn, void *arg, uint64_t *ret)
{
    fenv_t caller;
    fegetenv(&caller);
    fesetenv(FE_DFL_ENV);
    uint64_t r = 0;
    int vector1 = run_armed(fn, arg, &r);
    fesetenv(&caller);
    *ret = vector1 ? 0 : r;
    return vector1;
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
