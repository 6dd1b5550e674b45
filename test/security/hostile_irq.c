/* Interrupts on the exception vectors 16-31, which CPL3 can send itself: the network card's
 * MSI-X table is in a BAR mapped for CPL3, so a program may rewrite the message of its entry to
 * any vector for any CPU (a DMA write to the MSI address range would do the same). Vectors
 * with an error code (#AC 17) then ran their stub on a frame the CPU did not push, those without
 * (#MF 16) were taken for an exception of whatever code was interrupted.
 *   irq-task V   the message, masked until it is pending, is unmasked by a task on the CPU it
 *                targets: vector V arrives at CPL3 inside the task (which must return 42)
 *   irq-wait V   vector V arrives while CPU 0 halts at CPL0 in KABI_SYS_DEV_WAIT (the NIC's
 *                wait) in main; a task on CPU 1 unmasks the pending message
 *   irq-park V   the same while CPU 0 halts in the core's short park path, from a task that set
 *                its GS base to 0 (CPL0 must not use that GS)
 * Each prints "irq-<mode>: ..." and runs a round of plain tasks; the test host sends datagrams
 * to port HOSTILE_PORT after "hostile: ready" until the guest exits. And the exceptions on those
 * vectors, which must stay exceptions:
 *   fp-exceptions   tasks on every CPU raise #MF (x87) and #XM (SSE), unmasked divisions by 0 */
#include "hostile.h"
#include "kabi.h"
#include "pci.h"
#include "virtio_regs.h"
#include "x86.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOSTILE_PORT   7070
#define POLL_NS        50000000ull /* one tf_udp_recv wait while the message is masked */
#define UNMASK_SPINS   100000      /* PAUSEs a task runs after unmasking, the interrupt taken */
#define PARK_SETTLE    1000000     /* PAUSEs CPU 1 lets CPU 0 take to reach its HLT */
#define WAKE_EVERY_NS  10000000ull /* CPU 1's fallback wake-ups, should CPU 0 sleep on */
#define PBA_ENTRY0_BIT 1u

static volatile uint32_t *entry0; /* the card's MSI-X table entry 0 */
static volatile uint32_t *pba;    /* and its pending bits */
static int sock;

static int is_virtio_net(const struct pci_device *d, void *ctx)
{
    (void)ctx;
    return d->vendor == VIRTIO_PCI_VENDOR && (d->device == VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_NET ||
                                              d->device == VIRTIO_PCI_TRANSITIONAL_NET);
}

/* A register of the BAR that MSI-X register `reg` (BIR and offset) names, as the driver placed
 * it: BARs below 4 GiB are identity-mapped, and the driver mapped this one for CPL3. */
static volatile uint32_t *msix_pointer(const struct pci_device *d, unsigned cap, unsigned reg)
{
    uint32_t where = pci_read(d, cap + reg, 4);
    unsigned bir = where & PCI_MSIX_BIR_MASK;
    uint64_t base = pci_read(d, PCI_BAR0 + 4 * bir, 4) & PCI_BAR_MEM_MASK;
    return (volatile uint32_t *)(uintptr_t)(base + (where & PCI_MSIX_OFFSET_MASK));
}

static int open_card(void)
{
    struct pci_device d;
    if (tf_net_start(0) != 0 || (sock = tf_udp_bind(HOSTILE_PORT)) < 0 ||
        pci_find(is_virtio_net, NULL, &d) != 0)
        return -1;
    unsigned cap = pci_find_cap(&d, PCI_CAP_ID_MSIX, 0);
    if (!cap)
        return -1;
    entry0 = msix_pointer(&d, cap, PCI_MSIX_TABLE);
    pba = msix_pointer(&d, cap, PCI_MSIX_PBA);
    return 0;
}

/* Entry 0's message: `vector`, fixed delivery, to the CPU with APIC ID `apic_id`. */
static void route(uint8_t vector, uint32_t apic_id, int masked)
{
    entry0[PCI_MSIX_ENTRY_CONTROL / 4] |= PCI_MSIX_ENTRY_MASKED;
    entry0[PCI_MSIX_ENTRY_ADDR_LO / 4] = MSI_ADDRESS_BASE | apic_id << MSI_ADDRESS_DEST_SHIFT;
    entry0[PCI_MSIX_ENTRY_DATA / 4] = MSI_DATA_FIXED_EDGE | vector;
    if (!masked)
        entry0[PCI_MSIX_ENTRY_CONTROL / 4] &= ~PCI_MSIX_ENTRY_MASKED;
}

static uint32_t apic_id_of(unsigned cpu)
{
    struct tf_cpu_info info = {0};
    tf_cpu_info(cpu, &info);
    return info.apic_id;
}

static void ready(void)
{
    printf("hostile: ready\n");
    fflush(stdout);
}

/* Receives datagrams (the card interrupts only while tf_udp_recv waits) until entry 0 has a
 * message pending. */
static void wait_pending(void)
{
    char buf[64];
    while (!(*pba & PBA_ENTRY0_BIT))
        tf_udp_recv(sock, buf, sizeof(buf), NULL, POLL_NS);
}

static uint64_t unmask_task(void *arg)
{
    (void)arg;
    entry0[PCI_MSIX_ENTRY_CONTROL / 4] &= ~PCI_MSIX_ENTRY_MASKED;
    for (int i = 0; i < UNMASK_SPINS; i++)
        __asm__ volatile("pause");
    return 42;
}

static void report(const char *what, int err, uint64_t result)
{
    if (TF_IS_FAULT(err))
        printf("%s: fault %d\n", what, TF_FAULT_VECTOR(err));
    else
        printf("%s: %s %lld\n", what, err ? "error" : "returned", err ? err : (long long)result);
}

static void irq_task(uint8_t vector)
{
    route(vector, apic_id_of(0), 1);
    ready();
    wait_pending();
    uint64_t result = 0;
    /* With one CPU the task runs on the bootstrap CPU, inside tf_wait */
    int err = tf_wait(tf_submit(unmask_task, NULL), &result);
    report("irq-task", err, result);
}

static uint32_t *park_word; /* alone in a 2 MiB page: the short park path takes it */
static uint32_t cpu0_halting, cpu0_woke, helper_started;

/* On CPU 1: unmasks the pending message to CPU 0 once CPU 0 has said it halts (and has had the
 * time to reach its HLT), then wakes it now and then in case it halted after the interrupt. */
static void unmask_for_cpu0(void)
{
    while (!__atomic_load_n(&cpu0_halting, __ATOMIC_SEQ_CST))
        __asm__ volatile("pause");
    for (int k = 0; k < PARK_SETTLE; k++)
        __asm__ volatile("pause");
    entry0[PCI_MSIX_ENTRY_CONTROL / 4] &= ~PCI_MSIX_ENTRY_MASKED;
    uint64_t last = tf_now_ns();
    while (!__atomic_load_n(&cpu0_woke, __ATOMIC_SEQ_CST))
        if (tf_now_ns() - last > WAKE_EVERY_NS) {
            hostile_syscall(KABI_SYS_WAKE, 0, 0, 0, 0);
            last = tf_now_ns();
        }
}

static uint64_t unmask_helper(void *arg)
{
    (void)arg;
    __atomic_store_n(&helper_started, 1, __ATOMIC_SEQ_CST);
    unmask_for_cpu0();
    return 2;
}

static void irq_wait(uint8_t vector)
{
    static const uint16_t never = 1;
    route(vector, apic_id_of(0), 1);
    ready();
    wait_pending();
    tf_task_t helper = tf_submit(unmask_helper, NULL);
    while (!__atomic_load_n(&helper_started, __ATOMIC_SEQ_CST))
        __asm__ volatile("pause");
    __atomic_store_n(&cpu0_halting, 1, __ATOMIC_SEQ_CST);
    long rc = hostile_syscall(KABI_SYS_DEV_WAIT, (long)&never, 1, 0, KABI_TIMER_NONE);
    __atomic_store_n(&cpu0_woke, 1, __ATOMIC_SEQ_CST);
    uint64_t result = 0;
    int err = tf_wait(helper, &result);
    printf("irq-wait: woke (%ld)\n", rc);
    report("irq-wait helper", err, result);
}

/* CPU 0: a GS base of 0, then the short park path (HLT with interrupts on, at CPL0) until an
 * interrupt; the task then ends as a page fault (fault_call reads GS 0) and gets GS back. */
static uint64_t park_task(unsigned i)
{
    (void)i;
    if (tf_cpu_self() != 0) {
        unmask_for_cpu0();
        return 2;
    }
    hostile_syscall(KABI_SYS_SET_USER_GS, 0, 0, 0, 0);
    __atomic_store_n(&cpu0_halting, 1, __ATOMIC_SEQ_CST);
    hostile_syscall(KABI_SYS_PARK, (long)park_word, 0, KABI_PARK_HLT, 0);
    __atomic_store_n(&cpu0_woke, 1, __ATOMIC_SEQ_CST);
    return 1;
}

static void irq_park(uint8_t vector)
{
    park_word = memalign(X86_LARGE_PAGE_SIZE, X86_LARGE_PAGE_SIZE);
    *park_word = 0;
    route(vector, apic_id_of(0), 1);
    ready();
    wait_pending();
    hostile_round("irq-park", park_task);
}

#define X87_CW_UNMASK_ZERO_DIVIDE 0x37B  /* FNINIT's 0x37F without the ZM mask bit */
#define MXCSR_UNMASK_ZERO_DIVIDE  0x1D80 /* X86_MXCSR_DEFAULT without the ZM mask bit */

static uint64_t x87_divide_by_zero(unsigned i)
{
    (void)i;
    uint16_t cw = X87_CW_UNMASK_ZERO_DIVIDE;
    __asm__ volatile("fldcw %0; fld1; fldz; fdivrp; fwait" ::"m"(cw));
    return 1;
}

static uint64_t sse_divide_by_zero(unsigned i)
{
    (void)i;
    uint32_t mxcsr = MXCSR_UNMASK_ZERO_DIVIDE;
    float one = 1.0f, zero = 0.0f;
    __asm__ volatile("ldmxcsr %1; divss %2, %0" : "+x"(one) : "m"(mxcsr), "x"(zero));
    return 1;
}

int hostile_fp_exceptions(void)
{
    hostile_round("x87-divide", x87_divide_by_zero);
    hostile_round("sse-divide", sse_divide_by_zero);
    return hostile_normal_round();
}

int hostile_irq(const char *mode, const char *vector_arg)
{
    long vector = vector_arg ? strtol(vector_arg, NULL, 0) : -1;
    if (vector < 0 || vector > UINT8_MAX || open_card() != 0) {
        fprintf(stderr, "hostile: %s needs a vector and a network card\n", mode);
        return 2;
    }
    if (!strcmp(mode, "irq-task"))
        irq_task((uint8_t)vector);
    else if (!strcmp(mode, "irq-wait"))
        irq_wait((uint8_t)vector);
    else if (!strcmp(mode, "irq-park"))
        irq_park((uint8_t)vector);
    else
        return 2;
    route(KABI_VEC_NIC, apic_id_of(0), 0); /* the card's own vector again */
    fflush(stdout);
    return hostile_normal_round();
}
