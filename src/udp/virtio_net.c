/* The virtio-net driver: implements netif.h on the first virtio network device, at CPL3.
 *
 * Features: VIRTIO_NET_F_MAC and VIRTIO_F_VERSION_1 (legacy interface: VIRTIO_F_ANY_LAYOUT
 * instead of VERSION_1). Nothing else: no mergeable receive buffers (each receive buffer holds a
 * whole frame), no checksum or segmentation offload (the stack computes every checksum), no
 * control queue, no event-index suppression (the flags are enough for one queue pair).
 *
 * Queues: receive (0) and transmit (1), up to NET_QUEUE_SIZE entries each, one descriptor per
 * NET_BUFFER_SIZE buffer: descriptor i is always buffer i. The core owns the descriptor tables
 * and posts buffers for the driver (virtqueue.h), one system call per batch, so buffers are
 * handed over in batches: receive buffers as the stack releases them, an eighth of the ring at
 * a time (the device holds the other seven eighths); a frame to send goes at once when the
 * device has sent every earlier one, otherwise with the frames that follow it (a burst) when
 * NET_TX_BATCH are waiting, the receive queue is drained, the driver sleeps, or at exit.
 * Transmit buffers are reclaimed when netif_tx needs one.
 *
 * Interrupts: MSI-X entry 0 raises KABI_VEC_NIC on the bootstrap CPU, for the receive queue only,
 * and only while netif_wait sleeps (VIRTQ_AVAIL_F_NO_INTERRUPT otherwise). The core acknowledges
 * it and nothing else; netif_wait returns and the stack drains the queue at CPL3. Without MSI-X
 * netif_wait sleeps at most NET_POLL_NS at a time.
 *
 * Exit: QEMU stops the moment the guest exits, and drops the frames the device has not taken from
 * the transmit queue yet (a server's last reply, say). So once the device is open, _exit first
 * waits up to NET_EXIT_WAIT_NS for the device to have used every transmit buffer published. */
#include "netif.h"
#include "deadline.h"
#include "devcall.h"
#include "pci.h"
#include "runtime.h"
#include "taskfarm.h"
#include "virtio_pci.h"
#include "virtio_regs.h"
#include "virtqueue.h"
#include "x86.h"
#include "x86_ops.h"
#include "usys.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NET_QUEUE_SIZE      256        /* entries per queue (fewer when the device offers fewer) */
#define NET_QUEUE_MAX       1024       /* largest fixed size of a legacy device we accept */
#define NET_BUFFER_SIZE     2048       /* header + frame; larger frames are dropped by the device */
#define NET_POLL_NS         1000000ull /* sleep bound without an interrupt */
#define NET_LOCAL_MAC0      0x02 /* locally administered, unicast: used when the device has none */
#define NET_EXIT_WAIT_NS    100000000ull /* exit waits at most this long for queued frames */
#define NET_TX_BATCH        32  /* frames held for one post while the device is still sending */
#define NET_RX_SHARE        8   /* receive buffers go back a 1/NET_RX_SHARE of the ring at a time */
#define NET_POLL_US_DEFAULT 200 /* tf.net_poll_us: how long netif_wait watches before it halts */

static struct nic {
    struct virtio_pci t;
    struct virtq rx, tx;
    uint8_t *rx_buffers, *tx_buffers;
    unsigned header_len;
    int held;          /* the receive descriptor netif_rx_next lent out, or -1 */
    uint16_t *tx_free; /* transmit descriptors not in the device's hands */
    unsigned tx_free_count;
    int open;
    int claimed; /* at start-up: 0, or the -errno with which the card was not taken over */
    struct pci_device pci;
    uint8_t mac[6];
    /* tf.vqstats=1: doorbell writes (each a VM exit), sleeps in netif_wait (VQ_WAIT calls), and
     * those of them a frame ended (it came while the CPU was halted: the card's interrupt) */
    uint64_t kicks, waits, woken;
    uint64_t poll_ticks; /* tf.net_poll_us in TSC ticks */
} nic = {.held = -1, .claimed = -ENODEV};

static int is_virtio_net(const struct pci_device *d, void *ctx)
{
    (void)ctx;
    return d->vendor == VIRTIO_PCI_VENDOR &&
           (d->device == VIRTIO_PCI_MODERN_BASE + VIRTIO_ID_NET ||
            (d->device == VIRTIO_PCI_TRANSITIONAL_NET && d->subsystem == VIRTIO_ID_NET));
}

