/* The prime-count server (guest): answers "primes N L" requests over UDP by running N tasks, each
 * counting the primes below L, on every CPU of the machine, and replying with the sum. The
 * protocol is in docs/protocol.md.
 *
 * Boot options: tf.port=P (UDP port, default 7070), tf.queue=Q (requests held while one is
 * computed, default 16; more are answered "busy"), tf.allow_quit=1 (accept "quit", which ends the
 * guest; off by default), and the network's tf.ip= / tf.gw= (DHCP otherwise). */
#include "primes.h"
#include "protocol.h"

#include <taskfarm.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 256

TF_OPTION(port, "1-65535");
TF_OPTION(queue, "0-256");
TF_OPTION(allow_quit, "0|1");
#define CPUS_SEEN_MAX 4096 /* CPU numbers counted by distinct_cpus */

struct job {
    uint64_t limit;
    enum primes_kernel kernel;
    uint32_t cpu; /* the CPU that ran it */
};

struct pending {
    char msg[PROTO_REQUEST_MAX];
    size_t len;
    int too_long;
    struct tf_udp_peer from;
};

static struct {
    uint64_t requests, ok, errors, busy, cache_hits, task_faults;
    uint64_t ignored; /* replies and datagrams from service ports: never answered */
    uint64_t limited; /* error replies not sent: over PROTO_ERR_PER_SECOND */
} stats;

static struct proto_cache cache;
static struct proto_limiter err_limiter;
static uint16_t own_port;
static struct pending queue[QUEUE_MAX];
static unsigned queue_head, queue_len, queue_max = 16;
static int sock, allow_quit;

static struct job jobs[PROTO_TASKS_MAX];
static tf_task_t tasks[PROTO_TASKS_MAX];
static uint64_t results[PROTO_TASKS_MAX];
static int errors[PROTO_TASKS_MAX];

static uint64_t count_task(void *arg)
{
    struct job *j = arg;
    j->cpu = tf_cpu_self();
    return primes_count(j->kernel, j->limit);
}

static uint32_t distinct_cpus(uint32_t n)
{
    static uint8_t seen[CPUS_SEEN_MAX];
    uint32_t count = 0;
    memset(seen, 0, sizeof(seen));
    for (uint32_t i = 0; i < n; i++)
        if (jobs[i].cpu < CPUS_SEEN_MAX && !seen[jobs[i].cpu]) {
            seen[jobs[i].cpu] = 1;
            count++;
        }
    return count;
}

/* Runs the request's N tasks; 0 with *r filled, or -1 with the reason in why. */
static int compute(const struct proto_request *req, struct proto_result *r, char *why,
                   size_t why_len)
{
    uint32_t n = req->tasks, submitted = 0;
    uint64_t start = tf_now_ns();
    int rc = 0;
    for (; submitted < n; submitted++) {
        jobs[submitted] = (struct job){req->limit, req->kernel, UINT32_MAX};
        tasks[submitted] = tf_submit(count_task, &jobs[submitted]);
        if (tasks[submitted] < 0) {
            rc = (int)tasks[submitted];
            snprintf(why, why_len, "cannot submit task %" PRIu32 ": %s", submitted,
                     tf_strerror(rc));
            break;
        }
    }
    int wrc = tf_wait_all(tasks, submitted, results, errors);
    if (rc)
        return -1;
    if (wrc == TF_EBADTASK || wrc == TF_EPERM) {
        snprintf(why, why_len, "waiting for the tasks failed: %s", tf_strerror(wrc));
        return -1;
    }
    r->compute_us = (tf_now_ns() - start) / 1000;
    r->sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (errors[i]) {
            stats.task_faults += TF_IS_FAULT(errors[i]) ? 1 : 0;
            snprintf(why, why_len, "task %" PRIu32 " failed: %s", i, tf_strerror(errors[i]));
            return -1;
        }
        if (results[i] == UINT64_MAX) {
            snprintf(why, why_len, "task %" PRIu32 " ran out of memory", i);
            return -1;
        }
        r->sum += results[i];
    }
    r->cpus = distinct_cpus(n);
    return 0;
}

static void reply(const struct tf_udp_peer *to, const char *text, size_t len)
{
    int rc = tf_udp_send(sock, text, len, to);
    if (rc < 0)
        fprintf(stderr,
                "primes: reply to %" PRIu32 ".%" PRIu32 ".%" PRIu32 ".%" PRIu32 ":%u failed: %s\n",
                to->ip >> 24, (to->ip >> 16) & 255, (to->ip >> 8) & 255, to->ip & 255, to->port,
                tf_strerror(rc));
}

static size_t format_stats(char *out, const struct proto_request *req)
{
    struct tf_net_stats ns = {0};
    tf_net_stats(&ns);
    uint64_t drops = ns.drop_bad_length + ns.drop_bad_checksum + ns.drop_not_for_us +
                     ns.drop_fragment + ns.drop_ip_options + ns.drop_no_listener +
                     ns.drop_queue_full + ns.drop_unsupported + ns.drop_oversize + ns.drop_tx_full;
    int n = snprintf(
        out, PROTO_REPLY_MAX,
        "stats id=%s requests=%" PRIu64 " ok=%" PRIu64 " errors=%" PRIu64 " busy=%" PRIu64
        " cache_hits=%" PRIu64 " task_faults=%" PRIu64 " rx_frames=%" PRIu64 " dropped=%" PRIu64
        " ignored=%" PRIu64 " limited=%" PRIu64 "\n",
        *req->id ? req->id : "-", stats.requests, stats.ok, stats.errors, stats.busy,
        stats.cache_hits, stats.task_faults, ns.rx_frames, drops, stats.ignored, stats.limited);
    return n < PROTO_REPLY_MAX ? (size_t)n : PROTO_REPLY_MAX - 1;
}

