/* The prime-count server (guest): answers "primes N L" requests over UDP by counting the primes
 * below L N times on every CPU of the machine, and replying with the sum. The protocol is in
 * docs/protocol.md.
 *
 * Each of the N counts is cut into pieces of about equal cost, and the pieces are the farm's
 * tasks: CPUs that finish early take the next piece, so no CPU waits while work remains, and the
 * bootstrap CPU, which runs pieces too while it waits, is back between two pieces to answer the
 * network: pings, stats and cancels at once, further requests queued or answered "busy". A
 * request of little work (HERE_WORK) is counted on the bootstrap CPU at once instead: waking
 * another CPU for it would cost more than the count.
 *
 * Boot options: tf.port=P (UDP port, default 7070), tf.queue=Q (requests held while one is
 * computed, default 16; more are answered "busy"), tf.max_work=W (the most work one request may
 * ask for, default 10^14), tf.allow_quit=0|1 (accept "quit", which ends the guest; off by
 * default without a key, on with one), tf.key_module=NAME (the shared key is in the boot module
 * NAME, tf-run --module PATH=NAME; only datagrams with a valid MAC are answered, docs/protocol.md
 * "Authentication") or tf.key=HEX (the same key on the command line, which more people can
 * read), tf.t_min=T (with a key: t up to T is refused), and the network's tf.ip= / tf.gw= (DHCP
 * otherwise).
 *
 * Without a key no reply is longer than the datagram it answers (protocol.h, proto_fit). */
#include "auth.h"
#include "primes.h"
#include "protocol.h"

#include <taskfarm.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX     256
#define CPUS_SEEN_MAX 4096             /* CPU numbers counted by distinct_cpus */
#define PIECES_MAX    4096             /* pieces of one request */
#define PIECE_WORK    500000000ull     /* work units of a piece: some 15 ms of one core here */
#define PIECE_SKIPPED (UINT64_MAX - 1) /* a piece's result when its request was cancelled */
/* Work units of a request small enough to count on the bootstrap CPU at once (some 30 us here):
 * less than handing it to another CPU costs, whose wake-up IPI, park and wake-up back are each
 * a system call and a halt (bench/request-rate) */
#define HERE_WORK 1000000ull

TF_OPTION(port, "1-65535");
TF_OPTION(queue, "0-256");
TF_OPTION(max_work, "1-1000000000000000000");
TF_OPTION(allow_quit, "0|1");
TF_OPTION(key, "32 to 128 hex digits, the shared key (tf.key_module is safer)");
TF_OPTION(key_module, "the name of a boot module holding the key in hex");
TF_OPTION(t_min, "0-9999999999999999999");

/* One piece of a request: the primes in [lo, hi). */
struct piece {
    uint64_t lo, hi;
    enum primes_kernel kernel;
    uint32_t cpu; /* the CPU that ran it */
};

/* A datagram taken as a request: its message (without the t and MAC of a sealed one), who sent
 * it, and what its reply must respect: the t to seal it with, or the size of the datagram. */
struct pending {
    char msg[PROTO_REQUEST_MAX];
    size_t len;      /* of the message */
    size_t wire_len; /* of the datagram: an unsealed reply is never longer */
    int too_long;
    int sealed; /* it carried a valid MAC and a fresh t */
    uint64_t t;
    struct tf_udp_peer from;
};

static struct {
    uint64_t requests, ok, errors, busy, cache_hits, task_faults;
    uint64_t ignored;   /* replies and datagrams from service ports: never answered */
    uint64_t limited;   /* error replies not sent: over PROTO_ERR_PER_SECOND */
    uint64_t cancelled; /* requests ended by a cancel */
    uint64_t refused;   /* replies longer than their request: "err pad" or nothing instead */
    uint64_t auth_failed, replayed; /* with a key: no or a wrong MAC; a t seen or too old */
} stats;

static struct auth_key key;
static struct auth_replay replay;
static int keyed;

static struct proto_cache cache;
static struct proto_limiter err_limiter;
static uint16_t own_port;
static struct pending queue[QUEUE_MAX];
static unsigned queue_head, queue_len, queue_max = 16;
static uint64_t max_work = PROTO_MAX_WORK_DEFAULT;
static int sock, allow_quit;

