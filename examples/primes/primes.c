/* The prime-count task kernels (primes.h). */
#include "primes.h"

#include <stdlib.h>
#include <string.h>

#define SEGMENT_BYTES 32768 /* one odd number a byte: fits a level-1 data cache */

static int is_prime(uint64_t n)
{
    if (n < 4)
        return n >= 2;
    if (n % 2 == 0)
        return 0;
    for (uint64_t d = 3; d <= n / d; d += 2)
        if (n % d == 0)
            return 0;
    return 1;
}

uint64_t primes_trial(uint64_t limit)
{
    uint64_t count = 0;
    for (uint64_t n = 2; n < limit; n++)
        count += (uint64_t)is_prime(n);
    return count;
}

/* floor(sqrt(n)) without floating point (kernels may run where the FPU is not set up). */
static uint64_t isqrt(uint64_t n)
{
    uint64_t r = 0;
    for (uint64_t bit = 1ull << 62; bit; bit >>= 2) {
        if (n >= r + bit) {
            n -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/* Odd primes up to `max` (inclusive) into a new array; *count gets their number. */
static uint32_t *odd_base_primes(uint64_t max, size_t *count)
{
    size_t n = (size_t)(max / 2 + 1); /* index i stands for 2i + 1 */
    uint8_t *composite = calloc(n, 1);
    uint32_t *primes = malloc(n * sizeof(uint32_t) / 2 + 16);
    if (!composite || !primes) {
        free(composite);
        free(primes);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
        if (composite[i])
            continue;
        uint64_t p = 2 * i + 1;
        primes[k++] = (uint32_t)p;
        for (uint64_t m = p * p; m <= max; m += 2 * p)
            composite[m / 2] = 1;
    }
    free(composite);
    *count = k;
    return primes;
}

uint64_t primes_sieve(uint64_t limit)
{
    if (limit <= 3)
        return limit == 3 ? 1 : 0;
    size_t nbase;
    uint32_t *base = odd_base_primes(isqrt(limit - 1), &nbase);
    if (!base)
        return UINT64_MAX;
    uint8_t segment[SEGMENT_BYTES]; /* segment[j] stands for lo + 2j */
    uint64_t count = 1;             /* the prime 2 */
    for (uint64_t lo = 3; lo < limit; lo += 2 * SEGMENT_BYTES) {
        uint64_t hi = lo + 2 * SEGMENT_BYTES < limit ? lo + 2 * SEGMENT_BYTES : limit;
        size_t len = (size_t)((hi - lo + 1) / 2);
        memset(segment, 0, len);
        for (size_t i = 0; i < nbase; i++) {
            uint64_t p = base[i];
            if (p * p >= hi)
                break;
            uint64_t m = p * p >= lo ? p * p : (lo + p - 1) / p * p;
            if (m % 2 == 0)
                m += p;
            for (; m < hi; m += 2 * p)
                segment[(m - lo) / 2] = 1;
        }
        for (size_t j = 0; j < len; j++)
            count += segment[j] == 0;
    }
    free(base);
    return count;
}

uint64_t primes_count(enum primes_kernel k, uint64_t limit)
{
    return k == PRIMES_SIEVE ? primes_sieve(limit) : primes_trial(limit);
}

const char *primes_kernel_name(enum primes_kernel k)
{
    return k == PRIMES_SIEVE ? "sieve" : "trial";
}

int primes_kernel_parse(const char *name, enum primes_kernel *k)
{
    if (!strcmp(name, "trial"))
        *k = PRIMES_TRIAL;
    else if (!strcmp(name, "sieve"))
        *k = PRIMES_SIEVE;
    else
        return -1;
    return 0;
}
