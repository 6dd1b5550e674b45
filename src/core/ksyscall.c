/* CPL0: the system calls of the core, and leaving the machine. */
#include "kcore.h"
#include "klapic.h"
#include "kvm_para.h"
#include "pit8254.h"
#include "platform.h"
#include "x86.h"
#include "x86_ops.h"

extern char __image_start[], __kernel_end[], __kbss_start[], __kbss_end[];

/* ACPI S5, set once by the runtime at start-up: the PM1a and PM1b control ports (0: none) and
 * the sleep type each takes */
static uint16_t poweroff_port[2];
static uint16_t poweroff_type[2];

/* Rounds of PIT_CALIBRATE_TICKS (10 ms) to wait for the power to go off: half a second */
#define POWEROFF_WAIT_ROUNDS 50
static int startup_over;    /* KABI_SYS_STARTUP_DONE has been called */
#define SELFTEST_IRQ_MIN 16 /* the LAPIC's lowest legal vector */

/* A [start-up] call (kabi.h): made by the runtime before main, refused once tasks may run. */
#define STARTUP_ONLY(call) (startup_over ? -KABI_EPERM : (call))

/* A buffer CPL3 may hand us: every page of it present and user-accessible in the page tables
 * (so not page 0, the core's code and data, the AP start-up page, the LAPIC and IOAPIC, a guard
 * page or an unmapped device page), which is what CPL3 could touch itself. A buffer the core
 * writes must also be writable at CPL3 (not a boot module's read-only page): with CR0.WP a CPL0
 * store there would fault. */
int kcore_user_buffer_ok(uint64_t a, uint64_t len)
{
    return kpaging_user_range(a, len, 0);
}

int kcore_user_buffer_writable(uint64_t a, uint64_t len)
{
    return kpaging_user_range(a, len, 1);
}

_Noreturn void kcore_halt_forever(void)
{
    x86_cli_halt_forever();
}

/* S5 as ACPICA enters it (ACPI 6.5, 4.8.3.2.1): each control register keeps its other bits and
 * gets SLP_TYP, then SLP_TYP with SLP_EN; PM1a first, then PM1b. */
static void acpi_poweroff(void)
{
    uint16_t value[2];
    for (unsigned i = 0; i < 2; i++)
        value[i] = poweroff_port[i]
                       ? (uint16_t)((x86_inw(poweroff_port[i]) &
                                     ~(PLAT_ACPI_PM1_SLP_TYP_MASK | PLAT_ACPI_PM1_SLP_EN)) |
                                    poweroff_type[i] << PLAT_ACPI_PM1_SLP_TYP_SHIFT)
                       : 0;
    for (unsigned i = 0; i < 2; i++)
        if (poweroff_port[i])
            x86_outw(poweroff_port[i], value[i]);
    for (unsigned i = 0; i < 2; i++)
        if (poweroff_port[i])
            x86_outw(poweroff_port[i], value[i] | PLAT_ACPI_PM1_SLP_EN);
}

static long pit_calibrate(void);

_Noreturn void kcore_exit(int code)
{
    if (code < 0 || code > KABI_EXIT_CODE_MAX) /* the runtime keeps user codes in range */
        code = KABI_EXIT_PANIC;
    x86_outl(PLAT_DEBUG_EXIT_PORT, (uint32_t)code);
    if (!poweroff_port[0]) {
        kprintf("\n*** exit(%d): no exit device and no ACPI power-off; halted\n", code);
        kcore_halt_forever();
    }
    acpi_poweroff();
    /* A hypervisor acts on SLP_EN after the write returns (QEMU in its main loop), and the CPU
     * runs on meanwhile: give the machine time to go off before saying it did not. */
    for (unsigned i = 0; i < POWEROFF_WAIT_ROUNDS && pit_calibrate() >= 0; i++)
        ;
    kprintf("\n*** exit(%d): the ACPI power-off did not take effect; halted\n", code);
    kcore_halt_forever();
}

/* CPUID executed here rather than at CPL3: hypervisors without hardware virtualization (PVM)
 * run CPL3 natively, where CPUID returns the host's values (its topology, its features) and not
 * the virtual CPU's that QEMU configured; at CPL0 the hypervisor answers it. */
static long kcpuid(uint64_t leaf, uint64_t subleaf, uint64_t out)
{
    if (!kcore_user_buffer_writable(out, 4 * sizeof(uint32_t)) || out % sizeof(uint32_t))
        return -KABI_EFAULT;
    struct x86_cpuid r = x86_cpuid((uint32_t)leaf, (uint32_t)subleaf);
    uint32_t *o = (uint32_t *)(uintptr_t)out;
    o[0] = r.eax;
    o[1] = r.ebx;
    o[2] = r.ecx;
    o[3] = r.edx;
    return 0;
}

#ifdef TF_CORE_TEST_CALLS
/* Faults at CPL0 on purpose, so tests can check the core's own exception reports. Only in the
 * core the test images link: in any other, CPL3 must not be able to stop the machine from CPL0. */
