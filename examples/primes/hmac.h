/* HMAC-SHA-256 (RFC 2104 with SHA-256, as RFC 4231 tests it): the MAC of the prime-count
 * protocol's authenticated datagrams (auth.h). hmac.c implements it on sha256.c for the guest;
 * the host tools may link hmac_openssl.c instead, the same interface on OpenSSL, so that a
 * guest and a client check each other's implementation on every datagram. */
#ifndef PRIMES_HMAC_H
#define PRIMES_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA256_LEN 32 /* bytes of a MAC */

/* The MAC of the concatenation of parts[0..n) (lengths in lens[]) under `key` (any length; a key
 * longer than 64 bytes is hashed first, as RFC 2104 says). */
void hmac_sha256_parts(const uint8_t *key, size_t key_len, const void *const *parts,
                       const size_t *lens, size_t n, uint8_t mac[HMAC_SHA256_LEN]);

/* The MAC of one message. */
void hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t len,
                 uint8_t mac[HMAC_SHA256_LEN]);

#endif