static int negotiate(void)
{
    struct virtio_pci *t = &nic.t;
    uint64_t offered = virtio_pci_features(t);
    uint64_t wanted =
        VIRTIO_FEATURE(VIRTIO_NET_F_MAC) |
        (t->modern ? VIRTIO_FEATURE(VIRTIO_F_VERSION_1) : VIRTIO_FEATURE(VIRTIO_F_ANY_LAYOUT));
    if (t->modern && !(offered & VIRTIO_FEATURE(VIRTIO_F_VERSION_1)))
        return -ENODEV;
    virtio_pci_set_features(t, offered & wanted);
    nic.header_len = t->modern ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;
    if (!t->modern)
        return 0;
    virtio_pci_add_status(t, VIRTIO_STATUS_FEATURES_OK);
    return virtio_pci_status(t) & VIRTIO_STATUS_FEATURES_OK ? 0 : -ENODEV;
}

static void read_mac(uint8_t mac[6])
{
    if (virtio_pci_features(&nic.t) & VIRTIO_FEATURE(VIRTIO_NET_F_MAC)) {
        for (unsigned i = 0; i < 6; i++)
            mac[i] = virtio_pci_config8(&nic.t, VIRTIO_NET_CFG_MAC + i);
        return;
    }
    const uint8_t fallback[6] = {NET_LOCAL_MAC0, 0, 0, 0, 0, 1};
    memcpy(mac, fallback, 6);
}

/* One queue: its ring, its buffers, each descriptor pointing at its buffer. */
static int setup_queue(struct virtq *q, unsigned index, uint8_t **buffers, int receive)
{
    unsigned max = virtio_pci_queue_max(&nic.t, index);
    unsigned size = nic.t.modern && max > NET_QUEUE_SIZE ? NET_QUEUE_SIZE : max;
    if (size == 0 || size > NET_QUEUE_MAX || virtq_init(q, (uint16_t)index, (uint16_t)size))
        return -ENODEV;
    *buffers = memalign(X86_PAGE_SIZE, (size_t)size * NET_BUFFER_SIZE);
    if (!*buffers)
        return -ENOMEM;
    memset(*buffers, 0, (size_t)size * NET_BUFFER_SIZE);
    if (virtq_buffers(q, *buffers, NET_BUFFER_SIZE, (uint16_t)size, receive))
        return -ENODEV;
    return virtio_pci_queue_setup(&nic.t, index, q->handle, receive ? 0 : VIRTIO_MSI_NO_VECTOR);
}

static int setup_queues(void)
{
    int rc = setup_queue(&nic.rx, VIRTIO_NET_Q_RX, &nic.rx_buffers, 1);
    if (rc == 0)
        rc = setup_queue(&nic.tx, VIRTIO_NET_Q_TX, &nic.tx_buffers, 0);
    if (rc)
        return rc;
    nic.tx_free = malloc(sizeof(uint16_t) * nic.tx.size);
    if (!nic.tx_free)
        return -ENOMEM;
    for (unsigned i = 0; i < nic.tx.size; i++)
        nic.tx_free[nic.tx_free_count++] = (uint16_t)(nic.tx.size - 1 - i);
    for (unsigned i = 0; i < nic.rx.size; i++)
        virtq_push(&nic.rx, (uint16_t)i);
    return 0;
}

static void report(const struct pci_device *d)
{
    if (runtime_option_on("quiet"))
        return;
    printf("taskfarm: virtio-net at PCI %02x:%02x.%u, %s interface, %u+%u buffers, %s, timer %s",
           d->bus, d->dev, d->fn, nic.t.modern ? "virtio 1.0" : "legacy", nic.rx.size, nic.tx.size,
           nic.t.msix ? "MSI-X" : "no MSI-X (polling every 1 ms)",
           deadline_timer_mode() == KABI_TIMER_TSC_DEADLINE ? "TSC deadline" : "one-shot");
    if (deadline_timer_mode() == KABI_TIMER_ONESHOT)
        printf(" (%llu MHz)", (unsigned long long)(deadline_lapic_hz() / 1000000));
    printf("\n");
}

static void kick(unsigned queue)
{
    nic.kicks++;
    virtio_pci_notify(&nic.t, queue);
}

static void tx_post(void)
{
    if (virtq_publish(&nic.tx))
        kick(VIRTIO_NET_Q_TX);
}

