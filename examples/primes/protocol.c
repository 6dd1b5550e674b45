/* The prime-count request protocol (protocol.h, docs/protocol.md). */
#include "protocol.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS_MAX 8

static int id_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
}

int proto_id_ok(const char *id, size_t max_len)
{
    size_t len = strlen(id);
    if (len == 0 || len > max_len || len > PROTO_ID_MAX)
        return 0;
    for (size_t k = 0; k < len; k++)
        if (!id_char_ok(id[k]))
            return 0;
    return 1;
}

/* A decimal number with no sign, no blanks and no overflow. */
static int parse_u64(const char *s, uint64_t *v)
{
    if (!*s)
        return -1;
    uint64_t x = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return 0;
}

/* Splits a copy of the message into blank-separated words. -1 when it has a byte that is not
 * printable ASCII (other than blanks and a final newline). */
static int split(char *buf, char **words, int *n)
{
    *n = 0;
    for (char *p = buf; *p;) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
            *p++ = '\0';
            continue;
        }
        if (*n == WORDS_MAX)
            return -2;
        words[(*n)++] = p;
        for (; *p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'; p++)
            if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
                return -1;
    }
    return 0;
}

static int fail(char *why, size_t why_len, const char *text)
{
    snprintf(why, why_len, "%s", text);
    return -1;
}

/* Options after the verb's positional words: id=ID, kernel=trial|sieve. t= and mac= belong to
 * authenticated datagrams, which a server with a key takes off before parsing. */
static int parse_options(char **w, int n, struct proto_request *req, char *why, size_t why_len)
{
    for (int i = 0; i < n; i++) {
        if (!strncmp(w[i], "t=", 2) || !strncmp(w[i], "mac=", 4))
            return fail(why, why_len, "t= and mac= are for a server with a key; this one has none");
        if (!strncmp(w[i], "kernel=", 7)) {
            if (primes_kernel_parse(w[i] + 7, &req->kernel))
                return fail(why, why_len, "unknown kernel (trial or sieve)");
        } else if (strncmp(w[i], "id=", 3)) {
            snprintf(why, why_len, "unexpected word '%.40s'", w[i]);
            return -1;
        }
    }
    return 0;
}

/* Finds id=... first, so even a request that fails later gets an error reply with its id. */
static int parse_id(char **w, int n, struct proto_request *req, char *why, size_t why_len)
{
    for (int i = 1; i < n; i++) {
        if (strncmp(w[i], "id=", 3))
            continue;
        const char *id = w[i] + 3;
        size_t len = strlen(id);
        if (len == 0 || len > PROTO_ID_MAX)
            return fail(why, why_len, "id must be 1 to 32 characters");
        if (!proto_id_ok(id, PROTO_ID_MAX))
            return fail(why, why_len, "id may hold only letters, digits and -_.:");
        memcpy(req->id, id, len + 1);
    }
    return 0;
}

static int parse_primes(char **w, int n, struct proto_request *req, char *why, size_t why_len)
{
    uint64_t tasks, limit;
    if (n < 3)
        return fail(why, why_len, "usage: primes N L [id=ID] [kernel=trial|sieve]");
    if (parse_u64(w[1], &tasks) || tasks < 1 || tasks > PROTO_TASKS_MAX)
        return fail(why, why_len, "N must be a whole number from 1 to 4096");
    if (parse_u64(w[2], &limit) || limit > PRIMES_LIMIT_MAX)
        return fail(why, why_len, "L must be a whole number from 0 to 1000000000000");
    req->verb = PROTO_PRIMES;
    req->tasks = (uint32_t)tasks;
    req->limit = limit;
    return parse_options(w + 3, n - 3, req, why, why_len);
}

int proto_parse(const char *msg, size_t len, struct proto_request *req, char *why, size_t why_len)
{
    char buf[PROTO_REQUEST_MAX + 1];
    char *w[WORDS_MAX];
    int n;
    memset(req, 0, sizeof(*req));
    req->kernel = PRIMES_TRIAL;
    if (len > PROTO_REQUEST_MAX)
        return fail(why, why_len, "request too long");
    if (memchr(msg, '\0', len))
        return fail(why, why_len, "request holds a NUL byte");
    memcpy(buf, msg, len);
    buf[len] = '\0';
    int rc = split(buf, w, &n);
    if (rc == -1)
        return fail(why, why_len, "request holds a byte that is not printable ASCII");
    if (rc == -2)
        return fail(why, why_len, "too many words");
    if (n == 0)
        return fail(why, why_len, "empty request");
    if (parse_id(w, n, req, why, why_len))
        return -1;
    if (!strcmp(w[0], "primes"))
        return parse_primes(w, n, req, why, why_len);
    if (!strcmp(w[0], "ping") || !strcmp(w[0], "stats")) {
        req->verb = w[0][0] == 'p' ? PROTO_PING : PROTO_STATS;
        return parse_options(w + 1, n - 1, req, why, why_len);
    }
    if (!strcmp(w[0], "cancel")) {
        req->verb = PROTO_CANCEL;
        if (parse_options(w + 1, n - 1, req, why, why_len))
            return -1;
        return *req->id ? 0 : fail(why, why_len, "usage: cancel id=ID");
    }
    snprintf(why, why_len, "unknown request '%.20s' (primes, ping, stats, cancel)", w[0]);
    return -1;
}

