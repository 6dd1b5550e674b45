/* The interface of hmac.h on OpenSSL's HMAC (EVP_MAC, OpenSSL 3): what the host tools link, so
 * that they and the guest (hmac.c) are two implementations checking each other. */
#include "hmac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>

/* One MAC object for the process: fetching the algorithm is the costly part. */
static EVP_MAC *hmac_algorithm(void)
{
    static EVP_MAC *mac;
    if (!mac && !(mac = EVP_MAC_fetch(NULL, "HMAC", NULL))) {
        fprintf(stderr, "OpenSSL has no HMAC\n");
        abort();
    }
    return mac;
}

void hmac_sha256_parts(const uint8_t *key, size_t key_len, const void *const *parts,
                       const size_t *lens, size_t n, uint8_t mac[HMAC_SHA256_LEN])
{
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    static const uint8_t none[1];
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(hmac_algorithm());
    size_t out = 0;
    int ok = ctx && EVP_MAC_init(ctx, key_len ? key : none, key_len, params);
    for (size_t i = 0; ok && i < n; i++)
        ok = EVP_MAC_update(ctx, parts[i], lens[i]);
    ok = ok && EVP_MAC_final(ctx, mac, &out, HMAC_SHA256_LEN) && out == HMAC_SHA256_LEN;
    EVP_MAC_CTX_free(ctx);
    if (!ok) { /* only out of memory gets here: no MAC is better than a wrong one */
        fprintf(stderr, "OpenSSL's HMAC-SHA-256 failed\n");
        abort();
    }
}

void hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t len,
                 uint8_t mac[HMAC_SHA256_LEN])
{
    const void *parts[1] = {msg};
    hmac_sha256_parts(key, key_len, parts, &len, 1, mac);
}
