/* CPL3: spin, then park through the core (see park.h).
 *
 * No lost wake-ups: a parking CPU first announces itself in `sleeping` and then checks its word
 * inside the core with interrupts off; a waker first changes the word and then reads `sleeping`.
 * Both orders are sequentially consistent, so either the parker sees the new word, or the waker
 * sees `sleeping` and sends the IPI (which stays pending until the parker's STI; HLT). */
#include "park.h"
#include "cache_line.h"
#include "deadline.h"
#include "taskfarm.h"
#include "percpu.h"
#include "runtime.h"
#include "usys.h"
#include "x86.h"
#include "x86_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPIN_US_DEFAULT 50
/* MWAIT that returned this many times in a row without the word changing is taken for a no-op
 * (QEMU's TCG with several vCPUs implements it as one): the CPUs then park with HLT. */
#define MWAIT_EMPTY_LIMIT 256

struct park_cpu {
    uint32_t sleeping;    /* 1 while inside the core's HLT path */
    uint32_t mwait_empty; /* MWAIT returns in a row that found the word unchanged */
    struct park_stats stats;
} __attribute__((aligned(CPU_CACHE_LINE)));

static struct park_cpu park_cpus[TF_MAX_CPUS];
static enum park_policy policy = PARK_HLT;
static uint64_t spin_ticks, spin_ns;
static enum park_policy chosen = PARK_HLT; /* at boot, before any fallback */
static const char *const policy_names[] = {"hlt", "mwait", "spin"};

static int cpu_offers_mwait(void)
{
    return (usys_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_MONITOR) != 0;
}

/* tf.vqstats=1: the parks and wake-up IPIs of all CPUs at exit, beside virtio-net's figures
 * (each park is a KABI_SYS_PARK call, each wake-up a KABI_SYS_WAKE call) */
static void report_parks(void)
{
    uint64_t parks = 0, wakeups = 0;
    for (unsigned cpu = 0; cpu < tf_cpu_count(); cpu++) {
        parks += __atomic_load_n(&park_cpus[cpu].stats.parks, __ATOMIC_RELAXED);
        wakeups += __atomic_load_n(&park_cpus[cpu].stats.wakeups, __ATOMIC_RELAXED);
    }
    runtime_console_printf("taskfarm: parkstats parks=%llu wakeups=%llu\n",
                           (unsigned long long)parks, (unsigned long long)wakeups);
}

void park_init(void)
{
    if (runtime_option_on("vqstats"))
        runtime_on_exit(report_parks);
    policy = cpu_offers_mwait() ? PARK_MWAIT : PARK_HLT;
    const char *o = tf_option("park");
    if (o && !strcmp(o, "hlt"))
        policy = PARK_HLT;
    else if (o && !strcmp(o, "spin"))
        policy = PARK_SPIN;
    else if (o && !strcmp(o, "mwait") && cpu_offers_mwait())
        policy = PARK_MWAIT;
    chosen = policy;
    o = tf_option("spin_us");
    spin_ns = (o ? strtoull(o, NULL, 10) : SPIN_US_DEFAULT) * 1000;
    spin_ticks = deadline_tsc_ticks(spin_ns);
}

enum park_policy park_policy(void)
{
    return __atomic_load_n(&policy, __ATOMIC_SEQ_CST);
}
const char *park_policy_name(void)
{
    return policy_names[chosen];
}

/* From MWAIT to HLT while other CPUs may be waking this one: a waker stores the word, then reads
 * the policy (both sequentially consistent); this CPU stores the policy, then announces itself
 * sleeping and re-checks the word with interrupts off. Either the waker reads HLT and sends the
 * IPI when it sees `sleeping`, or its word store came first and the re-check sees it. */
static void mwait_gives_up(void)
{
    enum park_policy expected = PARK_MWAIT;
    if (__atomic_compare_exchange_n(&policy, &expected, PARK_HLT, 0, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        fprintf(stderr, "taskfarm: MWAIT does not wait on this machine; parking with HLT\n");
}
uint64_t park_spin_ns(void)
{
    return spin_ns;
}
const struct park_stats *park_stats(unsigned cpu)
{
    return &park_cpus[cpu].stats;
}

static int spin(const uint32_t *word, uint32_t seen, uint64_t ticks)
{
    uint64_t start = x86_rdtsc();
    do {
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != seen)
            return 1;
        x86_pause();
    } while (park_policy() == PARK_SPIN || x86_rdtsc() - start < ticks);
    return 0;
}

void park_wait(const uint32_t *word, uint32_t seen)
{
    if (spin(word, seen, spin_ticks))
        return;
    struct park_cpu *me = &park_cpus[percpu_index()];
    uint64_t start = x86_rdtsc();
    if (park_policy() == PARK_MWAIT) {
        usys_call(KABI_SYS_PARK, (long)word, seen, KABI_PARK_MWAIT, 0);
        if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != seen)
            me->mwait_empty = 0;
        else if (++me->mwait_empty == MWAIT_EMPTY_LIMIT)
            mwait_gives_up();
    } else {
        __atomic_store_n(&me->sleeping, 1, __ATOMIC_SEQ_CST);
        usys_call(KABI_SYS_PARK, (long)word, seen, KABI_PARK_HLT, 0);
        __atomic_store_n(&me->sleeping, 0, __ATOMIC_RELAXED);
    }
    me->stats.parks++;
    me->stats.parked_ns += runtime_tsc_to_ns(x86_rdtsc() - start);
}

void park_wake(unsigned cpu)
{
    if (__atomic_load_n(&policy, __ATOMIC_RELAXED) == PARK_SPIN)
        return; /* spinning CPUs see the store; the policy never changes from spin */
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* orders the caller's word store before the reads */
    if (park_policy() != PARK_HLT)
        return; /* MWAIT: the store to the watched line is the wake-up */
    if (__atomic_load_n(&park_cpus[cpu].sleeping, __ATOMIC_SEQ_CST)) {
        __atomic_fetch_add(&park_cpus[cpu].stats.wakeups, 1, __ATOMIC_RELAXED);
        usys_call(KABI_SYS_WAKE, (long)cpu, 0, 0, 0);
    }
}
