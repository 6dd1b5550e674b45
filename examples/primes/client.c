/* tf-client: asks one or more prime-count servers (the guest, docs/protocol.md) to count the
 * primes below L, N times, and prints the sum with the wall time the request took.
 *
 *   tf-client 8 10000000                              # 127.0.0.1:7070
 *   tf-client --server 127.0.0.1:7071 --json 8 1e7
 *   tf-client --server A:7070 --server B:7070 16 10M   # fan-out: 8 tasks to each
 *   tf-client --request "stats" --server 127.0.0.1:7070     # any request; prints the reply
 *   tf-client --key-file primes.key 8 10M             # a server with a key (tf.key)
 *
 * Every request is padded with blanks to PROTO_REPLY_MAX bytes: a server answers a datagram
 * without a MAC with no more bytes than it holds (docs/protocol.md, "Padding"). With a key,
 * every datagram sent carries a fresh t and a MAC (auth.h), and only replies that carry a valid
 * MAC and one of the t values sent for the request are taken.
 *
 * UDP loses datagrams: each request carries an id; without an answer within the timeout (first
 * --timeout ms, doubling up to 8 s) the client sends it again (saying so on standard error), and
 * a server that has answered that id already replies from its cache. A "busy" reply is retried
 * the same way. The client gives up after --max-wait seconds (exit status 3); an "err" reply
 * ends it with status 1; a server port where nothing listens (ICMP port unreachable) ends it at
 * once with status 4, unless --retry-refused says the server is still starting.
 *
 * "quit" is the exception: the guest ends after its reply, so a lost reply is never repeated and
 * waiting longer does not help. For --request quit the client gives up after QUIT_WAIT_MS unless
 * --max-wait says otherwise. */
#define _GNU_SOURCE
#include "auth.h"
#include "keyfile.h"
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
#define EXIT_REFUSED   4

struct server {
    const char *spec;
    int fd;
    char request[PROTO_REQUEST_MAX];
    size_t request_len;
    char id[PROTO_ID_MAX + 1];
    uint32_t tasks;
    int done;
    unsigned sends;
    int busy; /* the last answer was "busy" */
    uint64_t sent_ms, next_send_ms, timeout_ms;
    uint64_t first_t, last_t; /* with a key: the t of the first and the latest send */
    int unsealed;             /* with a key: replies without a valid MAC seen */
    char reply[PROTO_REPLY_MAX + 1];
};

static struct {
    struct server s[SERVERS_MAX];
    int n;
    uint32_t tasks;
    uint64_t limit;
    const char *kernel, *raw, *id;
    uint64_t timeout_ms, max_wait_ms;
    int json, verbose, max_wait_set, retry_refused, keyed;
    struct auth_key key;
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

/* t for the next datagram: microseconds since the Unix epoch, and above the last one even when
 * the clock stands still or steps back, so that the server never sees one twice from us */
static uint64_t next_t(void)
{
    static uint64_t last;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t t = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    last = t > last ? t : last + 1;
    return last;
}

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: tf-client [--server HOST:PORT]... [--kernel trial|sieve] [--id ID]\n"
            "                 [--timeout MS] [--max-wait S] [--retry-refused] [--key-file PATH]\n"
            "                 [--json] [-v] N L\n"
            "       tf-client [--server HOST:PORT] [--timeout MS] [--max-wait S]\n"
            "                 [--key-file PATH] [--json] --request TEXT\n");
}

static int usage(void)
{
    print_usage(stderr);
    fprintf(stderr, "(tf-client --help says more)\n");
    return EXIT_USAGE;
}

static int help(void)
{
    print_usage(stdout);
    printf("\nAsks prime-count servers (docs/protocol.md) to count the primes below L, N times,\n"
           "and prints the sum, the CPUs used and the times.\n\n"
           "  N, L              whole numbers; 1e7 and the suffixes k, M, G (10^3, 10^6, 10^9)\n"
           "                    are accepted and exact: 10M is 10000000\n"
           "  --server H:P      a server (default 127.0.0.1:7070); given several times, the N\n"
           "                    tasks are split between them (each gets at least one)\n"
           "  --kernel K        trial (default) or sieve\n"
           "  --id ID           the request's id (default: made from the process and the time)\n"
           "  --timeout MS      the first wait for an answer before sending again (default 500;\n"
           "                    it doubles up to 8000)\n"
           "  --max-wait S      give up after S seconds (default 300; 2 for --request quit)\n"
           "  --retry-refused   keep trying when nothing listens on the port yet (a guest that\n"
           "                    is still starting); otherwise that ends the client at once\n"
           "  --key-file PATH   the server's key (hex digits, as its tf.key): every request\n"
           "                    carries a MAC, and only replies with a valid one are taken\n"
           "  --request TEXT    send TEXT (padded with blanks) and print the reply (ping,\n"
           "                    stats, quit, ...)\n"
           "  --json            print one JSON object instead of the reply line\n"
           "  -v                print every datagram received on standard error\n"
           "  --help            this text\n\n"
           "Retries are reported on standard error as they happen.\n"
           "Exit status: 0 ok, 1 an err reply (or an answer to another request), 2 bad usage,\n"
           "3 no answer within --max-wait, 4 nothing listens on the server's port.\n");
    return 0;
}

