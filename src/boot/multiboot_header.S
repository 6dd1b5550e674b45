/* The image's two boot headers. A Multiboot2 loader (GRUB) loads the ELF64 segments itself; a
 * Multiboot1 loader (QEMU's -kernel) cannot load an ELF64, so the Multiboot1 header uses the
 * "a.out kludge": load the file bytes [load_addr, load_end_addr) from the header's position and
 * zero up to bss_end_addr. linker.ld keeps every NOBITS section after the loaded bytes for this. */
#include "multiboot_abi.h"

        .section .multiboot, "a"

        .balign 8
mb2_header:
        .long   MB2_HEADER_MAGIC
        .long   MB2_ARCH_I386
        .long   mb2_header_end - mb2_header
        .long   -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
        .balign 8
        .short  MB2_HEADER_TAG_END
        .short  0
        .long   8
mb2_header_end:

        .balign 4
mb1_header:
        .long   MB1_HEADER_MAGIC
        .long   MB1_HEADER_PAGE_ALIGN | MB1_HEADER_MEMINFO | MB1_HEADER_AOUT_KLUDGE
        .long   -(MB1_HEADER_MAGIC + (MB1_HEADER_PAGE_ALIGN | MB1_HEADER_MEMINFO | MB1_HEADER_AOUT_KLUDGE))
        .long   mb1_header      /* header_addr */
        .long   __image_start   /* load_addr */
        .long   __load_end      /* load_end_addr */
        .long   __bss_end       /* bss_end_addr */
        .long   __tfk_boot_entry32   /* entry_addr */

        .section .note.GNU-stack, "", @progbits