static long selftest_fault(long vector)
{
    switch (vector) {
    case X86_VEC_DE:
        __asm__ volatile("xorl %%ecx, %%ecx; divl %%ecx" ::: "eax", "ecx", "edx");
        break;
    case X86_VEC_PF:
        __asm__ volatile("movq 0, %%rax" ::: "rax", "memory"); /* page 0 is not mapped */
        break;
    case X86_VEC_UD:
        __asm__ volatile("ud2");
        break;
    case X86_VEC_DF: {
        struct {
            uint16_t l;
            uint64_t b;
        } __attribute__((packed)) z = {0, 0};
        __asm__ volatile("lidt %0; ud2" ::"m"(z));
        break;
    }
    }
    return -KABI_EINVAL;
}

/* Sends CPU `cpu` an interrupt on `vector`, as an MSI-X message or a DMA write to the MSI range
 * would: the tests of interrupts on exception vectors (the LAPIC refuses vectors below 16). */
static long selftest_irq(uint64_t cpu, uint64_t vector)
{
    if (cpu >= __atomic_load_n(&ksmp_count, __ATOMIC_ACQUIRE) || vector < SELFTEST_IRQ_MIN ||
        vector > UINT8_MAX)
        return -KABI_EINVAL;
    return klapic_send(ksmp_apic_ids[cpu], LAPIC_ICR_FIXED | LAPIC_ICR_ASSERT | (uint32_t)vector);
}
#else
static long selftest_fault(long vector)
{
    (void)vector;
    return -KABI_ENOSYS;
}

static long selftest_irq(uint64_t cpu, uint64_t vector)
{
    (void)cpu;
    (void)vector;
    return -KABI_ENOSYS;
}
#endif

static long set_poweroff(uint64_t port_a, uint64_t type_a, uint64_t port_b, uint64_t type_b)
{
    if (poweroff_port[0] || !port_a || port_a > UINT16_MAX || port_b > UINT16_MAX ||
        type_a > PLAT_ACPI_SLP_TYP_MAX || type_b > PLAT_ACPI_SLP_TYP_MAX)
        return -KABI_EINVAL;
    poweroff_port[1] = (uint16_t)port_b;
    poweroff_type[0] = (uint16_t)type_a;
    poweroff_type[1] = (uint16_t)type_b;
    poweroff_port[0] = (uint16_t)port_a;
    return 0;
}

/* INIT resets a CPU wherever it is: only one that has not come up yet (kcore_cpu_init has not
 * run on it) may be sent a step of the start-up sequence. */
static long smp_start(uint64_t cpu, uint64_t step)
{
    if (cpu < TF_MAX_CPUS && __atomic_load_n(&kcpus[cpu].self, __ATOMIC_ACQUIRE))
        return -KABI_EPERM;
    return ksmp_start(cpu, step);
}

/* From here on the [start-up] calls are refused; MMIO_MAP and VQ_POST learn where RAM ends. */
static long startup_done(uint64_t ram_end)
{
    if (ram_end > PLAT_MAPPED_LIMIT)
        return -KABI_EINVAL;
    kdev_startup_done(ram_end);
    kvq_startup_done(ram_end);
    startup_over = 1;
    return 0;
}

/* Points KVM's clock at a user buffer (the runtime reads the TSC rate from it), or stops it. The
 * hypervisor writes it, so it must be writable at CPL3. */
static long kvmclock(uint64_t addr)
{
    if (addr &&
        (!kcore_user_buffer_writable(addr, sizeof(struct pvclock_vcpu_time_info)) || addr % 32))
        return -KABI_EFAULT;
    x86_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, addr ? addr | KVM_SYSTEM_TIME_ENABLE : 0);
    return 0;
}

/* TSC ticks while the 8254's counter 2 counts PIT_CALIBRATE_TICKS down in mode 0. */
static long pit_calibrate(void)
{
    uint8_t portb = x86_inb(PIT_PORT_B);
    x86_outb(PIT_PORT_B, (portb & ~PIT_PORT_B_SPEAKER) | PIT_PORT_B_GATE2);
    x86_outb(PIT_COMMAND, PIT_CMD_CHANNEL2 | PIT_CMD_LOBYTE_HIBYTE | PIT_CMD_MODE0);
    x86_outb(PIT_CHANNEL2_DATA, PIT_CALIBRATE_TICKS & 0xFF);
    x86_outb(PIT_CHANNEL2_DATA, PIT_CALIBRATE_TICKS >> 8);
    if (x86_inb(PIT_PORT_B) & PIT_PORT_B_OUT2) { /* mode 0 starts with OUT low: no PIT here */
        x86_outb(PIT_PORT_B, portb);
        return -KABI_ENODEV;
    }
    uint64_t start = x86_rdtsc(), ticks = 0;
    while (!(x86_inb(PIT_PORT_B) & PIT_PORT_B_OUT2) && ticks < PIT_CALIBRATE_GIVE_UP)
        ticks = x86_rdtsc() - start;
    ticks = x86_rdtsc() - start;
    x86_outb(PIT_PORT_B, portb);
    return ticks < PIT_CALIBRATE_GIVE_UP ? (long)ticks : -KABI_ETIMEDOUT;
}

