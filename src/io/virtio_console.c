/* The virtio console driver: implements console.h on one port of the first virtio console (QEMU's
 * virtio-serial-pci), at CPL3.
 *
 * Port: with VIRTIO_CONSOLE_F_MULTIPORT (QEMU offers it), port CONSOLE_OUTPUT_PORT, opened through
 * the control queues (console_control.c); tools/tf-run puts a virtserialport there. QEMU holds
 * back (throttles) a virtserialport while the host cannot take more, where it would drop data
 * for a console port: a pipe as the host side (tf-run --output -) fills up. Without MULTIPORT
 * the device has only port 0, on queues 0 and 1 (virtio 1.0, 5.3.2), and QEMU counts it open once
 * the driver is ready. Features: VIRTIO_F_VERSION_1 and MULTIPORT when offered. Only the port's
 * transmit queue is set up: nothing is read from the host.
 *
 * Buffers: CONSOLE_BUFFERS of CONSOLE_BUFFER_SIZE bytes, descriptor i always buffer i. Writes
 * fill one buffer at a time; a full buffer goes to the device with one doorbell (none when the
 * device set VIRTQ_USED_F_NO_NOTIFY), so the hypervisor is entered once per 256 KiB, and the
 * guest fills the next buffer while the host writes this one to its file or pipe.
 *
 * Waiting, for a free buffer or at a flush: the device is usually quick (one host write), so the
 * CPU spins for CONSOLE_SPIN_NS first. Then it asks for an interrupt (MSI-X entry 0 raises
 * KABI_VEC_OUTPUT on the bootstrap CPU; requested only while sleeping, VIRTQ_AVAIL_F_NO_INTERRUPT
 * otherwise) and halts until it comes, for at most CONSOLE_SLEEP_NS where the TSC-deadline timer
 * exists. Without MSI-X it spins.
 *
 * DMA: buffers come from the heap, which is identity mapped, so their addresses are the
 * physical ones the device needs; the core owns the descriptor tables and posts each buffer
 * after checking it (virtqueue.h), one system call per full buffer or flush. */
#include "console.h"
#include "console_control.h"
#include "deadline.h"
#include "devcall.h"
#include "pci.h"
#include "runtime.h"
#include "taskfarm.h"
#include "usys.h"
#include "virtio_pci.h"
#include "virtio_regs.h"
#include "virtqueue.h"
#include "x86.h"
#include "x86_ops.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#define CONSOLE_BUFFERS     4
#define CONSOLE_BUFFER_SIZE (256u << 10)
#define CONSOLE_QUEUE_SIZE  8    /* entries asked of a modern device (at least CONSOLE_BUFFERS) */
#define CONSOLE_QUEUE_MAX   1024 /* largest fixed size of a legacy device we accept */
#define CONSOLE_SPIN_NS     200000ull   /* spin this long for the device before sleeping */
#define CONSOLE_SLEEP_NS    10000000ull /* longest sleep, in case an interrupt went astray */
#define NO_BUFFER           0xFFFFu
#define CONSOLE_OUTPUT_PORT 1 /* the port used with MULTIPORT */

static struct port {
    struct virtio_pci t;
    struct virtq tx;
    uint8_t *buffers;
    unsigned count;                 /* buffers (fewer than CONSOLE_BUFFERS on a tiny queue) */
    uint16_t free[CONSOLE_BUFFERS]; /* buffers neither filling nor in the device's hands */
    unsigned nfree;
    uint16_t filling; /* the buffer being filled, or NO_BUFFER */
    size_t filled;    /* bytes in it */
    int deadline;     /* the LAPIC timer has TSC-deadline mode */
    int multiport;    /* VIRTIO_CONSOLE_F_MULTIPORT negotiated */
    unsigned number;  /* the port written to */
    int state;        /* 0: not looked for yet; 1: open; < 0: the -errno console_open gave */
    int claimed;      /* at start-up: 0, or the -errno with which the console was not taken */
    struct pci_device pci;
} port = {.filling = NO_BUFFER, .claimed = -ENODEV};

