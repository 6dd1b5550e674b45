/* api: the public API's documented errors and figures in the guest, for the QEMU tests. One
 * mode per run:
 *   api errors       TF_EPERM from tf_wait, tf_wait_any, tf_wait_all and tf_parallel_for inside
 *                    a task; tf_wait_any choosing a faulted task (its error, TF_EFAULT_BASE - 0);
 *                    a distinct name for every error code; the network calls without a network
 *                    (TF_ENETDOWN, TF_EINVAL, TF_ENODEV) and from a task (TF_EPERM on a
 *                    worker; the bootstrap CPU's own answers when that CPU runs the task)
 *   api stats        tf_cpu_stats: a task's time in busy_ns, an idle worker's parked_ns, and
 *                    the wakeup a task submitted to a halted worker costs (run with tf.park=hlt)
 *   api where        one task per worker, held until all are placed: each prints the CPU it ran
 *                    on, that CPU's APIC ID from tf_cpu_info, and the x2APIC ID the CPU itself
 *                    reports (CPUID leaf 0xB, EDX) from inside the task
 *   api abort        abort(): tf-run's status 94
 *   api raise        raise(SIGTERM), a fatal signal: 94 as well
 * errors and stats print "api: ok" last when every check passed and exit 0; otherwise they print
 * what went wrong and exit 1. */
#include <taskfarm.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what, long long got, long long want)
{
    if (!ok && failures++ < 20)
        printf("api: FAILED %s: got %lld, want %lld\n", what, got, want);
}

static uint64_t twice(void *arg)
{
    return 2 * (uint64_t)(uintptr_t)arg;
}

static uint64_t count(uint64_t lo, uint64_t hi, void *arg)
{
    (void)arg;
    return hi - lo;
}

static uint64_t wait_inside(void *arg)
{
    return (uint64_t)(int64_t)tf_wait(*(tf_task_t *)arg, NULL);
}

static uint64_t wait_any_inside(void *arg)
{
    return (uint64_t)(int64_t)tf_wait_any(arg, 1, NULL, NULL);
}

static uint64_t wait_all_inside(void *arg)
{
    return (uint64_t)(int64_t)tf_wait_all(arg, 1, NULL, NULL);
}

static uint64_t parallel_for_inside(void *arg)
{
    (void)arg;
    return (uint64_t)(int64_t)tf_parallel_for(0, 10, 1, count, NULL, NULL);
}

static uint64_t divide_task(void *arg)
{
    volatile uint64_t zero = (uint64_t)(uintptr_t)arg;
    return 100 / zero;
}

/* The network calls from a task: what they return, and on which CPU they ran. */
struct net_calls {
    int send, bind, start;
    unsigned cpu;
};

static uint64_t net_inside(void *arg)
{
    struct net_calls *c = arg;
    struct tf_udp_peer to = {0x0a000202, 7};
    c->send = tf_udp_send(0, "x", 1, &to);
    c->bind = tf_udp_bind(7);
    c->start = tf_net_start(1000000);
    c->cpu = tf_cpu_self();
    return 0;
}

/* Each call refused inside a task, on whichever CPU runs it; the task it names stays there. */
static void wait_family_inside(void)
{
    static const tf_task_fn inside[] = {wait_inside, wait_any_inside, wait_all_inside,
                                        parallel_for_inside};
    for (unsigned k = 0; k < 4; k++) {
        tf_task_t other = tf_submit(twice, (void *)21);
        tf_task_t h = tf_submit(inside[k], &other);
        uint64_t r = 0;
        check(tf_wait(h, &r) == 0, "wait for the task that waits", k, 0);
        check((int64_t)r == TF_EPERM, "a wait-family call inside a task", (int64_t)r, TF_EPERM);
        check(tf_wait(other, &r) == 0 && r == 42, "the task named inside, afterwards", (long long)r,
              42);
    }
}