/* tf.vqstats=1: how many buffers each system call posted, the doorbells rung and the sleeps,
 * for the benchmarks (bench/request-rate reads the second line). */
static void report_posts(void)
{
    if (!runtime_option_on("vqstats"))
        return;
    runtime_console_printf(
        "taskfarm: virtio-net posted %llu receive buffers in %llu calls, %llu frames "
        "in %llu calls\ntaskfarm: vqstats rx_posts=%llu rx_calls=%llu tx_posts=%llu "
        "tx_calls=%llu kicks=%llu waits=%llu woken=%llu\n",
        (unsigned long long)nic.rx.posts, (unsigned long long)nic.rx.post_calls,
        (unsigned long long)nic.tx.posts, (unsigned long long)nic.tx.post_calls,
        (unsigned long long)nic.rx.posts, (unsigned long long)nic.rx.post_calls,
        (unsigned long long)nic.tx.posts, (unsigned long long)nic.tx.post_calls,
        (unsigned long long)nic.kicks, (unsigned long long)nic.waits,
        (unsigned long long)nic.woken);
}

/* The exit hook (see the top). On the bootstrap CPU it posts the frames still held; elsewhere
 * it only reads, so it is safe while the bootstrap CPU may be queueing frames; the device has
 * taken a buffer once used->idx has passed it. */
static void tx_drain_at_exit(void)
{
    if (tf_cpu_self() == 0) {
        tx_post();
        report_posts();
    }
    uint16_t published = __atomic_load_n(&nic.tx.published, __ATOMIC_ACQUIRE);
    uint64_t limit = deadline_tsc_ticks(NET_EXIT_WAIT_NS);
    uint64_t start = x86_rdtsc();
    while (__atomic_load_n(&nic.tx.used->idx, __ATOMIC_ACQUIRE) != published &&
           x86_rdtsc() - start < limit)
        x86_pause();
}

/* At start-up, while only this CPU runs: the card is found and handed to the core, which owns
 * its common configuration from then on (virtio_pci.h); the rest waits for netif_open. */
static void claim(void)
{
    if (pci_find(is_virtio_net, NULL, &nic.pci) != 0)
        return;
    int rc = virtio_pci_open(&nic.t, &nic.pci, KABI_VEC_NIC);
    nic.claimed = rc == -ENOSPC ? -ENOMEM : rc ? -ENODEV : 0; /* no room for BARs: no memory */
}
RUNTIME_STARTUP_HOOK(claim);

