/* The system-call layer newlib expects (built with --disable-newlib-supplied-syscalls; for this
 * target newlib calls the plain POSIX names, and _exit). Standard
 * output and error go to the serial console; there is no file system, so file calls fail with
 * the errno a user would expect. */
#include "percpu.h"
#include "runtime.h"
#include "usys.h"

#include <errno.h>
#include <reent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>

static uintptr_t heap_next, heap_end;

void runtime_heap_init(uint64_t start, uint64_t end)
{
    heap_next = (uintptr_t)start;
    heap_end = (uintptr_t)end;
}

uint64_t runtime_heap_free(void)
{
    return heap_end - __atomic_load_n(&heap_next, __ATOMIC_RELAXED);
}

/* newlib's per-CPU state (compiled with __DYNAMIC_REENT__) */
struct _reent *__getreent(void)
{
    return percpu_reent();
}

void *sbrk(ptrdiff_t incr)
{
    uintptr_t old = __atomic_load_n(&heap_next, __ATOMIC_RELAXED), new;
    do {
        if (incr > 0 ? (uintptr_t)incr > heap_end - old : (uintptr_t)-incr > old)
            goto nomem;
        new = old + (uintptr_t)incr;
    } while (
        !__atomic_compare_exchange_n(&heap_next, &old, new, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return (void *)old;
nomem:
    errno = ENOMEM;
    return (void *)-1;
}

int write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    long rc = usys_write(buf, len);
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return (int)rc;
}

int read(int fd, void *buf, size_t len)
{
    (void)buf;
    (void)len;
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    return 0; /* standard input is empty */
}

static void (*exit_hooks[RUNTIME_EXIT_HOOKS])(void);
static unsigned exit_hook_count;

int runtime_on_exit(void (*hook)(void))
{
    unsigned n = __atomic_load_n(&exit_hook_count, __ATOMIC_RELAXED);
    do {
        if (n == RUNTIME_EXIT_HOOKS)
            return -1;
    } while (!__atomic_compare_exchange_n(&exit_hook_count, &n, n + 1, 1, __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
    __atomic_store_n(&exit_hooks[n], hook, __ATOMIC_RELEASE);
    return 0;
}

/* The first CPU to exit runs the hooks; another one exiting meanwhile goes straight on (the
 * hooks only delay the end, they are not needed for it). */
static void run_exit_hooks(void)
{
    static int started;
    if (__atomic_exchange_n(&started, 1, __ATOMIC_RELAXED))
        return;
    for (unsigned i = __atomic_load_n(&exit_hook_count, __ATOMIC_RELAXED); i-- > 0;) {
        void (*hook)(void) = __atomic_load_n(&exit_hooks[i], __ATOMIC_ACQUIRE);
        if (hook)
            hook();
    }
}

/* Every end from CPL3: the exit hooks (the output stream's flush, the NIC's last frames), then
 * the core's exit. */
static _Noreturn void leave(int code)
{
    run_exit_hooks();
    usys_exit(code);
}

void runtime_console_printf(const char *fmt, ...)
{
    char line[RUNTIME_CONSOLE_LINE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        usys_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* exit(n) and main's return. Codes past KABI_EXIT_USER_MAX would read as the runtime's own
 * (abort, a broken invariant, an exception) or the launcher's: they leave as that maximum. */
_Noreturn void _exit(int code)
{
    if (code < 0 || code > KABI_EXIT_USER_MAX) {
        runtime_console_printf("exit(%d): exit codes are 0-%d; exiting with %d\n", code,
                               KABI_EXIT_USER_MAX, KABI_EXIT_USER_MAX);
        code = KABI_EXIT_USER_MAX;
    }
    leave(code);
}

int close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int fstat(int fd, struct stat *st)
{
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    *st = (struct stat){.st_mode = S_IFCHR};
    return 0;
}

int isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

off_t lseek(int fd, off_t off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

int open(const char *path, int flags, ...)
{
    (void)path;
    (void)flags;
    errno = ENOENT;
    return -1;
}

int unlink(const char *path)
{
    (void)path;
    errno = ENOENT;
    return -1;
}

int link(const char *old, const char *new)
{
    (void)old;
    (void)new;
    errno = EMLINK;
    return -1;
}

int kill(int pid, int sig)
{
    (void)sig;
    if (pid == 1) /* raise() and abort(): the machine is the process */
        leave(KABI_EXIT_SIGNAL);
    errno = ESRCH;
    return -1;
}

int getpid(void)
{
    return 1;
}

int fork(void)
{
    errno = ENOSYS;
    return -1;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    (void)path;
    (void)argv;
    (void)envp;
    errno = ENOSYS;
    return -1;
}

int wait(int *status)
{
    (void)status;
    errno = ECHILD;
    return -1;
}

clock_t times(struct tms *t)
{
    (void)t;
    errno = ENOSYS;
    return (clock_t)-1;
}

int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tv;
    (void)tz;
    errno = ENOSYS;
    return -1;
}

/* __libc_init_array() calls _init() before the .init_array constructors; there is no .init. */
void _init(void) {}
void _fini(void) {}
