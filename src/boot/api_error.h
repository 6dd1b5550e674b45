/* Error numbers inside the guest runtime, and the one place they become taskfarm.h's codes.
 *
 * The convention: below the public API, every layer of the guest (the CPL0 core, src/boot,
 * src/acpi, src/apic, src/pci, src/udp, src/io) reports failure as a negative errno value of
 * newlib's <errno.h> (-ENODEV, -ENOMEM, ...). The core's KABI_E* numbers are those same values
 * (usys.h checks), so a system call's negative result needs no translation either. Only a public
 * function (tf_*) returns TF_E* codes: it makes its own (a bad argument, the wrong CPU) directly,
 * and one it passes on from below goes through api_error_from_errno. The scheduler (src/sched,
 * src/shm, the Linux build) is the public API's own implementation and portable: it and the CPU
 * interface it stands on (src/cpu/cpu.h, whose bare-metal side is src/apic/cpu.c) use the TF_E*
 * codes throughout. */
#ifndef TF_BOOT_API_ERROR_H
#define TF_BOOT_API_ERROR_H

/* The TF_E* code for `err`, a negative errno value: EINVAL, ENOSPC, EPERM, ENODEV, ENOMEM,
 * EAGAIN, ETIMEDOUT, EADDRINUSE, EMSGSIZE and ENETDOWN become the TF_E* code of the same name;
 * any other errno value (EIO, EFAULT, ENOENT, ...) is a device or platform the runtime could not
 * use, TF_ENODEV. Values >= 0 (success, a count) are returned unchanged. */
int api_error_from_errno(int err);

#endif
