/* CPL3: running a function so that a CPU exception inside it ends the call instead of the
 * machine (src/boot/fault.c). The scheduler runs every task through fault_call.
 *
 * Mechanism: the CPL0 core, on an exception raised at CPL3 by a CPU that has a recovery point
 * registered, does not report and exit; it resumes the CPU at CPL3 in the runtime's recovery
 * code, on a spare per-CPU stack, with the fault's vector, error code, RIP and CR2. The recovery
 * code returns into fault_call's frame (like longjmp), which returns the fault to its caller.
 * Faults at CPL0, double faults, NMIs and machine checks are never recovered. */
#ifndef TF_BOOT_FAULT_H
#define TF_BOOT_FAULT_H

#include <stdint.h>

struct fault_info {
    uint32_t vector; /* CPU exception vector (X86_VEC_*) */
    uint64_t error;  /* error code (0 for vectors without one) */
    uint64_t rip;    /* faulting instruction */
    uint64_t cr2;    /* faulting address (page faults) */
};

/* Calls fn(arg) on the calling CPU. Returns 0 with *ret = fn's return value, or -1 with *info
 * filled when fn (or anything it called) raised a CPU exception at CPL3; the CPU's stack is then
 * back at the caller's frame. Not nestable: fn must not call fault_call itself. Any CPU. */
int fault_call(uint64_t (*fn)(void *), void *arg, uint64_t *ret, struct fault_info *info);

/* Sets up the calling CPU's recovery stack and registers it with the core; each CPU once, before
 * its first fault_call. Returns 0 or a negative errno. */
int fault_init_cpu(void);

#endif
