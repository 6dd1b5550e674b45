/* KVM's paravirtual interface: CPUID signature and feature bits, the kvmclock MSR and the
 * structure the hypervisor fills. Reference: Linux Documentation/virt/kvm/x86/msr.rst and
 * cpuid.rst. */
#ifndef TF_BOOT_KVM_PARA_H
#define TF_BOOT_KVM_PARA_H

#include <stdint.h>

#define KVM_CPUID_SIGNATURE      0x40000000 /* EBX, ECX, EDX: "KVMKVMKVM\0\0\0" */
#define KVM_CPUID_FEATURES       0x40000001 /* EAX: feature bits */
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)  /* MSR_KVM_SYSTEM_TIME_NEW */
#define KVM_SIGNATURE_EBX        0x4B4D564B /* "KVMK" */
#define KVM_SIGNATURE_ECX        0x564B4D56 /* "VMKV" */
#define KVM_SIGNATURE_EDX        0x0000004D /* "M\0\0\0" */

#define MSR_KVM_SYSTEM_TIME_NEW 0x4B564D01 /* guest physical address of pvclock | enable bit */
#define KVM_SYSTEM_TIME_ENABLE  1u

/* Filled by the hypervisor; ns = ((tsc - tsc_timestamp) << tsc_shift) * mul >> 32, where a
 * negative shift shifts right. An odd version means an update is in progress. */
struct pvclock_vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
} __attribute__((packed, aligned(32)));

#endif
