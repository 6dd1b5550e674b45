/* SHA-256 (FIPS 180-4), written for the prime-count server's request authentication (auth.h).
 * Plain C with no I/O and no allocation, so that the guest needs no library for it. */
#ifndef PRIMES_SHA256_H
#define PRIMES_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BLOCK  64 /* bytes of a message block */
#define SHA256_DIGEST 32 /* bytes of a digest */

struct sha256 {
    uint32_t h[8];               /* the hash value H(i) */
    uint64_t bytes;              /* message bytes taken so far */
    uint8_t block[SHA256_BLOCK]; /* the block being filled */
    size_t fill;                 /* bytes in it */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Pads the message, writes its digest and leaves *s to be initialised again. */
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST]);

/* The digest of one message. */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST]);

#endif
