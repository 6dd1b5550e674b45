/* One small inline per x86 instruction the runtime uses. Privileged ones (marked CPL0) fault at
 * CPL3; the rest work at any level. */
#ifndef TF_BOOT_X86_OPS_H
#define TF_BOOT_X86_OPS_H

#include <stdint.h>

struct x86_cpuid {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct x86_cpuid x86_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct x86_cpuid r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

static inline uint64_t x86_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void x86_pause(void)
{
    __asm__ volatile("pause" ::: "memory");
}

/* CPL0 */
static inline uint64_t x86_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

/* CPL0 */
static inline void x86_wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
}

/* CPL0 */
static inline void x86_outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" ::"a"(value), "Nd"(port));
}

/* OUTSB repeated: `len` bytes from `buf` to one port; one exit to the hypervisor for the whole
 * string where a byte-by-byte OUTB costs one each. */
static inline void x86_rep_outsb(uint16_t port, const void *buf, uint64_t len)
{
    __asm__ volatile("rep outsb" : "+S"(buf), "+c"(len) : "d"(port) : "memory");
}

/* CPL0 */
static inline void x86_outw(uint16_t port, uint16_t value)
{
    __asm__ volatile("outw %0, %1" ::"a"(value), "Nd"(port));
}

/* CPL0 */
static inline void x86_outl(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port));
}

/* CPL0 */
static inline uint8_t x86_inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* CPL0 */
static inline uint16_t x86_inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* CPL0 */
static inline uint32_t x86_inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* CPL0 */
static inline uint64_t x86_read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* CPL0 */
static inline uint64_t x86_read_cr4(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

/* CPL0 */
static inline void x86_write_cr4(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr4" ::"r"(v));
}

/* CPL0; requires CR4.OSXSAVE */
static inline void x86_xsetbv(uint32_t index, uint64_t value)
{
    __asm__ volatile("xsetbv" ::"c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

/* CPL0: interrupts off and halt; never returns */
static inline _Noreturn void x86_cli_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif
