/* DMA into the core through the network card's virtqueues. The card reads its descriptors from
 * the table the queue's common configuration names and writes received frames wherever they
 * point; when CPL3 owned that table, a task could point a receive descriptor at the core and
 * have the card write a frame there. Now the core owns the table (src/core/kvq.c):
 *   dma-post   main and tasks on every CPU ask the core (KABI_SYS_VQ_POST) to post receive
 *              buffers in the core's code, data, stacks, in the descriptor table itself, across
 *              the end of the address space, in the device window and the MSI range, with a
 *              descriptor the card holds and with flags of their own; each is refused. Then
 *              tasks write the receive queue's descriptor table directly (the address the card
 *              was given), and its used ring: both are contained faults. Last, the card still
 *              receives: main waits for a datagram (the test host sends them to HOSTILE_PORT).
 *              Before the tasks, main tries the bound queues' calls (KABI_SYS_VQ_BIND and
 *              KABI_SYS_VQ_PUT, whose buffers are slots of an array checked once): binding the
 *              card's receive queue again or a queue that has been posted to, slots past the array,
 * longer than a slot or empty, one more buffer than a full ring takes, VQ_PUT on a queue that is
 * not bound or with a bad count, and queues bound over the core's code and across the start of its
 * stacks, whose posts fail. Prints "dma-bound <what>: <result>". dma-common the card's common
 * configuration (where its queues are) is the core's: main registers the card again, asks for
 * features the core's rings cannot serve, sets up a queue the core did not open and, on a legacy
 * card, writes its queue-address, select and status ports; each is refused. Tasks then write the
 * receive queue's descriptor address into the common configuration: contained faults. The card
 *              still receives.
 * Prints "dma-post <what> queue <q>: <result>" for each call from main and a line per task. */
#include "hostile.h"
#include "kabi.h"
#include "pci.h"
#include "virtio_regs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOSTILE_PORT 7070
#define RECV_NS      10000000000ull /* the wait for a datagram after the attack */

extern char __image_start[], __kernel_end[], __kbss_start[];

static volatile uint8_t *common;  /* the card's common configuration (the core's page) */
static uint64_t rx_desc, rx_used; /* a queue's rings in the core's pool */
static void *heap_buffer;
static unsigned own_queue, core_queue, across_queue; /* VQ_OPEN's: not bound, and bound badly */

static int is_virtio_net(const struct pci_device *d, void *ctx)
{
    (void)ctx;
    return d->vendor == VIRTIO_PCI_VENDOR && (d->device == VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_NET ||
                                              d->device == VIRTIO_PCI_TRANSITIONAL_NET);
}

/* The card's common configuration, from its first vendor capability of that type, in the BAR
 * the driver placed (identity-mapped below 4 GiB); 0 for a legacy card. */
static uint64_t common_address(void)
{
    struct pci_device d;
    if (pci_find(is_virtio_net, NULL, &d) != 0)
        return 0;
    for (unsigned cap = pci_find_cap(&d, PCI_CAP_ID_VENDOR, 0); cap;
         cap = pci_find_cap(&d, PCI_CAP_ID_VENDOR, cap)) {
        if (pci_read(&d, cap + VIRTIO_PCI_CAP_CFG_TYPE, 1) != VIRTIO_PCI_CAP_COMMON_CFG)
            continue;
        unsigned bar = pci_read(&d, cap + VIRTIO_PCI_CAP_BAR, 1);
        uint64_t base = pci_read(&d, PCI_BAR0 + 4 * bar, 4) & PCI_BAR_MEM_MASK;
        return base + pci_read(&d, cap + VIRTIO_PCI_CAP_OFFSET, 4);
    }
    return 0;
}

/* A queue of the core's pool opened for the test: its descriptor table and used ring are
 * supervisor and read-only pages like the card's (whose addresses CPL3 can no longer read from
 * the common configuration). */
static int find_rings(void)
{
    struct kabi_vq_rings r;
    long q = hostile_syscall(KABI_SYS_VQ_OPEN, 64, (long)(uintptr_t)&r, 0, 0);
    if (q < 0)
        return -1;
    own_queue = (unsigned)q;
    rx_desc = r.desc;
    rx_used = r.used;
    common = (volatile uint8_t *)(uintptr_t)common_address();
    return 0;
}

struct bad {
    const char *what;
    uint64_t addr, len;
    uint16_t id, flags;
};

static struct bad bads[] = {
    {"core-code", 0, 4096, 0, KABI_VQ_DEVICE_WRITES},
    {"core-data", 0, 64, 0, KABI_VQ_DEVICE_WRITES},
    {"core-stacks", 0, 4096, 0, KABI_VQ_DEVICE_WRITES},
    {"below-stacks", 0, 64, 0, KABI_VQ_DEVICE_WRITES}, /* user RAM running into .kbss */
    {"descriptors", 0, 256, 0, KABI_VQ_DEVICE_WRITES},
    {"used-ring", 0, 64, 0, KABI_VQ_DEVICE_WRITES},
    {"wrap", 0xFFFFF000ull, 0x2000, 0, KABI_VQ_DEVICE_WRITES},
    {"huge", 0, 0xFFFFFFFFull, 0, KABI_VQ_DEVICE_WRITES},
    {"device-window", KABI_DEVICE_WINDOW_START, 4096, 0, KABI_VQ_DEVICE_WRITES},
    {"msi", 0xFEE00000ull, 4, 0, KABI_VQ_DEVICE_WRITES},
    {"held", 0, 2048, 0, KABI_VQ_DEVICE_WRITES},      /* descriptor 0: the card has it */
    {"flags", 0, 2048, 0, KABI_VQ_DEVICE_WRITES | 4}, /* 4: virtio's INDIRECT */
};
#define NBADS (sizeof(bads) / sizeof(bads[0]))
#define HELD  10 /* the index of "held" */

static void fill_addresses(void)
{
    heap_buffer = malloc(4096);
    bads[0].addr = (uint64_t)(uintptr_t)__image_start;
    bads[1].addr = (uint64_t)(uintptr_t)__kernel_end - 64;
    bads[2].addr = (uint64_t)(uintptr_t)__kbss_start;
    bads[3].addr = (uint64_t)(uintptr_t)__kbss_start - 32;
    bads[4].addr = rx_desc;
    bads[5].addr = rx_used;
    bads[7].addr = (uint64_t)(uintptr_t)heap_buffer;
    bads[10].addr = bads[11].addr = (uint64_t)(uintptr_t)heap_buffer;
}

static long post(unsigned q, const struct bad *b)
{
    struct kabi_vq_buffer buf = {
        .addr = b->addr, .len = (uint32_t)b->len, .id = b->id, .flags = b->flags};
    if (b->len > UINT32_MAX)
        buf.len = UINT32_MAX;
    if (q == VIRTIO_NET_Q_TX) /* the same places as frames for the card to read */
        buf.flags &= (uint16_t)~KABI_VQ_DEVICE_WRITES;
    return hostile_syscall(KABI_SYS_VQ_POST, q, (long)(uintptr_t)&buf, 1, 0);
}

static long put(unsigned q, unsigned count, uint64_t slot)
{
    return hostile_syscall(KABI_SYS_VQ_PUT, (long)(q | count << KABI_VQ_PUT_COUNT_SHIFT),
                           (long)slot, (long)slot, (long)slot);
}

/* Opens a queue and binds `count` slots of `stride` bytes from `base` to it: the queue, or the
 * error (the binding is checked at the first post). */
static long bind_new(uint64_t base, uint32_t stride, unsigned count)
{
    struct kabi_vq_rings r;
    long q = hostile_syscall(KABI_SYS_VQ_OPEN, 64, (long)(uintptr_t)&r, 0, 0);
    if (q < 0)
        return q;
    struct kabi_vq_buffer first = {.addr = base, .len = stride, .flags = KABI_VQ_DEVICE_WRITES};
    long rc = hostile_syscall(KABI_SYS_VQ_BIND, q, (long)(uintptr_t)&first, count, 0);
    return rc < 0 ? rc : q;
}

