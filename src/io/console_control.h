/* The ports of a multiport virtio console (virtio 1.0, 5.3.6.2): the control queues and the
 * handshake that makes one port ready and open. Used by virtio_console.c, bootstrap CPU only. */
#ifndef TF_IO_CONSOLE_CONTROL_H
#define TF_IO_CONSOLE_CONTROL_H

#include "virtio_pci.h"

#include <stdint.h>

/* Sets up the control receiveq and transmitq (before DRIVER_OK). 0, -ENODEV or -ENOMEM. */
int console_control_setup(struct virtio_pci *t);

/* After DRIVER_OK: tells the device the driver is ready, answers every port it adds, and opens
 * port `port` once the device has added it. 0, or -ENODEV when the device did not add that
 * port (or stopped answering) within CONTROL_TIMEOUT_NS. */
int console_control_open_port(struct virtio_pci *t, uint32_t port);

#endif
