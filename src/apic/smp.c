/* CPL3: SMP bring-up policy. The BSP discovers the CPUs from the ACPI MADT, numbers them densely
 * (0 = BSP, then by APIC ID), and starts all application processors at once:
 *
 *   INIT to every AP, wait tf.init_delay_us, SIPI to every AP, wait 200 us, a second SIPI to
 *   every AP that has not checked in, then wait up to tf.ap_timeout_ms for the rest.
 *
 * SDM vol. 3A 9.4.4.1 gives 10 ms after INIT and 200 us after each SIPI for the original MP
 * protocol. Processors since the P6 family (Intel family 6, AMD family 0Fh and later) and virtual
 * CPUs start without the 10 ms wait (Linux skips it for them too), so it defaults to 0 there and
 * to 10 ms otherwise; tf.init_delay_us=10000 restores it. Because every AP gets each step before
 * the next wait, the waits are paid once, not once per CPU. All waits run here at CPL3 on the
 * calibrated TSC; the core only sends each IPI. */
#include "smp.h"
#include "deadline.h"
#include "discover.h"
#include "fault.h"
#include "taskfarm.h"
#include "park.h"
#include "percpu.h"
#include "platform.h"
#include "runtime.h"
#include "usys.h"
#include "x86.h"
#include "x86_ops.h"
#include "lapic_regs.h"
#include "multiboot_abi.h"

#include <malloc.h>
#include <reent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIPI_WAIT_NS          200000ull /* SDM vol. 3A 9.4.4.1 */
#define INIT_WAIT_LEGACY_US   10000u    /* SDM vol. 3A 9.4.4.1, for pre-P6 processors */
#define AP_TIMEOUT_MS_DEFAULT 5000u     /* emulated real mode on PVM takes ~1 s */
#define AP_STACK_KB_DEFAULT   256u
#define INTEL_FAMILY_P6       6
#define AMD_FAMILY_K8         0xF

static struct kabi_smp_setup setup;
static unsigned cpus_online = 1;
static uint64_t start_tsc, all_online_tsc;

unsigned smp_cpu_count(void)
{
    return cpus_online;
}

void smp_delay_ns(uint64_t ns)
{
    uint64_t ticks = deadline_tsc_ticks(ns);
    uint64_t start = x86_rdtsc();
    while (x86_rdtsc() - start < ticks)
        x86_pause();
}

static unsigned option_uint(const char *name, unsigned dflt)
{
    const char *v = tf_option(name);
    return v ? (unsigned)strtoul(v, NULL, 10) : dflt;
}

static unsigned cpu_family(void)
{
    uint32_t eax = usys_cpuid(X86_CPUID_FEATURES, 0).eax;
    unsigned family = (eax >> 8) & 0xF;
    return family == 0xF ? family + ((eax >> 20) & 0xFF) : family;
}

/* 0 for CPUs that need no wait after INIT (see the top of this file) */
static unsigned default_init_delay_us(void)
{
    if (usys_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_HV)
        return 0;
    int amd = X86_VENDOR_IS_AMD(usys_cpuid(X86_CPUID_VENDOR, 0).ebx);
    return cpu_family() >= (amd ? AMD_FAMILY_K8 : INTEL_FAMILY_P6) ? 0 : INIT_WAIT_LEGACY_US;
}

static int use_x2apic(void)
{
    const char *o = tf_option("x2apic");
    if (o && !strcmp(o, "off"))
        return 0;
    return (usys_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_X2APIC) != 0;
}

static uint32_t bsp_apic_id(int x2apic)
{
    if (x2apic)
        return usys_cpuid(X86_CPUID_TOPOLOGY, 0).edx;
    return usys_cpuid(X86_CPUID_FEATURES, 0).ebx >> X86_CPUID1_EBX_APICID;
}

static int by_apic_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* CPU 0 is the BSP; the others follow in APIC ID order. Returns the count. */
static unsigned number_cpus(const uint32_t *ids, unsigned n, uint32_t bsp)
{
    unsigned count = 1;
    setup.apic_ids[0] = bsp;
    for (unsigned i = 0; i < n && count < TF_MAX_CPUS; i++)
        if (ids[i] != bsp)
            setup.apic_ids[count++] = ids[i];
    qsort(&setup.apic_ids[1], count - 1, sizeof(uint32_t), by_apic_id);
    return count;
}