static void bound_attack(void)
{
    struct kabi_vq_buffer first = {.addr = (uint64_t)(uintptr_t)heap_buffer, .len = 2048};
    printf("dma-bound bind-again: %ld\n",
           hostile_syscall(KABI_SYS_VQ_BIND, VIRTIO_NET_Q_RX, (long)(uintptr_t)&first, 1, 0));
    printf("dma-bound put-slot: %ld\n", put(VIRTIO_NET_Q_RX, 1, KABI_VQ_SLOT(256, 2048)));
    printf("dma-bound put-long: %ld\n", put(VIRTIO_NET_Q_RX, 1, KABI_VQ_SLOT(0, 2049)));
    printf("dma-bound put-huge: %ld\n", put(VIRTIO_NET_Q_RX, 1, KABI_VQ_SLOT(0, 0xFFFFFFFFu)));
    printf("dma-bound put-empty: %ld\n", put(VIRTIO_NET_Q_RX, 1, KABI_VQ_SLOT(0, 0)));
    printf("dma-bound put-none: %ld\n", put(VIRTIO_NET_Q_RX, 0, KABI_VQ_SLOT(0, 64)));
    printf("dma-bound put-four: %ld\n", put(VIRTIO_NET_Q_RX, 4, KABI_VQ_SLOT(0, 64)));
    printf("dma-bound put-unbound: %ld\n", put(own_queue, 1, KABI_VQ_SLOT(0, 64)));
    /* a queue that has been posted to may hold buffers anywhere: it cannot be bound */
    struct kabi_vq_buffer mine = {
        .addr = (uint64_t)(uintptr_t)heap_buffer, .len = 64, .flags = KABI_VQ_DEVICE_WRITES};
    long rc = hostile_syscall(KABI_SYS_VQ_POST, own_queue, (long)(uintptr_t)&mine, 1, 0);
    printf("dma-bound post-own: %ld\n", rc < 0 ? rc : rc & (KABI_VQ_NOTIFY - 1));
    printf("dma-bound bind-posted: %ld\n",
           hostile_syscall(KABI_SYS_VQ_BIND, own_queue, (long)(uintptr_t)&mine, 4, 0));
    long q = bind_new((uint64_t)(uintptr_t)__image_start, 4096, 4);
    printf("dma-bound bind-core: %ld\n", q < 0 ? q : 0);
    core_queue = (unsigned)q;
    printf("dma-bound put-core: %ld\n", put(core_queue, 1, KABI_VQ_SLOT(1, 64)));
    struct kabi_vq_buffer slot = {.addr = (uint64_t)(uintptr_t)__image_start + 4096,
                                  .len = 64,
                                  .id = 1,
                                  .flags = KABI_VQ_DEVICE_WRITES};
    printf("dma-bound post-core: %ld\n",
           hostile_syscall(KABI_SYS_VQ_POST, core_queue, (long)(uintptr_t)&slot, 1, 0));
    /* a queue no card reads, bound to 4 slots of CPL3's own: the ring takes its 64 entries
     * (slots offered again and again) and not one more */
    static uint8_t own[4 * 2048] __attribute__((aligned(4096)));
    long full = bind_new((uint64_t)(uintptr_t)own, 2048, 4), offered = 0;
    rc = 0;
    while (full >= 0 && offered < 100 &&
           (rc = put((unsigned)full, 1, KABI_VQ_SLOT(offered % 4, 2048))) > 0)
        offered++;
    printf("dma-bound fill: %ld\n", full < 0 ? full : offered);
    printf("dma-bound overfill: %ld\n", rc);
    /* slot 0 is user RAM, slot 1 the core's stacks: the whole array is refused */
    q = bind_new((uint64_t)(uintptr_t)__kbss_start - 4096, 4096, 2);
    printf("dma-bound bind-across: %ld\n", q < 0 ? q : 0);
    across_queue = (unsigned)q;
    printf("dma-bound put-across: %ld\n", put(across_queue, 1, KABI_VQ_SLOT(0, 64)));
    printf("dma-bound put-across-again: %ld\n", put(across_queue, 1, KABI_VQ_SLOT(0, 64)));
}

/* Every bad buffer on every queue, and the bound queues' bad slots: the number of calls that
 * were not refused with -EFAULT, -EBUSY or -EINVAL (0 is contained). */
static uint64_t post_task(unsigned i)
{
    (void)i;
    uint64_t accepted = 0;
    const uint64_t slots[] = {KABI_VQ_SLOT(0, 2049), KABI_VQ_SLOT(256, 64), KABI_VQ_SLOT(0, 0)};
    for (unsigned k = 0; k < sizeof(slots) / sizeof(slots[0]); k++) {
        long rc = put(VIRTIO_NET_Q_RX, 1, slots[k]);
        accepted += rc != -KABI_EFAULT && rc != -KABI_EINVAL && rc != -KABI_EBUSY;
    }
    accepted += put(core_queue, 1, KABI_VQ_SLOT(0, 64)) != -KABI_EFAULT;
    accepted += put(across_queue, 1, KABI_VQ_SLOT(0, 64)) != -KABI_EFAULT;
    for (unsigned q = 0; q < KABI_VQ_QUEUES; q++)
        for (unsigned k = 0; k < NBADS; k++) {
            if (k == HELD && q != VIRTIO_NET_Q_RX)
                continue; /* elsewhere descriptor 0 may be free: a post of CPL3's own memory */
            long rc = post(q, &bads[k]);
            accepted += rc != -KABI_EFAULT && rc != -KABI_EINVAL && rc != -KABI_EBUSY;
        }
    return accepted;
}

/* Points receive descriptor 0 at the core's code; the task ends with its page fault */
static uint64_t write_descriptor(unsigned i)
{
    (void)i;
    volatile struct virtq_desc *d = (volatile struct virtq_desc *)(uintptr_t)rx_desc;
    d->addr = (uint64_t)(uintptr_t)__image_start;
    return 1;
}

