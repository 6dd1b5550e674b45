/* primes-linux: the Linux reference for the prime-count experiment. Runs N tasks, each counting
 * the primes below L with the same kernel code as the guest, on N POSIX threads (--threads) or N
 * processes (--procs), and prints the same result line as the guest server:
 *
 *   primes-linux --threads 8 10000000
 *   ok id=- n=8 limit=10000000 kernel=trial sum=5316632 cpus=2 compute_us=5412345
 *
 * With --serve PORT it is instead a UDP server speaking the guest's protocol (docs/protocol.md),
 * one request at a time, so that a client measures Linux and the guest the same way:
 *
 *   primes-linux --serve 7070 --threads     # each "primes N L" request runs on N threads
 *   primes-linux --serve 7070 --procs       # ... on N processes
 *   primes-linux --serve 7070 --threads --key-file primes.key   # authenticated requests only
 *
 * cpus is the number of distinct CPUs the tasks finished on (sched_getcpu).
 *
 * Built with PRIMES_HOST_FARM (as primes-host, linked with libtaskfarm-host.a) it has a third
 * mode, --farm: the tasks go through the taskfarm scheduler on Linux (tf_submit, tf_wait_all),
 * the calling thread running tasks too while it waits, as the guest's bootstrap CPU does. */
#define _GNU_SOURCE
#include "auth.h"
#include "keyfile.h"
#include "primes.h"
#include "protocol.h"
#ifdef PRIMES_HOST_FARM
#include <taskfarm.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct task {
    uint64_t limit;
    enum primes_kernel kernel;
    uint64_t count;
    int cpu;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_us(void)
{
    return now_ns() / 1000u;
}

static void *thread_main(void *arg)
{
    struct task *t = arg;
    t->count = primes_count(t->kernel, t->limit);
    t->cpu = sched_getcpu();
    return NULL;
}

static int run_threads(struct task *t, uint32_t n)
{
    pthread_t *th = calloc(n, sizeof(*th));
    if (!th)
        return -1;
    uint32_t started = 0;
    for (; started < n; started++)
        if ((errno = pthread_create(&th[started], NULL, thread_main, &t[started])) != 0)
            break;
    for (uint32_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    return started == n ? 0 : -1;
}

/* Each child writes its count and CPU through a pipe of its own. */
static int run_procs(struct task *t, uint32_t n)
{
    int rc = 0;
    int(*fds)[2] = calloc(n, sizeof(*fds));
    pid_t *pids = calloc(n, sizeof(*pids));
    uint32_t started = 0;
    for (; fds && pids && started < n; started++) {
        if (pipe(fds[started]) < 0)
            break;
        if ((pids[started] = fork()) < 0) {
            close(fds[started][0]);
            close(fds[started][1]);
            break;
        }
        if (pids[started] == 0) {
            thread_main(&t[started]);
            ssize_t w = write(fds[started][1], &t[started], sizeof(t[started]));
            _exit(w == (ssize_t)sizeof(t[started]) ? 0 : 1);
        }
        close(fds[started][1]);
    }
    for (uint32_t i = 0; i < started; i++) {
        int status;
        if (read(fds[i][0], &t[i], sizeof(t[i])) != (ssize_t)sizeof(t[i]))
            rc = -1;
        close(fds[i][0]);
        if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            rc = -1;
    }
    if (started != n)
        rc = -1;
    free(fds);
    free(pids);
    return rc;
}

enum mode { MODE_THREADS, MODE_PROCS, MODE_FARM };
static const char *const mode_names[] = {"threads", "processes", "taskfarm tasks"};

#ifdef PRIMES_HOST_FARM
static uint64_t farm_task(void *arg)
{
    thread_main(arg);
    return 0;
}

static int run_farm(struct task *t, uint32_t n)
{
    tf_task_t *h = calloc(n, sizeof(*h));
    int rc = h ? 0 : -1;
    uint32_t submitted = 0;
    for (; h && submitted < n; submitted++)
        if ((h[submitted] = tf_submit(farm_task, &t[submitted])) < 0) {
            rc = -1;
            break;
        }
    if (h && tf_wait_all(h, submitted, NULL, NULL) != 0)
        rc = -1;
    free(h);
    return rc;
}
#else
static int run_farm(struct task *t, uint32_t n)
{
    (void)t, (void)n;
    errno = ENOSYS;
    return -1;
}
#endif

static int run(enum mode m, struct task *t, uint32_t n)
{
    return m == MODE_FARM ? run_farm(t, n) : m == MODE_PROCS ? run_procs(t, n) : run_threads(t, n);
}

/* --threads, --procs, and --farm in the primes-host build; -1 for another word */
static int parse_mode(const char *a)
{
    if (!strcmp(a, "--threads"))
        return MODE_THREADS;
    if (!strcmp(a, "--procs"))
        return MODE_PROCS;
#ifdef PRIMES_HOST_FARM
    if (!strcmp(a, "--farm"))
        return MODE_FARM;
#endif
    return -1;
}

#ifdef PRIMES_HOST_FARM
static const char prog[] = "primes-host";
#else
static const char prog[] = "primes-linux";
#endif

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: %s --threads N|--procs N [--kernel trial|sieve] L\n"
            "       %s --serve PORT --threads|--procs [--key-file PATH [--t-min T|now]]\n",
            prog, prog);
