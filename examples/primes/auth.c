/* Authenticated datagrams (auth.h, docs/protocol.md). */
#include "auth.h"
#include "hmac.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const labels[] = {"primes-request\n", "primes-reply\n"};

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* n bytes from 2n hex digits; -1 when one is not a hex digit, or with `lower` an upper-case one
 * (a MAC has one spelling only, so that no one re-spells a datagram into another valid one) */
static int unhex(const char *text, size_t n, uint8_t *out, int lower)
{
    for (size_t i = 0; i < n; i++) {
        char a = text[2 * i], b = text[2 * i + 1];
        int hi = hex_value(a), lo = hex_value(b);
        if (hi < 0 || lo < 0 || (lower && ((a >= 'A' && a <= 'F') || (b >= 'A' && b <= 'F'))))
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int auth_key_parse(struct auth_key *key, const char *text, size_t len, char *why, size_t why_len)
{
    size_t digits = 0;
    while (digits < len && hex_value(text[digits]) >= 0)
        digits++;
    for (size_t i = digits; i < len; i++)
        if (!is_blank(text[i])) {
            snprintf(why, why_len, "a key is hex digits only (found '%c')",
                     text[i] >= 0x21 && text[i] < 0x7f ? text[i] : '?');
            return -1;
        }
    if (digits % 2 || digits < 2 * AUTH_KEY_MIN || digits > 2 * AUTH_KEY_MAX) {
        snprintf(why, why_len, "a key is %d to %d hex digits, an even number (found %zu)",
                 2 * AUTH_KEY_MIN, 2 * AUTH_KEY_MAX, digits);
        return -1;
    }
    key->len = digits / 2;
    unhex(text, key->len, key->bytes, 0);
    return 0;
}

static void mac_of(const struct auth_key *key, enum auth_dir dir, const char *body, size_t len,
                   uint8_t mac[HMAC_SHA256_LEN])
{
    const void *parts[2] = {labels[dir], body};
    size_t lens[2] = {strlen(labels[dir]), len};
    hmac_sha256_parts(key->bytes, key->len, parts, lens, 2, mac);
}

size_t auth_seal(const struct auth_key *key, enum auth_dir dir, char *msg, size_t len, size_t cap,
                 uint64_t t)
{
    static const char digits[] = "0123456789abcdef";
    uint8_t mac[HMAC_SHA256_LEN];
    char counter[32];
    if (len && msg[len - 1] == '\n')
        len--;
    int n = snprintf(counter, sizeof(counter), " t=%" PRIu64 " mac=", t);
    if (len + (size_t)n + AUTH_MAC_HEX + 2 > cap)
        return 0;
    memcpy(msg + len, counter, (size_t)n);
    len += (size_t)n;
    mac_of(key, dir, msg, len - 4, mac); /* every byte before "mac=" */
    for (int i = 0; i < HMAC_SHA256_LEN; i++) {
        msg[len++] = digits[mac[i] >> 4];
        msg[len++] = digits[mac[i] & 15];
    }
    msg[len++] = '\n';
    msg[len] = '\0';
    return len;
}

/* The word that ends at `end` (exclusive; blanks before `end` skipped first): its start. */
static size_t word_before(const char *msg, size_t *end)
{
    while (*end && is_blank(msg[*end - 1]))
        (*end)--;
    size_t start = *end;
    while (start && !is_blank(msg[start - 1]))
        start--;
    return start;
}

/* "t=" and 1 to 20 decimal digits whose value fits 64 bits and is not 0 */
static int parse_t(const char *w, size_t len, uint64_t *t)
{
    uint64_t x = 0;
    if (len < 3 || len > 22 || memcmp(w, "t=", 2))
        return -1;
    for (size_t i = 2; i < len; i++) {
        if (w[i] < '0' || w[i] > '9' || x > (UINT64_MAX - (uint64_t)(w[i] - '0')) / 10)
            return -1;
        x = x * 10 + (uint64_t)(w[i] - '0');
    }
    *t = x;
    return x ? 0 : -1;
}

enum auth_verdict auth_open(const struct auth_key *key, enum auth_dir dir, const char *msg,
                            size_t len, size_t *inner_len, uint64_t *t)
{
    uint8_t want[HMAC_SHA256_LEN], got[HMAC_SHA256_LEN];
    size_t end = len, mac_at = word_before(msg, &end);
    if (end - mac_at != 4 + AUTH_MAC_HEX || memcmp(msg + mac_at, "mac=", 4) || !mac_at ||
        unhex(msg + mac_at + 4, HMAC_SHA256_LEN, got, 1))
        return AUTH_NO_MAC;
    size_t t_end = mac_at, t_at = word_before(msg, &t_end);
    if (parse_t(msg + t_at, t_end - t_at, t))
        return AUTH_NO_MAC;
    mac_of(key, dir, msg, mac_at, want);
    uint8_t diff = 0; /* every byte compared, so the time taken tells nothing of where it differs */
    for (int i = 0; i < HMAC_SHA256_LEN; i++)
        diff |= (uint8_t)(want[i] ^ got[i]);
    if (diff)
        return AUTH_BAD_MAC;
    *inner_len = t_at;
    return AUTH_OK;
}

void auth_replay_init(struct auth_replay *r, uint64_t floor)
{
    memset(r, 0, sizeof(*r));
    r->floor = floor;
}

static const struct auth_peer *find_peer(const struct auth_replay *r, uint32_t ip, uint16_t port)
{
    for (int i = 0; i < AUTH_PEERS; i++)
        if (r->peer[i].stamp && r->peer[i].ip == ip && r->peer[i].port == port)
            return &r->peer[i];
    return NULL;
}

static const struct auth_floor *find_floor(const struct auth_replay *r, uint32_t ip)
{
    for (int i = 0; i < AUTH_ADDRESSES; i++)
        if (r->addr[i].stamp && r->addr[i].ip == ip)
            return &r->addr[i];
    return NULL;
}

/* The floor for a client of ip with no state of its own. */
static uint64_t floor_of(const struct auth_replay *r, uint32_t ip)
{
    const struct auth_floor *f = find_floor(r, ip);
    return f && f->floor > r->floor ? f->floor : r->floor;
}

int auth_replay_fresh(const struct auth_replay *r, uint32_t ip, uint16_t port, uint64_t t)
{
    const struct auth_peer *p = find_peer(r, ip, port);
    if (!p)
        return t > floor_of(r, ip);
    if (t > p->top)
        return 1;
    uint64_t behind = p->top - t;
    return behind < AUTH_WINDOW && !(p->seen >> behind & 1);
}

/* ip's floor is raised to at least `floor` (its entry made, or taken from the address seen
 * longest ago, whose own floor then passes to the table-wide one). */
static void raise_floor(struct auth_replay *r, uint32_t ip, uint64_t floor)
{
    struct auth_floor *f = (struct auth_floor *)find_floor(r, ip);
    if (!f) {
        f = &r->addr[0];
        for (int i = 1; i < AUTH_ADDRESSES; i++)
            if (r->addr[i].stamp < f->stamp)
                f = &r->addr[i];
        if (f->stamp && f->floor > r->floor)
            r->floor = f->floor;
        *f = (struct auth_floor){ip, 0, 0};
    }
    if (floor > f->floor)
        f->floor = floor;
    f->stamp = ++r->clock;
}

/* A slot for a new client: an empty one, or the one seen longest ago, whose highest t becomes
 * its address's floor. */
static struct auth_peer *new_peer(struct auth_replay *r)
{
    struct auth_peer *p = &r->peer[0];
    for (int i = 1; i < AUTH_PEERS; i++)
        if (r->peer[i].stamp < p->stamp)
            p = &r->peer[i];
    if (p->stamp)
        raise_floor(r, p->ip, p->top);
    return p;
}

void auth_replay_record(struct auth_replay *r, uint32_t ip, uint16_t port, uint64_t t)
{
    struct auth_peer *p = (struct auth_peer *)find_peer(r, ip, port);
    if (!p) {
        p = new_peer(r);
        *p = (struct auth_peer){ip, port, t, 1, 0};
    } else if (t > p->top) { /* the window slides up: bit i is now top - i of the new top */
        uint64_t shift = t - p->top;
        p->seen = shift < AUTH_WINDOW ? p->seen << shift | 1 : 1;
        p->top = t;
    } else if (p->top - t < AUTH_WINDOW) {
        p->seen |= 1ull << (p->top - t);
    }
    p->stamp = ++r->clock;
}
