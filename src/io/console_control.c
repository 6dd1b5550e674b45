/* The ports of a multiport virtio console (see console_control.h). The sequence (5.3.6.2):
 *   driver: DEVICE_READY(1)            device: DEVICE_ADD(id) for each of its ports
 *   driver: PORT_READY(id, 1) for each device: its name, whether the host side is open, ...
 *   driver: PORT_OPEN(port, 1)         the port carries data from now on
 * The device drops a control message when no receive buffer is waiting, so all of them are
 * offered before DEVICE_READY and each is offered again as soon as it has been read. Control
 * traffic is a handful of messages at start-up: both queues are polled, without interrupts. */
#include "console_control.h"
#include "runtime.h"
#include "taskfarm.h"
#include "virtio_regs.h"
#include "virtqueue.h"
#include "x86.h"
#include "x86_ops.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>

#define CONTROL_RX_BUFFERS  16  /* messages the device may have waiting */
#define CONTROL_BUFFER_SIZE 128 /* a message and a port name */
#define CONTROL_QUEUE_MAX   1024
#define CONTROL_TIMEOUT_NS  2000000000ull /* for one answer of the device */
#define CONTROL_POLLS       100000000u    /* the same bound without a calibrated clock */

static struct control {
    struct virtq rx, tx;
    uint8_t *rx_buffers, *tx_buffer;
} control;

/* A queue of at most `want` entries (a modern device lets the driver choose; a legacy one has
 * its fixed size). */
static int queue(struct virtio_pci *t, struct virtq *q, unsigned index, unsigned want)
{
    unsigned max = virtio_pci_queue_max(t, index);
    unsigned size = t->modern && max > want ? want : max;
    if (size == 0 || size > CONTROL_QUEUE_MAX || virtq_init(q, (uint16_t)index, (uint16_t)size))
        return -ENODEV;
    return 0;
}

static int enable(struct virtio_pci *t, struct virtq *q)
{
    return virtio_pci_queue_setup(t, q->index, q->handle, VIRTIO_MSI_NO_VECTOR);
}

int console_control_setup(struct virtio_pci *t)
{
    if (queue(t, &control.rx, VIRTIO_CONSOLE_Q_CONTROL_RX, CONTROL_RX_BUFFERS) ||
        queue(t, &control.tx, VIRTIO_CONSOLE_Q_CONTROL_TX, 1))
        return -ENODEV;
    unsigned n = control.rx.size < CONTROL_RX_BUFFERS ? control.rx.size : CONTROL_RX_BUFFERS;
    control.rx_buffers = memalign(X86_PAGE_SIZE, (size_t)(n + 1) * CONTROL_BUFFER_SIZE);
    if (!control.rx_buffers)
        return -ENOMEM;
    control.tx_buffer = control.rx_buffers + (size_t)n * CONTROL_BUFFER_SIZE;
    if (virtq_buffers(&control.rx, control.rx_buffers, CONTROL_BUFFER_SIZE, (uint16_t)n, 1) ||
        virtq_buffers(&control.tx, control.tx_buffer, sizeof(struct virtio_console_control), 1, 0))
        return -ENODEV;
    for (unsigned i = 0; i < n; i++)
        virtq_push(&control.rx, (uint16_t)i);
    int rc = enable(t, &control.rx);
    return rc ? rc : enable(t, &control.tx);
}

/* Waits until queue q has a used buffer: 1, or 0 when the device took too long. */
static int wait_used(const struct virtq *q)
{
    uint64_t start = tf_now_ns();
    int clock = runtime_tsc_hz() != 0;
    for (unsigned polls = 0; !virtq_pending(q); polls++) {
        if (clock ? tf_now_ns() - start > CONTROL_TIMEOUT_NS : polls > CONTROL_POLLS)
            return 0;
        x86_pause();
    }
    return 1;
}

static void kick(struct virtio_pci *t, struct virtq *q)
{
    if (virtq_publish(q))
        virtio_pci_notify(t, q->index);
}

/* Sends one message and waits until the device has taken it: 0, or -ENODEV. */
static int send(struct virtio_pci *t, uint32_t id, uint16_t event, uint16_t value)
{
    struct virtio_console_control m = {.id = id, .event = event, .value = value};
    memcpy(control.tx_buffer, &m, sizeof(m));
    virtq_push(&control.tx, 0);
    kick(t, &control.tx);
    uint16_t used;
    uint32_t len;
    if (!wait_used(&control.tx) || !virtq_pop(&control.tx, &used, &len))
        return -ENODEV;
    return 0;
}

/* The next message from the device into *m, its buffer offered again: 1, or 0 when none came in
 * time. Messages shorter than the header are skipped. */
static int receive(struct virtio_pci *t, struct virtio_console_control *m)
{
    uint16_t id;
    uint32_t len;
    while (wait_used(&control.rx) && virtq_pop(&control.rx, &id, &len)) {
        int whole = id < control.rx.size && len >= sizeof(*m) && len <= CONTROL_BUFFER_SIZE;
        if (whole)
            memcpy(m, control.rx_buffers + (size_t)id * CONTROL_BUFFER_SIZE, sizeof(*m));
        if (id < control.rx.size) {
            virtq_push(&control.rx, id);
            kick(t, &control.rx);
        }
        if (whole)
            return 1;
    }
    return 0;
}

int console_control_open_port(struct virtio_pci *t, uint32_t port)
{
    kick(t, &control.rx); /* the receive buffers, before anything can be dropped */
    if (send(t, 0, VIRTIO_CONSOLE_DEVICE_READY, 1))
        return -ENODEV;
    struct virtio_console_control m;
    int added = 0;
    while (!added && receive(t, &m)) {
        if (m.event != VIRTIO_CONSOLE_DEVICE_ADD)
            continue;
        if (send(t, m.id, VIRTIO_CONSOLE_PORT_READY, 1))
            return -ENODEV;
        added = m.id == port;
    }
    if (!added)
        return -ENODEV;
    return send(t, port, VIRTIO_CONSOLE_PORT_OPEN, 1);
}