static int trampoline_page_free(void)
{
    for (size_t i = 0; i < runtime_boot.nregions; i++) {
        const struct bootinfo_region *r = &runtime_boot.regions[i];
        if (r->type == MB_MEMORY_AVAILABLE && r->base <= KABI_TRAMPOLINE_ADDR &&
            KABI_TRAMPOLINE_ADDR + X86_PAGE_SIZE - r->base <= r->length)
            return 1;
    }
    return 0;
}

/* One block for all AP stacks, each with an unmapped guard page below it, so they share as few
 * split 2 MiB pages as possible. */
/* The AP start-up code (trampoline.S) goes to its low page from here, at CPL3, where copying is
 * native: on PVM hypervisors the same stores at CPL0 are emulated, and were seen to derail the
 * guest. The core makes the page supervisor-only in KABI_SYS_SMP_SETUP. */
extern const char ktrampoline_start[], ktrampoline_end[];

static void copy_trampoline(void)
{
    memcpy((void *)(uintptr_t)KABI_TRAMPOLINE_ADDR, ktrampoline_start,
           (size_t)(ktrampoline_end - ktrampoline_start));
}

static int alloc_stacks(unsigned count)
{
    size_t size = ((size_t)option_uint("stack_kb", AP_STACK_KB_DEFAULT) << 10) + X86_PAGE_SIZE;
    size = (size + X86_PAGE_SIZE - 1) & ~(size_t)(X86_PAGE_SIZE - 1);
    char *block = memalign(X86_PAGE_SIZE, size * (count - 1));
    if (!block)
        return -1;
    for (unsigned i = 1; i < count; i++) {
        char *slot = block + size * (i - 1);
        struct _reent *reent = malloc(sizeof(*reent));
        if (!reent || usys_call(KABI_SYS_GUARD_PAGE, (long)slot, 0, 0, 0) != 0)
            return -1;
        _REENT_INIT_PTR(reent);
        percpu_table[i].reent = reent;
        setup.user_stack_tops[i] = (uint64_t)(uintptr_t)(slot + size);
    }
    return 0;
}

static unsigned count_online(unsigned count)
{
    unsigned n = 0;
    for (unsigned i = 0; i < count; i++)
        n += __atomic_load_n(&percpu_table[i].state, __ATOMIC_ACQUIRE) == PERCPU_ONLINE;
    return n;
}

static void send_to_starting(unsigned count, long step)
{
    for (unsigned i = 1; i < count; i++)
        if (__atomic_load_n(&percpu_table[i].state, __ATOMIC_ACQUIRE) == PERCPU_STARTING)
            usys_call(KABI_SYS_SMP_START, i, step, 0, 0);
}