/* Device initialization, virtio 1.0 section 3.1.1, from step 3 (the claim reset it) */
int netif_open(uint8_t mac[6])
{
    if (nic.open) {
        memcpy(mac, nic.mac, sizeof(nic.mac));
        return 0;
    }
    if (nic.claimed)
        return nic.claimed;
    deadline_timer_init();
    const char *poll = tf_option("net_poll_us"); /* its form was checked at boot */
    nic.poll_ticks =
        deadline_tsc_ticks((poll ? strtoull(poll, NULL, 10) : NET_POLL_US_DEFAULT) * 1000ull);
    int rc;
    virtio_pci_add_status(&nic.t, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_add_status(&nic.t, VIRTIO_STATUS_DRIVER);
    rc = negotiate();
    if (rc == 0)
        rc = setup_queues();
    if (rc) {
        virtio_pci_add_status(&nic.t, VIRTIO_STATUS_FAILED);
        return rc == -ENOMEM ? rc : -ENODEV; /* anything else: a device we cannot drive */
    }
    read_mac(nic.mac);
    memcpy(mac, nic.mac, sizeof(nic.mac));
    virtio_pci_add_status(&nic.t, VIRTIO_STATUS_DRIVER_OK);
    virtq_publish(&nic.rx); /* every receive buffer, in one call */
    kick(VIRTIO_NET_Q_RX);
    nic.open = 1;
    runtime_on_exit(tx_drain_at_exit);
    report(&nic.pci);
    return 0;
}

static void rx_kick(void)
{
    if (virtq_publish(&nic.rx))
        kick(VIRTIO_NET_Q_RX);
}

/* Receive buffers go back to the device an eighth of the ring at a time (32 of 256), so the
 * device always holds seven eighths of them and one system call serves many requests. */
static void rx_give_back(uint16_t id)
{
    virtq_push(&nic.rx, id);
    if (virtq_unposted(&nic.rx) >= (nic.rx.size >= NET_RX_SHARE ? nic.rx.size / NET_RX_SHARE : 1u))
        rx_kick();
}

void netif_rx_release(void)
{
    if (nic.held < 0)
        return;
    rx_give_back((uint16_t)nic.held);
    nic.held = -1;
}

const uint8_t *netif_rx_next(size_t *len)
{
    uint16_t id;
    uint32_t written;
    netif_rx_release();
    while (nic.open && virtq_pop(&nic.rx, &id, &written)) {
        if (id >= nic.rx.size)
            continue; /* not a descriptor of ours: nothing to give back */
        if (written < nic.header_len) {
            rx_give_back(id);
            continue;
        }
        nic.held = id;
        *len = written - nic.header_len;
        return nic.rx_buffers + (size_t)id * NET_BUFFER_SIZE + nic.header_len;
    }
    if (nic.open)
        tx_post(); /* the burst of replies to what was received */
    return NULL;
}

static void tx_reclaim(void)
{
    uint16_t id;
    uint32_t written;
    while (virtq_pop(&nic.tx, &id, &written))
        if (id < nic.tx.size && nic.tx_free_count < nic.tx.size)
            nic.tx_free[nic.tx_free_count++] = id;
}

int netif_tx(const void *frame, size_t len)
{
    if (!nic.open)
        return -ENODEV;
    if (len > NETIF_FRAME_MAX)
        return -EMSGSIZE;
    if (nic.tx_free_count == 0)
        tx_reclaim();
    if (nic.tx_free_count == 0)
        return -EAGAIN;
    uint16_t id = nic.tx_free[--nic.tx_free_count];
    uint8_t *buffer = nic.tx_buffers + (size_t)id * NET_BUFFER_SIZE;
    memset(buffer, 0, nic.header_len); /* no offload: flags 0, VIRTIO_NET_HDR_GSO_NONE */
    memcpy(buffer + nic.header_len, frame, len);
    virtq_set_len(&nic.tx, id, (uint32_t)(nic.header_len + len));
    virtq_push(&nic.tx, id);
    uint16_t sent = __atomic_load_n(&nic.tx.used->idx, __ATOMIC_ACQUIRE);
    if (sent == nic.tx.published || virtq_unposted(&nic.tx) >= NET_TX_BATCH)
        tx_post();
    return 0;
}

/* The timer that ends a wait at deadline_ns (0: none; always NET_POLL_NS without MSI-X).
 * Returns 0 when the deadline has passed already, or when no timer can end the wait (poll). */
static int wait_timer(uint64_t deadline_ns, uint64_t *timer, unsigned *mode)
{
    uint64_t now = tf_now_ns(), ns = UINT64_MAX;
    *mode = KABI_TIMER_NONE;
    if (deadline_ns) {
        if (now >= deadline_ns)
            return 0;
        ns = deadline_ns - now;
    }
    if (!nic.t.msix && ns > NET_POLL_NS)
        ns = NET_POLL_NS;
    if (ns == UINT64_MAX)
        return 1;
    *mode = deadline_timer(ns, timer);
    return *mode != KABI_TIMER_NONE;
}

/* The polling budget: watches the used ring for up to tf.net_poll_us (and not past deadline_ns)
 * before halting. A frame that comes meanwhile, the next of a client's back-to-back requests,
 * costs no system call, interrupt or halt. Nothing privileged here: a load and PAUSE (which
 * lets the hypervisor run another vCPU when this one spins on). 1 when a frame came. */
static int poll_rx(uint64_t deadline_ns)
{
    if (!nic.poll_ticks)
        return 0;
    uint64_t start = x86_rdtsc();
    do {
        if (virtq_pending(&nic.rx))
            return 1;
        x86_pause();
    } while (x86_rdtsc() - start < nic.poll_ticks && (!deadline_ns || tf_now_ns() < deadline_ns));
    return 0;
}

void netif_wait(uint64_t deadline_ns)
{
    uint64_t timer = 0;
    unsigned mode;
    if (!nic.open)
        return;
    tx_post();
    if (poll_rx(deadline_ns))
        return;
    if (!wait_timer(deadline_ns, &timer, &mode))
        return;
    /* Even with a frame waiting: the core turns the card's interrupts on before it looks, so a
     * CPU that never catches up with a flood still lets the card raise its message. */
    int idle = !virtq_pending(&nic.rx);
    nic.waits++;
    virtq_wait(&nic.rx, timer, mode);
    nic.woken += idle && virtq_pending(&nic.rx);
}
