/* Boot modules (taskfarm.h: tf_module_count, tf_module_get, tf_module_find): files the loader
 * put in memory next to the image (QEMU's -initrd, GRUB's module2), handed out where they lie,
 * without copying, and mapped read-only so that no CPU can change them.
 *
 * The identity map's pages are 2 MiB, so every 2 MiB page holding a byte of a module becomes
 * read-only (the heap keeps off those pages: bootinfo_heap). That takes one core call per module
 * and one page-table store per 2 MiB at CPL0, however large the module. A module below the image
 * (in the first 2 MiB, mapped with 4 KiB pages, where only small modules fit) stays writable. */
#include "kabi.h"
#include "platform.h"
#include "runtime.h"
#include "taskfarm.h"
#include "usys.h"
#include "x86.h"

#include <stdio.h>
#include <string.h>

extern char __image_start[], __image_end[];

/* What an empty module's data points at: a valid pointer to no bytes, whatever its address. */
static const unsigned char empty_module[1];

static uint64_t page_down(uint64_t a)
{
    return a & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1);
}

static uint64_t page_up(uint64_t a)
{
    return page_down(a + X86_LARGE_PAGE_SIZE - 1);
}

/* Returns 0, or the core's error when the pages could not be made read-only. */
static long protect(const struct bootinfo_module *m)
{
    uint64_t lo = page_down(m->start), hi = page_up(m->end);
    if (m->end == m->start || lo < (uint64_t)(uintptr_t)__image_end)
        return 0; /* empty, or below the image: 4 KiB pages, left as they are */
    return usys_call(KABI_SYS_READ_ONLY, (long)lo, (long)(hi - lo), 0, 0);
}

void runtime_modules_init(void)
{
    const struct bootinfo_range keep_out[] = {
        {0, X86_PAGE_SIZE}, /* page 0: unmapped, so that null pointers fault */
        {(uintptr_t)__image_start, (uintptr_t)__image_end},
        {KABI_TRAMPOLINE_ADDR, KABI_TRAMPOLINE_ADDR + X86_PAGE_SIZE}, /* AP start-up code */
    };
    bootinfo_check_modules(&runtime_boot, keep_out, sizeof(keep_out) / sizeof(keep_out[0]),
                           PLAT_MAPPED_LIMIT);
    for (size_t i = 0; i < runtime_boot.nmodules; i++)
        if (protect(&runtime_boot.modules[i]) < 0)
            bootinfo_report(&runtime_boot, "module %zu could not be made read-only", i);
}

void runtime_modules_report(void)
{
    uint64_t bytes = 0;
    if (!runtime_boot.nmodules || tf_option("quiet"))
        return;
    for (size_t i = 0; i < runtime_boot.nmodules; i++)
        bytes += runtime_boot.modules[i].end - runtime_boot.modules[i].start;
    printf("taskfarm: %zu boot module%s, %llu KiB, read-only\n", runtime_boot.nmodules,
           runtime_boot.nmodules == 1 ? "" : "s", (unsigned long long)(bytes >> 10));
}

static void describe(const struct bootinfo_module *m, struct tf_module *out)
{
    out->name = m->name;
    out->size = (size_t)(m->end - m->start);
    out->data = out->size ? (const void *)(uintptr_t)m->start : empty_module;
}

unsigned tf_module_count(void)
{
    return (unsigned)runtime_boot.nmodules;
}

int tf_module_get(unsigned index, struct tf_module *out)
{
    if (index >= runtime_boot.nmodules || !out)
        return TF_EINVAL;
    describe(&runtime_boot.modules[index], out);
    return 0;
}

const void *tf_module_find(const char *name, size_t *size)
{
    for (size_t i = 0; name && i < runtime_boot.nmodules; i++) {
        if (strcmp(runtime_boot.modules[i].name, name) == 0) {
            struct tf_module m;
            describe(&runtime_boot.modules[i], &m);
            if (size)
                *size = m.size;
            return m.data;
        }
    }
    if (size)
        *size = 0;
    return NULL;
}
