/* Local APIC register table: xAPIC memory-mapped offsets, their x2APIC MSR numbers, and the
 * fields of the registers the runtime uses. Reference: Intel SDM vol. 3A chapter 11 (11.4 LAPIC
 * base and enable, 11.6 ICR, 11.9 spurious vector, 11.12 x2APIC). */
#ifndef TF_APIC_LAPIC_REGS_H
#define TF_APIC_LAPIC_REGS_H

/* IA32_APIC_BASE MSR */
#define IA32_APIC_BASE_MSR       0x1B
#define IA32_APIC_BASE_BSP       (1u << 8)  /* this CPU is the bootstrap processor */
#define IA32_APIC_BASE_EXTD      (1u << 10) /* x2APIC mode */
#define IA32_APIC_BASE_EN        (1u << 11) /* LAPIC globally enabled */
#define IA32_APIC_BASE_ADDR_MASK 0xFFFFFF000ull

#define LAPIC_DEFAULT_BASE 0xFEE00000u /* physical, when no MADT override says otherwise */

/* xAPIC register offsets from the base; the x2APIC MSR is 0x800 + offset / 16 */
#define LAPIC_ID                 0x020 /* xAPIC: ID in bits 31:24; x2APIC: the 32-bit ID */
#define LAPIC_VERSION            0x030
#define LAPIC_TPR                0x080 /* task priority: 0 accepts every vector */
#define LAPIC_EOI                0x0B0 /* write 0: end of interrupt */
#define LAPIC_SVR                0x0F0 /* spurious-interrupt vector and software enable */
#define LAPIC_ISR                0x100 /* in service: 8 registers of 32 vectors, 0x10 apart */
#define LAPIC_ISR_STRIDE         0x010
#define LAPIC_ESR                0x280 /* error status */
#define LAPIC_ICR_LO             0x300 /* interrupt command, low half (x2APIC: the whole 64-bit ICR) */
#define LAPIC_ICR_HI             0x310 /* xAPIC: destination in bits 31:24 */
#define LAPIC_LVT_CMCI           0x2F0 /* corrected machine-check interrupt */
#define LAPIC_LVT_TIMER          0x320
#define LAPIC_LVT_THERMAL        0x330
#define LAPIC_LVT_PERF           0x340
#define LAPIC_TIMER_INITIAL      0x380 /* initial count: 0 stops the timer */
#define LAPIC_TIMER_DIVIDE       0x3E0 /* divide configuration */
#define LAPIC_LVT_LINT0          0x350
#define LAPIC_LVT_LINT1          0x360
#define LAPIC_LVT_ERROR          0x370
#define LAPIC_X2APIC_MSR(offset) (0x800 + ((offset) >> 4))

#define LAPIC_XAPIC_ID_SHIFT         24
#define LAPIC_VECTOR_MIN             16 /* fixed interrupts below it are illegal (SDM vol. 3A 11.5.3) */
#define LAPIC_SVR_ENABLE             (1u << 8)
#define LAPIC_LVT_MASKED             (1u << 16)
#define LAPIC_LVT_TIMER_ONESHOT      (0u << 17) /* timer mode, bits 18:17 (SDM vol. 3A 11.5.4) */
#define LAPIC_LVT_TIMER_TSC_DEADLINE (2u << 17) /* fires when the TSC reaches IA32_TSC_DEADLINE */
#define LAPIC_TIMER_DIVIDE_BY_1      0xB        /* divide configuration: bus clock / 1 */
#define IA32_TSC_DEADLINE_MSR        0x6E0      /* TSC-deadline mode target; 0 disarms */

/* ICR fields (low 32 bits; x2APIC puts the destination in bits 63:32). No unsigned suffixes:
 * the core's assembly (kpark.S, through klapic.h) uses them too, and they all fit in an int. */
#define LAPIC_ICR_VECTOR_MASK       0xFF
#define LAPIC_ICR_FIXED             (0 << 8)
#define LAPIC_ICR_INIT              (5 << 8)
#define LAPIC_ICR_STARTUP           (6 << 8)
#define LAPIC_ICR_DELIVERY_MASK     (7 << 8)
#define LAPIC_ICR_BUSY              (1 << 12) /* xAPIC delivery status: send pending */
#define LAPIC_ICR_ASSERT            (1 << 14)
#define LAPIC_ICR_LEVEL             (1 << 15) /* level triggered (INIT de-assert) */
#define LAPIC_ICR_XAPIC_DEST_SHIFT  24        /* in ICR_HI */
#define LAPIC_ICR_X2APIC_DEST_SHIFT 32

/* The SIPI vector is the page number of the start-up code: below 1 MiB, 4 KiB aligned */
#define LAPIC_SIPI_PAGE_SHIFT 12
#define LAPIC_SIPI_MAX_ADDR   0xFF000

#endif
