/* The runtime's per-CPU block at CPL3, reached through the GS base the core sets for each CPU
 * (KABI_SYS_SET_USER_GS). Field offsets are fixed: GS-relative loads use them. */
#ifndef TF_BOOT_PERCPU_H
#define TF_BOOT_PERCPU_H

#define PERCPU_SELF  0
#define PERCPU_INDEX 8
#define PERCPU_REENT 16
#define PERCPU_FAULT 24

#ifndef __ASSEMBLER__
#include "cache_line.h"

#include <stddef.h>
#include <stdint.h>

struct _reent;
struct fault_context;

/* The CPU lifecycle (changed only with atomics; src/apic/smp.c):
 *
 *   OFFLINE --INIT-SIPI-SIPI--> STARTING --checks in--> ONLINE (parks, runs tasks)
 *                                   \--no answer in time--> FAILED (left out, reported)
 */
enum percpu_state { PERCPU_OFFLINE, PERCPU_STARTING, PERCPU_ONLINE, PERCPU_FAILED };

struct percpu {
    struct percpu *self;         /* PERCPU_SELF */
    uint32_t index;              /* PERCPU_INDEX: dense CPU index, 0 = bootstrap CPU */
    uint32_t state;              /* enum percpu_state */
    struct _reent *reent;        /* PERCPU_REENT: newlib's per-CPU state (errno, stdio) */
    struct fault_context *fault; /* PERCPU_FAULT: fault_call's state (fault.c) */
    uint32_t apic_id;
    uint32_t package, core, thread; /* topology (src/apic/topology.c) */
    uint64_t online_tsc;            /* TSC when the CPU checked in */
} __attribute__((aligned(CPU_CACHE_LINE)));

_Static_assert(offsetof(struct percpu, index) == PERCPU_INDEX, "GS-relative offset");
_Static_assert(offsetof(struct percpu, reent) == PERCPU_REENT, "GS-relative offset");
_Static_assert(offsetof(struct percpu, fault) == PERCPU_FAULT, "GS-relative offset");

extern struct percpu percpu_table[];

static inline unsigned percpu_index(void)
{
    unsigned v;
    __asm__("movl %%gs:%c1, %0" : "=r"(v) : "i"(PERCPU_INDEX));
    return v;
}

static inline struct _reent *percpu_reent(void)
{
    struct _reent *r;
    __asm__("movq %%gs:%c1, %0" : "=r"(r) : "i"(PERCPU_REENT));
    return r;
}

#endif
#endif