static void wait_any_faulted(void)
{
    tf_task_t h[2] = {tf_submit(divide_task, NULL), -1};
    uint64_t r = 7;
    int e = 1;
    check(tf_wait_any(h, 1, &r, &e) == 0, "wait_any of one faulted task", 0, 0);
    check(e == TF_EFAULT_BASE - 0, "wait_any's error for a divide error", e, TF_EFAULT_BASE);
    /* A faulted and a good one: each is chosen once, with its own error. */
    h[0] = tf_submit(twice, (void *)4);
    h[1] = tf_submit(divide_task, NULL);
    int taken[2] = {0, 0};
    for (int round = 0; round < 2; round++) {
        tf_task_t rest[2];
        int map[2], n = 0;
        for (int i = 0; i < 2; i++)
            if (!taken[i]) {
                map[n] = i;
                rest[n++] = h[i];
            }
        e = 1;
        int k = tf_wait_any(rest, (size_t)n, &r, &e);
        check(k >= 0 && k < n, "wait_any's position", k, 0);
        if (k < 0 || k >= n)
            return;
        taken[map[k]] = 1;
        if (map[k] == 0)
            check(e == 0 && r == 8, "wait_any of the good task", e, 0);
        else
            check(e == TF_EFAULT_BASE - 0, "wait_any of the faulted task", e, TF_EFAULT_BASE);
    }
    check(tf_wait_any(h, 0, NULL, NULL) == TF_EINVAL, "wait_any of no task", 0, TF_EINVAL);
    check(tf_wait_any(h, 1, NULL, NULL) == TF_EBADTASK, "wait_any of a taken task", 0, TF_EBADTASK);
}

static void every_code_named(void)
{
    static const int codes[] = {TF_EINVAL,     TF_EBADTASK, TF_ENOSPC,   TF_EPERM,
                                TF_ENODEV,     TF_ENOMEM,   TF_EAGAIN,   TF_ETIMEDOUT,
                                TF_EADDRINUSE, TF_EMSGSIZE, TF_ENETDOWN, TF_ETHREAD};
    enum { N = sizeof(codes) / sizeof(codes[0]) };
    for (int i = 0; i < N; i++) {
        const char *s = tf_strerror(codes[i]);
        check(s && *s && strcmp(s, "unknown error") && strcmp(s, "success"), "a name", codes[i], 0);
        for (int j = 0; j < i; j++)
            check(strcmp(s, tf_strerror(codes[j])) != 0, "names differ", codes[i], codes[j]);
    }
    check(!strcmp(tf_strerror(0), "success"), "tf_strerror(0)", 0, 0);
    check(!strcmp(tf_strerror(TF_EFAULT_BASE - 0), "task faulted: #DE divide error"),
          "tf_strerror of a divide error", 0, 0);
}

/* No network card in this run: nothing can bind or send, and every such call says the network
 * is down (TF_ENETDOWN), whatever socket it names. */
static void network_without_a_network(void)
{
    struct tf_udp_peer to = {0x0a000202, 7};
    check(tf_udp_bind(7) == TF_ENETDOWN, "bind before tf_net_start", tf_udp_bind(7), TF_ENETDOWN);
    check(tf_udp_bind(0) == TF_ENETDOWN, "bind of port 0 before tf_net_start", 0, TF_ENETDOWN);
    int e = tf_udp_send(0, "x", 1, &to);
    check(e == TF_ENETDOWN, "send before tf_net_start", e, TF_ENETDOWN);
    e = tf_udp_send(-1, "x", 1, &to);
    check(e == TF_ENETDOWN, "send on socket -1 before tf_net_start", e, TF_ENETDOWN);
    check(tf_udp_close(0) == TF_EINVAL, "close of a socket never opened", 0, TF_EINVAL);
    check(tf_net_start(1000000) == TF_ENODEV, "tf_net_start without a card", 0, TF_ENODEV);
    struct tf_net_config c;
    check(tf_net_config(&c) == 0 && c.ip == 0, "config before the network is up", (long long)c.ip,
          0);
    check(tf_net_config(NULL) == TF_EINVAL, "config into NULL", 0, TF_EINVAL);
    /* From a task: refused on another CPU than the bootstrap CPU; a task that the bootstrap CPU
     * runs (inside tf_wait) is on that CPU, and gets the answers main got. */
    struct net_calls in;
    check(tf_wait(tf_submit(net_inside, &in), NULL) == 0, "the task making network calls", 0, 0);
    int want[3] = {TF_EPERM, TF_EPERM, TF_EPERM};
    if (in.cpu == 0) {
        want[0] = TF_ENETDOWN;
        want[1] = TF_ENETDOWN;
        want[2] = TF_ENODEV;
    }
    check(in.send == want[0], "tf_udp_send inside a task", in.send, want[0]);
    check(in.bind == want[1], "tf_udp_bind inside a task", in.bind, want[1]);
    check(in.start == want[2], "tf_net_start inside a task", in.start, want[2]);
    printf("api: network calls from a task on cpu %u checked\n", in.cpu);
}

static int run_errors(void)
{
    wait_family_inside();
    wait_any_faulted();
    every_code_named();
    network_without_a_network();
    return 0;
}

