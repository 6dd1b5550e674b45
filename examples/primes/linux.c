/* primes-linux: the Linux reference for the prime-count experiment. Runs N tasks, each counting
 * the primes below L with the same kernel code as the guest, on N POSIX threads (--threads) or N
 * processes (--procs), and prints the same result line as the guest server:
 *
 *   primes-linux --threads 8 10000000
 *   ok id=- n=8 limit=10000000 kernel=trial sum=5316632 cpus=2 compute_us=5412345
 *
 * cpus is the number of distinct CPUs the tasks finished on (sched_getcpu). */
#define _GNU_SOURCE
#include "primes.h"
#include "protocol.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct task {
    uint64_t limit;
    enum primes_kernel kernel;
    uint64_t count;
    int cpu;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
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
        if (pipe(fds[started]) < 0 || (pids[started] = fork()) < 0)
            break;
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

static int usage(void)
{
    fprintf(stderr, "usage: primes-linux --threads N|--procs N [--kernel trial|sieve] L\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct proto_request req = {.verb = PROTO_PRIMES, .kernel = PRIMES_TRIAL};
    int procs = -1;
    char *end;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--threads") || !strcmp(argv[i], "--procs")) && i + 1 < argc) {
            procs = argv[i][2] == 'p';
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
    if (procs < 0)
        return usage();
    struct task *t = calloc(req.tasks, sizeof(*t));
    if (!t)
        return 1;
    for (uint32_t i = 0; i < req.tasks; i++)
        t[i] = (struct task){req.limit, req.kernel, 0, -1};
    uint64_t start = now_us();
    if ((procs ? run_procs(t, req.tasks) : run_threads(t, req.tasks)) < 0) {
        fprintf(stderr, "primes-linux: could not run %u %s: %s\n", req.tasks,
                procs ? "processes" : "threads", strerror(errno));
        return 1;
    }
    struct proto_result r = {0, 0, now_us() - start};
    cpu_set_t seen;
    CPU_ZERO(&seen);
    for (uint32_t i = 0; i < req.tasks; i++) {
        if (t[i].count == UINT64_MAX) {
            fprintf(stderr, "primes-linux: out of memory\n");
            return 1;
        }
        r.sum += t[i].count;
        if (t[i].cpu >= 0 && t[i].cpu < CPU_SETSIZE)
            CPU_SET(t[i].cpu, &seen);
    }
    r.cpus = (uint32_t)CPU_COUNT(&seen);
    char line[PROTO_REPLY_MAX];
    proto_format_ok(line, &req, &r);
    fputs(line, stdout);
    free(t);
    return 0;
}
