/* The runtime's first code at CPL3, on the bootstrap CPU: read what the loader left us, set up
 * the heap, newlib and argv, then run the user's main() and leave with its result.
 * Parsing happens here rather than at CPL0 because CPL3 code runs natively even where CPL0 code
 * is emulated instruction by instruction (PVM). */
#include "cpu.h"
#include "fault.h"
#include "kabi.h"
#include "multiboot_abi.h"
#include "percpu.h"
#include "platform.h"
#include "park.h"
#include "poweroff.h"
#include "runtime.h"
#include "smp.h"
#include "usys.h"
#include "x86.h"
#include "x86_ops.h"

#include <errno.h>
#include <reent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv);
extern void __libc_init_array(void);
extern char __image_start[], __kernel_end[], __kbss_start[], __kbss_end[], __image_end[];

struct bootinfo runtime_boot;
uint64_t runtime_tsc_entry, runtime_tsc_main;
struct percpu percpu_table[TF_MAX_CPUS];
/* The bootstrap CPU's stack while it runs main(); the core enters on its top. */
char __tfr_boot_stack[KABI_BOOT_STACK_SIZE] __attribute__((aligned(X86_PAGE_SIZE)));

static char cmdline_words[BOOTINFO_CMDLINE_MAX];
static char *argv_buf[RUNTIME_MAX_ARGS + 1];
static char *opts_buf[RUNTIME_MAX_OPTIONS + 1];

static int in_range(uint64_t addr, size_t len, const char *lo, const char *hi)
{
    return addr < (uint64_t)(uintptr_t)hi && addr + len > (uint64_t)(uintptr_t)lo;
}

const void *runtime_map_identity(uint64_t addr, size_t len, void *ctx)
{
    (void)ctx;
    if (addr < X86_PAGE_SIZE || addr >= PLAT_MAPPED_LIMIT || len > PLAT_MAPPED_LIMIT - addr ||
        in_range(addr, len, __image_start, __kernel_end) ||
        in_range(addr, len, __kbss_start, __kbss_end))
        return NULL;
    return (const void *)(uintptr_t)addr;
}

static void say(const char *s)
{
    usys_write(s, strlen(s));
}

/* The bootstrap CPU runs tasks too: an overflow of its stack must fault, not run into the data
 * below it. Its lowest page becomes a guard page. */
static void guard_boot_stack(void)
{
    if (usys_call(KABI_SYS_GUARD_PAGE, (long)__tfr_boot_stack, 0, 0, 0) != 0)
        say("taskfarm: no guard page below the boot stack\n");
}

/* [lo, hi) is available RAM in the loader's memory map. */
static int in_ram(uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < runtime_boot.nregions; i++) {
        const struct bootinfo_region *r = &runtime_boot.regions[i];
        if (r->type == MB_MEMORY_AVAILABLE && r->base <= lo && hi - r->base <= r->length)
            return 1;
    }
    return 0;
}

static void read_boot_information(uint32_t magic, uint64_t info)
{
    int rc = bootinfo_parse(magic, info, runtime_map_identity, NULL, &runtime_boot);
    if (rc < 0) {
        say(rc == -EINVAL ? "taskfarm: not started by a Multiboot loader (unknown magic)\n"
                          : "taskfarm: boot information unreadable\n");
        usys_exit(KABI_EXIT_PANIC);
    }
    runtime_modules_init(); /* before the heap is chosen: it keeps off the modules' pages */
    /* The whole image, including the core's stacks past the loaded bytes, must be RAM; so must
     * the loader's information (a loader short of room puts it past the end of RAM, where the
     * command line reads as empty), and there must be room for a heap. */
    uint64_t start = 0, end = 0, image_end = (uintptr_t)__image_end;
    int heap = bootinfo_heap(&runtime_boot, image_end, PLAT_MAPPED_LIMIT, &start, &end) == 0 &&
               end - start >= RUNTIME_HEAP_MIN;
    if (runtime_boot.nregions &&
        (!in_ram((uintptr_t)__image_start, image_end) || !in_ram(info, info + 8) || !heap)) {
        char m[200];
        snprintf(m, sizeof(m),
                 "taskfarm: not enough memory: the image takes RAM up to %llu KiB and needs a "
                 "heap of %u KiB above it; give the guest at least %llu MiB (tf-run -m)\n",
                 (unsigned long long)(image_end >> 10), RUNTIME_HEAP_MIN >> 10,
                 (unsigned long long)((image_end + RUNTIME_HEAP_MIN) >> 20) + 1);
        say(m);
        usys_exit(KABI_EXIT_PANIC);
    }
    if (heap)
        runtime_heap_init(start, end);
}

/* Where RAM ends below 4 GiB: the end of the highest available region of the memory map, and at
 * least the image's end. */
