/* tf-client: asks one or more prime-count servers (the guest, docs/protocol.md) to count the
 * primes below L, N times, and prints the sum with the wall time the request took.
 *
 *   tf-client 8 10000000                              # 127.0.0.1:7070
 *   tf-client --server 127.0.0.1:7071 --json 8 10000000
 *   tf-client --server A:7070 --server B:7070 16 10000000   # fan-out: 8 tasks to each
 *   tf-client --request "stats" --server 127.0.0.1:7070     # any request; prints the reply
 *
 * UDP loses datagrams: each request carries an id; without an answer within the timeout (first
 * --timeout ms, doubling up to 8 s) the client sends it again, and a server that has answered that
 * id already replies from its cache. A "busy" reply is retried the same way. The client gives up
 * after --max-wait seconds (exit status 3); an "err" reply ends it with status 1.
 *
 * "quit" is the exception: the guest ends after its reply, so a lost reply is never repeated and
 * waiting longer does not help. For --request quit the client gives up after QUIT_WAIT_MS unless
 * --max-wait says otherwise. */
#define _GNU_SOURCE
#include "protocol.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SERVERS_MAX    64
#define TIMEOUT_CAP_MS 8000
#define QUIT_WAIT_MS   2000
#define EXIT_ERR_REPLY 1
#define EXIT_USAGE     2
#define EXIT_GAVE_UP   3

struct server {
    const char *spec;
    int fd;
    char request[PROTO_REQUEST_MAX];
    size_t request_len;
    char id[PROTO_ID_MAX + 1];
    uint32_t tasks;
    int done;
    unsigned sends;
    uint64_t next_send_ms, timeout_ms;
    char reply[PROTO_REPLY_MAX + 1];
};

static struct {
    struct server s[SERVERS_MAX];
    int n;
    uint32_t tasks;
    uint64_t limit;
    const char *kernel, *raw, *id;
    uint64_t timeout_ms, max_wait_ms;
    int json, verbose, max_wait_set;
} opt = {.kernel = "trial", .timeout_ms = 500, .max_wait_ms = 300000};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: tf-client [--server HOST:PORT]... [--kernel trial|sieve] [--id ID]\n"
            "                 [--timeout MS] [--max-wait S] [--json] [-v] N L\n"
            "       tf-client [--server HOST:PORT] [--timeout MS] [--max-wait S] --request TEXT\n");
    return EXIT_USAGE;
}

