/* CPL3: running a function so that a CPU exception inside it ends the call instead of the
 * machine (src/boot/fault.c, fault_call.S). The scheduler runs every task through fault_call.
 *
 * Mechanism: each CPU registers with the core (KABI_SYS_FAULT_SETUP), once, a word it sets while
 * a call is in progress, a recovery entry point with its own small stack, and its per-CPU block
 * as the GS base to recover with. On an exception at CPL3 while the word is set, the core does
 * not report and exit; it clears the word, puts the runtime's GS base back and resumes the CPU
 * at the recovery entry with the fault's vector, error code, RIP and CR2 (src/core/kfault.c).
 * The recovery code stores them, restores the stack pointer and callee-saved registers
 * fault_call saved on entry (like longjmp) and returns -1 from fault_call. Faults at CPL0,
 * double faults, NMIs and machine checks are never recovered. No system call per call: arming
 * is a store.
 *
 * GS is the runtime's: a function that returns with another GS base (a selector load,
 * KABI_SYS_SET_USER_GS, WRGSBASE) is ended as if it had faulted, with the page fault of reading
 * through its GS or a general-protection fault, and the CPU gets its GS back. */
#ifndef TF_BOOT_FAULT_H
#define TF_BOOT_FAULT_H

/* struct fault_context field offsets, used by fault_call.S */
#define FAULT_CTX_ARMED   0
#define FAULT_CTX_RSP     8
#define FAULT_INFO_VECTOR 0
#define FAULT_INFO_ERROR  8
#define FAULT_INFO_RIP    16
#define FAULT_INFO_CR2    24

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct fault_info {
    uint32_t vector; /* CPU exception vector (X86_VEC_*) */
    uint64_t error;  /* error code (0 for vectors without one) */
    uint64_t rip;    /* faulting instruction */
    uint64_t cr2;    /* faulting address (page faults) */
};
_Static_assert(offsetof(struct fault_info, vector) == FAULT_INFO_VECTOR, "fault_call.S offset");
_Static_assert(offsetof(struct fault_info, error) == FAULT_INFO_ERROR, "fault_call.S offset");
_Static_assert(offsetof(struct fault_info, rip) == FAULT_INFO_RIP, "fault_call.S offset");
_Static_assert(offsetof(struct fault_info, cr2) == FAULT_INFO_CR2, "fault_call.S offset");

/* One per CPU, reached through the per-CPU block (PERCPU_FAULT). */
struct fault_context {
    uint32_t armed; /* nonzero while fault_call runs fn; the core reads it */
    uint64_t rsp;   /* fault_call's stack pointer after saving the caller's registers */
};
_Static_assert(offsetof(struct fault_context, armed) == FAULT_CTX_ARMED, "fault_call.S offset");
_Static_assert(offsetof(struct fault_context, rsp) == FAULT_CTX_RSP, "fault_call.S offset");

/* Calls fn(arg) on the calling CPU. Returns 0 with *ret = fn's return value, or -1 with *info
 * filled when fn (or anything it called) raised a CPU exception at CPL3; the CPU's stack is then
 * back at the caller's frame. ret and info must not be NULL. Not nestable: fn must not call
 * fault_call itself. Any CPU, after fault_init_cpu. */
int fault_call(uint64_t (*fn)(void *), void *arg, uint64_t *ret, struct fault_info *info);

/* Sets up the calling CPU's context and recovery stack and registers them with the core; each
 * CPU once, before its first fault_call. Returns 0 or a negative errno. */
int fault_init_cpu(void);

#endif
#endif