/* The request being computed: who asked (the datagram), with which id; `cancel` is set by a
 * cancel of it, and pieces that start afterwards return at once. */
static struct {
    int active;
    struct pending from;
    struct proto_request req;
    uint32_t cancel;
} running;

static struct piece pieces[PIECES_MAX];
static tf_task_t handles[PIECES_MAX];
static uint32_t handle_piece[PIECES_MAX]; /* the piece of each outstanding handle */

static uint64_t piece_task(void *arg)
{
    struct piece *p = arg;
    p->cpu = tf_cpu_self();
    if (__atomic_load_n(&running.cancel, __ATOMIC_RELAXED))
        return PIECE_SKIPPED;
    return primes_count_range(p->kernel, p->lo, p->hi);
}

static uint32_t distinct_cpus(uint32_t n)
{
    static uint8_t seen[CPUS_SEEN_MAX];
    uint32_t count = 0;
    memset(seen, 0, sizeof(seen));
    for (uint32_t i = 0; i < n; i++)
        if (pieces[i].cpu < CPUS_SEEN_MAX && !seen[pieces[i].cpu]) {
            seen[pieces[i].cpu] = 1;
            count++;
        }
    return count;
}

/* How many pieces each of the N counts is cut into: enough that a piece is about PIECE_WORK,
 * and at least four pieces per CPU in all when the request is not tiny, so that CPUs finishing
 * early find work (N = 3 on 2 CPUs takes 1.5 rounds, not 2). */
static uint32_t pieces_per_count(const struct proto_request *req)
{
    uint64_t one = primes_work(req->kernel, req->limit);
    uint64_t k = one / PIECE_WORK + 1,
             spread = (4ull * tf_cpu_count() + req->tasks - 1) / req->tasks;
    if (one >= PIECE_WORK / 64 && k < spread)
        k = spread;
    uint64_t most = PIECES_MAX / req->tasks;
    return (uint32_t)(k < most ? k : most);
}

static void serve_meanwhile(void);

/* A request of at most HERE_WORK, counted here and now: the network waits the few
 * microseconds it takes. 0 with *r filled, or -1 with the reason in why. */
static int compute_here(const struct proto_request *req, struct proto_result *r, char *why,
                        size_t why_len)
{
    uint64_t start = tf_now_ns(), sum = 0, hi = primes_split(req->kernel, req->limit, 1, 1),
             lo = primes_split(req->kernel, req->limit, 1, 0);
    for (uint32_t i = 0; i < req->tasks; i++) {
        uint64_t n = primes_count_range(req->kernel, lo, hi);
        if (n == UINT64_MAX)
            return snprintf(why, why_len, "task %" PRIu32 " ran out of memory", i), -1;
        sum += n;
    }
    *r = (struct proto_result){sum, 1, (tf_now_ns() - start) / 1000};
    return 0;
}

/* Submits the pieces of the request, then takes their results as they come, answering the
 * network between two. 0 with *r filled; 1 when the request was cancelled; -1 with the reason
 * in why. */
static int compute(const struct proto_request *req, struct proto_result *r, char *why,
                   size_t why_len)
{
    uint32_t k = pieces_per_count(req), n = k * req->tasks, out = 0;
    uint64_t start = tf_now_ns(), sum = 0;
    int failed = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = i % k;
        pieces[i] = (struct piece){primes_split(req->kernel, req->limit, k, at),
                                   primes_split(req->kernel, req->limit, k, at + 1), req->kernel,
                                   UINT32_MAX};
        tf_task_t t = tf_submit(piece_task, &pieces[i]);
        if (t < 0) {
            snprintf(why, why_len, "cannot submit task %" PRIu32 ": %s", i, tf_strerror((int)t));
            __atomic_store_n(&running.cancel, 1, __ATOMIC_RELAXED);
            failed = 1;
            break;
        }
        handles[out] = t;
        handle_piece[out++] = i;
    }
    while (out) {
        uint64_t res;
        int err, at = tf_wait_any(handles, out, &res, &err);
        if (at < 0) /* a broken handle table: nothing sensible remains to wait for */
            return snprintf(why, why_len, "waiting for the tasks failed: %s", tf_strerror(at)), -1;
        if ((err || res == UINT64_MAX) && !failed) /* the other pieces need not run */
            __atomic_store_n(&running.cancel, 1, __ATOMIC_RELAXED);
        if (err && !failed) {
            stats.task_faults += TF_IS_FAULT(err) ? 1 : 0;
            snprintf(why, why_len, "task %" PRIu32 " failed: %s", handle_piece[at] / k,
                     tf_strerror(err));
            failed = 1;
        } else if (res == UINT64_MAX && !failed) {
            snprintf(why, why_len, "task %" PRIu32 " ran out of memory", handle_piece[at] / k);
            failed = 1;
        }
        sum += err ? 0 : res;
        handles[at] = handles[--out];
        handle_piece[at] = handle_piece[out];
        serve_meanwhile();
    }
    if (failed)
        return -1;
    if (__atomic_load_n(&running.cancel, __ATOMIC_RELAXED))
        return 1;
    *r = (struct proto_result){sum, distinct_cpus(n), (tf_now_ns() - start) / 1000};
    return 0;
}

