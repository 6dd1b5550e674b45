/* io: files in (boot modules) and results out (the output stream), for the QEMU tests. One mode
 * per run:
 *   io modules          every module: "module I size S crc32 C name=[NAME]"; then the API's edge
 *                       cases (bad index, absent name), and that the heap keeps off the modules
 *   io find NAME...     "find NAME: size S head HEX tail HEX" (the first and last 16 bytes at
 *                       most), or "find NAME: absent"
 *   io readonly         module 0 cannot be changed: a task that writes to it faults, the core
 *                       refuses to write a result into it, and its bytes stay as they were
 *   io poke             writes to module 0 outside a task (the machine ends with #PF)
 *   io pattern BYTES    BYTES of the test pattern (8-byte little-endian words holding their own
 *                       index: word k at offset 8k is k) to the output stream, in chunks of
 *                       assorted sizes, through tf_output_write and fwrite(tf_output()); returns
 *                       from main without flushing: the runtime's exit flushes
 *   io text LINES       LINES lines "line I of LINES\n" through fprintf(tf_output()); then
 *                       exit(0) from a nested call, again without flushing
 *   io nooutput         without an output port: tf_output() is NULL (ENODEV), the calls fail
 *                       with TF_ENODEV
 *   io worker           with an output port and a second CPU: a task on another CPU gets
 *                       TF_EPERM from tf_output_write and NULL (EPERM) from tf_output()
 * Every mode but poke prints "io: ok" last when its checks passed and exits 0; otherwise it
 * prints what went wrong and exits 1. */
#include "kabi.h"
#include "usys.h"

#include <taskfarm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MAX  200000 /* longest write of the pattern mode */
#define TAIL_BYTES 16

static int failures;

static void fail(const char *what, long long a, long long b)
{
    if (failures++ < 10)
        printf("io: FAILED %s (%lld, %lld)\n", what, a, b);
}

/* CRC-32 (IEEE 802.3, reflected, as zlib.crc32 computes it) */
static uint32_t crc_table[256];

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    if (!crc_table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            crc_table[i] = c;
        }
    crc = ~crc;
    while (n--)
        crc = crc_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static int run_modules(void)
{
    unsigned n = tf_module_count();
    struct tf_module m;
    printf("modules: %u\n", n);
    for (unsigned i = 0; i < n; i++) {
        if (tf_module_get(i, &m) != 0) {
            fail("tf_module_get", i, n);
            continue;
        }
        printf("module %u size %zu crc32 %08x name=[%s]\n", i, m.size,
               (unsigned)crc32(0, m.data, m.size), m.name);
        size_t size = 1;
        if (tf_module_find(m.name, &size) != m.data || size != m.size)
            fail("tf_module_find of a listed name", i, (long long)size);
        void *block = malloc(1 << 20); /* the heap keeps off every module */
        uintptr_t b = (uintptr_t)block, d = (uintptr_t)m.data;
        if (!block || (b < d + m.size && d < b + (1 << 20)))
            fail("heap block overlaps a module", (long long)b, (long long)d);
        free(block);
    }
    size_t size = 1;
    if (tf_module_get(n, &m) != TF_EINVAL || (n && tf_module_get(0, NULL) != TF_EINVAL))
        fail("tf_module_get out of range", n, 0);
    if (tf_module_find("no such module", &size) != NULL || size != 0)
        fail("tf_module_find of an absent name", (long long)size, 0);
    if (tf_module_find(NULL, NULL) != NULL)
        fail("tf_module_find(NULL)", 0, 0);
    return 0;
}

static void hex(const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < n; k++)
        printf("%02x", p[k]);
}

/* Size and the bytes at both ends only: each first touch of a page costs the hypervisor a fault,
 * so a checksum of a module of gigabytes takes seconds. */
static int run_find(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        size_t size;
        const uint8_t *p = tf_module_find(argv[i], &size);
        if (!p) {
            printf("find %s: absent\n", argv[i]);
            continue;
        }
        size_t ends = size < TAIL_BYTES ? size : TAIL_BYTES;
        printf("find %s: size %zu head ", argv[i], size);
        hex(p, ends);
        printf(" tail ");
        hex(p + size - ends, ends);
        printf("\n");
    }
    return 0;
}

static uint64_t write_module(void *arg)
{
    *(volatile uint8_t *)arg ^= 1;
    return 0;
}

static int run_readonly(void)
{
    struct tf_module m;
    if (tf_module_get(0, &m) != 0 || m.size < 16)
        return printf("io: readonly needs a module of 16 bytes or more\n"), 1;
    uint32_t before = crc32(0, m.data, m.size);
    int err = tf_wait(tf_submit(write_module, (void *)m.data), NULL);
    printf("readonly: task write: %s\n", tf_strerror(err));
    if (err != TF_EFAULT_BASE - 14)
        fail("a task's write to a module", err, TF_EFAULT_BASE - 14);
    /* the core writes CPUID's result where it is told: not into a read-only page */
    uintptr_t aligned = ((uintptr_t)m.data + 3) & ~(uintptr_t)3;
    long rc = usys_call(KABI_SYS_CPUID, 0, 0, (long)aligned, 0);
    printf("readonly: core write: %ld\n", rc);
    if (rc != -KABI_EFAULT)
        fail("the core's write to a module", rc, -KABI_EFAULT);
    if (crc32(0, m.data, m.size) != before)
        fail("the module changed", 0, 0);
    return 0;
}