#ifdef PRIMES_HOST_FARM
    fprintf(out, "       %s --farm N [--kernel trial|sieve] L | --serve PORT --farm\n", prog);
#endif
}

static int usage(void)
{
    print_usage(stderr);
    fprintf(stderr, "(%s --help says more)\n", prog);
    return 2;
}

static int help(void)
{
    print_usage(stdout);
    printf("\nThe Linux reference of the prime-count experiment: N tasks, each counting the primes "
           "below L,\nand the sum of their counts, printed as the guest server's reply line.\n\n"
           "  --threads N      run the N tasks on N threads\n"
           "  --procs N        run them on N processes\n"
#ifdef PRIMES_HOST_FARM
           "  --farm N         run them through the taskfarm scheduler on Linux (TF_CPUS=n "
           "threads)\n"
#endif
           "  --kernel K       trial (trial division, the default) or sieve\n"
           "  --serve PORT     answer the guest server's UDP protocol (docs/protocol.md) on "
           "PORT,\n"
           "                   each request on threads, processes%s\n"
           "  --key-file PATH  with --serve: answer only requests authenticated with the key\n"
           "                   in PATH (hex digits, as the guest's tf.key)\n"
           "  --t-min T|now    with a key: refuse every t up to T (microseconds since the\n"
           "                   epoch; now: this start), as the guest's tf.t_min, so that no\n"
           "                   request recorded before a restart is answered after it\n"
           "  --help           this text\n",
#ifdef PRIMES_HOST_FARM
           " or the farm"
#else
           ""
#endif
    );
    return 0;
}

/* Runs the request's tasks; 0 with *r filled, or -1 with the reason in why. */
static int compute(const struct proto_request *req, enum mode m, struct proto_result *r, char *why,
                   size_t why_len)
{
    struct task *t = calloc(req->tasks, sizeof(*t));
    if (!t)
        return snprintf(why, why_len, "out of memory"), -1;
    for (uint32_t i = 0; i < req->tasks; i++)
        t[i] = (struct task){req->limit, req->kernel, 0, -1};
    uint64_t start = now_us();
    if (run(m, t, req->tasks) < 0) {
        snprintf(why, why_len, "could not run %u %s: %s", req->tasks, mode_names[m],
                 strerror(errno));
        free(t);
        return -1;
    }
    *r = (struct proto_result){0, 0, now_us() - start};
    cpu_set_t seen;
    CPU_ZERO(&seen);
    for (uint32_t i = 0; i < req->tasks; i++) {
        if (t[i].count == UINT64_MAX) {
            snprintf(why, why_len, "task %u ran out of memory", i);
            free(t);
            return -1;
        }
        r->sum += t[i].count;
        if (t[i].cpu >= 0 && t[i].cpu < CPU_SETSIZE)
            CPU_SET(t[i].cpu, &seen);
    }
    r->cpus = (uint32_t)CPU_COUNT(&seen);
    free(t);
    return 0;
}