static void send_to(const struct tf_udp_peer *to, const char *text, size_t len)
{
    int rc = tf_udp_send(sock, text, len, to);
    if (rc < 0)
        fprintf(stderr,
                "primes: reply to %" PRIu32 ".%" PRIu32 ".%" PRIu32 ".%" PRIu32 ":%u failed: %s\n",
                to->ip >> 24, (to->ip >> 16) & 255, (to->ip >> 8) & 255, to->ip & 255, to->port,
                tf_strerror(rc));
}

/* The refusal of a reply too long for its request, if it fits, within the error rate limit. */
static void refuse(const struct pending *to, const char *id)
{
    char out[PROTO_REPLY_MAX];
    size_t n = proto_format_refusal(out, to->wire_len, id);
    stats.refused++;
    if (!n)
        return;
    if (!proto_limiter_take(&err_limiter, tf_now_ns())) {
        stats.limited++;
        return;
    }
    send_to(&to->from, out, n);
}

/* Sends `text` as the reply to the datagram `to`: sealed with its t when it was authenticated,
 * otherwise only when it is no longer than that datagram (refused instead). */
static void reply(const struct pending *to, const char *id, const char *text, size_t len)
{
    char out[PROTO_REPLY_MAX + AUTH_TRAILER_MAX + 1];
    if (!to->sealed && len > to->wire_len) {
        refuse(to, id);
        return;
    }
    memcpy(out, text, len);
    if (to->sealed)
        len = auth_seal(&key, AUTH_REPLY, out, len, sizeof(out), to->t);
    if (len) /* 0 cannot happen: replies are shorter than PROTO_REPLY_MAX */
        send_to(&to->from, out, len);
}

static size_t format_stats(char *out, const struct proto_request *req)
{
    struct tf_net_stats ns = {0};
    tf_net_stats(&ns);
    uint64_t drops = ns.drop_bad_length + ns.drop_bad_checksum + ns.drop_not_for_us +
                     ns.drop_fragment + ns.drop_ip_options + ns.drop_no_listener +
                     ns.drop_queue_full + ns.drop_unsupported + ns.drop_oversize + ns.drop_tx_full +
                     ns.drop_bad_source + ns.drop_arp_unsolicited + ns.drop_arp_conflict;
    const struct proto_counter c[] = {
        {"requests", stats.requests},       {"ok", stats.ok},
        {"errors", stats.errors},           {"busy", stats.busy},
        {"cache_hits", stats.cache_hits},   {"task_faults", stats.task_faults},
        {"rx_frames", ns.rx_frames},        {"dropped", drops},
        {"ignored", stats.ignored},         {"limited", stats.limited},
        {"cancelled", stats.cancelled},     {"refused", stats.refused},
        {"auth_failed", stats.auth_failed}, {"replayed", stats.replayed},
    };
    return proto_format_stats(out, req->id, c, sizeof(c) / sizeof(c[0]));
}

/* An error reply about a bad request: counted, and sent unless over the rate limit (anyone can
 * send bad requests as fast as the wire goes, from any address they like). */
static void reply_error(const struct pending *to, const char *id, const char *why)
{
    char out[PROTO_REPLY_MAX];
    stats.errors++;
    if (!proto_limiter_take(&err_limiter, tf_now_ns())) {
        stats.limited++;
        return;
    }
    reply(to, id, out, proto_format_err(out, id, why));
}

