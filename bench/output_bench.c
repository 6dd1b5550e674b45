/* output-bench: how fast results leave the guest, for bench/output-throughput. One mode per run:
 *   output-bench stream BYTES   BYTES through tf_output_write (1 MiB at a time from one buffer
 *                               filled once), then tf_output_flush
 *   output-bench serial BYTES   BYTES to the serial console (fwrite to stdout, 4 KiB at a time)
 *   output-bench none           nothing: the boot and exit the other runs are compared with
 * Each prints "MODE: N bytes in T ns" (the guest's clock, from the first byte to the last one
 * taken by the host) and exits 0; 1 when a write failed. */
#include <taskfarm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_CHUNK (1u << 20)
#define SERIAL_CHUNK 4096u

static unsigned char buffer[STREAM_CHUNK];

static int stream(uint64_t total)
{
    for (size_t i = 0; i < sizeof(buffer); i++)
        buffer[i] = (unsigned char)(i * 131 + 7);
    uint64_t start = tf_now_ns();
    for (uint64_t done = 0; done < total;) {
        size_t n = total - done < STREAM_CHUNK ? (size_t)(total - done) : STREAM_CHUNK;
        if (tf_output_write(buffer, n) != (long)n)
            return 1;
        done += n;
    }
    if (tf_output_flush() != 0)
        return 1;
    uint64_t ns = tf_now_ns() - start;
    fprintf(stderr, "stream: %llu bytes in %llu ns\n", (unsigned long long)total,
            (unsigned long long)ns);
    return 0;
}

static int serial(uint64_t total)
{
    memset(buffer, 'x', SERIAL_CHUNK);
    buffer[SERIAL_CHUNK - 1] = '\n';
    uint64_t start = tf_now_ns();
    for (uint64_t done = 0; done < total;) {
        size_t n = total - done < SERIAL_CHUNK ? (size_t)(total - done) : SERIAL_CHUNK;
        if (fwrite(buffer, 1, n, stdout) != n)
            return 1;
        done += n;
    }
    fflush(stdout);
    uint64_t ns = tf_now_ns() - start;
    fprintf(stderr, "\nserial: %llu bytes in %llu ns\n", (unsigned long long)total,
            (unsigned long long)ns);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    uint64_t bytes = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;
    if (!strcmp(mode, "stream"))
        return stream(bytes);
    if (!strcmp(mode, "serial"))
        return serial(bytes);
    if (!strcmp(mode, "none"))
        return 0;
    fprintf(stderr, "usage: output-bench stream|serial BYTES | none\n");
    return 1;
}
