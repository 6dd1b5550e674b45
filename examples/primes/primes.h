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

/* "trial" or "sieve"; primes_kernel_parse returns 0 and sets *k, or -1 for another name. */
const char *primes_kernel_name(enum primes_kernel k);
int primes_kernel_parse(const char *name, enum primes_kernel *k);

#endif
