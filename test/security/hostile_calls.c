/* The core's calls that change the platform under every CPU, from tasks and from main after
 * start-up, and the checks of the calls a program needs later:
 *   startup-calls   every [start-up] call of kabi.h from a task on each CPU and from main;
 *                   then each task sends INIT and SIPI to another CPU (which would reset it)
 *   guard-armed     each task unmaps the page of its CPU's fault context (the word the core
 *                   reads when the task faults), then faults
 *   mmio-heap       MMIO_MAP over a heap page (would make it uncached for every CPU)
 *   port-wrap       PORT_READ/PORT_WRITE of ports just below 2^64 (port + width wraps)
 *   buffer-wrap     WRITE of buffers that start below 4 GiB and run past it, one so long that
 *                   its end wraps past 2^64 (a range check on the end alone finds no page)
 * Each prints "<call>: <result>" lines; refused calls return -1 (EPERM) or -22 (EINVAL). */
#include "fault.h"
#include "hostile.h"
#include "kabi.h"
#include "percpu.h"
#include "pci_regs.h"
#include "platform.h"
#include "x86.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#define CALLS    9
#define ECAM_Q35 0xB0000000 /* where QEMU's q35 has it; refused anywhere once start-up is over */

static const char *const call_names[CALLS] = {"SET_POWEROFF", "KVMCLOCK",   "PIT_CALIBRATE",
                                              "SMP_SETUP",    "GUARD_PAGE", "FAULT_SETUP",
                                              "STARTUP_DONE", "PCI_ECAM",   "PCI_WRITE"};

static char *spare_page;               /* GUARD_PAGE's target: a heap page nobody uses */
static struct kabi_smp_setup fake_smp; /* count 1, BSP only */
static uint32_t fake_armed;
static long results[TF_MAX_CPUS + 1][CALLS];

static void hijacked(void)
{
    printf("hostile: a fault resumed where a task said\n");
    fflush(stdout);
    for (;;)
        __asm__ volatile("pause");
}

static void try_calls(long out[CALLS])
{
    out[0] = hostile_syscall(KABI_SYS_SET_POWEROFF, PLAT_DEBUG_EXIT_PORT, 0, 0, 0);
    out[1] = hostile_syscall(KABI_SYS_KVMCLOCK, 0, 0, 0, 0);
    out[2] = hostile_syscall(KABI_SYS_PIT_CALIBRATE, 0, 0, 0, 0);
    out[3] = hostile_syscall(KABI_SYS_SMP_SETUP, (long)&fake_smp, 0, 0, 0);
    out[4] = hostile_syscall(KABI_SYS_GUARD_PAGE, (long)spare_page, 0, 0, 0);
    out[5] = hostile_syscall(KABI_SYS_FAULT_SETUP, (long)&fake_armed, (long)hijacked,
                             (long)(spare_page + X86_PAGE_SIZE), 0);
    out[6] = hostile_syscall(KABI_SYS_STARTUP_DONE, 0, 0, 0, 0);
    out[7] = hostile_syscall(KABI_SYS_PCI_ECAM, ECAM_Q35, 0, 0, 0);
    out[8] = hostile_syscall(KABI_SYS_PCI_WRITE, KABI_PCI_ADDRESS(0, 0, 0, PCI_VENDOR_ID), 2, 0, 0);
}

static uint64_t calls_task(unsigned i)
{
    try_calls(results[i]);
    return 0;
}

static void print_calls(const char *who, const long r[CALLS])
{
    for (unsigned c = 0; c < CALLS; c++)
        printf("%s %s: %ld\n", who, call_names[c], r[c]);
}

/* INIT (then SIPI) to the next CPU: it would leave whatever it runs and restart at the
 * start-up page. */
static uint64_t smp_start_task(unsigned i)
{
    long cpu = (long)((i + 1) % tf_cpu_count());
    long init = hostile_syscall(KABI_SYS_SMP_START, cpu, KABI_SMP_INIT, 0, 0);
    long sipi = hostile_syscall(KABI_SYS_SMP_START, cpu, KABI_SMP_SIPI, 0, 0);
    return init == -KABI_EPERM && sipi == -KABI_EPERM ? 0 : 1;
}

static int startup_calls(void)
{
    unsigned n = tf_cpu_count();
    spare_page = memalign(X86_PAGE_SIZE, 2 * X86_PAGE_SIZE);
    fake_smp.count = 1;
    hostile_round("calls", calls_task);
    for (unsigned i = 0; i < n; i++) {
        char who[32];
        snprintf(who, sizeof(who), "task %u", i);
        print_calls(who, results[i]);
    }
    try_calls(results[n]);
    print_calls("main", results[n]);
    hostile_round("smp-start", smp_start_task);
    return hostile_normal_round();
}

static uint64_t guard_armed_task(unsigned i)
{
    (void)i;
    struct fault_context *ctx = percpu_table[tf_cpu_self()].fault;
    uint64_t page = (uintptr_t)&ctx->armed & ~(uint64_t)(X86_PAGE_SIZE - 1);
    long rc = hostile_syscall(KABI_SYS_GUARD_PAGE, (long)page, 0, 0, 0);
    printf("guard-armed on CPU %u: GUARD_PAGE returned %ld\n", tf_cpu_self(), rc);
    __asm__ volatile("ud2");
    return 0;
}

static int mmio_heap(void)
{
    char *block = memalign(X86_LARGE_PAGE_SIZE, X86_LARGE_PAGE_SIZE);
    printf("MMIO_MAP heap: %ld\n", hostile_syscall(KABI_SYS_MMIO_MAP, (long)block, 0, 0, 0));
    printf("MMIO_MAP image: %ld\n", hostile_syscall(KABI_SYS_MMIO_MAP, (long)&spare_page, 0, 0, 0));
    return hostile_normal_round();
}

static int port_wrap(void)
{
    static const long widths[] = {1, 2, 4};
    for (unsigned i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
        long w = widths[i];
        printf("PORT_READ(-%ld, %ld): %ld\n", w, w,
               hostile_syscall(KABI_SYS_PORT_READ, -w, w, 0, 0));
        printf("PORT_WRITE(-%ld, %ld): %ld\n", w, w,
               hostile_syscall(KABI_SYS_PORT_WRITE, -w, w, 0, 0));
    }
    return hostile_normal_round();
}

/* The top 32 MiB below 4 GiB are supervisor pages (the LAPIC's, the IOAPIC's), and nothing is
 * mapped above. */
static int buffer_wrap(void)
{
    const long below = (long)(PLAT_MAPPED_LIMIT - 16);
    printf("WRITE past 4 GiB: %ld\n", hostile_syscall(KABI_SYS_WRITE, below, 32, 0, 0));
    /* below + len - 1 wraps to the end of the page before below's: no page lies in between */
    long len = -(below % X86_PAGE_SIZE);
    printf("WRITE wrapping: %ld\n", hostile_syscall(KABI_SYS_WRITE, below, len, 0, 0));
    return hostile_normal_round();
}

int hostile_calls(const char *mode)
{
    if (!strcmp(mode, "startup-calls"))
        return startup_calls();
    if (!strcmp(mode, "guard-armed")) {
        hostile_round("guard-armed", guard_armed_task);
        return hostile_normal_round();
    }
    if (!strcmp(mode, "mmio-heap"))
        return mmio_heap();
    if (!strcmp(mode, "port-wrap"))
        return port_wrap();
    if (!strcmp(mode, "buffer-wrap"))
        return buffer_wrap();
    fprintf(stderr, "hostile: unknown mode %s\n", mode);
    return 2;
}