/* The cached reply to this request (1, sent), an error for an id reused for another request
 * (1, sent), or 0 when it is not in the cache. */
static int answer_from_cache(const struct pending *p, const struct proto_request *req)
{
    const struct proto_cache_entry *hit;
    switch (proto_cache_find(&cache, p->from.ip, p->from.port, req, &hit)) {
    case PROTO_CACHE_HIT:
        stats.cache_hits++;
        reply(p, req->id, hit->reply, hit->len);
        return 1;
    case PROTO_CACHE_CONFLICT:
        reply_error(p, req->id, "id already used for another request; use a fresh id");
        return 1;
    default:
        return 0;
    }
}

static int is_quit(const struct pending *p)
{
    return allow_quit && p->len >= 4 && !memcmp(p->msg, "quit", 4) &&
           (p->len == 4 || p->msg[4] == '\n' || p->msg[4] == ' ');
}

static int same_peer(const struct tf_udp_peer *a, const struct tf_udp_peer *b)
{
    return a->ip == b->ip && a->port == b->port;
}

static void reply_cancelled(const struct pending *to, const char *id)
{
    char out[PROTO_REPLY_MAX];
    int n = snprintf(out, sizeof(out), "ok id=%s cancelled\n", id);
    reply(to, id, out, (size_t)n);
}

/* "cancel id=ID": ends the running request or drops a queued one, if the same client (address
 * and port) sent it with that id; the request gets "err id=ID cancelled". */
static void cancel(const struct pending *p, const struct proto_request *req)
{
    if (running.active && same_peer(&running.from.from, &p->from) &&
        !strcmp(running.req.id, req->id)) {
        __atomic_store_n(&running.cancel, 1, __ATOMIC_RELAXED);
        reply_cancelled(p, req->id);
        return; /* the request's own reply follows when its running pieces are done */
    }
    for (unsigned i = 0; i < queue_len; i++) {
        struct pending *q = &queue[(queue_head + i) % QUEUE_MAX];
        struct proto_request queued;
        char why[160], out[PROTO_REPLY_MAX];
        if (!same_peer(&q->from, &p->from) || q->too_long ||
            proto_parse(q->msg, q->len, &queued, why, sizeof(why)) || strcmp(queued.id, req->id))
            continue;
        stats.requests++;
        stats.cancelled++;
        reply(q, req->id, out, proto_format_err(out, req->id, "cancelled"));
        for (unsigned j = i; j + 1 < queue_len; j++)
            queue[(queue_head + j) % QUEUE_MAX] = queue[(queue_head + j + 1) % QUEUE_MAX];
        queue_len--;
        reply_cancelled(p, req->id);
        return;
    }
    reply_error(p, req->id, "nothing to cancel with this id");
}

/* 1 when `req` from p's sender carries the id of the request being computed. */
static int is_running(const struct pending *p, const struct proto_request *req)
{
    return running.active && *req->id && same_peer(&running.from.from, &p->from) &&
           !strcmp(running.req.id, req->id);
}

/* "quit" ends the guest at once, also while a request computes. */
static _Noreturn void quit(const struct pending *p)
{
    char out[] = "bye\n";
    reply(p, "", out, sizeof(out) - 1);
    printf("primes: quit\n");
    exit(0); /* the runtime sends what the NIC still holds before the guest ends */
}

/* Answers a datagram that needs no computing (a bad request, a cached reply, ping, stats,
 * cancel, quit): 1. 0 for a prime-count request, which waits its turn. */
static int answer_now(const struct pending *p)
{
    struct proto_request req;
    char out[PROTO_REPLY_MAX], why[160];
    if (is_quit(p))
        quit(p);
    if (p->too_long || proto_parse(p->msg, p->len, &req, why, sizeof(why))) {
        stats.requests++;
        reply_error(p, p->too_long ? "" : req.id, p->too_long ? "request too long" : why);
        return 1;
    }
    if (req.verb == PROTO_CANCEL) {
        stats.requests++;
        cancel(p, &req);
        return 1;
    }
    const struct proto_cache_entry *hit;
    int cached = proto_cache_find(&cache, p->from.ip, p->from.port, &req, &hit) != PROTO_CACHE_MISS;
    if (req.verb == PROTO_PRIMES && !cached && !is_running(p, &req)) {
        if (p->sealed || p->wire_len >= proto_ok_bound(&req))
            return 0;
        stats.requests++; /* its answer could not be sent: it is not computed */
        refuse(p, req.id);
        return 1;
    }
    stats.requests++;
    if (is_running(p, &req)) {
        if (!proto_request_same(&running.req, &req))
            reply_error(p, req.id, "id already used for another request; use a fresh id");
        return 1; /* a retry of the request being computed: its reply is on the way */
    }
    if (answer_from_cache(p, &req))
        return 1;
    if (req.verb == PROTO_PING) {
        int n = snprintf(out, sizeof(out), "pong id=%s cpus=%u\n", *req.id ? req.id : "-",
                         tf_cpu_count());
        reply(p, req.id, out, (size_t)n);
    } else {
        reply(p, req.id, out, format_stats(out, &req));
    }
    return 1;
}

