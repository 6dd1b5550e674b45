/* The prime-count task kernels, shared by the guest server, the Linux references and the tests.
 *
 * Both count the primes below `limit` (pi(limit - 1)): primes_trial by trial division, the
 * CPU-bound workload of the experiment this example reproduces (every number tested against the
 * odd divisors up to its square root), and primes_sieve with a segmented sieve of Eratosthenes,
 * thousands of times faster, for users who want the answer rather than the load. */
#ifndef PRIMES_H
#define PRIMES_H

#include <stdint.h>

#define PRIMES_LIMIT_MAX 1000000000000ull /* 10^12: the largest limit either kernel accepts */

enum primes_kernel { PRIMES_TRIAL, PRIMES_SIEVE };

/* Primes p with 2 <= p < limit, by trial division. Any limit up to PRIMES_LIMIT_MAX. */
uint64_t primes_trial(uint64_t limit);

/* The same count by a segmented sieve; uses about sqrt(limit) / 2 bytes of heap plus a 32 KiB
 * segment on the stack. Returns UINT64_MAX when the heap is exhausted. */
uint64_t primes_sieve(uint64_t limit);

/* Runs the kernel `k`. */
uint64_t primes_count(enum primes_kernel k, uint64_t limit);

/* The same counts over [lo, hi): the primes p with lo <= p < hi. Pieces of [0, limit) add up to
 * the whole: the prime-count server splits each task into pieces of about equal cost. */
uint64_t primes_trial_range(uint64_t lo, uint64_t hi);
uint64_t primes_sieve_range(uint64_t lo, uint64_t hi);
uint64_t primes_count_range(enum primes_kernel k, uint64_t lo, uint64_t hi);

/* Where piece i of [0, limit) split into `pieces` pieces of about equal cost for kernel k begins
 * (piece i is [split(i), split(i + 1)); split(0) = 0, split(pieces) = limit). */
uint64_t primes_split(enum primes_kernel k, uint64_t limit, uint32_t pieces, uint32_t i);

/* The cost of counting below `limit` in the server's work units: limit * sqrt(limit) for trial
 * division, 64 * limit for the sieve (docs/protocol.md). Fits 64 bits for every limit accepted. */
uint64_t primes_work(enum primes_kernel k, uint64_t limit);

/* "trial" or "sieve"; primes_kernel_parse returns 0 and sets *k, or -1 for another name. */
const char *primes_kernel_name(enum primes_kernel k);
int primes_kernel_parse(const char *name, enum primes_kernel *k);

#endif
