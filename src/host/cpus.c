/* The CPUs of the Linux build: the thread that first calls into the library (or tf_host_start)
 * is CPU 0; one thread per other CPU runs the scheduler's worker loop. The topology is made up:
 * given to tf_host_start, or read from TF_TOPOLOGY=SxCxT and TF_CPUS=n.
 *
 * CPUs are numbered thread-major, as Linux usually numbers a machine's CPUs: first thread 0 of
 * every core (package by package), then thread 1 of every core, and so on. APIC IDs are made the
 * way x86 packs them: package, core and thread fields, each as wide as its count needs. */
#define _GNU_SOURCE
#include "host.h"
#include "cpu.h"
#include "scheduler.h"

#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct host_farm host;

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread unsigned thread_cpu, thread_epoch;
static uint32_t started_once; /* atomic: the farm has run; only the first call starts it alone */

#define SPIN_US_DEFAULT 20
/* Added to a worker thread's CPU number: it takes over a CPU whose thread ended in a task */
#define WORKER_TAKES_OVER TF_MAX_CPUS

unsigned host_self(void)
{
    return thread_epoch && thread_epoch == __atomic_load_n(&host.epoch, __ATOMIC_RELAXED)
               ? thread_cpu
               : TF_HOST_NOT_A_CPU;
}

static unsigned bits_for(unsigned n)
{
    unsigned b = 0;
    while ((1u << b) < n)
        b++;
    return b;
}

static void make_topology(unsigned sockets, unsigned cores, unsigned threads, unsigned n)
{
    unsigned tb = bits_for(threads), cb = bits_for(cores), per_round = sockets * cores;
    host.ncpus = n;
    for (unsigned i = 0; i < n; i++) {
        unsigned t = i / per_round, p = i % per_round / cores, c = i % cores;
        host.cpus[i].info = (struct tf_cpu_info){
            .apic_id = (p << (cb + tb)) | (c << tb) | t, .package = p, .core = c, .thread = t};
    }
}

/* TF_CPUS, or `fallback` when it is not set or not a CPU count. */
static unsigned env_cpus(unsigned fallback)
{
    const char *v = tf_option("cpus");
    char *end;
    unsigned long x = v ? strtoul(v, &end, 10) : 0;
    if (!v || end == v || *end || x == 0 || x > TF_MAX_CPUS) {
        if (v)
            fprintf(stderr, "taskfarm: TF_CPUS=%s ignored (1 to %u)\n", v, TF_MAX_CPUS);
        return fallback;
    }
    return (unsigned)x;
}

/* TF_TOPOLOGY=SxCxT and TF_CPUS=n: the topology, and how many of its CPUs to use (n alone: n
 * cores of one thread in one package; neither: as many as the machine has online). */
static void env_topology(unsigned *s, unsigned *c, unsigned *t, unsigned *n)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    *n = env_cpus(online < 1 ? 1 : online > TF_MAX_CPUS ? TF_MAX_CPUS : (unsigned)online);
    *s = 1, *c = *n, *t = 1;
    const char *v = tf_option("topology");
    unsigned a, b, d;
    char extra;
    if (!v)
        return;
    if (sscanf(v, "%ux%ux%u%c", &a, &b, &d, &extra) != 3 || !a || !b || !d ||
        (unsigned long)a * b * d > TF_MAX_CPUS) {
        fprintf(stderr, "taskfarm: TF_TOPOLOGY=%s ignored (SxCxT, at most %u CPUs)\n", v,
                TF_MAX_CPUS);
        return;
    }
    *s = a, *c = b, *t = d;
    if (!tf_option("cpus") || *n > a * b * d)
        *n = a * b * d;
}

/* The thread that takes over CPU `cpu` from one that is ending inside a task: from now on it is
 * the one tf_host_stop joins (stored before it can set `exited`), and it joins the old one. */
static void take_over(unsigned cpu)
{
    pthread_t old = host.cpus[cpu].thread;
    host.cpus[cpu].thread = pthread_self();
    pthread_join(old, NULL);
}

static void *worker_thread(void *arg)
{
    unsigned cpu = (unsigned)((uintptr_t)arg % WORKER_TAKES_OVER);
    if ((uintptr_t)arg >= WORKER_TAKES_OVER)
        take_over(cpu);
    thread_cpu = cpu;
    thread_epoch = __atomic_load_n(&host.epoch, __ATOMIC_RELAXED);
    if (host_fault_thread_start() != 0)
        fprintf(stderr, "taskfarm: no signal stack for CPU %u: its faults are not contained\n",
                cpu);
    if (setjmp(host.cpus[cpu].leave) == 0)
        sched_worker_main(cpu);
    host_fault_thread_stop();
    /* Release: the thread touches nothing of the farm's any more. */
    __atomic_store_n(&host.cpus[cpu].exited, 1, __ATOMIC_RELEASE);
    return NULL;
}

