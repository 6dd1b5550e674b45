/* libFuzzer target: one datagram into the prime-count server's checks, as the guest takes it
 * (proto_may_answer, auth_open, proto_parse), with the invariants the server relies on:
 *
 *   - a reply made to fit a request (proto_fit) is never longer than the request;
 *   - a datagram that opens (a valid MAC under the fuzzer's key) seals back to itself;
 *   - the anti-replay table, driven by the input read as (port, t) steps, never accepts one t
 *     twice from one client, however many clients come and go.
 *
 * Any violation aborts, as does any memory error (AddressSanitizer, UBSan). */
#include "auth.h"
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct auth_key key = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 16};

static void check_reply_fits(const char *msg, size_t len)
{
    struct proto_request req;
    char why[160], out[PROTO_REPLY_MAX];
    if (proto_parse(msg, len, &req, why, sizeof(why)) == 0)
        snprintf(why, sizeof(why), "%s", "a reply of some length");
    size_t n = proto_fit(out, proto_format_err(out, req.id, why), len, req.id);
    if (n > len || n >= PROTO_REPLY_MAX)
        abort();
    if (req.verb == PROTO_PRIMES && proto_ok_bound(&req) >= PROTO_REPLY_MAX)
        abort(); /* a padded request must always have room for its answer */
}

/* The input sealed with t opens again to itself and t; with any one byte changed (but the final
 * newline, which no MAC covers) it does not. */
static void check_sealed(const char *msg, size_t len, uint64_t t)
{
    char buf[PROTO_REQUEST_MAX + AUTH_TRAILER_MAX + 2];
    size_t body = len && msg[len - 1] == '\n' ? len - 1 : len, inner;
    uint64_t t2;
    memcpy(buf, msg, len);
    size_t n = auth_seal(&key, AUTH_REQUEST, buf, len, sizeof(buf), t);
    if (!n || auth_open(&key, AUTH_REQUEST, buf, n, &inner, &t2) != AUTH_OK || t2 != t ||
        inner != body + 1 || memcmp(buf, msg, body))
        abort();
    if (auth_open(&key, AUTH_REPLY, buf, n, &inner, &t2) == AUTH_OK)
        abort(); /* a request never passes for a reply */
    buf[t % (n - 1)] ^= (char)(1 + t % 255);
    if (auth_open(&key, AUTH_REQUEST, buf, n, &inner, &t2) == AUTH_OK)
        abort();
}

/* The input as steps of 3 bytes: a client (one of 300 ports of two addresses) and a t near the
 * running maximum; a shadow list of what was accepted catches a second acceptance. */
static void check_replay(const uint8_t *data, size_t size)
{
    static struct auth_replay r;
    static struct {
        uint32_t ip;
        uint16_t port;
        uint64_t t;
    } taken[1024];
    size_t n = 0;
    uint64_t high = 1000;
    auth_replay_init(&r, 0);
    for (size_t i = 0; i + 3 <= size && n < 1024; i += 3) {
        uint32_t ip = data[i] & 1;
        uint16_t port = (uint16_t)((data[i] >> 1) + (data[i + 1] & 1) * 128 + 1);
        uint64_t t = high - 100 + data[i + 2];
        high = t > high ? t : high;
        if (!auth_replay_fresh(&r, ip, port, t))
            continue;
        for (size_t k = 0; k < n; k++)
            if (taken[k].ip == ip && taken[k].port == port && taken[k].t == t)
                abort();
        auth_replay_record(&r, ip, port, t);
        taken[n].ip = ip, taken[n].port = port, taken[n].t = t;
        n++;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *msg = (const char *)data;
    size_t len = size > PROTO_REQUEST_MAX ? PROTO_REQUEST_MAX : size;
    size_t inner;
    uint64_t t = 1;
    for (size_t i = 0; i < size; i++) /* a t of the input's own (FNV-1a), never 0 */
        t = (t ^ data[i]) * 0x100000001b3ull;
    proto_may_answer(msg, len, 40000, PROTO_DEFAULT_PORT);
    check_reply_fits(msg, len);
    if (auth_open(&key, AUTH_REQUEST, msg, len, &inner, &t) == AUTH_OK) /* a forgery */
        abort();
    check_sealed(msg, len, t ? t : 1);
    check_replay(data, size);
    return 0;
}
