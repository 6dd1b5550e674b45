/* CPUs, their statistics, and the clock, as the public API shows them. */
#include "scheduler.h"

unsigned tf_cpu_count(void)
{
    return cpu_count();
}

unsigned tf_cpu_self(void)
{
    return cpu_self();
}

int tf_cpu_info(unsigned cpu, struct tf_cpu_info *info)
{
    if (!info || cpu >= cpu_count())
        return TF_EINVAL;
    return cpu_topology(cpu, info);
}

int tf_cpu_stats(unsigned cpu, struct tf_cpu_stats *stats)
{
    if (!stats || cpu >= cpu_count())
        return TF_EINVAL;
    const struct sched_stats *s = &sched.stats[cpu];
    stats->tasks = __atomic_load_n(&s->tasks, __ATOMIC_RELAXED);
    stats->faults = __atomic_load_n(&s->faults, __ATOMIC_RELAXED);
    stats->busy_ns = __atomic_load_n(&s->busy_ns, __ATOMIC_RELAXED);
    stats->parked_ns = cpu_parked_ns(cpu);
    stats->wakeups = cpu_wakeups(cpu);
    return 0;
}

uint64_t tf_now_ns(void)
{
    return cpu_now_ns();
}