/* Computes a prime-count request (answer_now passed it on) and replies. */
static void handle(const struct pending *p)
{
    struct proto_request req;
    char out[PROTO_REPLY_MAX], why[160];
    stats.requests++;
    proto_parse(p->msg, p->len, &req, why, sizeof(why));
    if (answer_from_cache(p, &req)) /* its first copy was answered while this one waited */
        return;
    if (proto_work(&req) > max_work) {
        snprintf(
            why, sizeof(why),
            "too much work: N x L x sqrt(L) (trial) or N x 64L (sieve) must be at most %" PRIu64
            " (tf.max_work)",
            max_work);
        reply_error(p, req.id, why);
        return;
    }
    running.from = *p;
    running.req = req;
    __atomic_store_n(&running.cancel, 0, __ATOMIC_RELAXED);
    running.active = 1;
    struct proto_result r;
    int rc = proto_work(&req) <= HERE_WORK ? compute_here(&req, &r, why, sizeof(why))
                                           : compute(&req, &r, why, sizeof(why));
    running.active = 0;
    size_t len;
    if (rc == 1) {
        stats.cancelled++;
        reply(p, req.id, out, proto_format_err(out, req.id, "cancelled"));
        return; /* not cached: a retry computes again */
    }
    if (rc) {
        stats.errors++;
        len = proto_format_err(out, req.id, why);
    } else {
        stats.ok++;
        len = proto_format_ok(out, &req, &r);
    }
    proto_cache_put(&cache, p->from.ip, p->from.port, &req, out, len);
    reply(p, req.id, out, len);
}

/* With a key: 1 when the datagram in p carries a valid MAC and a t this client has not used,
 * which is then taken off the message (p->len) and kept for the reply; 0 (counted) otherwise.
 * The window moves only for datagrams whose MAC is right (RFC 4303 section 3.4.3). */
static int authentic(struct pending *p)
{
    size_t inner;
    if (p->too_long || auth_open(&key, AUTH_REQUEST, p->msg, p->len, &inner, &p->t) != AUTH_OK) {
        stats.auth_failed++;
        return 0;
    }
    if (!auth_replay_fresh(&replay, p->from.ip, p->from.port, p->t)) {
        stats.replayed++;
        return 0;
    }
    auth_replay_record(&replay, p->from.ip, p->from.port, p->t);
    p->sealed = 1;
    p->len = inner;
    return 1;
}

/* Receives one datagram into `p`: its length, or a negative TF_E* code (TF_EAGAIN when none was
 * waiting and timeout_ns is TF_UDP_NONBLOCK). With a key, only authentic datagrams come back. */
static int receive(struct pending *p, uint64_t timeout_ns)
{
    for (;;) {
        int n = tf_udp_recv(sock, p->msg, sizeof(p->msg), &p->from, timeout_ns);
        p->too_long = n == TF_EMSGSIZE;
        p->len = p->wire_len = n >= 0 ? (size_t)n : p->too_long ? sizeof(p->msg) : 0;
        p->sealed = 0;
        if (n < 0 && !p->too_long)
            return n;
        if (!proto_may_answer(p->msg, p->len, p->from.port, own_port)) {
            stats.ignored++; /* a reply, or from a service port: answering could start a loop */
            continue;
        }
        if (!keyed || authentic(p))
            return (int)p->len;
    }
}

/* Serves what arrived meanwhile: answers what needs no computing at once; prime-count requests
 * wait in the queue, up to queue_max, and the rest are answered "busy". */
