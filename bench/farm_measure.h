/* Measurements of the task farm through its public API only (taskfarm.h), shared by the guest
 * image (bench/farm_bench.c) and the Linux program (bench/farm_bench_host.c), so both run the
 * very same loops. Each prints one line that bench/farm-latency parses:
 *
 *   bench: KIND key=value key=value ...
 *
 * Times are nanoseconds from tf_now_ns (the calibrated TSC in the guest, CLOCK_MONOTONIC on
 * Linux). Counters of sleeps and wake-ups come from the caller (bench_counts_fn), since the guest
 * and Linux keep them in different places. */
#ifndef TF_BENCH_FARM_MEASURE_H
#define TF_BENCH_FARM_MEASURE_H

#include <stddef.h>
#include <stdint.h>

/* Sleeps (a park that reached HLT/MWAIT or FUTEX_WAIT) and wake-ups (IPIs or FUTEX_WAKEs) of
 * every CPU since start-up; UINT64_MAX for a counter the platform does not keep. */
struct bench_counts {
    uint64_t parks;
    uint64_t wakes;
};
typedef void (*bench_counts_fn)(struct bench_counts *c);

/* The task every measurement runs: returns its argument. */
uint64_t bench_empty_task(void *arg);

/* Busy-waits `ns` nanoseconds on tf_now_ns (the caller stays awake: it does not park). */
void bench_pause_ns(uint64_t ns);

/* Sorts samples[0..n) and prints "median_ns=M p99_ns=P max_ns=X" (nothing when n is 0). */
void bench_print_percentiles(uint64_t *samples, size_t n);

/* Prints " parks=P wakes=W" (the counts between `before` and `after`; "-" for a counter the
 * platform does not keep). */
void bench_print_counts(const struct bench_counts *before, const struct bench_counts *after);

/* Round trips of one empty task: tf_submit on CPU 0, then tf_wait. `warmup` unmeasured round
 * trips, then `n` measured, each after a pause of `gap_ns` (0: back to back). Only round trips
 * whose task was handed to another CPU count (tf_task_cpu > 0 right after tf_submit); the others
 * (all workers still busy finishing the previous one, so the task was queued) are counted and
 * left out. Prints "bench: roundtrip n= handed= gap_ns= median_ns= ... parks= wakes=".
 * CPU 0 only; 0, or -1 when a call into the farm failed or no task was handed over. */
int bench_roundtrips(unsigned long n, unsigned long warmup, uint64_t gap_ns,
                     bench_counts_fn counts);

/* Throughput: `n` empty tasks submitted in batches of BENCH_BATCH, each batch waited for with
 * tf_wait_all, every result checked. Prints "bench: tiny n= ns= worker_tasks= parks= wakes=".
 * CPU 0 only; 0, or -1. */
#define BENCH_BATCH 1024
int bench_tiny(unsigned long n, bench_counts_fn counts);

#endif