/* A whole number: digits, optionally with an exponent (1e7) or a suffix k, M or G; the value
 * must be exact and fit 64 bits. 0, or -1 with a message naming `what`. */
static int parse_number(const char *text, const char *what, uint64_t *v)
{
    uint64_t x = 0, scale = 1;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
            goto bad;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    if (p == text)
        goto bad;
    if (*p == 'e' && p[1] >= '0' && p[1] <= '9' && !p[2]) {
        for (int e = p[1] - '0'; e > 0; e--)
            scale *= 10;
        p += 2;
    } else if (*p && !p[1] && strchr("kMG", *p)) {
        scale = *p == 'k' ? 1000 : *p == 'M' ? 1000000 : 1000000000;
        p++;
    }
    if (*p || (x && scale > UINT64_MAX / x))
        goto bad;
    *v = x * scale;
    return 0;
bad:
    fprintf(stderr, "tf-client: %s '%s' is not a whole number (digits, or like 1e7 or 10M)\n", what,
            text);
    return -1;
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
        } else if (!strcmp(a, "--retry-refused")) {
            opt.retry_refused = 1;
        } else if (!strcmp(a, "--key-file") && more) {
            if (key_file_load("tf-client", argv[++i], &opt.key))
                return -1;
            opt.keyed = 1;
        } else if (a[0] != '-' && positional == 0) {
            uint64_t n;
            if (parse_number(a, "N", &n))
                return -1;
            if (n < 1 || n > PROTO_TASKS_MAX) {
                fprintf(stderr, "tf-client: N must be from 1 to %d\n", PROTO_TASKS_MAX);
                return -1;
            }
            opt.tasks = (uint32_t)n;
            positional++;
        } else if (a[0] != '-' && positional == 1) {
            if (parse_number(a, "L", &opt.limit))
                return -1;
            positional++;
        } else {
            static const char *const valued[] = {"--server",  "--kernel",  "--id",
                                                 "--request", "--timeout", "--max-wait",
                                                 "--key-file"};
            int needs_value = 0;
            for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
                needs_value |= !strcmp(a, valued[k]);
            if (needs_value)
                fprintf(stderr, "tf-client: %s needs a value\n", a);
            else if (a[0] == '-')
                fprintf(stderr, "tf-client: unknown option %s\n", a);
            else
                fprintf(stderr, "tf-client: unexpected argument '%s'\n", a);
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
    if (opt.raw) {
        if (opt.n == 1 && positional == 0)
            return 0;
        fprintf(stderr, "tf-client: --request goes to one server and takes no N L\n");
        return -1;
    }
    if (positional != 2) {
        fprintf(stderr, "tf-client: expected N and L\n");
        return -1;
    }
    if (opt.tasks < (uint32_t)opt.n) {
        fprintf(stderr,
                "tf-client: N = %" PRIu32 " tasks for %d servers: each needs at least one\n",
                opt.tasks, opt.n);
        return -1;
    }
    return 0;
}

/* Pads the request with blanks to PROTO_REPLY_MAX bytes, its newline last, so that no reply is
 * too long for it (docs/protocol.md, "Padding"). 0, or -1 when it is too long to send even
 * with the MAC a key adds. */
static int pad(struct server *s)
{
    size_t len = s->request_len;
    if (len && s->request[len - 1] == '\n')
        len--;
    while (len < PROTO_REPLY_MAX - 1)
        s->request[len++] = ' ';
    s->request[len++] = '\n';
    s->request_len = len;
    if (len + (opt.keyed ? AUTH_TRAILER_MAX : 0) <= PROTO_REQUEST_MAX)
        return 0;
    fprintf(stderr, "tf-client: the request is too long: at most %d bytes%s\n",
            PROTO_REQUEST_MAX - (opt.keyed ? AUTH_TRAILER_MAX : 0) - 1,
            opt.keyed ? " with a key" : "");
    return -1;
}

/* Splits the N tasks among the servers and writes each one's request. */
static int make_requests(void)
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
            if (strlen(opt.raw) >= sizeof(s->request))
                return fprintf(stderr, "tf-client: the request is too long\n"), -1;
            s->request_len = (size_t)snprintf(s->request, sizeof(s->request), "%s", opt.raw);
        } else {
            s->tasks = opt.tasks / (uint32_t)opt.n + ((uint32_t)i < opt.tasks % (uint32_t)opt.n);
            s->request_len = (size_t)snprintf(s->request, sizeof(s->request),
                                              "primes %" PRIu32 " %" PRIu64 " id=%s kernel=%s\n",
                                              s->tasks, opt.limit, s->id, opt.kernel);
        }
        if (pad(s))
            return -1;
    }
    return 0;
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
    if (s->sends)
        fprintf(stderr, "tf-client: %s: %s after %" PRIu64 " ms; sending again (try %u)\n", s->spec,
                s->busy ? "busy" : "no answer", now - s->sent_ms, s->sends + 1);
    s->busy = 0;
    s->sent_ms = now;
    char wire[PROTO_REQUEST_MAX + 1];
    size_t len = s->request_len;
    memcpy(wire, s->request, len);
    if (opt.keyed) { /* every send a fresh t: the server refuses one it has seen */
        s->last_t = next_t();
        s->first_t = s->sends ? s->first_t : s->last_t;
        len = auth_seal(&opt.key, AUTH_REQUEST, wire, len, sizeof(wire), s->last_t);
    }
    if (send(s->fd, wire, len, 0) < 0 && opt.verbose)
        fprintf(stderr, "tf-client: %s: send: %s\n", s->spec, strerror(errno));
    s->sends++;
    s->next_send_ms = now + s->timeout_ms;
    s->timeout_ms = s->timeout_ms * 2 > TIMEOUT_CAP_MS ? TIMEOUT_CAP_MS : s->timeout_ms * 2;
}

