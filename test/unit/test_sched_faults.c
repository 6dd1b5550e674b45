/* Faulting tasks on Linux: a division by zero, a store through a null pointer, an invalid
 * opcode and a stack overflow end their task with the fault's vector, on workers and on the
 * BSP, and the farm keeps working; a fault outside a task keeps its default action, or goes to
 * the program's own handler, and containment stays on after it. A task that ends its thread
 * (pthread_exit) ends with TF_ETHREAD and its CPU gets a new thread; on CPU 0 the program is
 * aborted. Every task starts with the default floating-point environment, whatever the one
 * before it set.
 *
 * Runs under AddressSanitizer: ASan's own handlers for these signals are turned off (below), so
 * that the farm's handlers and the default action are what is tested. */
#define _GNU_SOURCE /* feenableexcept, fegetexcept */
#include "taskfarm.h"

#include <check.h>
#include <fenv.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0";
}

#define NO_UBSAN __attribute__((no_sanitize("undefined"), noinline))

static volatile int zero, forever = 1;
static int *volatile null_pointer;

static NO_UBSAN uint64_t divide_by_zero(void *arg)
{
    (void)arg;
    return (uint64_t)(100 / zero);
}

static NO_UBSAN uint64_t null_store(void *arg)
{
    (void)arg;
    *null_pointer = 1;
    return 1;
}

static uint64_t trap(void *arg)
{
    (void)arg;
    __builtin_trap();
}

static NO_UBSAN uint64_t recurse(void *arg)
{
    volatile char frame[4096];
    frame[0] = (char)(uintptr_t)arg;
    if (!forever)
        return 0;
    return recurse((void *)(uintptr_t)(frame[0] + 1)) + frame[0];
}

static uint64_t square(void *arg)
{
    uint64_t x = (uint64_t)(uintptr_t)arg;
    return x * x;
}

#define KINDS 4
static const tf_task_fn faulting[KINDS] = {divide_by_zero, null_store, trap, recurse};
static const int vectors[KINDS] = {0, 14, 6, 14};

static void faults_then_work(unsigned cpus)
{
    ck_assert_int_eq(tf_host_start(1, cpus, 1), 0);
    enum { ROUNDS = 3 };
    tf_task_t h[ROUNDS * KINDS];
    for (unsigned i = 0; i < ROUNDS * KINDS; i++)
        ck_assert_int_ge(h[i] = tf_submit(faulting[i % KINDS], NULL), 0);
    uint64_t r[ROUNDS * KINDS];
    int e[ROUNDS * KINDS];
    ck_assert_int_eq(tf_wait_all(h, ROUNDS * KINDS, r, e), TF_EFAULT_BASE - vectors[0]);
    for (unsigned i = 0; i < ROUNDS * KINDS; i++) {
        ck_assert_msg(e[i] == TF_EFAULT_BASE - vectors[i % KINDS], "task %u: %d (%s)", i, e[i],
                      tf_strerror(e[i]));
        ck_assert_int_eq(TF_IS_FAULT(e[i]), 1);
        ck_assert_uint_eq(r[i], 0);
    }
    uint64_t faults = 0, tasks = 0;
    for (unsigned c = 0; c < cpus; c++) {
        struct tf_cpu_stats s;
        ck_assert_int_eq(tf_cpu_stats(c, &s), 0);
        faults += s.faults;
        tasks += s.tasks;
    }
    ck_assert_uint_eq(faults, ROUNDS * KINDS);
    ck_assert_uint_eq(tasks, ROUNDS * KINDS);
    /* Every CPU still works. */
    enum { WORK = 1000 };
    static tf_task_t w[WORK];
    static uint64_t wr[WORK];
    for (unsigned i = 0; i < WORK; i++)
        ck_assert_int_ge(w[i] = tf_submit(square, (void *)(uintptr_t)i), 0);
    ck_assert_int_eq(tf_wait_all(w, WORK, wr, NULL), 0);
    for (unsigned i = 0; i < WORK; i++)
        ck_assert_uint_eq(wr[i], (uint64_t)i * i);
    ck_assert_int_eq(tf_host_stop(), 0);
}

START_TEST(faults_on_workers_and_bsp)
{
    faults_then_work(3);
}
END_TEST

START_TEST(faults_on_the_bsp_alone)
{
    faults_then_work(1); /* every task runs on the BSP, inside tf_wait_all */
}
END_TEST

/* Outside a task a fault is not contained: the process dies of the signal. */
START_TEST(fault_outside_a_task)
{
    ck_assert_int_eq(tf_host_start(1, 2, 1), 0);
    null_store(NULL);
}
END_TEST

/* The program's own SIGSEGV handler, installed before the farm starts: it takes the fault the
 * test makes outside a task, and must never see one of a task. */
static sigjmp_buf outside;
static volatile sig_atomic_t expect_outside;

static void program_handler(int sig, siginfo_t *si, void *context)
{
    (void)sig, (void)si, (void)context;
    if (expect_outside) {
        expect_outside = 0;
        siglongjmp(outside, 1);
    }
    _exit(3); /* a task's fault reached the program: containment was lost */
}

START_TEST(containment_outlives_a_fault_outside_a_task)
{
    struct sigaction sa = {.sa_sigaction = program_handler, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
    ck_assert_int_eq(tf_host_start(1, 3, 1), 0);
    expect_outside = 1;
    if (sigsetjmp(outside, 1) == 0)
        null_store(NULL);
    ck_assert_int_eq(expect_outside, 0);
    enum { N = 9 };
    tf_task_t h[N];
    int e[N];
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_ge(h[i] = tf_submit(null_store, NULL), 0);
    tf_wait_all(h, N, NULL, e);
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_eq(e[i], TF_EFAULT_BASE - 14);
    ck_assert_int_eq(tf_host_stop(), 0);
}
END_TEST

/* One task per CPU, each on its own (they wait for each other): a worker's calls pthread_exit,
 * CPU 0's returns 7. */
static unsigned arrived, target;

static void barrier(void)
{
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < target)
        sched_yield();
}