/* Every call but KABI_SYS_VQ_PUT, which isr.S hands to kvq_put (kvq.c) itself. */
long ksys_dispatch(long a0, long a1, long a2, long a3, long nr)
{
    switch (nr) {
    case KABI_SYS_WRITE:
        if (!kcore_user_buffer_ok((uint64_t)a0, (uint64_t)a1))
            return -KABI_EFAULT;
        kconsole_write((const char *)a0, (size_t)a1);
        return a1;
    case KABI_SYS_EXIT:
        kcore_exit((int)a0);
    case KABI_SYS_SET_USER_GS:
        /* Swapped in as GS_BASE when this call returns to CPL3. WRMSR raises #GP on a
         * non-canonical base (SDM vol. 4, IA32_KERNEL_GS_BASE), and nothing is mapped above
         * 4 GiB anyway. */
        if ((uint64_t)a0 >= PLAT_MAPPED_LIMIT)
            return -KABI_EINVAL;
        x86_wrmsr(X86_MSR_KERNEL_GS_BASE, (uint64_t)a0);
        return 0;
    case KABI_SYS_SET_POWEROFF:
        return STARTUP_ONLY(set_poweroff((uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3));
    case KABI_SYS_SELFTEST_FAULT:
        return selftest_fault(a0);
    case KABI_SYS_KVMCLOCK:
        return STARTUP_ONLY(kvmclock((uint64_t)a0));
    case KABI_SYS_PIT_CALIBRATE:
        return STARTUP_ONLY(pit_calibrate());
    case KABI_SYS_SMP_SETUP:
        return STARTUP_ONLY(ksmp_setup((const struct kabi_smp_setup *)a0));
    case KABI_SYS_SMP_START:
        return STARTUP_ONLY(smp_start((uint64_t)a0, (uint64_t)a1));
    case KABI_SYS_WAKE:
        return ksmp_wake((uint64_t)a0);
    case KABI_SYS_PARK:
        return ksmp_park((const uint32_t *)a0, (uint64_t)a1, (uint64_t)a2);
    case KABI_SYS_GUARD_PAGE:
        return STARTUP_ONLY(kpaging_guard_page((uint64_t)a0));
    case KABI_SYS_READ_ONLY:
        return STARTUP_ONLY(kpaging_read_only((uint64_t)a0, (uint64_t)a1));
    case KABI_SYS_CPUID:
        return kcpuid((uint64_t)a0, (uint64_t)a1, (uint64_t)a2);
    case KABI_SYS_FAULT_SETUP:
        return STARTUP_ONLY(kfault_setup((uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3));
    case KABI_SYS_STARTUP_DONE:
        return STARTUP_ONLY(startup_done((uint64_t)a0));
    case KABI_SYS_PCI_READ:
        return kdev_pci_read((uint64_t)a0, (uint64_t)a1);
    case KABI_SYS_PCI_WRITE:
        return kdev_pci_write((uint64_t)a0, (uint64_t)a1, (uint64_t)a2);
    case KABI_SYS_PORT_READ:
        return kdev_port_read((uint64_t)a0, (uint64_t)a1);
    case KABI_SYS_PORT_WRITE:
        return kdev_port_write((uint64_t)a0, (uint64_t)a1, (uint64_t)a2);
    case KABI_SYS_MMIO_MAP:
        return kdev_mmio_map((uint64_t)a0);
    case KABI_SYS_DEV_WAIT:
        return kdev_wait((const uint16_t *)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3);
    case KABI_SYS_VQ_OPEN:
    case KABI_SYS_VQ_POST:
    case KABI_SYS_VQ_WAIT:
    case KABI_SYS_VQ_BIND:
        return kvq_call(nr, (uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3);
    case KABI_SYS_VIRTIO_OPEN:
        return STARTUP_ONLY(kvirtio_open((uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3));
    case KABI_SYS_VIRTIO_CTL:
        return kvirtio_ctl((uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3);
    case KABI_SYS_VQ_SETUP:
        return kvirtio_vq_setup((uint64_t)a0, (uint64_t)a1, (uint64_t)a2, (uint64_t)a3);
    case KABI_SYS_RAM_END:
        return STARTUP_ONLY(kdev_ram_end((uint64_t)a0));
    case KABI_SYS_PCI_ECAM:
        return STARTUP_ONLY(kdev_pci_ecam((uint64_t)a0, (uint64_t)a1, (uint64_t)a2));
    case KABI_SYS_SELFTEST_IRQ:
        return selftest_irq((uint64_t)a0, (uint64_t)a1);
    default:
        return -KABI_ENOSYS;
    }
}