static int run_poke(void)
{
    struct tf_module m;
    if (tf_module_get(0, &m) != 0 || m.size == 0)
        return printf("io: poke needs a module\n"), 1;
    write_module((void *)m.data);
    printf("io: the write to a module did not fault\n");
    return 1;
}

/* The pattern's bytes [off, off + n) */
static void pattern(uint8_t *to, uint64_t off, size_t n)
{
    for (size_t i = 0; i < n; i++, off++)
        to[i] = (uint8_t)((off >> 3) >> (8 * (off & 7)));
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Chunk sizes: mostly up to CHUNK_MAX, some tiny, some empty; every fourth through the FILE. */
static int run_pattern(uint64_t total)
{
    static uint8_t chunk[CHUNK_MAX];
    uint64_t seed = 0x9E3779B97F4A7C15ull, off = 0, crc = 0;
    FILE *out = tf_output();
    if (!out)
        return printf("io: no output port (errno %d)\n", errno), 1;
    for (unsigned i = 0; off < total; i++) {
        uint64_t r = next_random(&seed);
        size_t n = i % 7 == 3 ? r % 16 : r % CHUNK_MAX;
        if (n > total - off)
            n = (size_t)(total - off);
        pattern(chunk, off, n);
        crc = crc32((uint32_t)crc, chunk, n);
        if (i % 4 == 1) {
            if (fwrite(chunk, 1, n, out) != n)
                fail("fwrite", (long long)off, (long long)n);
        } else if (tf_output_write(chunk, n) != (long)n) {
            fail("tf_output_write", (long long)off, (long long)n);
        }
        off += n;
    }
    printf("pattern: %llu bytes crc32 %08x\n", (unsigned long long)off, (unsigned)crc);
    return 0;
}

__attribute__((noinline)) static void leave(void)
{
    printf("io: ok\n");
    exit(failures ? 1 : 0);
}

static int run_text(unsigned long lines)
{
    FILE *out = tf_output();
    if (!out)
        return printf("io: no output port (errno %d)\n", errno), 1;
    for (unsigned long i = 0; i < lines; i++)
        if (fprintf(out, "line %lu of %lu\n", i, lines) < 0)
            fail("fprintf", (long long)i, errno);
    leave(); /* exit(0) with the stream unflushed */
    return 1;
}

static int run_nooutput(void)
{
    errno = 0;
    FILE *f = tf_output();
    if (f != NULL || errno != ENODEV)
        fail("tf_output() without a port", f != NULL, errno);
    if (tf_output_write("x", 1) != TF_ENODEV)
        fail("tf_output_write without a port", 0, 0);
    if (tf_output_flush() != TF_ENODEV)
        fail("tf_output_flush without a port", 0, 0);
    printf("nooutput: %s\n", tf_strerror(TF_ENODEV));
    return 0;
}

/* On another CPU: 1 when every call was refused as it should be, 2 when it ran on CPU 0. */
static uint64_t output_elsewhere(void *unused)
{
    (void)unused;
    if (tf_cpu_self() == 0)
        return 2;
    errno = 0;
    FILE *f = tf_output();
    int saved = errno;
    return tf_output_write("x", 1) == TF_EPERM && tf_output_flush() == TF_EPERM && !f &&
           saved == EPERM;
}

static int run_worker(void)
{
    if (tf_cpu_count() < 2)
        return printf("io: worker needs two CPUs\n"), 1;
    if (tf_output_write("main\n", 5) != 5)
        fail("tf_output_write on CPU 0", 0, 0);
    uint64_t r = 2;
    for (int tries = 0; tries < 100 && r == 2; tries++)
        if (tf_wait(tf_submit(output_elsewhere, NULL), &r) != 0)
            fail("tf_wait", tries, 0);
    printf("worker: %s\n", r == 1 ? "refused" : "not refused");
    if (r != 1)
        fail("output from another CPU", (long long)r, 1);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int rc;
    if (!strcmp(mode, "modules"))
        rc = run_modules();
    else if (!strcmp(mode, "find"))
        rc = run_find(argc, argv);
    else if (!strcmp(mode, "readonly"))
        rc = run_readonly();
    else if (!strcmp(mode, "poke"))
        rc = run_poke();
    else if (!strcmp(mode, "pattern") && argc > 2)
        rc = run_pattern(strtoull(argv[2], NULL, 0));
    else if (!strcmp(mode, "text") && argc > 2)
        rc = run_text(strtoul(argv[2], NULL, 0));
    else if (!strcmp(mode, "nooutput"))
        rc = run_nooutput();
    else if (!strcmp(mode, "worker"))
        rc = run_worker();
    else
        return printf("usage: io modules|find NAME...|readonly|poke|pattern BYTES|text LINES|"
                      "nooutput|worker\n"),
               1;
    if (rc || failures)
        return 1;
    printf("io: ok\n");
    return 0;
}