uint64_t proto_work(const struct proto_request *req)
{
    uint64_t one = primes_work(req->kernel, req->limit);
    return req->tasks && one > UINT64_MAX / req->tasks ? UINT64_MAX : one * req->tasks;
}

static const char *shown_id(const char *id)
{
    return id && *id ? id : "-";
}

size_t proto_format_ok(char *out, const struct proto_request *req, const struct proto_result *r)
{
    int n = snprintf(out, PROTO_REPLY_MAX,
                     "ok id=%s n=%" PRIu32 " limit=%" PRIu64 " kernel=%s sum=%" PRIu64
                     " cpus=%" PRIu32 " compute_us=%" PRIu64 "\n",
                     shown_id(req->id), req->tasks, req->limit, primes_kernel_name(req->kernel),
                     r->sum, r->cpus, r->compute_us);
    return n < PROTO_REPLY_MAX ? (size_t)n : PROTO_REPLY_MAX - 1;
}

size_t proto_format_err(char *out, const char *id, const char *why)
{
    int n = snprintf(out, PROTO_REPLY_MAX, "err id=%s %s\n", shown_id(id), why);
    return n < PROTO_REPLY_MAX ? (size_t)n : PROTO_REPLY_MAX - 1;
}

size_t proto_format_busy(char *out, const char *id)
{
    int n = snprintf(out, PROTO_REPLY_MAX, "busy id=%s\n", shown_id(id));
    return n < PROTO_REPLY_MAX ? (size_t)n : PROTO_REPLY_MAX - 1;
}

size_t proto_format_stats(char *out, const char *id, const struct proto_counter *c, size_t n)
{
    size_t len =
        (size_t)snprintf(out, PROTO_REPLY_MAX, "stats id=%.*s", PROTO_ID_MAX, shown_id(id));
    for (size_t i = 0; i < n; i++) {
        char field[64];
        int w = snprintf(field, sizeof(field), " %s=%" PRIu64, c[i].name, c[i].value);
        if (w < 0 || (size_t)w >= sizeof(field) || len + (size_t)w + 1 >= PROTO_REPLY_MAX)
            break; /* this one and the rest are left off */
        memcpy(out + len, field, (size_t)w);
        len += (size_t)w;
    }
    out[len++] = '\n';
    out[len] = '\0';
    return len;
}

size_t proto_format_refusal(char *out, size_t room, const char *id)
{
    char refusal[PROTO_REPLY_MAX];
    int n =
        snprintf(refusal, sizeof(refusal), "err id=%s pad the request with blanks to %d bytes\n",
                 shown_id(id), PROTO_REPLY_MAX);
    if ((size_t)n > room)
        n = snprintf(refusal, sizeof(refusal), "err id=%s pad\n", shown_id(id));
    if ((size_t)n > room)
        return 0;
    memcpy(out, refusal, (size_t)n + 1);
    return (size_t)n;
}

size_t proto_fit(char *out, size_t len, size_t request_len, const char *id)
{
    return len <= request_len ? len : proto_format_refusal(out, request_len, id);
}

static size_t decimal_digits(uint64_t v)
{
    size_t n = 1;
    for (; v >= 10; v /= 10)
        n++;
    return n;
}

size_t proto_ok_bound(const struct proto_request *req)
{
    /* the sum is at most N x L, the CPUs at most the pieces (PIECES_MAX 4096: 4 digits), the
     * time any 64-bit number */
    return strlen("ok id= n= limit= kernel= sum= cpus= compute_us=\n") + strlen(shown_id(req->id)) +
           decimal_digits(req->tasks) + decimal_digits(req->limit) +
           strlen(primes_kernel_name(req->kernel)) +
           decimal_digits((uint64_t)req->tasks * req->limit) + 4 + 20;
}