static int is_console(const struct pci_device *d, void *ctx)
{
    (void)ctx;
    return virtio_pci_is_type(d, VIRTIO_ID_CONSOLE);
}

/* 3.1.1 steps 4-6: VERSION_1 with the modern interface, and MULTIPORT when offered. */
static int negotiate(void)
{
    struct virtio_pci *t = &port.t;
    uint64_t offered = virtio_pci_features(t);
    port.multiport = (offered & VIRTIO_FEATURE(VIRTIO_CONSOLE_F_MULTIPORT)) != 0;
    port.number = port.multiport ? CONSOLE_OUTPUT_PORT : 0;
    uint64_t wanted = offered & VIRTIO_FEATURE(VIRTIO_CONSOLE_F_MULTIPORT);
    if (!t->modern) {
        virtio_pci_set_features(t, wanted);
        return 0;
    }
    if (!(offered & VIRTIO_FEATURE(VIRTIO_F_VERSION_1)))
        return -ENODEV;
    virtio_pci_set_features(t, wanted | VIRTIO_FEATURE(VIRTIO_F_VERSION_1));
    virtio_pci_add_status(t, VIRTIO_STATUS_FEATURES_OK);
    return virtio_pci_status(t) & VIRTIO_STATUS_FEATURES_OK ? 0 : -ENODEV;
}

/* The port's transmit queue, its buffers, each descriptor pointing at its buffer. */
static int setup_queue(void)
{
    unsigned index = VIRTIO_CONSOLE_Q_TX(port.number);
    unsigned max = virtio_pci_queue_max(&port.t, index);
    unsigned size = port.t.modern && max > CONSOLE_QUEUE_SIZE ? CONSOLE_QUEUE_SIZE : max;
    if (size == 0 || size > CONSOLE_QUEUE_MAX ||
        virtq_init(&port.tx, (uint16_t)index, (uint16_t)size))
        return -ENODEV;
    port.count = size < CONSOLE_BUFFERS ? size : CONSOLE_BUFFERS;
    port.buffers = memalign(X86_PAGE_SIZE, (size_t)port.count * CONSOLE_BUFFER_SIZE);
    if (!port.buffers)
        return -ENOMEM;
    if (virtq_buffers(&port.tx, port.buffers, CONSOLE_BUFFER_SIZE, (uint16_t)port.count, 0))
        return -ENODEV;
    for (unsigned i = 0; i < port.count; i++)
        port.free[port.nfree++] = (uint16_t)(port.count - 1 - i);
    return virtio_pci_queue_setup(&port.t, index, port.tx.handle, 0);
}

static void report(const struct pci_device *d)
{
    if (tf_option("quiet"))
        return;
    printf("taskfarm: output on port %u of the virtio console at PCI %02x:%02x.%u, %s interface, "
           "%u x %u KiB buffers, %s\n",
           port.number, d->bus, d->dev, d->fn, port.t.modern ? "virtio 1.0" : "legacy", port.count,
           CONSOLE_BUFFER_SIZE >> 10, port.t.msix ? "MSI-X" : "no MSI-X (polling)");
}

/* At start-up, while only this CPU runs: the console is found and handed to the core, which
 * owns its common configuration from then on (virtio_pci.h); the rest waits for console_open. */
static void claim(void)
{
    if (pci_find(is_console, NULL, &port.pci) != 0)
        return;
    int rc = virtio_pci_open(&port.t, &port.pci, KABI_VEC_OUTPUT);
    port.claimed = rc == -ENOSPC ? -ENOMEM : rc ? -ENODEV : 0; /* no room for BARs: no memory */
}
RUNTIME_STARTUP_HOOK(claim);

