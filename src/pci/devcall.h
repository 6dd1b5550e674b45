/* CPL3 side of the core's device calls (kabi.h, system calls 16-31; src/core/kdev.c). */
#ifndef TF_PCI_DEVCALL_H
#define TF_PCI_DEVCALL_H

#include "usys.h"

#include <stdint.h>

/* A configuration register's value (width 1, 2 or 4 bytes), or a negative errno. */
static inline long devcall_pci_read(uint32_t address, unsigned width)
{
    return usys_call(KABI_SYS_PCI_READ, (long)address, (long)width, 0, 0);
}

static inline long devcall_pci_write(uint32_t address, unsigned width, uint32_t value)
{
    return usys_call(KABI_SYS_PCI_WRITE, (long)address, (long)width, (long)value, 0);
}

/* Start-up: the core's configuration accesses go through this ECAM range from now on */
static inline long devcall_pci_ecam(uint64_t base, unsigned first_bus, unsigned last_bus)
{
    return usys_call(KABI_SYS_PCI_ECAM, (long)base, (long)first_bus, (long)last_bus, 0);
}

static inline long devcall_port_read(uint16_t port, unsigned width)
{
    return usys_call(KABI_SYS_PORT_READ, (long)port, (long)width, 0, 0);
}

static inline long devcall_port_write(uint16_t port, unsigned width, uint32_t value)
{
    return usys_call(KABI_SYS_PORT_WRITE, (long)port, (long)width, (long)value, 0);
}

static inline long devcall_mmio_map(uint64_t addr)
{
    return usys_call(KABI_SYS_MMIO_MAP, (long)addr, 0, 0, 0);
}

/* Halts until an interrupt unless *word != seen; `mode` KABI_TIMER_* with its `timer` value
 * bounds the wait. */
static inline long devcall_wait(const volatile uint16_t *word, uint16_t seen, uint64_t timer,
                                unsigned mode)
{
    return usys_call(KABI_SYS_DEV_WAIT, (long)(uintptr_t)word, seen, (long)timer, (long)mode);
}

#endif