static uint64_t write_used(unsigned i)
{
    (void)i;
    volatile struct virtq_used *u = (volatile struct virtq_used *)(uintptr_t)rx_used;
    u->ring[0].id = 0xFFFF;
    return 1;
}

/* The card still receives; then every CPU still runs a task. */
static int receive(int sock, const char *mode)
{
    printf("hostile: ready\n");
    fflush(stdout);
    char buf[64];
    int n = tf_udp_recv(sock, buf, sizeof(buf), NULL, RECV_NS);
    printf("%s: received %d\n", mode, n);
    fflush(stdout);
    return hostile_normal_round();
}

/* Points the receive queue at a table of CPL3's own; the task ends with its page fault */
static uint64_t write_common(unsigned i)
{
    (void)i;
    static struct virtq_desc own[256] __attribute__((aligned(16)));
    *(volatile uint16_t *)(common + VIRTIO_COMMON_Q_SELECT) = VIRTIO_NET_Q_RX;
    *(volatile uint32_t *)(common + VIRTIO_COMMON_Q_DESC) = (uint32_t)(uintptr_t)own;
    return 1;
}

static void say(const char *what, long rc)
{
    printf("dma-common %s: %ld\n", what, rc);
}

/* The legacy card's I/O base (BAR 0) */
static uint16_t legacy_io(void)
{
    struct pci_device d;
    if (pci_find(is_virtio_net, NULL, &d) != 0)
        return 0;
    return (uint16_t)(pci_read(&d, PCI_BAR0, 4) & PCI_BAR_IO_MASK);
}

/* The card's control plane from CPL3: registering it again, features the core's rings cannot
 * serve, a queue the core did not open, the legacy interface's queue-address port; then tasks
 * write the common configuration itself. Each is refused or a contained fault. */
static void common_attack(void)
{
    uint64_t at = (uint64_t)(uintptr_t)common;
    say("open", hostile_syscall(KABI_SYS_VIRTIO_OPEN, (long)at, KABI_VIRTIO_MODERN, 0, 0));
    say("indirect", hostile_syscall(KABI_SYS_VIRTIO_CTL, 0, KABI_VIRTIO_SET_FEATURES, 0,
                                    1l << 28)); /* VIRTIO_F_INDIRECT_DESC */
    say("packed", hostile_syscall(KABI_SYS_VIRTIO_CTL, 0, KABI_VIRTIO_SET_FEATURES, 1,
                                  1l << 2)); /* VIRTIO_F_RING_PACKED, bit 34 */
    say("queue", hostile_syscall(KABI_SYS_VQ_SETUP, 0, VIRTIO_NET_Q_RX, KABI_VQ_QUEUES, 0));
    if (!common) {
        uint16_t io = legacy_io();
        say("legacy-pfn",
            hostile_syscall(KABI_SYS_PORT_WRITE, io + VIRTIO_LEGACY_QUEUE_PFN, 4, 0x1000, 0));
        say("legacy-select",
            hostile_syscall(KABI_SYS_PORT_WRITE, io + VIRTIO_LEGACY_QUEUE_SELECT, 2, 0, 0));
        say("legacy-status",
            hostile_syscall(KABI_SYS_PORT_WRITE, io + VIRTIO_LEGACY_STATUS, 1, 0, 0));
        say("legacy-wide",
            hostile_syscall(KABI_SYS_PORT_WRITE, io + VIRTIO_LEGACY_QUEUE_SIZE, 4, 0, 0));
        say("legacy-notify", hostile_syscall(KABI_SYS_PORT_WRITE, io + VIRTIO_LEGACY_QUEUE_NOTIFY,
                                             2, VIRTIO_NET_Q_TX, 0));
        return;
    }
    hostile_round("write-common", write_common);
}

int hostile_dma(const char *mode)
{
    int sock, post_mode = !strcmp(mode, "dma-post");
    if ((!post_mode && strcmp(mode, "dma-common")) || tf_net_start(0) != 0 ||
        (sock = tf_udp_bind(HOSTILE_PORT)) < 0 || find_rings() != 0) {
        fprintf(stderr, "hostile: %s needs a network card\n", mode);
        return 2;
    }
    if (!post_mode) {
        common_attack();
        return receive(sock, "dma-common");
    }
    fill_addresses();
    for (unsigned k = 0; k < NBADS; k++)
        for (unsigned q = 0; q < KABI_VQ_QUEUES; q++)
            if (k != HELD || q == VIRTIO_NET_Q_RX)
                printf("dma-post %s queue %u: %ld\n", bads[k].what, q, post(q, &bads[k]));
    bound_attack();
    hostile_round("post", post_task);
    hostile_round("write-descriptor", write_descriptor);
    hostile_round("write-used", write_used);
    return receive(sock, "dma-post");
}