static uint64_t exit_thread_unless_cpu0(void *arg)
{
    (void)arg;
    barrier();
    if (tf_cpu_self() != 0)
        pthread_exit(NULL);
    return 7;
}

static uint64_t own_cpu(void *arg)
{
    (void)arg;
    barrier();
    return tf_cpu_self();
}

static void round_per_cpu(unsigned cpus, tf_task_fn fn, uint64_t *r, int *e)
{
    tf_task_t h[TF_MAX_CPUS];
    __atomic_add_fetch(&target, cpus, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < cpus; i++)
        ck_assert_int_ge(h[i] = tf_submit(fn, NULL), 0);
    tf_wait_all(h, cpus, r, e);
}

static void check_every_cpu_works(unsigned cpus)
{
    uint64_t r[TF_MAX_CPUS], seen = 0;
    int e[TF_MAX_CPUS];
    round_per_cpu(cpus, own_cpu, r, e);
    for (unsigned i = 0; i < cpus; i++) {
        ck_assert_int_eq(e[i], 0);
        seen |= 1ull << r[i];
    }
    ck_assert_uint_eq(seen, (1ull << cpus) - 1);
}

START_TEST(pthread_exit_in_a_task_on_a_worker)
{
    enum { CPUS = 3, ROUNDS = 2 };
    for (unsigned start = 0; start < 2; start++) {
        ck_assert_int_eq(tf_host_start(1, CPUS, 1), 0);
        for (unsigned k = 0; k < ROUNDS; k++) { /* the second round: threads that took over */
            uint64_t r[CPUS];
            int e[CPUS], exited = 0;
            round_per_cpu(CPUS, exit_thread_unless_cpu0, r, e);
            for (unsigned i = 0; i < CPUS; i++) {
                ck_assert_msg(e[i] == TF_ETHREAD || (e[i] == 0 && r[i] == 7), "task %u: %s", i,
                              tf_strerror(e[i]));
                exited += e[i] == TF_ETHREAD;
            }
            ck_assert_int_eq(exited, CPUS - 1);
            check_every_cpu_works(CPUS);
        }
        ck_assert_int_eq(tf_host_stop(), 0); /* joins the threads that took over */
    }
}
END_TEST

static uint64_t exit_thread(void *arg)
{
    (void)arg;
    pthread_exit(NULL);
}

/* On CPU 0 the thread is the program's, inside tf_wait: it cannot be given back. */
START_TEST(pthread_exit_in_a_task_on_cpu0_aborts)
{
    ck_assert_int_eq(tf_host_start(1, 1, 1), 0);
    tf_wait(tf_submit(exit_thread, NULL), NULL);
}
END_TEST

/* Checks the environment it starts with and divides by zero (which must give an infinity, not
 * SIGFPE), then unmasks division by zero and rounds downward, for the next task on this thread.
 * Returns 0 when all was as it should be. */
static NO_UBSAN uint64_t spoil_fpenv(void *arg)
{
    (void)arg;
    uint64_t bad = (fegetexcept() != 0) | (fegetround() != FE_TONEAREST) << 1;
    volatile double z = 0.0, q = 1.0 / z;
    bad |= (uint64_t) !(q > 1e308) << 2;
    feclearexcept(FE_ALL_EXCEPT);
    feenableexcept(FE_DIVBYZERO);
    fesetround(FE_DOWNWARD);
    return bad;
}

static void fpenv_per_task(unsigned cpus)
{
    ck_assert_int_eq(tf_host_start(1, cpus, 1), 0);
    enum { N = 64 }; /* several per thread, each after one that spoiled the environment */
    tf_task_t h[N];
    uint64_t r[N];
    int e[N];
    ck_assert_int_eq(fesetround(FE_UPWARD), 0); /* main's own, which must survive */
    for (unsigned i = 0; i < N; i++)
        ck_assert_int_ge(h[i] = tf_submit(spoil_fpenv, NULL), 0);
    ck_assert_int_eq(tf_wait_all(h, N, r, e), 0);
    int main_round = fegetround(), main_except = fegetexcept();
    fesetround(FE_TONEAREST);
    for (unsigned i = 0; i < N; i++) {
        ck_assert_msg(e[i] == 0, "task %u: %s", i, tf_strerror(e[i]));
        ck_assert_msg(r[i] == 0, "task %u started with a changed environment (%llu)", i,
                      (unsigned long long)r[i]);
    }
    ck_assert_int_eq(main_round, FE_UPWARD);
    ck_assert_int_eq(main_except, 0);
    ck_assert_int_eq(tf_host_stop(), 0);
}

START_TEST(fpenv_on_workers_and_bsp)
{
    fpenv_per_task(3);
}
END_TEST

START_TEST(fpenv_on_the_bsp_alone)
{
    fpenv_per_task(1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sched_faults");
    TCase *tc = tcase_create("faults");
    tcase_add_test(tc, faults_on_workers_and_bsp);
    tcase_add_test(tc, faults_on_the_bsp_alone);
    tcase_add_test_raise_signal(tc, fault_outside_a_task, SIGSEGV);
    tcase_add_test(tc, containment_outlives_a_fault_outside_a_task);
    tcase_add_test(tc, pthread_exit_in_a_task_on_a_worker);
    tcase_add_test_raise_signal(tc, pthread_exit_in_a_task_on_cpu0_aborts, SIGABRT);
    tcase_add_test(tc, fpenv_on_workers_and_bsp);
    tcase_add_test(tc, fpenv_on_the_bsp_alone);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
