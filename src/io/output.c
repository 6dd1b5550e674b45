/* The output stream of taskfarm.h (tf_output_write, tf_output_flush, tf_output): bytes for the
 * host, in order, through port 0 of a virtio console (console.h). Bootstrap CPU only: the driver
 * keeps no locks, and its interrupt goes to that CPU.
 *
 * The FILE of tf_output() is unbuffered on the newlib side: every fwrite or fprintf hands its
 * bytes to tf_output_write at once, which copies them into the driver's large buffers, so no
 * second layer of buffering needs flushing and a call on the wrong CPU fails at once.
 *
 * At exit (exit(), a return from main, abort()) on the bootstrap CPU the runtime's _exit calls
 * the hook this file installs when the port opens, which flushes the port before the machine
 * ends: what was written reaches the host before its exit status does. */
#define _GNU_SOURCE /* newlib's fopencookie */
#include "api_error.h"
#include "console.h"
#include "runtime.h"
#include "taskfarm.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

static FILE *stream;

static void flush_at_exit(void)
{
    if (tf_cpu_self() == 0)
        console_flush();
}

/* 0 when the caller may write to an open port; -EPERM, -ENODEV or -ENOMEM otherwise. */
static int ready(void)
{
    if (tf_cpu_self() != 0)
        return -EPERM;
    static int flush_registered;
    int rc = console_open();
    if (rc == 0 && !flush_registered)
        flush_registered = runtime_on_exit(flush_at_exit) == 0;
    return rc;
}

/* tf_output_write and the FILE's write, with a negative errno value for an error. */
static long output_write(const void *buf, size_t len)
{
    int rc = ready();
    if (rc)
        return rc;
    if ((!buf && len) || len > LONG_MAX)
        return -EINVAL;
    console_write(buf, len);
    return (long)len;
}

long tf_output_write(const void *buf, size_t len)
{
    long rc = output_write(buf, len);
    return rc < 0 ? api_error_from_errno((int)rc) : rc;
}

int tf_output_flush(void)
{
    int rc = ready();
    if (rc)
        return api_error_from_errno(rc);
    if (stream)
        fflush(stream); /* in case the program gave it a buffer of its own (setvbuf) */
    console_flush();
    return 0;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t len)
{
    (void)cookie;
    long rc = output_write(buf, len);
    if (rc < 0) {
        errno = rc == -EPERM || rc == -ENOMEM ? (int)-rc : EIO; /* a port that failed: EIO */
        return -1;
    }
    return rc;
}

/* fclose(tf_output()) ends this FILE only; the next tf_output() opens another. */
static int stream_close(void *cookie)
{
    (void)cookie;
    stream = NULL;
    return 0;
}

FILE *tf_output(void)
{
    int rc = ready();
    if (rc) {
        errno = -rc;
        return NULL;
    }
    if (!stream) {
        cookie_io_functions_t io = {
            .read = NULL, .write = stream_write, .seek = NULL, .close = stream_close};
        stream = fopencookie(NULL, "w", io);
        if (stream)
            setvbuf(stream, NULL, _IONBF, 0);
    }
    return stream;
}
