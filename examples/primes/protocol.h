/* The prime-count server's request protocol (docs/protocol.md): parsing requests and formatting
 * replies, plus the cache of recent replies by request id. Plain C with no I/O, shared by the
 * guest server, the Linux reference, the client and the unit tests. */
#ifndef PRIMES_PROTOCOL_H
#define PRIMES_PROTOCOL_H

#include "primes.h"

#include <stddef.h>
#include <stdint.h>

#define PROTO_ID_MAX       32   /* characters of a request id */
#define PROTO_TASKS_MAX    4096 /* most tasks one request may ask for */
#define PROTO_REPLY_MAX    256  /* bytes of any reply */
#define PROTO_REQUEST_MAX  512  /* longer datagrams are refused */
#define PROTO_DEFAULT_PORT 7070

enum proto_verb { PROTO_PRIMES, PROTO_PING, PROTO_STATS };

struct proto_request {
    enum proto_verb verb;
    char id[PROTO_ID_MAX + 1]; /* "" when the request carried none */
    uint32_t tasks;            /* N */
    uint64_t limit;            /* L */
    enum primes_kernel kernel;
};

/* Parses one request datagram (not NUL-terminated; a trailing newline is allowed). Returns 0, or
 * -1 with a reply-ready explanation in `why` (and req->id set when the id could be read, so the
 * error reply can carry it). */
int proto_parse(const char *msg, size_t len, struct proto_request *req, char *why, size_t why_len);

/* 1 when `id` is a valid request id of at most max_len characters (1 to PROTO_ID_MAX, letters,
 * digits and -_.:). */
int proto_id_ok(const char *id, size_t max_len);

/* What a prime-count computation produced. */
struct proto_result {
    uint64_t sum;        /* the sum of the N counts */
    uint32_t cpus;       /* distinct CPUs that ran the tasks */
    uint64_t compute_us; /* from the first submit to the last result */
};

/* Replies; each returns the length written (always < PROTO_REPLY_MAX, NUL-terminated). */
size_t proto_format_ok(char *out, const struct proto_request *req, const struct proto_result *r);
size_t proto_format_err(char *out, const char *id, const char *why);
size_t proto_format_busy(char *out, const char *id);

/* The reply line of a prime-count result as the client and the Linux reference print it. Parses
 * "ok id=... n=N limit=L kernel=K sum=S cpus=C compute_us=T": 0, or -1 when `line` is no such
 * reply. id_out (PROTO_ID_MAX + 1 bytes) may be NULL. */
int proto_parse_ok(const char *line, char *id_out, struct proto_request *req,
                   struct proto_result *r);

/* A small cache of replies by (peer address, id), so that a client's retry of a request already
 * answered gets the same reply without recomputing. Least recently stored entries go first. */
#define PROTO_CACHE_ENTRIES 64
struct proto_cache_entry {
    uint32_t peer;
    char id[PROTO_ID_MAX + 1];
    char reply[PROTO_REPLY_MAX];
    size_t len;
    uint64_t stamp; /* 0: empty */
};
struct proto_cache {
    struct proto_cache_entry e[PROTO_CACHE_ENTRIES];
    uint64_t clock;
};
/* The cached reply for (peer, id), or NULL; an empty id is never cached. */
const struct proto_cache_entry *proto_cache_find(const struct proto_cache *c, uint32_t peer,
                                                 const char *id);
void proto_cache_put(struct proto_cache *c, uint32_t peer, const char *id, const char *reply,
                     size_t len);

#endif
