/* tf_parallel_for: data-parallel work over a range, handed out in shrinking chunks.
 *
 * One "range runner" task per CPU (the bootstrap CPU runs one itself, inside tf_wait_all). Each
 * runner takes the next chunk from a shared cursor with a compare-and-swap, runs it, and comes
 * back for more until the range is used up, so a CPU that finishes early takes work from the
 * rest instead of waiting: no CPU is idle while work remains, however uneven the chunks' costs.
 * Chunks follow guided self-scheduling (Polychronopoulos and Kuck, 1987): each is the part of
 * what is left that the CPUs would share evenly, halved, and at least `grain`, so they are large
 * at first (few trips to the cursor) and small at the end (the last CPU to finish waits for
 * little). A chunk that faults ends its runner with the fault; the other runners go on and take
 * what it would have taken, and the call reports the error. */
#include "scheduler.h"

struct range_job {
    uint64_t next; /* the cursor: the first index not yet handed out (CAS) */
    uint64_t hi, grain;
    unsigned runners;
    tf_range_fn fn;
    void *arg;
};

/* The next chunk [*lo, *hi) of the job, or 0 when the range is used up. */
static int take_chunk(struct range_job *j, uint64_t *lo, uint64_t *hi)
{
    uint64_t cur = __atomic_load_n(&j->next, __ATOMIC_RELAXED);
    for (;;) {
        if (cur >= j->hi)
            return 0;
        uint64_t left = j->hi - cur, size = left / (2ull * j->runners);
        if (size < j->grain)
            size = j->grain < left ? j->grain : left;
        /* Relaxed: the chunk's bounds are all a runner needs, and they come from the CAS. */
        if (__atomic_compare_exchange_n(&j->next, &cur, cur + size, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            *lo = cur;
            *hi = cur + size;
            return 1;
        }
    }
}

static uint64_t range_runner(void *arg)
{
    struct range_job *j = arg;
    uint64_t lo, hi, sum = 0;
    while (take_chunk(j, &lo, &hi))
        sum += j->fn(lo, hi, j->arg);
    return sum;
}

int tf_parallel_for(uint64_t lo, uint64_t hi, uint64_t grain, tf_range_fn fn, void *arg,
                    uint64_t *sum)
{
    if (!sched_on_bsp())
        return TF_EPERM;
    if (!fn)
        return TF_EINVAL;
    struct range_job job = {lo, hi, grain ? grain : 1, cpu_count(), fn, arg};
    tf_task_t tasks[TF_MAX_CPUS];
    uint64_t part[TF_MAX_CPUS];
    int err[TF_MAX_CPUS], rc = 0;
    unsigned n = 0;
    for (; n < job.runners; n++) {
        tasks[n] = tf_submit(range_runner, &job);
        if (tasks[n] < 0) {
            rc = (int)tasks[n]; /* fewer runners: the ones submitted do all the work */
            break;
        }
    }
    if (n == 0)
        return rc;
    int wrc = tf_wait_all(tasks, n, part, err);
    uint64_t total = 0;
    for (unsigned i = 0; i < n; i++)
        total += part[i];
    if (sum)
        *sum = total;
    return wrc; /* 0, or a chunk's fault: the work that chunk held was not done */
}
