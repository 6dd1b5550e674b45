/* CPL0: the serial console (16550 COM1) and a small formatter for the core's own reports.
 * Writes are whole under a spinlock so lines from different CPUs do not interleave; a CPU that
 * faults while it holds the lock (reporting from inside a write) does not wait for itself. */
#include "kcore.h"
#include "uart16550.h"
#include "x86_ops.h"

#include <stdarg.h>
#include <stdint.h>

#define CONSOLE_UNLOCKED 0xFFFFFFFFu

static uint32_t console_owner = CONSOLE_UNLOCKED;

static unsigned self_index(void)
{
    return kcore_self()->index;
}

void kconsole_init(void)
{
    unsigned divisor = UART_BAUD_BASE / UART_BAUD;
    x86_outb(UART_COM1_BASE + UART_IER, 0);
    x86_outb(UART_COM1_BASE + UART_LCR, UART_LCR_DLAB);
    x86_outb(UART_COM1_BASE + UART_DLL, divisor & 0xFF);
    x86_outb(UART_COM1_BASE + UART_DLM, divisor >> 8);
    x86_outb(UART_COM1_BASE + UART_LCR, UART_LCR_8N1);
    x86_outb(UART_COM1_BASE + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
    x86_outb(UART_COM1_BASE + UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
}

/* Up to UART_TX_FIFO bytes: once the transmit FIFO is empty it takes them all, in one string
 * write (under hypervisors every port access is an exit, and the console carries the boot table
 * and the tests' output). */
static void uart_write_fifo(const char *chunk, size_t len)
{
    while (!(x86_inb(UART_COM1_BASE + UART_LSR) & UART_LSR_THRE))
        x86_pause();
    x86_rep_outsb(UART_COM1_BASE + UART_THR, chunk, len);
}

void kconsole_write(const char *buf, size_t len)
{
    uint32_t me = self_index(), expected = CONSOLE_UNLOCKED;
    int nested = __atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me;
    while (!nested && !__atomic_compare_exchange_n(&console_owner, &expected, me, 0,
                                                   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        expected = CONSOLE_UNLOCKED;
        x86_pause();
    }
    char chunk[UART_TX_FIFO];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (n + 2 > sizeof(chunk)) {
            uart_write_fifo(chunk, n);
            n = 0;
        }
        if (buf[i] == '\n')
            chunk[n++] = '\r';
        chunk[n++] = buf[i];
    }
    if (n)
        uart_write_fifo(chunk, n);
    if (!nested)
        __atomic_store_n(&console_owner, CONSOLE_UNLOCKED, __ATOMIC_RELEASE);
}

/* Formatter: %s %c %d %u %x %p and %%, with l/ll, a zero flag and a width. */
struct kfmt {
    char buf[128];
    size_t len;
};

static void kfmt_putc(struct kfmt *f, char c)
{
    if (f->len == sizeof(f->buf)) {
        kconsole_write(f->buf, f->len);
        f->len = 0;
    }
    f->buf[f->len++] = c;
}

static void kfmt_number(struct kfmt *f, uint64_t v, unsigned base, int negative, unsigned width,
                        char pad)
{
    char digits[24];
    unsigned n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    for (unsigned i = n; i < width; i++)
        kfmt_putc(f, pad);
    while (n)
        kfmt_putc(f, digits[--n]);
}

void kprintf(const char *fmt, ...)
{
    struct kfmt f = {.len = 0};
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            kfmt_putc(&f, *p);
            continue;
        }
        char pad = ' ';
        unsigned width = 0, longs = 0;
        if (*++p == '0')
            pad = '0', p++;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (unsigned)(*p++ - '0');
        while (*p == 'l')
            longs++, p++;
        switch (*p) {
        case 's':
            for (const char *s = va_arg(ap, const char *); s && *s; s++)
                kfmt_putc(&f, *s);
            break;
        case 'c':
            kfmt_putc(&f, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            kfmt_number(&f, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            kfmt_number(&f, v, *p == 'u' ? 10 : 16, 0, width, pad);
            break;
        }
        case 'p':
            kfmt_putc(&f, '0');
            kfmt_putc(&f, 'x');
            kfmt_number(&f, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, 16, '0');
            break;
        case '%':
            kfmt_putc(&f, '%');
            break;
        default: /* unknown conversion or end of string: print what we have */
            kfmt_putc(&f, '%');
            if (!*p)
                p--;
            else
                kfmt_putc(&f, *p);
        }
    }
    va_end(ap);
    kconsole_write(f.buf, f.len);
}
