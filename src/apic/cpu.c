/* CPL3: the bare-metal implementation of the scheduler's CPU interface (src/cpu/cpu.h), over
 * the CPUs smp.c brought up, the parking of park.c, the calibrated TSC and fault containment. */
#include "cpu.h"
#include "fault.h"
#include "park.h"
#include "percpu.h"
#include "runtime.h"
#include "smp.h"
#include "x86_ops.h"

#include <stdio.h>

unsigned cpu_count(void)
{
    return smp_cpu_count();
}

unsigned cpu_self(void)
{
    return percpu_index();
}

int cpu_topology(unsigned cpu, struct tf_cpu_info *info)
{
    if (cpu >= smp_cpu_count() || !info)
        return TF_EINVAL;
    const struct percpu *c = &percpu_table[cpu];
    *info = (struct tf_cpu_info){c->apic_id, c->package, c->core, c->thread};
    return 0;
}

void cpu_park(const uint32_t *word, uint32_t seen)
{
    park_wait(word, seen);
}

void cpu_wake(unsigned cpu)
{
    park_wake(cpu);
}

uint64_t cpu_now_ns(void)
{
    return runtime_tsc_to_ns(x86_rdtsc());
}

int cpu_call_contained(tf_task_fn fn, void *arg, uint64_t *ret)
{
    struct fault_info info;
    if (fault_call(fn, arg, ret, &info) == 0)
        return 0;
    *ret = 0;
    int in_malloc;
    if (locks_release_held(&in_malloc) && in_malloc)
        fprintf(stderr,
                "taskfarm: a task faulted inside malloc on CPU %u; the heap may be damaged\n",
                percpu_index());
    return (int)info.vector + 1;
}

uint64_t cpu_parked_ns(unsigned cpu)
{
    return park_stats(cpu)->parked_ns;
}

uint64_t cpu_wakeups(unsigned cpu)
{
    return park_stats(cpu)->wakeups;
}

/* Every application processor runs the scheduler's worker loop (instead of smp.c's weak default,
 * which only parks). Defined here, in an object the scheduler always pulls in. */
_Noreturn void smp_worker_main(unsigned index)
{
    sched_worker_main(index);
}