static void serve_meanwhile(void)
{
    struct pending p;
    while (receive(&p, TF_UDP_NONBLOCK) >= 0) {
        if (answer_now(&p))
            continue;
        if (queue_len < queue_max) {
            queue[(queue_head + queue_len++) % QUEUE_MAX] = p;
            continue;
        }
        struct proto_request req;
        char out[PROTO_REPLY_MAX], why[160];
        int parsed = !proto_parse(p.msg, p.len, &req, why, sizeof(why));
        stats.requests++;
        stats.busy++;
        reply(&p, parsed ? req.id : "", out, proto_format_busy(out, parsed ? req.id : ""));
    }
}

/* tf.key_module=NAME or tf.key=HEX: the key; tf.t_min=T: the replay floor at start
 * (docs/protocol.md). A key that is missing or malformed stops the server rather than let it
 * serve without one. */
static int load_key(void)
{
    const char *o = tf_option("t_min"), *name = tf_option("key_module"), *text = tf_option("key");
    char why[120];
    size_t len = text ? strlen(text) : 0;
    auth_replay_init(&replay, o ? strtoull(o, NULL, 10) : 0);
    if (name && text) {
        fprintf(stderr, "primes: give tf.key_module or tf.key, not both\n");
        return -1;
    }
    if (name && !(text = tf_module_find(name, &len))) {
        fprintf(stderr,
                "primes: tf.key_module=%s: no boot module of that name (tf-run --module "
                "PATH=%s)\n",
                name, name);
        return -1;
    }
    if (!text)
        return 0;
    if (auth_key_parse(&key, text, len, why, sizeof(why))) {
        fprintf(stderr, "primes: %s%s: %s\n", name ? "the key module " : "tf.key", name ? name : "",
                why);
        return -1;
    }
    keyed = 1;
    return 0;
}

int main(void)
{
    const char *o = tf_option("port");
    char *end = NULL;
    unsigned long port = o ? strtoul(o, &end, 10) : PROTO_DEFAULT_PORT;
    if (o && (*end || port < 1 || port > 65535)) {
        fprintf(stderr, "primes: tf.port=%s is no UDP port (1-65535)\n", o);
        return 1;
    }
    o = tf_option("queue");
    if (o)
        queue_max =
            (unsigned)strtoul(o, NULL, 10) < QUEUE_MAX ? (unsigned)strtoul(o, NULL, 10) : QUEUE_MAX;
    if (load_key())
        return 1;
    o = tf_option("allow_quit");
    allow_quit = o ? !strcmp(o, "1") : keyed; /* a key holder may end the guest unless told not */
    o = tf_option("max_work");
    if (o)
        max_work = strtoull(o, NULL, 10); /* its form was checked at boot */
    int rc = tf_net_start(0);
    if (rc < 0) {
        fprintf(stderr, "primes: no network: %s%s\n", tf_strerror(rc),
                rc == TF_ENODEV ? " (boot with a network card: tf-run --udp HOST:7070 or --net)"
                                : "");
        return 1;
    }
    own_port = (uint16_t)port;
    sock = tf_udp_bind(own_port);
    if (sock < 0) {
        fprintf(stderr, "primes: cannot bind UDP port %lu: %s\n", port, tf_strerror(sock));
        return 1;
    }
    struct tf_net_config cfg;
    tf_net_config(&cfg);
    printf("primes: listening on %" PRIu32 ".%" PRIu32 ".%" PRIu32 ".%" PRIu32
           ":%lu with %u CPUs%s\n",
           cfg.ip >> 24, (cfg.ip >> 16) & 255, (cfg.ip >> 8) & 255, cfg.ip & 255, port,
           tf_cpu_count(), keyed ? ", requests authenticated" : "");
    fflush(stdout);
    for (;;) {
        struct pending p;
        if (queue_len == 0) {
            if (receive(&p, 0) < 0 || answer_now(&p))
                continue;
        } else {
            p = queue[queue_head];
            queue_head = (queue_head + 1) % QUEUE_MAX;
            queue_len--;
        }
        /* What arrives meanwhile is served between two pieces of a computation (compute).
         * Serving it here too, with nothing computing, answered busy (tf.queue=0, or a full
         * queue) to a request that came just after the last reply: it is the next to run. */
        handle(&p);
    }
}