#define BUSY_NS 20000000ull

static uint64_t busy_task(void *arg)
{
    (void)arg;
    uint64_t start = tf_now_ns();
    while (tf_now_ns() - start < BUSY_NS)
        ;
    return tf_cpu_self();
}

/* A worker with nothing to do halts (tf.park=hlt, tf.spin_us=0); a task submitted to it must
 * wake it. Each try lets the worker reach its halt first; under load it may not have, so the
 * try repeats until a wakeup was needed. */
static int run_stats(void)
{
    if (tf_cpu_count() < 2) {
        printf("api: stats needs two CPUs\n");
        return 1;
    }
    struct tf_cpu_stats before, after;
    uint64_t t0 = tf_now_ns();
    check(tf_cpu_stats(1, &before) == 0, "tf_cpu_stats", 0, 0);
    uint64_t cpu = 9;
    tf_task_t h = tf_submit(busy_task, NULL);
    check(tf_wait(h, &cpu) == 0 && cpu == 1, "the busy task on CPU 1", (long long)cpu, 1);
    check(tf_cpu_stats(1, &after) == 0, "tf_cpu_stats", 0, 0);
    uint64_t elapsed = tf_now_ns() - t0, busy = after.busy_ns - before.busy_ns;
    check(busy >= BUSY_NS, "busy_ns grew by the task's time", (long long)busy, BUSY_NS);
    check(busy <= elapsed, "busy_ns grew by no more than the time passed", (long long)busy,
          (long long)elapsed);
    check(after.tasks - before.tasks == 1, "tasks grew by one", (long long)after.tasks, 1);
    int woken = 0;
    for (int try = 0; try < 100 && !woken; try++) {
        check(tf_cpu_stats(1, &before) == 0, "tf_cpu_stats", 0, 0);
        uint64_t nap = tf_now_ns();
        while (tf_now_ns() - nap < 10000000)
            ;
        uint64_t r = 0;
        check(tf_wait(tf_submit(twice, (void *)3), &r) == 0 && r == 6, "the short task",
              (long long)r, 6);
        check(tf_cpu_stats(1, &after) == 0, "tf_cpu_stats", 0, 0);
        check(after.wakeups - before.wakeups <= 1, "one task, at most one wakeup",
              (long long)(after.wakeups - before.wakeups), 1);
        woken = after.wakeups > before.wakeups;
        if (woken)
            check(after.parked_ns > before.parked_ns, "parked_ns grew while it was halted",
                  (long long)after.parked_ns, (long long)before.parked_ns);
    }
    check(woken, "a halted worker was woken for a task", 0, 1);
    return 0;
}

static uint32_t release;

static uint64_t where_task(void *arg)
{
    (void)arg;
    uint32_t regs[4];
    tf_cpuid(0xb, 0, regs);
    while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    return (uint64_t)tf_cpu_self() << 32 | regs[3];
}

static int run_where(void)
{
    unsigned n = tf_cpu_count() - 1;
    tf_task_t t[n ? n : 1];
    uint64_t res[n ? n : 1];
    for (unsigned i = 0; i < n; i++)
        t[i] = tf_submit(where_task, NULL);
    __atomic_store_n(&release, 1, __ATOMIC_RELEASE);
    check(tf_wait_all(t, n, res, NULL) == 0, "tf_wait_all", 0, 0);
    for (unsigned i = 0; i < n; i++) {
        unsigned cpu = (unsigned)(res[i] >> 32);
        struct tf_cpu_info info = {0};
        check(tf_cpu_info(cpu, &info) == 0, "tf_cpu_info", cpu, 0);
        printf("api: task %u ran on cpu %u, apic %u, package %u, core %u, thread %u, "
               "x2apic id %u\n",
               i, cpu, info.apic_id, info.package, info.core, info.thread, (uint32_t)res[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: api errors | stats | where | abort | raise\n");
        return 2;
    }
    int rc = 2;
    if (!strcmp(argv[1], "errors"))
        rc = run_errors();
    else if (!strcmp(argv[1], "stats"))
        rc = run_stats();
    else if (!strcmp(argv[1], "where"))
        rc = run_where();
    else if (!strcmp(argv[1], "abort"))
        abort();
    else if (!strcmp(argv[1], "raise"))
        raise(SIGTERM);
    if (rc == 0 && failures == 0) {
        printf("api: ok\n");
        return 0;
    }
    printf("api: %d failure(s)\n", failures);
    return rc ? rc : 1;
}
