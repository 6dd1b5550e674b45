/* The link between the output stream (output.c: tf_output_write, tf_output_flush, tf_output) and
 * the driver of the port it writes to (virtio_console.c). Bootstrap CPU only; output.c checks. */
#ifndef TF_IO_CONSOLE_H
#define TF_IO_CONSOLE_H

#include <stddef.h>

/* Finds and starts the first virtio console's port 0 (once; later calls give the same answer).
 * 0, or a negative errno value: -ENODEV when there is none (or it cannot be used), -ENOMEM when
 * its buffers could not be allocated. */
int console_open(void);

/* Copies buf[0..len) into the port's buffers, handing each buffer to the device as it fills
 * (waiting for the device when every buffer is in its hands). The port must be open. */
void console_write(const void *buf, size_t len);

/* Hands the partly filled buffer to the device and waits until the device has taken every
 * buffer, so that everything written so far has reached the host. */
void console_flush(void);

#endif
