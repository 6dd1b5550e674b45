/* Placement order: which idle CPU gets the next task (policy; the topology comes from cpu.h).
 *
 *   siblings  the BSP's own SMT siblings first, then every thread of the next core, and so on,
 *             cores in (package, core) order: fills cores before waking new ones.
 *   spread    one thread of every core first, then the second threads, and so on; in each such
 *             round the BSP's core comes last, since the BSP itself keeps it busy.
 *
 * Each CPU gets a sort key; CPUs are then sorted by it (n is small, at most TF_MAX_CPUS, and this
 * runs once at start-up). */
#include "scheduler.h"

struct place_key {
    uint32_t cpu;
    uint32_t k[5]; /* compared in order */
};

/* The position of `cpu` among the threads of its core, by thread number. */
static uint32_t thread_rank(unsigned n, const struct tf_cpu_info *all, unsigned cpu)
{
    uint32_t rank = 0;
    for (unsigned i = 0; i < n; i++)
        if (all[i].package == all[cpu].package && all[i].core == all[cpu].core &&
            all[i].thread < all[cpu].thread)
            rank++;
    return rank;
}

static void make_key(enum sched_place policy, unsigned n, const struct tf_cpu_info *all,
                     unsigned cpu, struct place_key *key)
{
    const struct tf_cpu_info *c = &all[cpu], *bsp = &all[0];
    uint32_t other_core = c->package != bsp->package || c->core != bsp->core;
    key->cpu = cpu;
    if (policy == SCHED_PLACE_SPREAD) {
        key->k[0] = thread_rank(n, all, cpu);
        key->k[1] = !other_core; /* the BSP's core last in its round */
    } else {
        key->k[0] = other_core; /* the BSP's core first */
        key->k[1] = 0;
    }
    key->k[2] = c->package;
    key->k[3] = c->core;
    key->k[4] = c->thread;
}

static int key_before(const struct place_key *a, const struct place_key *b)
{
    for (int i = 0; i < 5; i++)
        if (a->k[i] != b->k[i])
            return a->k[i] < b->k[i];
    return a->cpu < b->cpu;
}

unsigned sched_place_order(enum sched_place policy, unsigned n, uint32_t *order)
{
    static struct tf_cpu_info all[TF_MAX_CPUS];
    static struct place_key keys[TF_MAX_CPUS];
    for (unsigned i = 0; i < n; i++)
        if (cpu_topology(i, &all[i]) != 0)
            all[i] = (struct tf_cpu_info){i, 0, i, 0}; /* unknown: a core of its own */
    unsigned m = 0;
    for (unsigned i = 1; i < n; i++) { /* insertion sort of CPUs 1 .. n-1 */
        struct place_key key;
        make_key(policy, n, all, i, &key);
        unsigned j = m++;
        for (; j > 0 && key_before(&key, &keys[j - 1]); j--)
            keys[j] = keys[j - 1];
        keys[j] = key;
    }
    for (unsigned i = 0; i < m; i++)
        order[i] = keys[i].cpu;
    return m;
}