/* With a key: 1 when the reply in buf[0..*n) carries a valid MAC and one of the t values sent
 * for this request; its MAC and t are then taken off (*n shrinks). 0 otherwise (said once). */
static int authentic(struct server *s, char *buf, size_t *n)
{
    size_t inner;
    uint64_t t;
    if (auth_open(&opt.key, AUTH_REPLY, buf, *n, &inner, &t) != AUTH_OK) {
        if (!s->unsealed++)
            fprintf(stderr,
                    "tf-client: %s: ignored a reply without a valid MAC (has the server "
                    "this key?): %.*s",
                    s->spec, (int)*n, buf);
        return 0;
    }
    if (t < s->first_t || t > s->last_t)
        return 0; /* a reply to another request of this key */
    while (inner && strchr(" \t", buf[inner - 1]))
        inner--;
    buf[inner++] = '\n';
    buf[inner] = '\0';
    *n = inner;
    return 1;
}

/* One datagram from server s: 1 when it is the final answer, 0 to keep waiting, -1 when nothing
 * listens on its port (and that is not to be waited out). */
static int take_reply(struct server *s, uint64_t now)
{
    char buf[PROTO_REPLY_MAX + AUTH_TRAILER_MAX + 1], id[PROTO_ID_MAX + 1];
    ssize_t n = recv(s->fd, buf, sizeof(buf) - 1, 0);
    if (n < 0 && errno == ECONNREFUSED && !opt.retry_refused) {
        fprintf(stderr,
                "tf-client: %s: nothing listens on that port (ICMP port unreachable); is the "
                "guest running with tf-run --udp PORT:7070?\n",
                s->spec);
        return -1;
    }
    if (n <= 0)
        return 0; /* refused while the guest starts (--retry-refused): the retry covers it */
    buf[n] = '\0';
    if (opt.verbose)
        fprintf(stderr, "tf-client: %s: %s", s->spec, buf);
    size_t len = (size_t)n;
    if ((opt.keyed && !authentic(s, buf, &len)) || len > PROTO_REPLY_MAX)
        return 0;
    reply_id(buf, id);
    if (!opt.raw && strcmp(id, s->id))
        return 0; /* an answer to an earlier request */
    if (!strncmp(buf, "busy", 4)) {
        s->busy = 1;
        s->next_send_ms = now + s->timeout_ms / 2;
        return 0;
    }
    memcpy(s->reply, buf, len + 1);
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
        for (int i = 0; i < opt.n; i++) {
            if (opt.s[i].done || !(pfd[i].revents & (POLLIN | POLLERR)))
                continue;
            int r = take_reply(&opt.s[i], now);
            if (r < 0)
                return -2;
            if (r) {
                opt.s[i].done = 1;
                left--;
            }
        }
    }
    return 0;
}

/* A JSON string literal of text (the server's replies are printable ASCII and a newline). */
static void print_json_string(const char *text)
{
    putchar('"');
    for (; *text && *text != '\n'; text++) {
        if (*text == '"' || *text == '\\')
            putchar('\\');
        putchar(*text);
    }
    putchar('"');
}

static int report(uint64_t wall_us)
{
    struct proto_request req;
    struct proto_result total = {0, 0, 0}, r;
    unsigned retries = 0;
    for (int i = 0; i < opt.n; i++) {
        struct server *s = &opt.s[i];
        retries += s->sends - 1;
        if (opt.raw && opt.json) {
            printf("{\"reply\": ");
            print_json_string(s->reply);
            printf(", \"wall_us\": %" PRIu64 ", \"retries\": %u}\n", wall_us, s->sends - 1);
            return 0;
        }
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
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help();
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
    if (make_requests())
        return EXIT_USAGE;
    uint64_t start_us = now_us();
    int rc = wait_all(start_us / 1000);
    if (rc == -2)
        return EXIT_REFUSED;
    if (rc) {
        fprintf(stderr, "tf-client: no answer within %.1f s%s\n", (double)opt.max_wait_ms / 1000,
                opt.raw && is_quit(opt.raw) ? " (the guest may have stopped before its reply left)"
                : opt.keyed                 ? ""
                            : " (a server with a key answers only requests with a MAC: "
                              "--key-file)");
        return EXIT_GAVE_UP;
    }
    return report(now_us() - start_us);
}
