/* CPL0: the per-CPU tables of the core (GDT with one TSS per CPU, the shared IDT) and the MSRs
 * for SYSCALL and the GS bases. Runs once per CPU at start-up; a few hundred instructions. */
#include "kcore.h"
#include "pic8259.h"
#include "pit8254.h"
#include "x86.h"
#include "x86_ops.h"

#include <stdint.h>

#define FLAT_SEGMENT (X86_GDT_PRESENT | X86_GDT_S | X86_GDT_RW | X86_GDT_GRAN | X86_GDT_LIMIT_MAX)
#define IDT_VECTORS  256

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3]; /* stack for entries from CPL3 (rsp[0]) */
    uint64_t reserved1;
    uint64_t ist[7]; /* interrupt stack table, IST index 1-7 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS layout (SDM vol. 3A 8.7)");

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

_Static_assert(offsetof(struct kcpu, self) == KCPU_SELF, "isr.S offset");
_Static_assert(offsetof(struct kcpu, kstack_top) == KCPU_KSTACK_TOP, "isr.S offset");
_Static_assert(offsetof(struct kcpu, user_rsp) == KCPU_USER_RSP, "isr.S offset");
_Static_assert(offsetof(struct kcpu, index) == KCPU_INDEX, "isr.S offset");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame layout");

uint64_t __tfk_gdt[KABI_GDT_ENTRIES] __attribute__((aligned(16))) = {
    [KABI_SEL_KCODE64 / 8] = FLAT_SEGMENT | X86_GDT_CODE | X86_GDT_LONG | X86_GDT_ACCESSED,
    [KABI_SEL_KDATA / 8] = FLAT_SEGMENT | X86_GDT_DB | X86_GDT_ACCESSED,
    [KABI_SEL_KCODE32 / 8] = FLAT_SEGMENT | X86_GDT_CODE | X86_GDT_DB | X86_GDT_ACCESSED,
    [KABI_SEL_UDATA / 8] = FLAT_SEGMENT | X86_GDT_DB | X86_GDT_DPL3 | X86_GDT_ACCESSED,
    [KABI_SEL_UCODE64 / 8] =
        FLAT_SEGMENT | X86_GDT_CODE | X86_GDT_LONG | X86_GDT_DPL3 | X86_GDT_ACCESSED,
};
/* Read by LGDT in 32-bit mode too (limit and the low 32 bits of the base) */
struct descriptor_pointer kgdt_pointer = {sizeof(__tfk_gdt) - 1, (uint64_t)(uintptr_t)__tfk_gdt};

uint64_t kboot_magic, kboot_info, kboot_tsc;
struct kcpu kcpus[TF_MAX_CPUS];
static struct tss ktss[TF_MAX_CPUS];
static struct idt_gate kidt[IDT_VECTORS] __attribute__((aligned(16)));

extern char kstacks[], kist_df[], kist_nmi[];
extern char kisr_stubs[], kirq_stubs[];
extern char ksyscall_entry[], kwake_entry[], kspurious_entry[];

static void idt_set(unsigned vector, const void *handler, unsigned ist, unsigned dpl_bits)
{
    uint64_t a = (uint64_t)(uintptr_t)handler;
    kidt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)a,
        .selector = KABI_SEL_KCODE64,
        .ist = (uint8_t)(ist & X86_IDT_IST_MASK),
        .type_attr = X86_IDT_PRESENT | dpl_bits | X86_IDT_INTGATE,
        .offset_mid = (uint16_t)(a >> 16),
        .offset_high = (uint32_t)(a >> 32),
    };
}

/* Every CPL0 path runs on its CPU's kernel stack or, for a double fault or an NMI, on one of
 * its IST stacks (entry.S lays them out as arrays indexed by CPU). */
struct kcpu *kcore_self(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t k = sp - (uintptr_t)kstacks, d = sp - (uintptr_t)kist_df;
    uintptr_t n = sp - (uintptr_t)kist_nmi;
    if (k < (uintptr_t)KCORE_KSTACK_SIZE * TF_MAX_CPUS)
        return &kcpus[k / KCORE_KSTACK_SIZE];
    if (d < (uintptr_t)KCORE_IST_SIZE * TF_MAX_CPUS)
        return &kcpus[d / KCORE_IST_SIZE];
    if (n < (uintptr_t)KCORE_IST_SIZE * TF_MAX_CPUS)
        return &kcpus[n / KCORE_IST_SIZE];
    kcore_halt_forever(); /* no CPL0 code runs on any other stack */
}

static void gdt_set_tss(unsigned index, const struct tss *tss)
{
    uint64_t base = (uint64_t)(uintptr_t)tss, limit = sizeof(*tss) - 1;
    unsigned slot = KABI_SEL_TSS0 / 8 + 2 * index;
    __tfk_gdt[slot] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | X86_GDT_TSS_AVAIL |
                      X86_GDT_PRESENT | (((base >> 24) & 0xFF) << 56);
    __tfk_gdt[slot + 1] = base >> 32;
}

/* Enable every user state component the CPU offers (x87, SSE, AVX, AVX-512) so tasks may use
 * them; there are no context switches, so no XSAVE area is ever needed. */
