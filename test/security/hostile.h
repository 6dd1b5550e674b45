/* hostile: CPL3 programs that try to reach CPL0 or to take a CPU away from the runtime, for the
 * security tests (test_hostile.py). Each mode is a function of one of the hostile_*.c files;
 * this header holds what they share. */
#ifndef TF_TEST_HOSTILE_H
#define TF_TEST_HOSTILE_H

#include <stdint.h>
#include <taskfarm.h>

/* A system call as any CPL3 code can make it: the runtime's usys_call, without its checks. */
long hostile_syscall(long nr, long a0, long a1, long a2, long a3);

/* Runs fn(i) as one task per CPU, i = 0 .. tf_cpu_count() - 1, each on a CPU of its own (every
 * task waits in a barrier until all have started, so no CPU can take two), and prints one line
 * per task: "<name> <i>: returned <r>", "<name> <i>: fault <vector>" or "<name> <i>: error <e>".
 * Returns when every task has ended: a CPU that never gives its task back hangs the guest. */
void hostile_round(const char *name, uint64_t (*fn)(unsigned i));

/* A round of plain tasks: each returns the CPU it ran on. Prints "normal: every CPU ran a task"
 * when CPUs 0 .. n-1 each ran one and reported their own number; 0 then, else 1. */
int hostile_normal_round(void);

/* The modes, each returning main's exit code */
int hostile_gs(const char *how);
int hostile_calls(const char *mode);
int hostile_irq(const char *mode, const char *vector);
int hostile_fp_exceptions(void);
int hostile_dma(const char *mode);
int hostile_pci(const char *mode);

#endif
