/* The prime-count protocol's authentication: SHA-256 against the FIPS 180-4 examples, HMAC-SHA-256
 * against every RFC 4231 test case and against OpenSSL on random keys and messages, and the
 * sealed datagrams and anti-replay window of auth.c. Built twice: with hmac.c (the guest's) and
 * with hmac_openssl.c (the host tools'), so that both implementations pass the same tests. */
#include "auth.h"
#include "hmac.h"
#include "sha256.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void check_sha256(const void *msg, size_t len, const char *want)
{
    uint8_t d[SHA256_DIGEST];
    char got[2 * SHA256_DIGEST + 1];
    sha256(msg, len, d);
    hex(d, sizeof(d), got);
    ck_assert_str_eq(got, want);
}

/* FIPS 180-4's examples (NIST's "Examples with intermediate values" for SHA-256) */
START_TEST(sha256_fips_examples)
{
    check_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha256(m448, strlen(m448),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check_sha256(m896, strlen(m896),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    check_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

/* one million 'a', given in pieces of odd sizes so that blocks fill across calls */
START_TEST(sha256_million_a)
{
    static char a[1000000];
    memset(a, 'a', sizeof(a));
    check_sha256(a, sizeof(a), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    struct sha256 s;
    uint8_t d[SHA256_DIGEST];
    char got[2 * SHA256_DIGEST + 1];
    sha256_init(&s);
    for (size_t at = 0, step = 1; at < sizeof(a); at += step, step = step * 7 % 997 + 1)
        sha256_update(&s, a + at, step < sizeof(a) - at ? step : sizeof(a) - at);
    sha256_final(&s, d);
    hex(d, sizeof(d), got);
    ck_assert_str_eq(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* every length around the padding's edges (55, 56, 63, 64 bytes and their next blocks) */
START_TEST(sha256_agrees_with_openssl_at_every_length)
{
    uint8_t msg[300], ours[SHA256_DIGEST], theirs[SHA256_DIGEST];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof(msg); len++) {
        unsigned n = 0;
        sha256(msg, len, ours);
        ck_assert(EVP_Digest(msg, len, theirs, &n, EVP_sha256(), NULL) && n == SHA256_DIGEST);
        ck_assert_msg(!memcmp(ours, theirs, SHA256_DIGEST), "length %zu", len);
    }
}
END_TEST

static size_t unhex(const char *text, uint8_t *out)
{
    size_t n = strlen(text) / 2;
    for (size_t i = 0; i < n; i++)
        sscanf(text + 2 * i, "%2hhx", &out[i]);
    return n;
}

/* RFC 4231 section 4: test cases 1 to 7 (case 5's MAC is truncated to 128 bits there) */
START_TEST(hmac_rfc4231)
{
    static const struct {
        const char *key, *data, *mac; /* hex */
    } cases[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
         "dddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
         "cdcdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "546573742057697468205472756e636174696f6e",
         "a3b6167473100ee06e0c796c2955552b"},
        {"aa",
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048"
         "617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"aa",
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d"
         "73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174"
         "612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e"
         "6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t key[131], data[200], mac[HMAC_SHA256_LEN];
        char got[2 * HMAC_SHA256_LEN + 1];
        size_t klen = unhex(cases[i].key, key), dlen = unhex(cases[i].data, data);
        if (klen == 1) { /* cases 6 and 7: 131 bytes of 0xaa, longer than a block */
            memset(key, 0xaa, 131);
            klen = 131;
        }
        hmac_sha256(key, klen, data, dlen, mac);
        hex(mac, sizeof(mac), got);
        got[strlen(cases[i].mac)] = '\0';
        ck_assert_msg(!strcmp(got, cases[i].mac), "test case %zu: %s", i + 1, got);
    }
}
END_TEST

/* Ours (in one piece and in random pieces) against OpenSSL's HMAC() on random keys of 0 to 200
 * bytes and messages of 0 to 5000 */
START_TEST(hmac_agrees_with_openssl)
{
    static uint8_t key[200], msg[5000];
    srand(4231);
    for (int round = 0; round < 3000; round++) {
        size_t klen = (size_t)rand() % (sizeof(key) + 1), mlen = (size_t)rand() % (sizeof(msg) + 1);
        if (round % 3 == 0)
            mlen %= 300; /* many short ones too, the size of datagrams */
        for (size_t i = 0; i < klen; i++)
            key[i] = (uint8_t)rand();
        for (size_t i = 0; i < mlen; i++)
            msg[i] = (uint8_t)rand();
        uint8_t ours[HMAC_SHA256_LEN], pieces[HMAC_SHA256_LEN], theirs[EVP_MAX_MD_SIZE];
        unsigned tlen = 0;
        hmac_sha256(key, klen, msg, mlen, ours);
        ck_assert(HMAC(EVP_sha256(), key, (int)klen, msg, mlen, theirs, &tlen));
        ck_assert_uint_eq(tlen, HMAC_SHA256_LEN);
        ck_assert_msg(!memcmp(ours, theirs, HMAC_SHA256_LEN), "key %zu, message %zu bytes", klen,
                      mlen);
        size_t cut1 = mlen ? (size_t)rand() % mlen : 0, cut2 = cut1 + (mlen - cut1) / 2;
        const void *parts[3] = {msg, msg + cut1, msg + cut2};
        size_t lens[3] = {cut1, cut2 - cut1, mlen - cut2};
        hmac_sha256_parts(key, klen, parts, lens, 3, pieces);
        ck_assert(!memcmp(pieces, theirs, HMAC_SHA256_LEN));
    }
}
END_TEST

static struct auth_key key_of(const char *text)
{
    struct auth_key k;
    char why[120];
    ck_assert_msg(auth_key_parse(&k, text, strlen(text), why, sizeof(why)) == 0, "%s", why);
    return k;
}

static const char KEY32[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

START_TEST(keys_are_hex)
{
    struct auth_key k = key_of(KEY32);
    ck_assert_uint_eq(k.len, 32);
    ck_assert_uint_eq(k.bytes[31], 0x1f);
    k = key_of("00112233445566778899AABBCCDDEEFF\n"); /* a key file: upper case, a newline */
    ck_assert_uint_eq(k.len, 16);
    ck_assert_uint_eq(k.bytes[15], 0xff);
    static const char *const bad[] = {
        "",
        "0011223344556677",                    /* 8 bytes: too short */
        "00112233445566778899aabbccddeef",     /* odd */
        "00112233445566778899aabbccddeefg",    /* not hex */
        "00112233445566778899aabbccddeeff 00", /* a blank inside */
        "0000000000000000000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000000000000000000000", /* 65 bytes */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char why[120] = "";
        ck_assert_msg(auth_key_parse(&k, bad[i], strlen(bad[i]), why, sizeof(why)) == -1, "%s",
                      bad[i]);
        ck_assert_msg(strstr(why, "key"), "%s", why);
    }
}
END_TEST

/* The example of docs/protocol.md, which another implementation can check itself against. */
START_TEST(seal_known_answer)
{
    struct auth_key k = key_of(KEY32);
    char msg[512] = "ping id=example\n";
    size_t n = auth_seal(&k, AUTH_REQUEST, msg, strlen(msg), sizeof(msg), 1700000000000000ull);
    ck_assert_str_eq(msg, "ping id=example t=1700000000000000 "
                          "mac=3497d81fd435f0160e3c9c4c563c06b3d765ce1d3f9a71c51d9929dec231093f\n");
    ck_assert_uint_eq(n, strlen(msg));
    strcpy(msg, "pong id=example cpus=2\n");
    auth_seal(&k, AUTH_REPLY, msg, strlen(msg), sizeof(msg), 1700000000000000ull);
    ck_assert_str_eq(msg, "pong id=example cpus=2 t=1700000000000000 "
                          "mac=a1ee7f55ae526c83c003a3ca468fcca1acc8b40501782a8ac2055c32e288a6ab\n");
    /* the trailer never takes more than AUTH_TRAILER_MAX, and sealing refuses to overflow */
    strcpy(msg, "x");
    ck_assert_uint_eq(auth_seal(&k, AUTH_REQUEST, msg, 1, sizeof(msg), UINT64_MAX),
                      1 + AUTH_TRAILER_MAX);
    ck_assert_uint_eq(auth_seal(&k, AUTH_REQUEST, msg, 1, AUTH_TRAILER_MAX + 1, UINT64_MAX), 0);
    ck_assert_uint_eq(auth_seal(&k, AUTH_REQUEST, msg, 1, AUTH_TRAILER_MAX + 2, UINT64_MAX),
                      1 + AUTH_TRAILER_MAX);
}
END_TEST

static enum auth_verdict open_text(const struct auth_key *k, enum auth_dir d, const char *msg,
                                   size_t *inner, uint64_t *t)
{
    return auth_open(k, d, msg, strlen(msg), inner, t);
}

START_TEST(open_checks_every_byte)
{
    struct auth_key k = key_of(KEY32), other = key_of(KEY32);
    other.bytes[0] ^= 1;
    char msg[512] = "primes 2 100 id=a        "; /* padding before the trailer is covered */
    size_t n = auth_seal(&k, AUTH_REQUEST, msg, strlen(msg), sizeof(msg), 42), inner;
    uint64_t t = 0;
    ck_assert_int_eq(open_text(&k, AUTH_REQUEST, msg, &inner, &t), AUTH_OK);
    ck_assert_uint_eq(t, 42);
    ck_assert_uint_eq(inner, strlen("primes 2 100 id=a         "));
    ck_assert_int_eq(open_text(&k, AUTH_REPLY, msg, &inner, &t), AUTH_BAD_MAC);
    ck_assert_int_eq(open_text(&other, AUTH_REQUEST, msg, &inner, &t), AUTH_BAD_MAC);
    for (size_t i = 0; i < n - 1; i++) { /* every byte but the newline matters */
        char copy[512];
        memcpy(copy, msg, n + 1);
        copy[i] = copy[i] == '1' ? '2' : '1';
        enum auth_verdict v = open_text(&k, AUTH_REQUEST, copy, &inner, &t);
        ck_assert_msg(v != AUTH_OK, "byte %zu changed, still accepted", i);
    }
    char padded[600]; /* blanks after the MAC are allowed and not covered */
    snprintf(padded, sizeof(padded), "%.*s   \t \n", (int)n - 1, msg);
    ck_assert_int_eq(open_text(&k, AUTH_REQUEST, padded, &inner, &t), AUTH_OK);
}
END_TEST

START_TEST(open_wants_t_and_mac_last)
{
    struct auth_key k = key_of(KEY32);
    const char *hex64 = "3497d81fd435f0160e3c9c4c563c06b3d765ce1d3f9a71c51d9929dec231093f";
    char msg[512];
    size_t inner;
    uint64_t t;
    static const char *const forms[] = {
        "ping id=1",
        "ping t=5",
        "ping mac=%s",
        "ping t=5 mac=%.63s",
        "ping t=5 mac=%s00",
        "ping t=0 mac=%s",
        "ping t=18446744073709551616 mac=%s",
        "ping t=5x mac=%s",
        "ping t= mac=%s",
        "ping t=5mac=%s",
        "ping mac=%s t=5",
        "mac=%s",
        "",
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        snprintf(msg, sizeof(msg), forms[i], hex64);
        ck_assert_msg(open_text(&k, AUTH_REQUEST, msg, &inner, &t) == AUTH_NO_MAC, "'%s'", msg);
    }
    snprintf(msg, sizeof(msg), "ping t=18446744073709551615 mac=%s", hex64); /* well formed */
    ck_assert_int_eq(open_text(&k, AUTH_REQUEST, msg, &inner, &t), AUTH_BAD_MAC);
    snprintf(msg, sizeof(msg), "ping t=5 mac=%.63sg", hex64);
    ck_assert_int_eq(open_text(&k, AUTH_REQUEST, msg, &inner, &t), AUTH_NO_MAC);
    /* a valid MAC spelt in capitals is another datagram for the same bytes: refused */
    strcpy(msg, "ping id=example t=1700000000000000 "
                "mac=3497D81FD435F0160E3C9C4C563C06B3D765CE1D3F9A71C51D9929DEC231093F");
    ck_assert_int_eq(open_text(&k, AUTH_REQUEST, msg, &inner, &t), AUTH_NO_MAC);
    for (char *c = msg + 39; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
    ck_assert_int_eq(open_text(&k, AUTH_REQUEST, msg, &inner, &t), AUTH_OK);
}
END_TEST

START_TEST(replay_window)
{
    static struct auth_replay r;
    auth_replay_init(&r, 0);
    const uint32_t ip = 0x0a000202;
    const uint64_t base = 1700000000000000ull;
    ck_assert(auth_replay_fresh(&r, ip, 5000, base));
    auth_replay_record(&r, ip, 5000, base);
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base)); /* the same t again */
    ck_assert(auth_replay_fresh(&r, ip, 5001, base));  /* another client's own window */
    ck_assert(auth_replay_fresh(&r, ip + 1, 5000, base));
    auth_replay_record(&r, ip, 5000, base + 10);
    ck_assert(auth_replay_fresh(&r, ip, 5000, base + 5)); /* late but inside the window: once */
    auth_replay_record(&r, ip, 5000, base + 5);
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base + 5));
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base + 10));
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base));
    ck_assert(auth_replay_fresh(&r, ip, 5000, base + 10 - AUTH_WINDOW + 1)); /* the window's edge */
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base + 10 - AUTH_WINDOW));    /* below it */
    auth_replay_record(&r, ip, 5000, base + 10 + AUTH_WINDOW + 100); /* a jump past the window */
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base + 10 + AUTH_WINDOW + 100));
    ck_assert(auth_replay_fresh(&r, ip, 5000, base + 10 + 102));
    ck_assert(!auth_replay_fresh(&r, ip, 5000, base + 10 + 100));
    /* every t of a window, in reverse order, each once */
    auth_replay_record(&r, ip, 6000, base + 1000);
    for (uint64_t t = base + 999; t > base + 1000 - AUTH_WINDOW; t--) {
        ck_assert(auth_replay_fresh(&r, ip, 6000, t));
        auth_replay_record(&r, ip, 6000, t);
        ck_assert(!auth_replay_fresh(&r, ip, 6000, t));
    }
}
END_TEST