/* A connected UDP socket to HOST:PORT. */
static int open_server(const char *spec)
{
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof(host) || colon == spec) {
        fprintf(stderr, "tf-client: bad server '%s' (HOST:PORT)\n", spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc) {
        fprintf(stderr, "tf-client: %s: %s\n", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        fprintf(stderr, "tf-client: %s: %s\n", spec, strerror(errno));
        freeaddrinfo(ai);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* The request is "quit" (its first word) */
static int is_quit(const char *request)
{
    return !strncmp(request, "quit", 4) && strchr(" \t\r\n", request[4]);
}

static int parse_args(int argc, char **argv)
{
    int positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--server") && more) {
            if (opt.n == SERVERS_MAX)
                return -1;
            opt.s[opt.n++].spec = argv[++i];
        } else if (!strcmp(a, "--kernel") && more) {
            opt.kernel = argv[++i];
        } else if (!strcmp(a, "--id") && more) {
            opt.id = argv[++i];
        } else if (!strcmp(a, "--request") && more) {
            opt.raw = argv[++i];
        } else if (!strcmp(a, "--timeout") && more) {
            opt.timeout_ms = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(a, "--max-wait") && more) {
            opt.max_wait_ms = (uint64_t)(strtod(argv[++i], NULL) * 1000);
            opt.max_wait_set = 1;
        } else if (!strcmp(a, "--json")) {
            opt.json = 1;
        } else if (!strcmp(a, "-v")) {
            opt.verbose = 1;
        } else if (a[0] != '-' && positional == 0) {
            opt.tasks = (uint32_t)strtoul(a, NULL, 10);
            positional++;
        } else if (a[0] != '-' && positional == 1) {
            opt.limit = strtoull(a, NULL, 10);
            positional++;
        } else {
            return -1;
        }
    }
    if (opt.n == 0)
        opt.s[opt.n++].spec = "127.0.0.1:7070";
    if (opt.timeout_ms == 0)
        opt.timeout_ms = 1;
    /* the server must be able to read the id back, and fan-out appends "-N" to it */
    if (opt.id && !proto_id_ok(opt.id, PROTO_ID_MAX - 4)) {
        fprintf(stderr, "tf-client: --id takes 1 to %d letters, digits and -_.:\n",
                PROTO_ID_MAX - 4);
        return -1;
    }
    if (opt.raw && is_quit(opt.raw) && !opt.max_wait_set)
        opt.max_wait_ms = QUIT_WAIT_MS;
    if (opt.raw)
        return opt.n == 1 && positional == 0 ? 0 : -1;
    return positional == 2 && opt.tasks >= (uint32_t)opt.n ? 0 : -1;
}

/* Splits the N tasks among the servers and writes each one's request. */
static void make_requests(void)
{
    char base[PROTO_ID_MAX - 3]; /* up to 28 characters, then "-N" for fan-out */
    if (opt.id)
        snprintf(base, sizeof(base), "%s", opt.id);
    else
        snprintf(base, sizeof(base), "c%x%llx", (unsigned)getpid(), (unsigned long long)now_us());
    for (int i = 0; i < opt.n; i++) {
        struct server *s = &opt.s[i];
        if (opt.n == 1)
            snprintf(s->id, sizeof(s->id), "%s", base);
        else
            snprintf(s->id, sizeof(s->id), "%s-%d", base, i);
        if (opt.raw) {
            s->request_len = (size_t)snprintf(s->request, sizeof(s->request), "%s", opt.raw);
            continue;
        }
        s->tasks = opt.tasks / (uint32_t)opt.n + ((uint32_t)i < opt.tasks % (uint32_t)opt.n);
        s->request_len = (size_t)snprintf(s->request, sizeof(s->request),
                                          "primes %" PRIu32 " %" PRIu64 " id=%s kernel=%s\n",
                                          s->tasks, opt.limit, s->id, opt.kernel);
    }
}

/* The id a reply carries ("ok id=X ...", "err id=X ...", "busy id=X"), or "" */
static void reply_id(const char *reply, char *id)
{
    const char *p = strstr(reply, "id=");
    size_t n = p ? strcspn(p + 3, " \n") : 0;
    if (n > PROTO_ID_MAX)
        n = 0;
    memcpy(id, p ? p + 3 : "", n);
    id[n] = '\0';
}

static void send_request(struct server *s, uint64_t now)
{
    if (send(s->fd, s->request, s->request_len, 0) < 0 && opt.verbose)
        fprintf(stderr, "tf-client: %s: send: %s\n", s->spec, strerror(errno));
    s->sends++;
    s->next_send_ms = now + s->timeout_ms;
    s->timeout_ms = s->timeout_ms * 2 > TIMEOUT_CAP_MS ? TIMEOUT_CAP_MS : s->timeout_ms * 2;
}

/* One datagram from server s: 1 when it is the final answer, 0 to keep waiting. */
static int take_reply(struct server *s, uint64_t now)
{
    char buf[PROTO_REPLY_MAX + 1], id[PROTO_ID_MAX + 1];
    ssize_t n = recv(s->fd, buf, PROTO_REPLY_MAX, 0);
    if (n <= 0)
        return 0; /* e.g. ECONNREFUSED while the guest is not up yet: the retry covers it */
    buf[n] = '\0';
    if (opt.verbose)
        fprintf(stderr, "tf-client: %s: %s", s->spec, buf);
    reply_id(buf, id);
    if (!opt.raw && strcmp(id, s->id))
        return 0; /* an answer to an earlier request */
    if (!strncmp(buf, "busy", 4)) {
        s->next_send_ms = now + s->timeout_ms / 2;
        return 0;
    }
    memcpy(s->reply, buf, (size_t)n + 1);
    return 1;
}

static int wait_all(uint64_t start_ms)
{
    struct pollfd pfd[SERVERS_MAX];
    int left = opt.n;
    while (left > 0) {
        uint64_t now = now_ms();
        if (now - start_ms > opt.max_wait_ms)
            return -1;
        int64_t wait = (int64_t)(start_ms + opt.max_wait_ms - now);
        for (int i = 0; i < opt.n; i++) {
            struct server *s = &opt.s[i];
            pfd[i] = (struct pollfd){.fd = s->done ? -1 : s->fd, .events = POLLIN};
            if (s->done)
                continue;
            if (now >= s->next_send_ms)
                send_request(s, now);
            if ((int64_t)(s->next_send_ms - now) < wait)
                wait = (int64_t)(s->next_send_ms - now);
        }
        if (poll(pfd, (nfds_t)opt.n, (int)(wait > 0 ? wait : 0)) < 0 && errno != EINTR)
            return -1;
        now = now_ms();
        for (int i = 0; i < opt.n; i++)
            if (!opt.s[i].done && (pfd[i].revents & (POLLIN | POLLERR)) &&
                take_reply(&opt.s[i], now)) {
                opt.s[i].done = 1;
                left--;
            }
    }
    return 0;
}

static int report(uint64_t wall_us)
{
    struct proto_request req;
    struct proto_result total = {0, 0, 0}, r;
    unsigned retries = 0;
    for (int i = 0; i < opt.n; i++) {
        struct server *s = &opt.s[i];
        retries += s->sends - 1;
        if (opt.raw) {
            fputs(s->reply, stdout);
            return 0;
        }
        if (proto_parse_ok(s->reply, NULL, &req, &r)) {
            fprintf(stderr, "tf-client: %s: %s", s->spec, s->reply);
            return EXIT_ERR_REPLY;
        }
        enum primes_kernel k;
        primes_kernel_parse(opt.kernel, &k);
        if (req.tasks != s->tasks || req.limit != opt.limit || req.kernel != k) {
            fprintf(stderr,
                    "tf-client: %s answered id %s for another request (an id used "
                    "twice?): %s",
                    s->spec, s->id, s->reply);
            return EXIT_ERR_REPLY;
        }
        total.sum += r.sum;
        total.cpus += r.cpus;
        total.compute_us = r.compute_us > total.compute_us ? r.compute_us : total.compute_us;
    }
    const char *fmt = opt.json ? "{\"n\": %" PRIu32 ", \"limit\": %" PRIu64
                                 ", \"kernel\": \"%s\", \"sum\": %" PRIu64 ", \"cpus\": %" PRIu32
                                 ", \"compute_us\": %" PRIu64 ", \"wall_us\": %" PRIu64
                                 ", \"servers\": %d, \"retries\": %u}\n"
                               : "ok n=%" PRIu32 " limit=%" PRIu64 " kernel=%s sum=%" PRIu64
                                 " cpus=%" PRIu32 " compute_us=%" PRIu64 " wall_us=%" PRIu64
                                 " servers=%d retries=%u\n";
    printf(fmt, opt.tasks, opt.limit, opt.kernel, total.sum, total.cpus, total.compute_us, wall_us,
           opt.n, retries);
    return 0;
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv))
        return usage();
    enum primes_kernel k;
    if (primes_kernel_parse(opt.kernel, &k))
        return usage();
    for (int i = 0; i < opt.n; i++) {
        opt.s[i].fd = open_server(opt.s[i].spec);
        if (opt.s[i].fd < 0)
            return EXIT_USAGE;
        opt.s[i].timeout_ms = opt.timeout_ms;
    }
    make_requests();
    uint64_t start_us = now_us();
    if (wait_all(start_us / 1000)) {
        fprintf(stderr, "tf-client: no answer within %.1f s%s\n", (double)opt.max_wait_ms / 1000,
                opt.raw && is_quit(opt.raw) ? " (the guest may have stopped before its reply left)"
                                            : "");
        return EXIT_GAVE_UP;
    }
    return report(now_us() - start_us);
}