int proto_parse_ok(const char *line, char *id_out, struct proto_request *req,
                   struct proto_result *r)
{
    char id[PROTO_ID_MAX + 1], kernel[8];
    uint32_t tasks, cpus;
    uint64_t limit, sum, us;
    if (sscanf(line,
               "ok id=%32s n=%" SCNu32 " limit=%" SCNu64 " kernel=%7s sum=%" SCNu64 " cpus=%" SCNu32
               " compute_us=%" SCNu64,
               id, &tasks, &limit, kernel, &sum, &cpus, &us) != 7)
        return -1;
    memset(req, 0, sizeof(*req));
    if (primes_kernel_parse(kernel, &req->kernel))
        return -1;
    req->verb = PROTO_PRIMES;
    req->tasks = tasks;
    req->limit = limit;
    if (strcmp(id, "-"))
        memcpy(req->id, id, strlen(id) + 1);
    if (id_out)
        memcpy(id_out, req->id, strlen(req->id) + 1);
    *r = (struct proto_result){sum, cpus, us};
    return 0;
}

/* The first word of a datagram, up to 8 bytes, NUL-terminated into `word`. */
static void first_word(const char *msg, size_t len, char word[9])
{
    size_t i = 0, k = 0;
    while (i < len && (msg[i] == ' ' || msg[i] == '\t'))
        i++;
    for (; i < len && k < 8 && msg[i] != ' ' && msg[i] != '\t' && msg[i] != '\n'; i++)
        word[k++] = msg[i];
    word[k] = '\0';
}

static int holds(const char *msg, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(msg + i, needle, n))
            return 1;
    return 0;
}

int proto_may_answer(const char *msg, size_t len, uint16_t src_port, uint16_t own_port)
{
    static const char *const replies[] = {"ok", "err", "busy", "pong", "bye"};
    char word[9];
    if (src_port < 1024 || src_port == own_port)
        return 0;
    first_word(msg, len, word);
    for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
        if (!strcmp(word, replies[i]))
            return 0;
    /* "stats" is a request too; its reply is the one that carries counters */
    return !(!strcmp(word, "stats") && holds(msg, len, " requests="));
}

#define PROTO_ERR_COST_NS (1000000000ull / PROTO_ERR_PER_SECOND)

int proto_limiter_take(struct proto_limiter *l, uint64_t now_ns)
{
    const uint64_t full = PROTO_ERR_BURST * PROTO_ERR_COST_NS;
    uint64_t gained = l->last_ns && now_ns > l->last_ns ? now_ns - l->last_ns : 0;
    if (!l->last_ns || gained >= full - l->credit_ns)
        l->credit_ns = full;
    else
        l->credit_ns += gained;
    l->last_ns = now_ns;
    if (l->credit_ns < PROTO_ERR_COST_NS)
        return 0;
    l->credit_ns -= PROTO_ERR_COST_NS;
    return 1;
}

int proto_request_same(const struct proto_request *a, const struct proto_request *b)
{
    return a->verb == b->verb && a->tasks == b->tasks && a->limit == b->limit &&
           a->kernel == b->kernel;
}

static struct proto_cache_entry *cache_slot(const struct proto_cache *c, uint32_t ip, uint16_t port,
                                            const char *id)
{
    for (int i = 0; i < PROTO_CACHE_ENTRIES; i++) {
        const struct proto_cache_entry *e = &c->e[i];
        if (e->stamp && e->ip == ip && e->port == port && !strcmp(e->req.id, id))
            return (struct proto_cache_entry *)e;
    }
    return NULL;
}

enum proto_cache_verdict proto_cache_find(const struct proto_cache *c, uint32_t ip, uint16_t port,
                                          const struct proto_request *req,
                                          const struct proto_cache_entry **hit)
{
    const struct proto_cache_entry *e = *req->id ? cache_slot(c, ip, port, req->id) : NULL;
    *hit = e;
    if (!e)
        return PROTO_CACHE_MISS;
    return proto_request_same(&e->req, req) ? PROTO_CACHE_HIT : PROTO_CACHE_CONFLICT;
}

void proto_cache_put(struct proto_cache *c, uint32_t ip, uint16_t port,
                     const struct proto_request *req, const char *reply, size_t len)
{
    if (!*req->id || len >= PROTO_REPLY_MAX)
        return;
    struct proto_cache_entry *slot = cache_slot(c, ip, port, req->id);
    if (!slot) { /* an empty entry (stamp 0), else the one stored longest ago */
        slot = &c->e[0];
        for (int i = 1; i < PROTO_CACHE_ENTRIES; i++)
            if (c->e[i].stamp < slot->stamp)
                slot = &c->e[i];
    }
    slot->ip = ip;
    slot->port = port;
    slot->req = *req;
    memcpy(slot->reply, reply, len);
    slot->reply[len] = '\0';
    slot->len = len;
    slot->stamp = ++c->clock;
}