/* What the server keeps, as the guest does (docs/protocol.md), and its key when it has one. */
static struct {
    uint64_t requests, ok, errors, cache_hits, ignored, limited, refused, auth_failed, replayed;
} stats;
static struct proto_limiter err_limiter;
static struct auth_key key;
static struct auth_replay replay;
static int keyed;

/* One datagram taken as a request: the message (without the t and MAC of a sealed one), its
 * sender, and what its reply must respect. */
struct datagram {
    const char *msg;
    size_t len, wire_len;
    int sealed;
    uint64_t t;
    uint32_t ip;
    uint16_t port;
};

static size_t error_reply(char *out, const char *id, const char *why)
{
    stats.errors++;
    if (proto_limiter_take(&err_limiter, now_ns()))
        return proto_format_err(out, id, why);
    stats.limited++;
    return 0;
}

static size_t format_stats(char *out, const char *id)
{
    const struct proto_counter c[] = {
        {"requests", stats.requests},       {"ok", stats.ok},
        {"errors", stats.errors},           {"busy", 0},
        {"cache_hits", stats.cache_hits},   {"ignored", stats.ignored},
        {"limited", stats.limited},         {"refused", stats.refused},
        {"auth_failed", stats.auth_failed}, {"replayed", stats.replayed},
    };
    return proto_format_stats(out, id, c, sizeof(c) / sizeof(c[0]));
}

/* The reply to a request that parsed, into `out`: its length, or 0 when none is sent. */
static size_t answer_request(const struct datagram *d, const struct proto_request *req, enum mode m,
                             char *out)
{
    static struct proto_cache cache;
    const struct proto_cache_entry *hit;
    struct proto_result r;
    char why[160];
    switch (proto_cache_find(&cache, d->ip, d->port, req, &hit)) {
    case PROTO_CACHE_HIT:
        stats.cache_hits++;
        memcpy(out, hit->reply, hit->len);
        return hit->len;
    case PROTO_CACHE_CONFLICT:
        return error_reply(out, req->id, "id already used for another request; use a fresh id");
    default:
        break;
    }
    if (req->verb == PROTO_PING)
        return (size_t)snprintf(out, PROTO_REPLY_MAX, "pong id=%s cpus=%ld\n",
                                *req->id ? req->id : "-", sysconf(_SC_NPROCESSORS_ONLN));
    if (req->verb == PROTO_STATS)
        return format_stats(out, req->id);
    if (req->verb == PROTO_CANCEL) /* it reads the next request only after the last is done */
        return error_reply(out, req->id, "nothing to cancel with this id");
    if (!d->sealed && d->wire_len < proto_ok_bound(req))
        return PROTO_REPLY_MAX; /* an answer too long to send: refused before computing */
    size_t len;
    if (compute(req, m, &r, why, sizeof(why))) {
        len = proto_format_err(out, req->id, why);
        stats.errors++;
    } else {
        len = proto_format_ok(out, req, &r);
        stats.ok++;
    }
    proto_cache_put(&cache, d->ip, d->port, req, out, len);
    return len;
}

/* The reply to one datagram into `out`, as the guest server: its length, or 0 when none is sent
 * (error replies are rate-limited; without a MAC no reply is longer than the datagram). */
static size_t answer(const struct datagram *d, enum mode m, char *out)
{
    struct proto_request req;
    char why[160];
    stats.requests++;
    size_t len = proto_parse(d->msg, d->len, &req, why, sizeof(why))
                     ? error_reply(out, req.id, why)
                     : answer_request(d, &req, m, out);
    if (!len || d->sealed || len <= d->wire_len)
        return len;
    stats.refused++;
    len = proto_format_refusal(out, d->wire_len, req.id);
    if (len && !proto_limiter_take(&err_limiter, now_ns())) {
        stats.limited++;
        return 0;
    }
    return len;
}

/* With a key, 1 when the datagram carries a valid MAC and a t this client has not used (the
 * message and t are then in *d), 0 (counted) otherwise. Without a key, 1. */