static void enable_xsave(void)
{
    /* A CPU model may offer XSAVE but cap the basic leaves below 0xD (QEMU's level=): then the
     * supported components are unknown (QEMU then supports none) and XCR0 keeps its reset
     * value; SSE works without it, AVX does not. */
    if (!(x86_cpuid(X86_CPUID_FEATURES, 0).ecx & X86_CPUID1_ECX_XSAVE) ||
        x86_cpuid(X86_CPUID_VENDOR, 0).eax < X86_CPUID_XSAVE_STATE)
        return;
    x86_write_cr4(x86_read_cr4() | X86_CR4_OSXSAVE);
    x86_xsetbv(0, (x86_cpuid(X86_CPUID_XSAVE_STATE, 0).eax & X86_XCR0_USER) | X86_XCR0_X87);
}

void kcore_cpu_init(unsigned index)
{
    struct kcpu *c = &kcpus[index];
    struct tss *t = &ktss[index];
    c->self = c;
    c->index = index;
    c->kstack_top = (uint64_t)(uintptr_t)(kstacks + (index + 1) * KCORE_KSTACK_SIZE);
    t->rsp[0] = c->kstack_top;
    t->ist[KCORE_IST_DF - 1] = (uint64_t)(uintptr_t)(kist_df + (index + 1) * KCORE_IST_SIZE);
    t->ist[KCORE_IST_NMI - 1] = (uint64_t)(uintptr_t)(kist_nmi + (index + 1) * KCORE_IST_SIZE);
    t->iomap_base = X86_TSS_IOMAP_NONE;
    gdt_set_tss(index, t);

    struct descriptor_pointer idtp = {sizeof(kidt) - 1, (uint64_t)(uintptr_t)kidt};
    __asm__ volatile("lgdt %0" ::"m"(kgdt_pointer));
    __asm__ volatile("lidt %0" ::"m"(idtp));
    __asm__ volatile("ltr %w0" ::"r"(KABI_SEL_TSS0 + 16 * index));

    x86_wrmsr(X86_MSR_STAR, ((uint64_t)KABI_SEL_KCODE64 << X86_STAR_KERNEL_SHIFT) |
                                ((uint64_t)(KABI_SEL_KCODE32 | KABI_RPL3) << X86_STAR_USER_SHIFT));
    x86_wrmsr(X86_MSR_LSTAR, (uint64_t)(uintptr_t)ksyscall_entry);
    x86_wrmsr(X86_MSR_FMASK, X86_RFLAGS_IF | X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_AC |
                                 X86_RFLAGS_NT | X86_RFLAGS_IOPL);
    /* At CPL0 GS always points at this CPU's struct kcpu; entry from CPL3 swaps it in. */
    x86_wrmsr(X86_MSR_GS_BASE, (uint64_t)(uintptr_t)c);
    x86_wrmsr(X86_MSR_KERNEL_GS_BASE, 0);
    enable_xsave();
}

/* Remap the PICs past the exception vectors, then mask every line (8259A ICW1-ICW4, OCW1). */
static void pic_disable(void)
{
    x86_outb(PIC_MASTER_CMD, PIC_ICW1_INIT_ICW4);
    x86_outb(PIC_SLAVE_CMD, PIC_ICW1_INIT_ICW4);
    x86_outb(PIC_MASTER_DATA, PIC_MASTER_VECTOR);
    x86_outb(PIC_SLAVE_DATA, PIC_SLAVE_VECTOR);
    x86_outb(PIC_MASTER_DATA, PIC_ICW3_SLAVE_ON_IRQ2);
    x86_outb(PIC_SLAVE_DATA, PIC_ICW3_SLAVE_ID);
    x86_outb(PIC_MASTER_DATA, PIC_ICW4_8086);
    x86_outb(PIC_SLAVE_DATA, PIC_ICW4_8086);
    x86_outb(PIC_MASTER_DATA, PIC_MASK_ALL);
    x86_outb(PIC_SLAVE_DATA, PIC_MASK_ALL);
}

/* Counter 0 to a one-shot count of 1 (mode 0): its output rises once and then stays, so nothing
 * is left ticking. Left in its reset mode, a square wave, it costs an emulated PIT (QEMU's under
 * PVM or TCG) a host wake-up every 27 ms for the whole life of an idle guest. */
static void pit_stop(void)
{
    x86_outb(PIT_COMMAND, PIT_CMD_CHANNEL0 | PIT_CMD_LOBYTE_HIBYTE | PIT_CMD_MODE0);
    x86_outb(PIT_CHANNEL0_DATA, 1);
    x86_outb(PIT_CHANNEL0_DATA, 0);
}

void kcore_init_bsp(void)
{
    pic_disable();
    pit_stop();
    for (unsigned v = 0; v < X86_EXCEPTIONS; v++) {
        unsigned ist = v == X86_VEC_DF ? KCORE_IST_DF : v == X86_VEC_NMI ? KCORE_IST_NMI : 0;
        idt_set(v, kisr_stubs + v * KCORE_ISR_STUB_SIZE, ist, 0);
    }
    for (unsigned v = X86_EXCEPTIONS; v < IDT_VECTORS; v++)
        idt_set(v, kirq_stubs + (v - X86_EXCEPTIONS) * KCORE_ISR_STUB_SIZE, 0, 0);
    idt_set(KABI_VEC_WAKE, kwake_entry, 0, 0);
    idt_set(KABI_VEC_SPURIOUS, kspurious_entry, 0, 0);
    kconsole_init();
    kcore_cpu_init(0);
}