static uint64_t ram_end(void)
{
    uint64_t end = (uintptr_t)__image_end;
    for (size_t i = 0; i < runtime_boot.nregions; i++) {
        const struct bootinfo_region *r = &runtime_boot.regions[i];
        uint64_t top = r->base + r->length;
        if (r->type != MB_MEMORY_AVAILABLE || r->base >= PLAT_MAPPED_LIMIT)
            continue;
        top = top > PLAT_MAPPED_LIMIT || top < r->base ? PLAT_MAPPED_LIMIT : top;
        end = top > end ? top : end;
    }
    return end;
}

/* Start-up is over before the first line of the program runs (its constructors included): the
 * core refuses the calls that change the platform under every CPU from now on (kabi.h,
 * [start-up]) and never makes RAM uncached. */
static void startup_done(void)
{
    if (usys_call(KABI_SYS_STARTUP_DONE, (long)ram_end(), 0, 0, 0) != 0) {
        say("taskfarm: the core refused to end start-up\n");
        usys_exit(KABI_EXIT_PANIC);
    }
}

extern void (*const __start_tf_startup[])(void) __attribute__((weak));
extern void (*const __stop_tf_startup[])(void) __attribute__((weak));

/* The drivers claim their devices while this is the only CPU (the core then narrows the page
 * tables with no other CPU's TLB to flush); ECAM and BARs above RAM need the core to know where
 * RAM ends. */
static void claim_devices(void)
{
    if (usys_call(KABI_SYS_RAM_END, (long)ram_end(), 0, 0, 0) != 0) {
        say("taskfarm: the core refused the end of RAM\n");
        usys_exit(KABI_EXIT_PANIC);
    }
    for (void (*const *hook)(void) = __start_tf_startup; hook < __stop_tf_startup; hook++)
        (*hook)();
}

extern const struct tf_option_decl __start_tf_options[] __attribute__((weak));
extern const struct tf_option_decl __stop_tf_options[] __attribute__((weak));

static void warn_option(const char *line)
{
    fputs(line, stderr);
}

/* Drops the option words that name no option or carry a bad value (with a warning each); with
 * tf.help=1 lists the options and ends the guest. */
static int check_options(char **opts, int n)
{
    size_t nown = (size_t)(__stop_tf_options - __start_tf_options);
    n = runtime_options_check(opts, n, __start_tf_options, nown, warn_option);
    runtime_options_set(opts, n);
    if (runtime_option_on("help")) {
        runtime_options_list(__start_tf_options, nown, stdout);
        exit(0);
    }
    return n;
}

static int split_arguments(char ***argv)
{
    int nopts = 0;
    memcpy(cmdline_words, runtime_boot.cmdline, sizeof(cmdline_words));
    int argc = bootinfo_split_cmdline(cmdline_words, argv_buf, RUNTIME_MAX_ARGS,
                                      RUNTIME_OPTION_PREFIX, opts_buf, RUNTIME_MAX_OPTIONS, &nopts);
    runtime_options_set(opts_buf, check_options(opts_buf, nopts));
    if (argc < 0) {
        fprintf(stderr, "taskfarm: more than %d arguments or %d tf. options; the rest dropped\n",
                RUNTIME_MAX_ARGS, RUNTIME_MAX_OPTIONS);
        for (argc = 0; argv_buf[argc]; argc++)
            ;
    }
    if (argc == 0) {
        static char name[] = "taskfarm";
        argv_buf[argc++] = name;
        argv_buf[argc] = NULL;
    }
    *argv = argv_buf;
    return argc;
}

uint64_t tf_memory_bytes(void)
{
    return bootinfo_available_bytes(&runtime_boot);
}
uint64_t tf_heap_free_bytes(void)
{
    return runtime_heap_free();
}
uint64_t tf_boot_ns(void)
{
    return runtime_tsc_to_ns(runtime_tsc_main - runtime_tsc_entry);
}

_Noreturn void __tfr_user_entry(uint32_t magic, uint64_t info, uint64_t tsc_entry)
{
    runtime_tsc_entry = tsc_entry;
    struct percpu *self = &percpu_table[0];
    self->self = self;
    self->index = 0;
    self->reent = _impure_ptr;
    usys_set_user_gs(self);

    read_boot_information(magic, info);
    if (runtime_boot.nerrors)
        fprintf(stderr, "taskfarm: %u boot-information problem(s), skipped; first: %s\n",
                runtime_boot.nerrors, runtime_boot.error);
    char **argv;
    int argc = split_arguments(&argv);
    runtime_modules_report();
    runtime_clock_init();
    park_init();
    if (fault_init_cpu() < 0)
        say("taskfarm: fault containment unavailable on CPU 0\n");
    guard_boot_stack();
    claim_devices();
    smp_start();
    sched_init();
    poweroff_init();
    startup_done();
    __libc_init_array();
    runtime_tsc_main = x86_rdtsc();
    exit(main(argc, argv));
}
