/* What the runtime keeps from the boot loader: the command line, the memory map, the boot modules
 * and a copy of the ACPI RSDP, parsed from Multiboot1 or Multiboot2 information. Pure C: the
 * parser reads the loader's structures only through a bounds-checking accessor, so the same code
 * runs on the host against crafted blobs (test/unit/test_bootinfo_*.c).
 * Strings (the command line, module names) are copied; module contents stay where the loader
 * put them. */
#ifndef TF_BOOT_BOOTINFO_H
#define TF_BOOT_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOTINFO_CMDLINE_MAX  1024
#define BOOTINFO_REGIONS_MAX  64
#define BOOTINFO_RSDP_MAX     36 /* ACPI 2.0+ RSDP length */
#define BOOTINFO_RSDP_V1_LEN  20 /* ACPI 1.0 RSDP length */
#define BOOTINFO_ERROR_MAX    160
#define BOOTINFO_MB2_MAX      (1u << 20) /* larger Multiboot2 information is refused */
#define BOOTINFO_MB1_MMAP_MAX (64u << 10)
#define BOOTINFO_MODULES_MAX  64
#define BOOTINFO_MODULE_NAME_MAX                                                                   \
    256 /* bytes of a module's name with its NUL; longer ones are cut and reported */
#define BOOTINFO_MODULE_STRING_MAX 1024 /* bytes of a module's string (path and name) read */
#define BOOTINFO_MB1_MODS_MAX      4096 /* larger Multiboot1 mods_count values are refused */
/* Modules are mapped read-only in whole 2 MiB pages (the identity map's page size), so the heap
 * keeps off every 2 MiB page that holds a byte of one. */
#define BOOTINFO_MODULE_PAGE 0x200000ull

struct bootinfo_region {
    uint64_t base, length;
    uint32_t type; /* MB_MEMORY_AVAILABLE, ... (multiboot_abi.h) */
};

/* A boot module: the loader's [start, end) and the name the runtime gives it. A module's string
 * (Multiboot1 3.3, Multiboot2 3.6.6) is free text; the runtime reads it as "PATH NAME", which is
 * what QEMU's -kernel loader passes for -initrd "PATH NAME" and GRUB for module2 FILE PATH NAME.
 * The name is everything after the first space, with double quotes removed and a backslash
 * taking the next character literally (GRUB quotes a NAME holding blanks that way, and escapes
 * quotes and backslashes; tools/tf-run does the same for QEMU); a string without a space gives
 * what follows its last '/' (an empty string, an empty name). */
struct bootinfo_module {
    uint64_t start, end;
    char name[BOOTINFO_MODULE_NAME_MAX];
};

/* A range [start, end) of physical memory. */
struct bootinfo_range {
    uint64_t start, end;
};

struct bootinfo {
    int protocol; /* 1 or 2 (Multiboot version) */
    char cmdline[BOOTINFO_CMDLINE_MAX];
    int cmdline_truncated;
    size_t nregions;
    struct bootinfo_region regions[BOOTINFO_REGIONS_MAX];
    int regions_truncated;
    uint8_t rsdp[BOOTINFO_RSDP_MAX];
    size_t rsdp_len;  /* 0: the loader passed no RSDP */
    int rsdp_version; /* 1: ACPI 1.0 (Multiboot2 tag 14), 2: ACPI 2.0+ (tag 15) */
    size_t nmodules;  /* in the loader's order */
    struct bootinfo_module modules[BOOTINFO_MODULES_MAX];
    int modules_truncated;          /* the loader passed more than BOOTINFO_MODULES_MAX */
    unsigned modules_dropped;       /* modules bootinfo_check_modules refused (each reported) */
    unsigned nerrors;               /* damaged fields or tags, reported and skipped */
    char error[BOOTINFO_ERROR_MAX]; /* the first of them */
};

/* Gives a pointer to [addr, addr + len) of the loader's physical memory, or NULL when that range
 * may not be read. */
typedef const void *(*bootinfo_map_fn)(uint64_t addr, size_t len, void *ctx);

/* Parses the information at physical address `info` left by a loader that passed `magic` in EAX.
 * Returns 0 (damaged parts are counted in nerrors and described in error), -EINVAL for an unknown
 * magic, -EFAULT when the information's header itself cannot be read or is inconsistent. */
int bootinfo_parse(uint32_t magic, uint64_t info, bootinfo_map_fn map, void *ctx,
                   struct bootinfo *out);

/* Records a damaged field: counts it and keeps the first description (printf format). For the
 * parts of the parser in other files. */
void bootinfo_report(struct bootinfo *bi, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The name of a module whose string is `s` (see struct bootinfo_module) into name[max]; 1 when it
 * had to be cut, else 0. */
int bootinfo_module_name(const char *s, char *name, size_t max);

/* Keeps only the modules the runtime can hand out: each must lie wholly in available RAM below
 * `limit` (no other entry of the memory map overlapping it), must not end before it starts, and
 * must overlap neither a range in keep_out[0..n) (what the runtime needs for itself: page 0, the
 * image, the AP start-up page) nor a module kept before it. An empty module needs only a start
 * inside available RAM. Every module refused is reported and counted in modules_dropped; the
 * others keep their order. */
void bootinfo_check_modules(struct bootinfo *bi, const struct bootinfo_range *keep_out, size_t n,
                            uint64_t limit);

/* Chooses the heap: the largest range of available RAM in [image_end, limit) that no other
 * entry of the memory map (reserved, ACPI, ...) and no module's 2 MiB pages (BOOTINFO_MODULE_PAGE)
 * overlap. The command line and module names have been copied by then, so the loader's
 * information itself may become heap. Returns 0 and sets [*start, *end), or -ENOMEM when no such
 * RAM lies there. */
int bootinfo_heap(const struct bootinfo *bi, uint64_t image_end, uint64_t limit, uint64_t *start,
                  uint64_t *end);

/* Bytes of available RAM in the memory map, saturating at UINT64_MAX (overlaps counted once is
 * not attempted: loaders do not report overlapping available regions). */
uint64_t bootinfo_available_bytes(const struct bootinfo *bi);

/* Splits `line` in place into words: blanks separate words; double quotes group blanks into a
 * word ("" is an empty word; an unterminated quote runs to the end of the line); a backslash takes
 * the next character literally (a backslash at the very end is kept). Words starting with
 * `skip_prefix` after this unquoting (unless NULL) are left out of argv and collected into opts
 * instead. argv (max_args + 1 entries) and opts (max_opts + 1, or NULL when skip_prefix is) get a
 * NULL after the last entry; *nopts (unless NULL) is set to the options collected. Returns argc,
 * or -E2BIG when more than max_args words (or max_opts options) are present (the first ones are
 * kept and NULL-terminated; the caller counts them). */
int bootinfo_split_cmdline(char *line, char **argv, int max_args, const char *skip_prefix,
                           char **opts, int max_opts, int *nopts);

#endif
