/* The capability list of a PCI function (PCI Local Bus Specification 3.0, 6.7), walked through
 * a reader its caller supplies: the runtime reads configuration space through a system call, the
 * core directly. Portable C without the C library, so both link it. The walk is bounded
 * (PCI_CAP_LIST_MAX), so a looping or broken list ends it. */
#ifndef TF_PCI_PCI_CAPS_H
#define TF_PCI_PCI_CAPS_H

#include "pci_regs.h"

#include <stdint.h>

/* `width` bytes (1, 2 or 4) of register `reg` of the function `ctx` names */
typedef uint32_t (*pci_config_reader)(const void *ctx, unsigned reg, unsigned width);

/* The offset of the first capability `id` after the one at `from` (0: from the start of the
 * list), or 0 when there is none */
static inline unsigned pci_cap_find(pci_config_reader read, const void *ctx, uint8_t id,
                                    unsigned from)
{
    if (!(read(ctx, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
        return 0;
    unsigned at = read(ctx, from ? from + PCI_CAP_NEXT : PCI_CAP_POINTER, 1);
    for (unsigned n = 0; n < PCI_CAP_LIST_MAX && at; n++) {
        at &= PCI_CAP_POINTER_MASK;
        if (at <= PCI_CAP_POINTER) /* inside the header: a broken list */
            return 0;
        if (read(ctx, at + PCI_CAP_ID, 1) == id)
            return at;
        at = read(ctx, at + PCI_CAP_NEXT, 1);
    }
    return 0;
}

#endif
