/* tf_strerror: names for the error codes of taskfarm.h. */
#include "taskfarm.h"

#include <stddef.h>

static const char *const errors[] = {
    [0] = "success",
    [-TF_EINVAL] = "invalid argument",
    [-TF_EBADTASK] = "no such task (never submitted, or its result was taken)",
    [-TF_ENOSPC] = "too many tasks outstanding",
    [-TF_EPERM] = "not allowed on this CPU",
    [-TF_ENODEV] = "no such device",
    [-TF_ENOMEM] = "out of memory",
    [-TF_EAGAIN] = "nothing there yet",
    [-TF_ETIMEDOUT] = "timed out",
    [-TF_EADDRINUSE] = "UDP port already bound",
    [-TF_EMSGSIZE] = "datagram too large",
    [-TF_ENETDOWN] = "network has no address",
    [-TF_ETHREAD] = "task ended its thread (pthread_exit or cancellation)",
};

/* CPU exception vectors (Intel SDM vol. 3, table 6-1). */
static const char *const faults[] = {
    [0] = "task faulted: #DE divide error",
    [1] = "task faulted: #DB debug exception",
    [3] = "task faulted: #BP breakpoint",
    [4] = "task faulted: #OF overflow",
    [5] = "task faulted: #BR bound range exceeded",
    [6] = "task faulted: #UD invalid opcode",
    [7] = "task faulted: #NM device not available",
    [8] = "task faulted: #DF double fault",
    [10] = "task faulted: #TS invalid TSS",
    [11] = "task faulted: #NP segment not present",
    [12] = "task faulted: #SS stack-segment fault",
    [13] = "task faulted: #GP general protection",
    [14] = "task faulted: #PF page fault",
    [16] = "task faulted: #MF x87 floating-point error",
    [17] = "task faulted: #AC alignment check",
    [18] = "task faulted: #MC machine check",
    [19] = "task faulted: #XM SIMD floating-point exception",
    [20] = "task faulted: #VE virtualization exception",
    [21] = "task faulted: #CP control protection",
};

const char *tf_strerror(int err)
{
    if (TF_IS_FAULT(err)) {
        unsigned v = (unsigned)TF_FAULT_VECTOR(err);
        if (v < sizeof(faults) / sizeof(faults[0]) && faults[v])
            return faults[v];
        return "task faulted: CPU exception";
    }
    if (err <= 0 && -err < (int)(sizeof(errors) / sizeof(errors[0])) && errors[-err])
        return errors[-err];
    return "unknown error";
}
