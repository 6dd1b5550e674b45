/* cpu_park, cpu_wake and the clock on Linux: a spin, then FUTEX_WAIT on the word itself.
 *
 * No lost wake-up: the parker announces itself (sleeping = 1, an atomic exchange), then reads the
 * word, and FUTEX_WAIT sleeps only while the word still holds `seen` (the kernel compares it
 * atomically with going to sleep). The waker stored the new word first and then exchanges
 * sleeping to 0: if its exchange comes before the parker's in the order of `sleeping`, the
 * parker's exchange reads the waker's 0 and so synchronizes with it and sees the new word;
 * otherwise the waker reads 1 and sends FUTEX_WAKE, which either wakes the sleeping parker or
 * comes before its FUTEX_WAIT, whose comparison then fails. */
#define _GNU_SOURCE
#include "host.h"
#include "cpu.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void futex_wait(const uint32_t *word, uint32_t seen)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake(const uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

uint64_t cpu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A worker leaves sched_worker_main here when tf_host_stop asks (it parks only between tasks),
 * but only when nothing was handed to it: CPU 0 makes every hand-off before it sets `stopping`,
 * so a worker that reads `stopping` set (seq_cst) and then its word unchanged has nothing left;
 * one whose word changed returns, runs the task, drains the queue and leaves at its next park. */
static void leave_if_stopping(unsigned self, const uint32_t *word, uint32_t seen)
{
    if (self != 0 && __atomic_load_n(&host.stopping, __ATOMIC_SEQ_CST) &&
        __atomic_load_n(word, __ATOMIC_SEQ_CST) == seen)
        longjmp(host.cpus[self].leave, 1);
}

static int spin(const uint32_t *word, uint32_t seen)
{
    uint64_t start = cpu_now_ns();
    do {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != seen)
            return 1;
        cpu_relax();
    } while (cpu_now_ns() - start < host.spin_ns);
    return 0;
}

void cpu_park(const uint32_t *word, uint32_t seen)
{
    unsigned self = host_self();
    struct host_cpu *me = &host.cpus[self];
    leave_if_stopping(self, word, seen);
    /* Release: the worker parks only once it is idle (its slot says so); tf_host_start waits
     * for this to happen on every worker. */
    if (!__atomic_load_n(&me->parked_once, __ATOMIC_RELAXED))
        __atomic_store_n(&me->parked_once, 1, __ATOMIC_RELEASE);
    if (spin(word, seen))
        return;
    __atomic_store_n(&me->park_word, word, __ATOMIC_RELAXED); /* ordered by the exchange below */
    __atomic_exchange_n(&me->sleeping, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) == seen &&
        !__atomic_load_n(&host.stopping, __ATOMIC_SEQ_CST)) {
        uint64_t start = cpu_now_ns();
        futex_wait(word, seen);
        uint64_t parked = __atomic_load_n(&me->parked_ns, __ATOMIC_RELAXED);
        __atomic_store_n(&me->parked_ns, parked + cpu_now_ns() - start, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&me->sleeping, 0, __ATOMIC_RELAXED);
    leave_if_stopping(self, word, seen);
}

void cpu_wake(unsigned cpu)
{
    struct host_cpu *c = &host.cpus[cpu];
    if (__atomic_exchange_n(&c->sleeping, 0, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_add(&c->wakeups, 1, __ATOMIC_RELAXED);
        /* park_word was stored before the exchange we read 1 from: acquired with it. */
        futex_wake(__atomic_load_n(&c->park_word, __ATOMIC_RELAXED));
    }
}

void host_kick(unsigned cpu)
{
    const uint32_t *word = __atomic_load_n(&host.cpus[cpu].park_word, __ATOMIC_ACQUIRE);
    if (word)
        futex_wake(word);
}

uint64_t cpu_parked_ns(unsigned cpu)
{
    return __atomic_load_n(&host.cpus[cpu].parked_ns, __ATOMIC_RELAXED);
}

uint64_t cpu_wakeups(unsigned cpu)
{
    return __atomic_load_n(&host.cpus[cpu].wakeups, __ATOMIC_RELAXED);
}
