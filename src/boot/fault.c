/* CPL3: per-CPU set-up of fault containment (see fault.h; fault_call itself is fault_call.S). */
#include "fault.h"
#include "kabi.h"
#include "percpu.h"
#include "usys.h"

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>

#define RECOVERY_STACK_SIZE 256 /* fault_recover_entry leaves it at once for fault_call's frame */

void fault_recover_entry(void);

int fault_init_cpu(void)
{
    struct percpu *self = &percpu_table[percpu_index()];
    struct fault_context *ctx = memalign(64, sizeof(*ctx));
    char *stack = malloc(RECOVERY_STACK_SIZE);
    if (!ctx || !stack) {
        free(ctx);
        free(stack);
        return -ENOMEM;
    }
    ctx->armed = 0;
    ctx->rsp = 0;
    self->fault = ctx;
    /* The recovery resumes with GS = self, whatever the task did to GS. */
    long rc = usys_call(KABI_SYS_FAULT_SETUP, (long)&ctx->armed, (long)fault_recover_entry,
                        (long)(stack + RECOVERY_STACK_SIZE), (long)self);
    return rc < 0 ? (int)rc : 0;
}