/* An error reply about a bad request: counted, and sent unless over the rate limit (anyone can
 * send bad requests as fast as the wire goes, from any address they like). */
static void reply_error(const struct tf_udp_peer *to, const char *id, const char *why)
{
    char out[PROTO_REPLY_MAX];
    stats.errors++;
    if (!proto_limiter_take(&err_limiter, tf_now_ns())) {
        stats.limited++;
        return;
    }
    reply(to, out, proto_format_err(out, id, why));
}

/* The cached reply to this request (1, sent), an error for an id reused for another request
 * (1, sent), or 0 when it is not in the cache. */
static int answer_from_cache(const struct pending *p, const struct proto_request *req)
{
    const struct proto_cache_entry *hit;
    switch (proto_cache_find(&cache, p->from.ip, p->from.port, req, &hit)) {
    case PROTO_CACHE_HIT:
        stats.cache_hits++;
        reply(&p->from, hit->reply, hit->len);
        return 1;
    case PROTO_CACHE_CONFLICT:
        reply_error(&p->from, req->id, "id already used for another request; use a fresh id");
        return 1;
    default:
        return 0;
    }
}

static void handle(const struct pending *p)
{
    struct proto_request req;
    char out[PROTO_REPLY_MAX], why[160];
    size_t len;
    stats.requests++;
    if (p->too_long || proto_parse(p->msg, p->len, &req, why, sizeof(why))) {
        reply_error(&p->from, p->too_long ? "" : req.id, p->too_long ? "request too long" : why);
        return;
    }
    if (answer_from_cache(p, &req))
        return;
    if (req.verb == PROTO_PING) {
        int n = snprintf(out, sizeof(out), "pong id=%s cpus=%u\n", *req.id ? req.id : "-",
                         tf_cpu_count());
        reply(&p->from, out, (size_t)n);
        return;
    }
    if (req.verb == PROTO_STATS) {
        reply(&p->from, out, format_stats(out, &req));
        return;
    }
    struct proto_result r;
    if (compute(&req, &r, why, sizeof(why))) {
        stats.errors++;
        len = proto_format_err(out, req.id, why);
    } else {
        stats.ok++;
        len = proto_format_ok(out, &req, &r);
    }
    proto_cache_put(&cache, p->from.ip, p->from.port, &req, out, len);
    reply(&p->from, out, len);
}

/* Receives one datagram into `p`: its length, or a negative TF_E* code (TF_EAGAIN when none was
 * waiting and timeout_ns is TF_UDP_NONBLOCK). */
static int receive(struct pending *p, uint64_t timeout_ns)
{
    for (;;) {
        int n = tf_udp_recv(sock, p->msg, sizeof(p->msg), &p->from, timeout_ns);
        p->too_long = n == TF_EMSGSIZE;
        p->len = n >= 0 ? (size_t)n : 0;
        if (n < 0 && !p->too_long)
            return n;
        if (proto_may_answer(p->msg, p->len, p->from.port, own_port))
            return (int)p->len;
        stats.ignored++; /* a reply, or from a service port: answering could start a loop */
    }
}

/* Takes in what arrived while a request was computed: up to queue_max are kept, the rest are
 * answered "busy" (or from the cache, when they repeat an answered id). */
static void drain(void)
{
    struct pending p;
    while (receive(&p, TF_UDP_NONBLOCK) >= 0) {
        if (queue_len < queue_max) {
            queue[(queue_head + queue_len++) % QUEUE_MAX] = p;
            continue;
        }
        struct proto_request req;
        char out[PROTO_REPLY_MAX], why[160];
        int parsed = !p.too_long && !proto_parse(p.msg, p.len, &req, why, sizeof(why));
        stats.requests++;
        if (parsed && answer_from_cache(&p, &req))
            continue;
        stats.busy++;
        reply(&p.from, out, proto_format_busy(out, parsed ? req.id : ""));
    }
}

static int is_quit(const struct pending *p)
{
    return allow_quit && p->len >= 4 && !memcmp(p->msg, "quit", 4) &&
           (p->len == 4 || p->msg[4] == '\n' || p->msg[4] == ' ');
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
    o = tf_option("allow_quit");
    allow_quit = o && !strcmp(o, "1");
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
           ":%lu with %u CPUs\n",
           cfg.ip >> 24, (cfg.ip >> 16) & 255, (cfg.ip >> 8) & 255, cfg.ip & 255, port,
           tf_cpu_count());
    fflush(stdout);
    for (;;) {
        if (queue_len == 0) {
            if (receive(&queue[queue_head], 0) < 0)
                continue;
            queue_len = 1;
        }
        struct pending *p = &queue[queue_head];
        if (is_quit(p)) {
            char out[] = "bye\n";
            reply(&p->from, out, sizeof(out) - 1);
            printf("primes: quit\n");
            return 0;
        }
        handle(p);
        queue_head = (queue_head + 1) % QUEUE_MAX;
        queue_len--;
        drain();
    }
}