static int authentic(struct datagram *d)
{
    size_t inner;
    if (!keyed)
        return 1;
    if (d->len > PROTO_REQUEST_MAX ||
        auth_open(&key, AUTH_REQUEST, d->msg, d->len, &inner, &d->t) != AUTH_OK) {
        stats.auth_failed++;
        return 0;
    }
    if (!auth_replay_fresh(&replay, d->ip, d->port, d->t)) {
        stats.replayed++;
        return 0;
    }
    auth_replay_record(&replay, d->ip, d->port, d->t);
    d->sealed = 1;
    d->len = inner;
    return 1;
}

/* The guest server's protocol over a Linux UDP socket, with the same reply cache. */
static int serve(unsigned port, enum mode m)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        fprintf(stderr, "%s: UDP port %u: %s\n", prog, port, strerror(errno));
        return 1;
    }
    printf("%s: listening on UDP port %u (%s)%s\n", prog, port, mode_names[m],
           keyed ? ", requests authenticated" : "");
    fflush(stdout);
    for (;;) {
        char msg[PROTO_REQUEST_MAX + 1], out[PROTO_REPLY_MAX + AUTH_TRAILER_MAX + 1];
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = recvfrom(fd, msg, sizeof(msg), 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            continue;
        struct datagram d = {
            msg, (size_t)n, (size_t)n, 0, 0, ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)};
        if (!proto_may_answer(msg, d.len, d.port, (uint16_t)port)) {
            stats.ignored++;
            continue;
        }
        if (!authentic(&d))
            continue;
        size_t len = answer(&d, m, out);
        if (len && d.sealed)
            len = auth_seal(&key, AUTH_REPLY, out, len, sizeof(out), d.t);
        if (len)
            sendto(fd, out, len, 0, (struct sockaddr *)&from, fromlen);
    }
}

int main(int argc, char **argv)
{
    struct proto_request req = {.verb = PROTO_PRIMES, .kernel = PRIMES_TRIAL};
    int mode = -1;
    unsigned long port = 0;
    char *end;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return help();
        if (!strcmp(argv[i], "--serve") && i + 1 < argc) {
            port = strtoul(argv[++i], &end, 10);
            if (*end || port < 1 || port > 65535)
                return usage();
        } else if (!strcmp(argv[i], "--t-min") && i + 1 < argc) {
            const char *t = argv[++i];
            unsigned long long v = strtoull(t, &end, 10);
            if (!strcmp(t, "now")) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                v = (unsigned long long)ts.tv_sec * 1000000u +
                    (unsigned long long)ts.tv_nsec / 1000u;
            } else if (*end || t[0] < '0' || t[0] > '9') {
                return usage();
            }
            auth_replay_init(&replay, v);
        } else if (!strcmp(argv[i], "--key-file") && i + 1 < argc) {
            if (key_file_load(prog, argv[++i], &key))
                return 2;
            keyed = 1;
        } else if (port && parse_mode(argv[i]) >= 0) {
            mode = parse_mode(argv[i]);
        } else if (parse_mode(argv[i]) >= 0 && i + 1 < argc) {
            mode = parse_mode(argv[i]);
            unsigned long n = strtoul(argv[++i], &end, 10);
            if (*end || n < 1 || n > PROTO_TASKS_MAX)
                return usage();
            req.tasks = (uint32_t)n;
        } else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) {
            if (primes_kernel_parse(argv[++i], &req.kernel))
                return usage();
        } else {
            unsigned long long l = strtoull(argv[i], &end, 10);
            if (*end || argv[i][0] == '-' || l > PRIMES_LIMIT_MAX)
                return usage();
            req.limit = l;
        }
    }
    if (mode < 0)
        return usage();
    if (port)
        return serve((unsigned)port, (enum mode)mode);
    struct proto_result r;
    char line[PROTO_REPLY_MAX], why[160];
    if (compute(&req, (enum mode)mode, &r, why, sizeof(why))) {
        fprintf(stderr, "%s: %s\n", prog, why);
        return 1;
    }
    proto_format_ok(line, &req, &r);
    fputs(line, stdout);
    return 0;
}