/* INIT-SIPI-SIPI to every AP at once, then wait for them to check in. */
static void start_aps(unsigned count)
{
    for (unsigned i = 1; i < count; i++)
        __atomic_store_n(&percpu_table[i].state, PERCPU_STARTING, __ATOMIC_RELEASE);
    send_to_starting(count, KABI_SMP_INIT);
    smp_delay_ns((uint64_t)option_uint("init_delay_us", default_init_delay_us()) * 1000);
    send_to_starting(count, KABI_SMP_SIPI);
    smp_delay_ns(SIPI_WAIT_NS);
    send_to_starting(count, KABI_SMP_SIPI);
    uint64_t timeout_ns = (uint64_t)option_uint("ap_timeout_ms", AP_TIMEOUT_MS_DEFAULT) * 1000000;
    uint64_t start = x86_rdtsc();
    while (count_online(count) < count && runtime_tsc_to_ns(x86_rdtsc() - start) < timeout_ns)
        x86_pause();
    all_online_tsc = x86_rdtsc();
    for (unsigned i = 1; i < count; i++) {
        uint32_t expected = PERCPU_STARTING;
        if (__atomic_compare_exchange_n(&percpu_table[i].state, &expected, PERCPU_FAILED, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            fprintf(stderr, "taskfarm: CPU %u (APIC ID %u) did not start within %u ms; left out\n",
                    i, setup.apic_ids[i], option_uint("ap_timeout_ms", AP_TIMEOUT_MS_DEFAULT));
    }
}

/* An application processor's first code at CPL3, on its own stack (ksmp.c enters it). */
_Noreturn void __tfr_ap_entry(unsigned index)
{
    struct percpu *self = &percpu_table[index];
    self->self = self;
    self->index = index;
    usys_call(KABI_SYS_SET_USER_GS, (long)self, 0, 0, 0);
    if (fault_init_cpu() < 0)
        fprintf(stderr, "taskfarm: fault containment unavailable on CPU %u\n", index);
    self->online_tsc = x86_rdtsc();
    uint32_t expected = PERCPU_STARTING;
    if (!__atomic_compare_exchange_n(&self->state, &expected, PERCPU_ONLINE, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        for (;;) /* given up on by the BSP: stay out of the way */
            usys_call(KABI_SYS_PARK, (long)&self->state, PERCPU_FAILED, KABI_PARK_HLT, 0);
    smp_worker_main(index);
}

static const char *mode_name(int x2apic)
{
    return x2apic ? "x2APIC" : "xAPIC";
}

static void print_table(unsigned count, int x2apic)
{
    printf("taskfarm: %u CPU%s online (%s), start-up took %llu us\n", cpus_online,
           cpus_online == 1 ? "" : "s", mode_name(x2apic),
           (unsigned long long)(runtime_tsc_to_ns(all_online_tsc - start_tsc) / 1000));
    printf("  cpu  apic  package  core  thread\n");
    for (unsigned i = 0; i < count; i++) {
        const struct percpu *c = &percpu_table[i];
        if (c->state == PERCPU_ONLINE)
            printf("  %3u  %4u  %7u  %4u  %6u\n", i, c->apic_id, c->package, c->core, c->thread);
        else
            printf("  %3u  %4u  (not started)\n", i, c->apic_id);
    }
}

unsigned smp_start(void)
{
    uint32_t ids[TF_MAX_CPUS];
    start_tsc = x86_rdtsc();
    int found = smp_discover(ids, TF_MAX_CPUS);
    int x2apic = use_x2apic();
    uint32_t bsp = bsp_apic_id(x2apic);
    unsigned count = number_cpus(ids, found > 0 ? (unsigned)found : 0, bsp);
    setup.count = count;
    setup.x2apic = (uint32_t)x2apic;
    percpu_table[0].state = PERCPU_ONLINE;
    for (unsigned i = 0; i < count; i++)
        percpu_table[i].apic_id = setup.apic_ids[i];
    if (count > 1 && (!trampoline_page_free() || alloc_stacks(count) != 0)) {
        fprintf(stderr,
                "taskfarm: no free low page or memory for CPU stacks; running on the BSP only\n");
        count = setup.count = 1;
    }
    if (count > 1)
        copy_trampoline();
    long mode = usys_call(KABI_SYS_SMP_SETUP, (long)&setup, 0, 0, 0);
    if (mode < 0) {
        fprintf(stderr, "taskfarm: the core refused the CPU table; running on the BSP only\n");
        count = 1;
    } else {
        if (mode != x2apic && !runtime_option_on("quiet"))
            printf("taskfarm: the LAPIC is in x2APIC mode already; keeping it\n");
        x2apic = (int)mode;
        if (count > 1)
            start_aps(count);
    }
    all_online_tsc = count > 1 ? all_online_tsc : x86_rdtsc();
    cpus_online = count_online(count);
    smp_topology(count);
    if (!runtime_option_on("quiet")) {
        print_table(count, x2apic);
        printf("taskfarm: park %s after %llu us of spinning\n", park_policy_name(),
               (unsigned long long)(park_spin_ns() / 1000));
        printf("taskfarm: TSC at %llu kHz (from %s)\n",
               (unsigned long long)(runtime_tsc_hz() / 1000), runtime_tsc_source());
    }
    return cpus_online;
}

/* Without a scheduler linked in, application processors just stay parked. */
__attribute__((weak)) _Noreturn void smp_worker_main(unsigned index)
{
    for (;;)
        park_wait(&percpu_table[index].state, PERCPU_ONLINE);
}
