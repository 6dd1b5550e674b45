/* HMAC (RFC 2104 section 2) over SHA-256 (sha256.c): H(K ^ opad, H(K ^ ipad, text)), with B = 64
 * and L = 32. */
#include "hmac.h"
#include "sha256.h"

#include <string.h>

void hmac_sha256_parts(const uint8_t *key, size_t key_len, const void *const *parts,
                       const size_t *lens, size_t n, uint8_t mac[HMAC_SHA256_LEN])
{
    uint8_t k[SHA256_BLOCK] = {0}, pad[SHA256_BLOCK], inner[SHA256_DIGEST];
    struct sha256 s;
    if (key_len > SHA256_BLOCK) /* "keys longer than B bytes are first hashed using H" */
        sha256(key, key_len, k);
    else
        memcpy(k, key, key_len);
    for (int i = 0; i < SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    sha256_init(&s);
    sha256_update(&s, pad, sizeof(pad));
    for (size_t i = 0; i < n; i++)
        sha256_update(&s, parts[i], lens[i]);
    sha256_final(&s, inner);
    for (int i = 0; i < SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    sha256_init(&s);
    sha256_update(&s, pad, sizeof(pad));
    sha256_update(&s, inner, sizeof(inner));
    sha256_final(&s, mac);
    memset(k, 0, sizeof(k));
    memset(pad, 0, sizeof(pad));
}

void hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t len,
                 uint8_t mac[HMAC_SHA256_LEN])
{
    const void *parts[1] = {msg};
    hmac_sha256_parts(key, key_len, parts, &len, 1, mac);
}
