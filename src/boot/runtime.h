/* Internal interface of the CPL3 runtime's start-up (src/boot, user side). */
#ifndef TF_BOOT_RUNTIME_H
#define TF_BOOT_RUNTIME_H

#include "bootinfo.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RUNTIME_MAX_ARGS      64
#define RUNTIME_MAX_OPTIONS   32
#define RUNTIME_OPTION_PREFIX "tf."
#define RUNTIME_HEAP_MIN      (1u << 20) /* smaller: newlib, the farm and fault containment fail */

/* What the loader told us; valid from the start of __tfr_user_entry on. */
extern struct bootinfo runtime_boot;
/* TSC at the core's first instruction and at the runtime's first */
extern uint64_t runtime_tsc_entry, runtime_tsc_main;
/* Bytes the heap may still grow */
uint64_t runtime_heap_free(void);

/* The heap for _sbrk: [start, end) */
void runtime_heap_init(uint64_t start, uint64_t end);

/* clock.c: finds the TSC rate once at start-up; the rate (assumed when no source gave one, 0
 * only before runtime_clock_init), where it came from ("kvmclock", "cpuid", "pit", or that it
 * was assumed), and ticks in nanoseconds. Nanoseconds in ticks: deadline.h. */
void runtime_clock_init(void);
uint64_t runtime_tsc_hz(void);
const char *runtime_tsc_source(void);
uint64_t runtime_tsc_to_ns(uint64_t ticks);

/* Physical memory as the runtime may read it at CPL3: [addr, addr + len) when it lies in the
 * identity map below 4 GiB and outside page 0 (unmapped so that null pointers fault) and the
 * core's supervisor-only parts of the image; NULL otherwise. The shape of bootinfo_map_fn, for
 * the parsers of the loader's information and of the ACPI tables; ctx is unused. */
const void *runtime_map_identity(uint64_t addr, size_t len, void *ctx);

/* start.c: work a driver linked into the image does at start-up, before the other CPUs start
 * and before main: claiming its device, whose control the core takes then (the [start-up]
 * KABI_SYS_VIRTIO_OPEN). A hook must not print, and must leave a device it did not find alone. */
#define RUNTIME_STARTUP_HOOK(fn)                                                                   \
    static void (*const runtime_startup_##fn)(void)                                                \
        __attribute__((used, section("tf_startup"), aligned(sizeof(void *)))) = fn

/* locks.c: releases the newlib locks the calling CPU holds (after a task faulted inside newlib);
 * returns how many, and sets *malloc_lock when malloc's was among them. */
int locks_release_held(int *malloc_lock);

/* newlib_glue.c: work _exit does before the machine stops, on every exit from CPL3 (exit, a
 * return from main, abort), last registered first. A hook must be bounded in time, may run on any
 * CPU, and must not exit. 0, or -1 when RUNTIME_EXIT_HOOKS are registered already. */
#define RUNTIME_EXIT_HOOKS 4
int runtime_on_exit(void (*hook)(void));

/* newlib_glue.c: a formatted line straight to the console, through no stdio stream, so exit
 * hooks can report (exit() has closed stdio before they run). Cut at RUNTIME_CONSOLE_LINE
 * bytes. */
#define RUNTIME_CONSOLE_LINE 320
void runtime_console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* modules.c: keeps the modules the runtime can hand out and maps their pages read-only (before
 * the heap is chosen and the other CPUs start); prints one line about them (unless tf.quiet). */
void runtime_modules_init(void);
void runtime_modules_report(void);

/* Runtime options (words "tf.NAME=VALUE" on the command line, not passed to main) */
void runtime_options_set(char **opts, int n);

/* option_check.c: keeps the option words of opts[0..n) that name an option of the runtime's or
 * of own[0..nown) (the program's TF_OPTION declarations) with a value of the form it accepts,
 * in order, and returns how many; each other word gets one line through warn(). */
struct tf_option_decl;
int runtime_options_check(char **opts, int n, const struct tf_option_decl *own, size_t nown,
                          void (*warn)(const char *line));
/* 1 when `value` has the form `accepts` describes (see option_check.c). */
int runtime_option_value_ok(const char *accepts, const char *value);
/* Prints every option and what it accepts (tf.help=1). */
void runtime_options_list(const struct tf_option_decl *own, size_t nown, FILE *out);
/* 1 when the flag option tf.NAME is 1 (tf.quiet=0 is not quiet). */
int runtime_option_on(const char *name);

#endif
