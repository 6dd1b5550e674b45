/* hostile: the security tests' guest (see hostile.h and test_hostile.py). Usage:
 *   hostile gs-selector|gs-syscall|gs-wrgsbase    tasks on every CPU change their GS base
 *   hostile startup-calls|guard-armed|mmio-heap|port-wrap   platform calls (hostile_calls.c)
 *   hostile buffer-wrap                           buffers past 4 GiB (hostile_calls.c)
 *   hostile irq-task|irq-wait|irq-park VECTOR     interrupts on exception vectors (hostile_irq.c)
 *   hostile fp-exceptions                         the exceptions on those vectors (hostile_irq.c)
 *   hostile dma-post                              DMA into the core through the card
 *   hostile dma-common                            the card's common configuration
 * (hostile_dma.c)
 *   hostile pci-config                            the card's PCI configuration and MSI-X table
 * (hostile_pci.c) Each mode prints what the hostile code got back and then runs a round of plain
 * tasks on every CPU: the runtime and every CPU must still work. */
#include "hostile.h"

#include <stdio.h>
#include <string.h>

long hostile_syscall(long nr, long a0, long a1, long a2, long a3)
{
    register long r10 __asm__("r10") = a3;
    __asm__ volatile("syscall"
                     : "+a"(nr), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10)
                     :
                     : "rcx", "r8", "r9", "r11", "memory", "cc");
    return nr;
}

static uint32_t arrived, target;
static uint64_t (*round_fn)(unsigned i);

static uint64_t round_task(void *arg)
{
    unsigned i = (unsigned)(uintptr_t)arg;
    __atomic_add_fetch(&arrived, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < target)
        __asm__ volatile("pause");
    return round_fn(i);
}

void hostile_round(const char *name, uint64_t (*fn)(unsigned i))
{
    unsigned n = tf_cpu_count();
    tf_task_t tasks[TF_MAX_CPUS];
    uint64_t results[TF_MAX_CPUS];
    int errors[TF_MAX_CPUS];
    round_fn = fn;
    __atomic_store_n(&target, __atomic_load_n(&arrived, __ATOMIC_RELAXED) + n, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < n; i++)
        tasks[i] = tf_submit(round_task, (void *)(uintptr_t)i);
    tf_wait_all(tasks, n, results, errors);
    for (unsigned i = 0; i < n; i++) {
        if (TF_IS_FAULT(errors[i]))
            printf("%s %u: fault %d\n", name, i, TF_FAULT_VECTOR(errors[i]));
        else if (errors[i])
            printf("%s %u: error %d\n", name, i, errors[i]);
        else
            printf("%s %u: returned %lld\n", name, i, (long long)results[i]);
    }
    fflush(stdout);
}

static uint64_t own_cpu(unsigned i)
{
    (void)i;
    return tf_cpu_self();
}

int hostile_normal_round(void)
{
    unsigned n = tf_cpu_count();
    uint32_t seen[TF_MAX_CPUS / 32] = {0};
    tf_task_t tasks[TF_MAX_CPUS];
    uint64_t results[TF_MAX_CPUS];
    round_fn = own_cpu;
    __atomic_store_n(&target, __atomic_load_n(&arrived, __ATOMIC_RELAXED) + n, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < n; i++)
        tasks[i] = tf_submit(round_task, (void *)(uintptr_t)i);
    int rc = tf_wait_all(tasks, n, results, NULL);
    for (unsigned i = 0; i < n && rc == 0; i++) {
        int cpu = tf_cpu_self() == 0 ? (int)results[i] : -1;
        if (cpu < 0 || cpu >= (int)n || (seen[cpu / 32] & (1u << cpu % 32)))
            rc = 1;
        else
            seen[cpu / 32] |= 1u << cpu % 32;
    }
    printf("normal: %s\n", rc ? "FAILED" : "every CPU ran a task");
    return rc != 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hostile MODE (see hostile.c)\n");
        return 2;
    }
    const char *mode = argv[1];
    printf("hostile: %s on %u CPUs\n", mode, tf_cpu_count());
    fflush(stdout);
    if (!strncmp(mode, "gs-", 3))
        return hostile_gs(mode + 3);
    if (!strcmp(mode, "fp-exceptions"))
        return hostile_fp_exceptions();
    if (!strncmp(mode, "dma-", 4))
        return hostile_dma(mode);
    if (!strncmp(mode, "pci-", 4))
        return hostile_pci(mode);
    if (!strncmp(mode, "irq-", 4))
        return hostile_irq(mode, argc > 2 ? argv[2] : NULL);
    return hostile_calls(mode);
}
