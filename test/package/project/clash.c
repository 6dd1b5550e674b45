/* Runs tasks on every CPU through the taskfarm API while using names of its own that the
 * runtime also uses inside (names.c). Prints one line the package tests check:
 *   clash: cpus=N used=U sum=S names=ok
 * used: how many different CPUs ran a task. Exit status 0 when everything agreed. */
#include "names.h"

#include <stdint.h>
#include <stdio.h>
#include <taskfarm.h>

#define TASKS 16

/* long enough (about 20 ms) that every CPU gets some of the tasks */
static uint64_t task(void *arg)
{
    uint64_t until = tf_now_ns() + 20000000, spins = 0;
    while (tf_now_ns() < until)
        spins++;
    (void)spins;
    return (uint64_t)(uintptr_t)arg * 1000 + (uint64_t)tf_cpu_self();
}

int main(void)
{
    tf_task_t t[TASKS];
    uint64_t r[TASKS], sum = 0;
    unsigned cpus = tf_cpu_count(), seen[256] = {0}, used = 0;
    for (int i = 0; i < TASKS; i++)
        if ((t[i] = tf_submit(task, (void *)(uintptr_t)i)) < 0)
            return 10;
    if (tf_wait_all(t, TASKS, r, NULL) != 0)
        return 11;
    for (int i = 0; i < TASKS; i++) {
        unsigned cpu = (unsigned)(r[i] % 1000);
        sum += r[i] / 1000;
        if (cpu < 256 && !seen[cpu]++)
            used++;
    }
    int names_ok = sched.magic == 7 && net_if.up == 42 && cpu_count() == 12345 &&
                   park_wait(2) == 6 && pci_read(1) == 2 && acpi_init() == -7;
#ifdef CLASH_GUEST
    /* the network stack's own net_if is linked in too, beside ours */
    struct tf_net_stats stats;
    names_ok = names_ok && tf_net_stats(&stats) == 0;
#endif
    printf("clash: cpus=%u used=%u sum=%llu names=%s\n", cpus, used, (unsigned long long)sum,
           names_ok ? "ok" : "WRONG");
    return names_ok && sum == TASKS * (TASKS - 1) / 2 ? 0 : 1;
}
