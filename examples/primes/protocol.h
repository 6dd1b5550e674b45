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
#define PROTO_REPLY_MAX    256  /* bytes of any reply (without the MAC of an authenticated one) */
#define PROTO_REQUEST_MAX  512  /* longer datagrams are refused */
#define PROTO_DEFAULT_PORT 7070

enum proto_verb { PROTO_PRIMES, PROTO_PING, PROTO_STATS, PROTO_CANCEL };

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

/* The largest work (docs/protocol.md) a request may ask for unless the server is told otherwise
 * (the guest's boot option tf.max_work): about an hour of one core's trial division here. */
#define PROTO_MAX_WORK_DEFAULT 100000000000000ull /* 10^14 */
/* The work a prime-count request asks for: N times primes_work(kernel, L), UINT64_MAX when that
 * does not fit 64 bits. */
uint64_t proto_work(const struct proto_request *req);

/* Replies; each returns the length written (always < PROTO_REPLY_MAX, NUL-terminated). */
size_t proto_format_ok(char *out, const struct proto_request *req, const struct proto_result *r);
size_t proto_format_err(char *out, const char *id, const char *why);
size_t proto_format_busy(char *out, const char *id);

/* A counter of the stats reply: its name and value. */
struct proto_counter {
    const char *name;
    uint64_t value;
};
/* "stats id=ID name=value ...\n" with the counters in order; those that would take the line
 * past PROTO_REPLY_MAX - 1 bytes are left off, so the reply fits any padded request. */
size_t proto_format_stats(char *out, const char *id, const struct proto_counter *c, size_t n);

/* No amplification (docs/protocol.md, "Padding"): the reply to a datagram without a valid MAC
 * is never longer than that datagram, as QUIC's servers do before a client's address is
 * validated (RFC 9000 section 8.1), so that a forged source address gets no more bytes than
 * the forger sent. Clients pad their requests with blanks to PROTO_REPLY_MAX bytes.
 *
 * proto_format_refusal writes the refusal that fits `room` bytes: "err id=ID pad the request
 * with blanks to 256 bytes\n", or when only less fits "err id=ID pad\n"; it returns its length,
 * or 0 when neither fits (then nothing is sent). proto_fit returns `len` when the reply
 * out[0..len) may answer a request of request_len bytes, and otherwise puts the refusal in its
 * place. */
size_t proto_format_refusal(char *out, size_t room, const char *id);
size_t proto_fit(char *out, size_t len, size_t request_len, const char *id);

/* The most bytes the "ok" reply to a prime-count request can take (its sum, CPUs and time at
 * their largest): a request shorter than this is refused before it is computed. */
size_t proto_ok_bound(const struct proto_request *req);

/* The reply line of a prime-count result as the client and the Linux reference print it. Parses
 * "ok id=... n=N limit=L kernel=K sum=S cpus=C compute_us=T": 0, or -1 when `line` is no such
 * reply. id_out (PROTO_ID_MAX + 1 bytes) may be NULL. */
int proto_parse_ok(const char *line, char *id_out, struct proto_request *req,
                   struct proto_result *r);

/* Whether a datagram that arrived from source port `src_port` may be answered at all. 0 for
 * replies (datagrams whose first word is ok, err, busy, pong or bye, or a stats reply): answering
 * them is how two servers, or a server and any echoing peer, would bounce one spoofed datagram
 * between them for ever. 0 too for datagrams from the well-known ports (below 1024: echo,
 * chargen, DNS, NTP, ... answer whatever reaches them, and no client sends from there) and
 * from the server's own port `own_port` (only another server sends from there). 1 otherwise. */
int proto_may_answer(const char *msg, size_t len, uint16_t src_port, uint16_t own_port);

/* A token bucket for error replies: at most PROTO_ERR_BURST at once and PROTO_ERR_PER_SECOND on
 * average; errors past that are not answered (and counted by the caller). */
#define PROTO_ERR_PER_SECOND 100
#define PROTO_ERR_BURST      20
struct proto_limiter {
    uint64_t credit_ns; /* saved-up time, at most PROTO_ERR_BURST replies' worth */
    uint64_t last_ns;   /* when credit_ns was last brought up to date; 0: never */
};
/* 1 when a reply may go out at `now_ns` (and takes its token), 0 when the bucket is empty. */
int proto_limiter_take(struct proto_limiter *l, uint64_t now_ns);

/* 1 when two parsed requests ask for the same thing (verb, N, L, kernel; the id is not looked
 * at). */
int proto_request_same(const struct proto_request *a, const struct proto_request *b);

/* A small cache of replies by (peer address, peer port, id), so that a client's retry of a
 * request already answered gets the same reply without recomputing. Each entry also keeps the
 * request it answers: a request that reuses a cached id for something else is a conflict, never
 * answered from the cache. Least recently stored entries go first. */
#define PROTO_CACHE_ENTRIES 64
struct proto_cache_entry {
    uint32_t ip;
    uint16_t port;
    struct proto_request req; /* what was asked, with its id */
    char reply[PROTO_REPLY_MAX];
    size_t len;
    uint64_t stamp; /* 0: empty */
};
struct proto_cache {
    struct proto_cache_entry e[PROTO_CACHE_ENTRIES];
    uint64_t clock;
};
enum proto_cache_verdict {
    PROTO_CACHE_MISS,     /* nothing stored for this peer and id (or the request has no id) */
    PROTO_CACHE_HIT,      /* *hit is the reply to this very request */
    PROTO_CACHE_CONFLICT, /* this peer used this id for another request: *hit is that one */
};
/* Looks `req` (with its id) up for the peer at ip:port. */
enum proto_cache_verdict proto_cache_find(const struct proto_cache *c, uint32_t ip, uint16_t port,
                                          const struct proto_request *req,
                                          const struct proto_cache_entry **hit);
/* Stores the reply to `req` from ip:port; a request without an id is never stored. */
void proto_cache_put(struct proto_cache *c, uint32_t ip, uint16_t port,
                     const struct proto_request *req, const char *reply, size_t len);

#endif
