/* The CPU interface the scheduler and the mailbox slots stand on. It is implemented twice: by
 * src/apic (bare metal: the calibrated TSC, HLT/MWAIT parking, IPIs, CPL0 fault containment) and
 * by src/host (Linux: threads stand in for CPUs, futexes for HLT and IPIs). src/sched and src/shm
 * include this header and never a hardware one: their builds see only their own folders, this
 * one and include/ (src/CMakeLists.txt).
 *
 * CPUs are numbered densely from 0 (the bootstrap CPU, which runs main()) to cpu_count() - 1. */
#ifndef TF_CPU_CPU_H
#define TF_CPU_CPU_H

#include "cache_line.h"
#include "taskfarm.h"

#include <stdint.h>

/* CPUs online (>= 1), fixed once main() has started. */
unsigned cpu_count(void);

/* The calling CPU's index. */
unsigned cpu_self(void);

/* Where CPU `cpu` sits (APIC ID, package, core, SMT thread); 0 or TF_EINVAL. */
int cpu_topology(unsigned cpu, struct tf_cpu_info *info);

/* Waits until *word != seen. May return early (callers re-check). Spins for the tunable budget
 * first, then sleeps by the boot-time policy (HLT, MWAIT, spin). The waiting CPU's own word: it
 * should sit on a cache line that only its waker writes. */
void cpu_park(const uint32_t *word, uint32_t seen);

/* Ends CPU `cpu`'s cpu_park after the caller has changed the word it waits on (the store must be
 * made before this call; a release store or stronger). Cheap when `cpu` is not asleep. */
void cpu_wake(unsigned cpu);

/* Monotonic nanoseconds. */
uint64_t cpu_now_ns(void);

/* Inside a spin-wait loop: lets the core's other SMT thread run and saves power (PAUSE on x86;
 * elsewhere only a compiler barrier). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ volatile("" ::: "memory");
#endif
}

/* Calls fn(arg) so that a CPU exception inside it ends the call, not the machine. Returns 0 with
 * *ret = fn's result, or the exception's vector + 1 (> 0) when fn faulted; the CPU is then back on
 * the caller's stack, fit to run the next task. fn starts with the default floating-point
 * environment (x87 and SSE control words, every exception masked, round to nearest), whatever
 * earlier tasks set; the caller's environment is back when the call returns. Not nestable. */
int cpu_call_contained(tf_task_fn fn, void *arg, uint64_t *ret);

/* Time this CPU spent parked, and how often it was woken: for tf_cpu_stats. */
uint64_t cpu_parked_ns(unsigned cpu);
uint64_t cpu_wakeups(unsigned cpu);

/* Provided by the scheduler: every CPU but 0 enters here once it is up, and never leaves. */
_Noreturn void sched_worker_main(unsigned cpu);

/* Provided by the scheduler: called on CPU 0 once all CPUs are up, before main(). */
void sched_init(void);

#endif