void host_cpu_lost(unsigned cpu)
{
    if (cpu == 0 || cpu >= host.ncpus) {
        fputs("taskfarm: a task ended the thread that runs tf_wait (CPU 0) with pthread_exit or "
              "a cancellation; the program cannot go on: aborting\n",
              stderr);
        abort();
    }
    sched_task_lost(cpu, TF_ETHREAD);
    host_fault_thread_stop();
    pthread_t t;
    if (pthread_create(&t, NULL, worker_thread, (void *)(uintptr_t)(cpu + WORKER_TAKES_OVER))) {
        fprintf(stderr, "taskfarm: no thread to take over CPU %u: aborting\n", cpu);
        abort();
    }
}

/* Asks workers 1 .. n-1 to leave and joins them; the caller holds host_lock. */
static void stop_workers(unsigned n)
{
    __atomic_store_n(&host.stopping, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 1; i < n; i++) {
        /* A worker that was about to sleep as the flag changed may miss one FUTEX_WAKE; kick it
         * until it has gone. */
        while (!__atomic_load_n(&host.cpus[i].exited, __ATOMIC_ACQUIRE)) {
            host_kick(i);
            nanosleep(&(struct timespec){0, 100000}, NULL);
        }
        pthread_join(host.cpus[i].thread, NULL);
    }
}

static int start_locked(unsigned sockets, unsigned cores, unsigned threads, unsigned n)
{
    for (unsigned i = 0; i < TF_MAX_CPUS; i++) {
        struct host_cpu *c = &host.cpus[i];
        __atomic_store_n(&c->sleeping, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&c->exited, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&c->parked_once, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&c->park_word, NULL, __ATOMIC_RELAXED);
        __atomic_store_n(&c->parked_ns, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&c->wakeups, 0, __ATOMIC_RELAXED);
    }
    make_topology(sockets, cores, threads, n);
    const char *spin = tf_option("spin_us");
    host.spin_ns = (spin ? strtoull(spin, NULL, 10) : SPIN_US_DEFAULT) * 1000;
    __atomic_store_n(&host.stopping, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&host.epoch, __atomic_load_n(&host.epoch, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    thread_cpu = 0;
    thread_epoch = __atomic_load_n(&host.epoch, __ATOMIC_RELAXED);
    __atomic_store_n(&started_once, 1, __ATOMIC_RELAXED);
    if (host_fault_start() != 0)
        fprintf(stderr, "taskfarm: no signal stack for CPU 0: its faults are not contained\n");
    /* Release: the topology above before any thread that sees `running`. */
    __atomic_store_n(&host.running, 1, __ATOMIC_RELEASE);
    sched_init();
    for (unsigned i = 1; i < n; i++) {
        /* pthread_create orders everything above before the new thread's first step. */
        if (pthread_create(&host.cpus[i].thread, NULL, worker_thread, (void *)(uintptr_t)i)) {
            stop_workers(i);
            host_fault_stop();
            __atomic_store_n(&host.running, 0, __ATOMIC_RELEASE);
            thread_epoch = 0;
            return TF_ENOMEM;
        }
    }
    /* The scheduler's workers park only when idle: once each has parked, the first tasks go in
     * placement order (each gets the CPU its policy names). */
    for (unsigned i = 1; i < n; i++)
        while (!__atomic_load_n(&host.cpus[i].parked_once, __ATOMIC_ACQUIRE))
            sched_yield();
    return 0;
}

int tf_host_start(unsigned sockets, unsigned cores, unsigned threads)
{
    unsigned n;
    if (!sockets && !cores && !threads)
        env_topology(&sockets, &cores, &threads, &n);
    else if (!sockets || !cores || !threads ||
             (unsigned long)sockets * cores * threads > TF_MAX_CPUS)
        return TF_EINVAL;
    else
        n = sockets * cores * threads;
    pthread_mutex_lock(&host_lock);
    int rc = __atomic_load_n(&host.running, __ATOMIC_ACQUIRE)
                 ? TF_EPERM
                 : start_locked(sockets, cores, threads, n);
    pthread_mutex_unlock(&host_lock);
    return rc;
}

int tf_host_stop(void)
{
    pthread_mutex_lock(&host_lock);
    int rc = TF_EPERM;
    /* CPU 0, and not from inside a task it runs in tf_wait (sched_on_bsp) */
    if (__atomic_load_n(&host.running, __ATOMIC_ACQUIRE) && host_self() == 0 && sched_on_bsp()) {
        stop_workers(host.ncpus);
        host_fault_stop();
        __atomic_store_n(&host.running, 0, __ATOMIC_RELEASE);
        thread_epoch = 0;
        rc = 0;
    }
    pthread_mutex_unlock(&host_lock);
    return rc;
}

/* The first call into the library starts the farm from the environment; once it has run, only
 * tf_host_start starts it again (after tf_host_stop the calls that need it refuse: TF_EPERM). */
static void ensure_started(void)
{
    if (!__atomic_load_n(&host.running, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&started_once, __ATOMIC_RELAXED))
        tf_host_start(0, 0, 0);
}

unsigned cpu_count(void)
{
    ensure_started();
    return __atomic_load_n(&host.running, __ATOMIC_ACQUIRE) ? host.ncpus : 0;
}

unsigned cpu_self(void)
{
    ensure_started();
    return host_self();
}

int cpu_topology(unsigned cpu, struct tf_cpu_info *info)
{
    ensure_started();
    if (cpu >= host.ncpus || !info)
        return TF_EINVAL;
    *info = host.cpus[cpu].info;
    return 0;
}
