/* CPL3 side of the system calls offered by the CPL0 core (numbers in kabi.h). SYSCALL clobbers
 * RCX and R11; the core's C dispatcher clobbers the other caller-saved registers. */
#ifndef TF_BOOT_USYS_H
#define TF_BOOT_USYS_H

#include "kabi.h"
#include "x86_ops.h"

#include <errno.h>

/* The core's error numbers are newlib's, so a system call's negative result is already the
 * runtime's internal -errno (api_error.h) and passes up unchanged. */
_Static_assert(KABI_EPERM == EPERM && KABI_EFAULT == EFAULT && KABI_ENOMEM == ENOMEM &&
                   KABI_EINVAL == EINVAL && KABI_ENOSYS == ENOSYS && KABI_ETIMEDOUT == ETIMEDOUT &&
                   KABI_ENODEV == ENODEV && KABI_EBUSY == EBUSY && KABI_EIO == EIO,
               "KABI_E* differ from <errno.h>");

static inline long usys_call(long nr, long a0, long a1, long a2, long a3)
{
    register long r10 __asm__("r10") = a3;
    __asm__ volatile("syscall"
                     : "+a"(nr), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10)
                     :
                     : "rcx", "r8", "r9", "r11", "memory", "cc");
    return nr;
}

static inline long usys_write(const void *buf, unsigned long len)
{
    return usys_call(KABI_SYS_WRITE, (long)buf, (long)len, 0, 0);
}

static inline _Noreturn void usys_exit(int code)
{
    usys_call(KABI_SYS_EXIT, code, 0, 0, 0);
    __builtin_unreachable();
}

static inline long usys_set_user_gs(void *base)
{
    return usys_call(KABI_SYS_SET_USER_GS, (long)base, 0, 0, 0);
}

static inline long usys_kvmclock(void *pvclock)
{
    return usys_call(KABI_SYS_KVMCLOCK, (long)pvclock, 0, 0, 0);
}

/* CPUID of the virtual CPU (see KABI_SYS_CPUID): what the runtime uses instead of the CPUID
 * instruction, which at CPL3 may report the host's CPU. */
static inline struct x86_cpuid usys_cpuid(uint32_t leaf, uint32_t subleaf)
{
    uint32_t r[4] = {0, 0, 0, 0};
    usys_call(KABI_SYS_CPUID, (long)leaf, (long)subleaf, (long)r, 0);
    return (struct x86_cpuid){r[0], r[1], r[2], r[3]};
}

static inline long usys_pit_calibrate(void)
{
    return usys_call(KABI_SYS_PIT_CALIBRATE, 0, 0, 0, 0);
}

#endif
