/* The prime-count task kernels (primes.h). */
#include "primes.h"

#include <stdlib.h>
#include <string.h>

#define SEGMENT_BYTES 32768 /* one odd number a byte: fits a level-1 data cache */
/* Work units of one number sieved, so that a unit costs about as long for either kernel (a
 * number costs the sieve about as much as 64 units of trial division, measured here) */
#define PRIMES_SIEVE_WORK 64

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

uint64_t primes_trial_range(uint64_t lo, uint64_t hi)
{
    uint64_t count = 0;
    for (uint64_t n = lo; n < hi; n++)
        count += (uint64_t)is_prime(n);
    return count;
}

uint64_t primes_trial(uint64_t limit)
{
    return primes_trial_range(0, limit);
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

uint64_t primes_sieve_range(uint64_t lo, uint64_t hi)
{
    uint64_t count = lo <= 2 && hi > 2; /* the prime 2; the sieve covers the odd numbers */
    uint64_t start = lo <= 3 ? 3 : lo | 1;
    if (start >= hi)
        return count;
    size_t nbase;
    uint32_t *base = odd_base_primes(isqrt(hi - 1), &nbase);
    if (!base)
        return UINT64_MAX;
    uint8_t segment[SEGMENT_BYTES]; /* segment[j] stands for seg + 2j */
    for (uint64_t seg = start; seg < hi; seg += 2 * SEGMENT_BYTES) {
        uint64_t end = seg + 2 * SEGMENT_BYTES < hi ? seg + 2 * SEGMENT_BYTES : hi;
        size_t len = (size_t)((end - seg + 1) / 2);
        memset(segment, 0, len);
        for (size_t i = 0; i < nbase; i++) {
            uint64_t p = base[i];
            if (p * p >= end)
                break;
            uint64_t m = p * p >= seg ? p * p : (seg + p - 1) / p * p;
            if (m % 2 == 0)
                m += p;
            for (; m < end; m += 2 * p)
                segment[(m - seg) / 2] = 1;
        }
        for (size_t j = 0; j < len; j++)
            count += segment[j] == 0;
    }
    free(base);
    return count;
}

uint64_t primes_sieve(uint64_t limit)
{
    return primes_sieve_range(0, limit);
}

uint64_t primes_count(enum primes_kernel k, uint64_t limit)
{
    return primes_count_range(k, 0, limit);
}

uint64_t primes_count_range(enum primes_kernel k, uint64_t lo, uint64_t hi)
{
    return k == PRIMES_SIEVE ? primes_sieve_range(lo, hi) : primes_trial_range(lo, hi);
}

/* Trial division costs about sqrt(n) for a prime n and far less for most composites; summed
 * over a range that grows as x^1.5, so the splits of [0, limit) into pieces of equal cost sit
 * at limit * (k / pieces)^(2/3). The sieve costs about the same for every number. */
uint64_t primes_split(enum primes_kernel k, uint64_t limit, uint32_t pieces, uint32_t i)
{
    if (i >= pieces)
        return limit;
    if (k == PRIMES_SIEVE)
        return (uint64_t)((unsigned __int128)limit * i / pieces);
    /* split^3 = limit^3 * (i / pieces)^2, at most 10^36: the integer cube root by bisection
     * (no floating point in kernels) */
    unsigned __int128 target = (unsigned __int128)limit * limit / pieces * i / pieces * i * limit;
    uint64_t lo = 0, hi = limit;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if ((unsigned __int128)mid * mid * mid <= target)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

uint64_t primes_work(enum primes_kernel k, uint64_t limit)
{
    return k == PRIMES_SIEVE ? limit * PRIMES_SIEVE_WORK : limit * isqrt(limit);
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
