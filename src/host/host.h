/* Internal interface of the Linux build (src/host): threads stand in for CPUs. */
#ifndef TF_HOST_HOST_H
#define TF_HOST_HOST_H

#include "cache_line.h"
#include "taskfarm.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdint.h>

/* One per CPU (thread), on its own cache line. */
struct host_cpu {
    uint32_t sleeping;         /* 1 while in (or about to enter) FUTEX_WAIT; wakers clear it */
    uint32_t exited;           /* the worker thread has left its loop (tf_host_stop) */
    uint32_t parked_once;      /* it called cpu_park: it is idle (tf_host_start waits for it) */
    const uint32_t *park_word; /* the word it parks on (atomic; for tf_host_stop's wake-ups) */
    uint64_t parked_ns;        /* written by the CPU itself (atomic) */
    uint64_t wakeups;          /* counted by its wakers (atomic) */
    struct tf_cpu_info info;
    pthread_t thread;
    jmp_buf leave; /* a worker jumps here from cpu_park when the farm stops */
} __attribute__((aligned(CPU_CACHE_LINE)));

struct host_farm {
    struct host_cpu cpus[TF_MAX_CPUS];
    unsigned ncpus;
    uint32_t running;  /* atomic: the CPUs are up and sched_init has run (or is running) */
    uint32_t stopping; /* atomic: tf_host_stop asks the workers to leave */
    uint32_t epoch;    /* counts starts; a thread's CPU number is valid for one start only */
    uint64_t spin_ns;  /* cpu_park spins this long before it sleeps */
};

extern struct host_farm host;

/* The calling thread's CPU number, or TF_HOST_NOT_A_CPU. Does not start the farm. */
#define TF_HOST_NOT_A_CPU UINT32_MAX
unsigned host_self(void);

/* cpus.c: the calling thread, CPU `cpu`, is ending inside a task (pthread_exit, cancellation):
 * the task ends with TF_ETHREAD and a new thread takes over a worker's CPU. CPU 0 is the
 * program's own thread, in tf_wait: the program cannot go on without it and is aborted. */
void host_cpu_lost(unsigned cpu);

/* park.c: the FUTEX_WAKE of tf_host_stop, for a worker that may be asleep. */
void host_kick(unsigned cpu);

/* fault.c: signal handlers process-wide (start, stop: CPU 0), the alternate signal stack of
 * each thread (thread_start, thread_stop). 0 or TF_ENOMEM. */
int host_fault_start(void);
void host_fault_stop(void);
int host_fault_thread_start(void);
void host_fault_thread_stop(void);

#endif