/* A floor at start (tf.t_min): datagrams recorded before the server started are refused. */
START_TEST(replay_floor_at_start)
{
    static struct auth_replay r;
    auth_replay_init(&r, 1000);
    ck_assert(!auth_replay_fresh(&r, 1, 4000, 999));
    ck_assert(!auth_replay_fresh(&r, 1, 4000, 1000));
    ck_assert(auth_replay_fresh(&r, 1, 4000, 1001));
}
END_TEST

/* However many clients come and go, no datagram is accepted twice. */
START_TEST(forgotten_clients_cannot_be_replayed)
{
    static struct auth_replay r;
    auth_replay_init(&r, 0);
    uint64_t t = 100;
    auth_replay_record(&r, 1, 4000, t); /* the first client, to be forgotten */
    for (uint16_t port = 4001; port < 4001 + AUTH_PEERS; port++)
        auth_replay_record(&r, 1, port, ++t);
    ck_assert(!auth_replay_fresh(&r, 1, 4000, 100)); /* forgotten: its address's floor holds */
    ck_assert(auth_replay_fresh(&r, 1, 4000, t + 1));
    ck_assert(auth_replay_fresh(&r, 2, 4000, 100)); /* another address never had a floor */
    /* forgetting the address too passes its floor to the whole table */
    auth_replay_record(&r, 2, 1, 1);
    for (uint32_t ip = 10; ip < 10 + 2 * AUTH_PEERS; ip++)
        for (uint16_t port = 1; port <= 2; port++)
            auth_replay_record(&r, ip, port, 50);
    ck_assert(!auth_replay_fresh(&r, 1, 4000, 100));
    ck_assert(!auth_replay_fresh(&r, 1, 4001, 101));
    ck_assert(!auth_replay_fresh(&r, 2, 1, 1));
    ck_assert(auth_replay_fresh(&r, 1, 4000, t + 1));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("primes_auth");
    TCase *h = tcase_create("hash");
    tcase_add_test(h, sha256_fips_examples);
    tcase_add_test(h, sha256_million_a);
    tcase_add_test(h, sha256_agrees_with_openssl_at_every_length);
    tcase_add_test(h, hmac_rfc4231);
    tcase_add_test(h, hmac_agrees_with_openssl);
    tcase_set_timeout(h, 120);
    suite_add_tcase(s, h);
    TCase *a = tcase_create("auth");
    tcase_add_test(a, keys_are_hex);
    tcase_add_test(a, seal_known_answer);
    tcase_add_test(a, open_checks_every_byte);
    tcase_add_test(a, open_wants_t_and_mac_last);
    tcase_add_test(a, replay_window);
    tcase_add_test(a, replay_floor_at_start);
    tcase_add_test(a, forgotten_clients_cannot_be_replayed);
    suite_add_tcase(s, a);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