/* Device initialization, virtio 1.0 section 3.1.1, from step 3 (the claim reset it) */
static int open_port(void)
{
    if (port.claimed)
        return port.claimed;
    int rc;
    virtio_pci_add_status(&port.t, VIRTIO_STATUS_ACKNOWLEDGE);
    virtio_pci_add_status(&port.t, VIRTIO_STATUS_DRIVER);
    rc = negotiate();
    if (rc == 0 && port.multiport)
        rc = console_control_setup(&port.t);
    if (rc == 0)
        rc = setup_queue();
    if (rc) {
        virtio_pci_add_status(&port.t, VIRTIO_STATUS_FAILED);
        return rc == -ENOMEM ? rc : -ENODEV; /* anything else: a device we cannot drive */
    }
    port.deadline = deadline_tsc_offered();
    virtio_pci_add_status(&port.t, VIRTIO_STATUS_DRIVER_OK);
    if (port.multiport && console_control_open_port(&port.t, port.number) != 0) {
        virtio_pci_add_status(&port.t, VIRTIO_STATUS_FAILED);
        return -ENODEV;
    }
    report(&port.pci);
    return 0;
}

int console_open(void)
{
    if (port.state == 0) {
        int rc = open_port();
        port.state = rc == 0 ? 1 : rc;
    }
    return port.state == 1 ? 0 : port.state;
}

/* Halts until the device returns a buffer (its interrupt) or CONSOLE_SLEEP_NS pass. Interrupts
 * are asked for, then the used ring checked once more, so a buffer returned before the device
 * saw the request is not slept on; the core checks the index again with interrupts off. */
static void sleep_for_device(void)
{
    uint64_t timer = 0;
    unsigned mode = KABI_TIMER_NONE;
    if (port.deadline && runtime_tsc_hz()) {
        timer = x86_rdtsc() + deadline_tsc_ticks(CONSOLE_SLEEP_NS);
        mode = KABI_TIMER_TSC_DEADLINE;
    }
    virtq_wait(&port.tx, timer, mode); /* returns at once when a buffer is back */
}

/* Waits until the device has returned at least one buffer. */
static void wait_for_device(void)
{
    uint64_t start = tf_now_ns();
    while (!virtq_pending(&port.tx)) {
        if (port.t.msix && tf_now_ns() - start >= CONSOLE_SPIN_NS)
            sleep_for_device();
        else
            x86_pause();
    }
}

/* Takes back the buffers the device is done with. */
static void reclaim(void)
{
    uint16_t id;
    uint32_t written;
    while (virtq_pop(&port.tx, &id, &written))
        if (id < port.count && port.nfree < port.count)
            port.free[port.nfree++] = id;
}

static unsigned in_flight(void)
{
    return port.count - port.nfree - (port.filling != NO_BUFFER);
}

static void take_buffer(void)
{
    reclaim();
    while (port.nfree == 0) {
        wait_for_device();
        reclaim();
    }
    port.filling = port.free[--port.nfree];
    port.filled = 0;
}

/* Hands the buffer being filled to the device: one doorbell, unless the device needs none. */
static void submit(void)
{
    virtq_set_len(&port.tx, port.filling, (uint32_t)port.filled);
    virtq_push(&port.tx, port.filling);
    port.filling = NO_BUFFER;
    if (virtq_publish(&port.tx))
        virtio_pci_notify(&port.t, port.tx.index);
}

void console_write(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        if (port.filling == NO_BUFFER)
            take_buffer();
        size_t room = CONSOLE_BUFFER_SIZE - port.filled, n = len < room ? len : room;
        uint8_t *to = port.buffers + (size_t)port.filling * CONSOLE_BUFFER_SIZE + port.filled;
        memcpy(to, p, n); /* before the count: a fault here (a bad buf) leaves the state whole */
        port.filled += n;
        p += n;
        len -= n;
        if (port.filled == CONSOLE_BUFFER_SIZE)
            submit();
    }
}

void console_flush(void)
{
    if (port.filling != NO_BUFFER && port.filled)
        submit();
    reclaim();
    while (in_flight()) {
        wait_for_device();
        reclaim();
    }
}
