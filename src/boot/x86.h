/* x86-64 architectural registers: the one table of names for control registers, MSRs, CPUID
 * leaves and bits, page-table entry bits and descriptor fields. Nothing outside this file (and the
 * device headers of src/apic and src/udp) writes a raw register number or bit position.
 * References: Intel SDM vol. 3A chapters 2-4 (system registers, paging), vol. 2A (CPUID). */
#ifndef TF_BOOT_X86_H
#define TF_BOOT_X86_H

#ifdef __ASSEMBLER__
#define X86_BIT(n)  (1 << (n))
#define X86_BITL(n) (1 << (n))
#else
#define X86_BIT(n)  (1u << (n))
#define X86_BITL(n) (1ull << (n))
#endif

/* CR0 */
#define X86_CR0_PE X86_BIT(0)  /* protected mode */
#define X86_CR0_MP X86_BIT(1)  /* WAIT/FWAIT honours TS */
#define X86_CR0_EM X86_BIT(2)  /* x87 emulation: must be clear for SSE */
#define X86_CR0_TS X86_BIT(3)  /* task switched: lazy FPU trap */
#define X86_CR0_NE X86_BIT(5)  /* native x87 error reporting */
#define X86_CR0_WP X86_BIT(16) /* CPL0 honours read-only pages */
#define X86_CR0_PG X86_BIT(31) /* paging */

/* CR4 */
#define X86_CR4_PAE        X86_BIT(5)  /* physical address extension (required for long mode) */
#define X86_CR4_PGE        X86_BIT(7)  /* global pages */
#define X86_CR4_OSFXSR     X86_BIT(9)  /* FXSAVE/FXRSTOR and SSE enabled */
#define X86_CR4_OSXMMEXCPT X86_BIT(10) /* SIMD floating-point exceptions delivered as #XM */
#define X86_CR4_OSXSAVE    X86_BIT(18) /* XSAVE and XCR0 enabled */

/* XCR0 (XSETBV index 0): state components the OS manages */
#define X86_XCR0_X87    X86_BIT(0)
#define X86_XCR0_SSE    X86_BIT(1)
#define X86_XCR0_AVX    X86_BIT(2)
#define X86_XCR0_AVX512 (X86_BIT(5) | X86_BIT(6) | X86_BIT(7)) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define X86_XCR0_USER   (X86_XCR0_X87 | X86_XCR0_SSE | X86_XCR0_AVX | X86_XCR0_AVX512)

/* Model-specific registers */
#define X86_MSR_EFER           0xC0000080 /* extended feature enables */
#define X86_EFER_SCE           X86_BIT(0) /* SYSCALL/SYSRET enabled */
#define X86_EFER_LME           X86_BIT(8) /* long mode enable */
#define X86_MSR_STAR           0xC0000081 /* SYSCALL/SYSRET segment selectors */
#define X86_MSR_LSTAR          0xC0000082 /* SYSCALL 64-bit entry point */
#define X86_MSR_FMASK          0xC0000084 /* RFLAGS bits cleared by SYSCALL */
#define X86_MSR_FS_BASE        0xC0000100
#define X86_MSR_GS_BASE        0xC0000101 /* GS base in use now */
#define X86_MSR_KERNEL_GS_BASE 0xC0000102 /* GS base SWAPGS exchanges with GS_BASE */
#define X86_STAR_KERNEL_SHIFT  32         /* STAR[47:32]: SYSCALL CS (SS = CS + 8) */
#define X86_STAR_USER_SHIFT    48         /* STAR[63:48]: SYSRET base (SS = +8, CS64 = +16) */

/* RFLAGS */
#define X86_RFLAGS_CF       X86_BIT(0)
#define X86_RFLAGS_RESERVED X86_BIT(1) /* always 1 */
#define X86_RFLAGS_TF       X86_BIT(8)
#define X86_RFLAGS_IF       X86_BIT(9)
#define X86_RFLAGS_DF       X86_BIT(10)
#define X86_RFLAGS_IOPL     (3 << 12)
#define X86_RFLAGS_NT       X86_BIT(14)
#define X86_RFLAGS_AC       X86_BIT(18)
/* The arithmetic flags, TF, DF and AC: what CPL3 may set in its own RFLAGS (POPF at CPL3 leaves
 * IOPL and IF alone; IRETQ at CPL0 would not) */
#define X86_RFLAGS_USER   0x40DD5 /* CF PF AF ZF SF TF DF OF AC */
#define X86_MXCSR_DEFAULT 0x1F80  /* all SSE exceptions masked, round to nearest */
/* MXCSR: exception flags in bits 5:0, their masks 7 bits above (SDM vol. 1 10.2.3) */
#define X86_MXCSR_FLAGS      0x3F
#define X86_MXCSR_MASK_SHIFT 7
/* FXSAVE's 512-byte area (16-aligned) holds MXCSR at byte 24 (SDM vol. 1 10.5.1, table 10-2) */
#define X86_FXSAVE_SIZE  512
#define X86_FXSAVE_ALIGN 16
#define X86_FXSAVE_MXCSR 24
/* x87 status word: ES, an unmasked exception is pending (SDM vol. 1 8.1.3) */
#define X86_FSW_ES X86_BIT(7)

/* CPUID leaves and the bits we test */
#define X86_CPUID_VENDOR       0x0        /* EAX max basic leaf; EBX/EDX/ECX vendor string */
#define X86_CPUID_FEATURES     0x1        /* family/model, feature flags */
#define X86_CPUID1_EBX_APICID  24         /* EBX[31:24] initial APIC ID */
#define X86_CPUID1_ECX_MONITOR X86_BIT(3) /* MONITOR/MWAIT */
#define X86_CPUID1_ECX_X2APIC  X86_BIT(21)
#define X86_CPUID1_ECX_TSC_DL  X86_BIT(24) /* LAPIC timer TSC-deadline mode */
#define X86_CPUID1_ECX_XSAVE   X86_BIT(26)
#define X86_CPUID1_ECX_AVX     X86_BIT(28)
#define X86_CPUID1_ECX_HV      X86_BIT(31) /* running under a hypervisor */
#define X86_CPUID1_EDX_APIC    X86_BIT(9)
#define X86_CPUID1_EDX_SSE2    X86_BIT(26)
#define X86_CPUID_TOPOLOGY     0xB        /* extended topology; EDX: x2APIC ID */
#define X86_CPUID_XSAVE_STATE  0xD        /* subleaf 0 EAX: XCR0 bits supported */
#define X86_CPUID_TSC_FREQ     0x15       /* TSC/crystal ratio and crystal Hz */
#define X86_CPUID_CPU_FREQ     0x16       /* base MHz */
#define X86_CPUID_HV_BASE      0x40000000 /* hypervisor vendor; EAX max hypervisor leaf */
#define X86_CPUID_HV_TIMING    0x40000010 /* EAX: TSC kHz, EBX: bus kHz (VMware/KVM convention) */
#define X86_CPUID_EXT_MAX      0x80000000 /* EAX max extended leaf */
#define X86_CPUID_EXT_FEATURES 0x80000001
#define X86_CPUID_EXTD_LM      X86_BIT(29) /* long mode */
#define X86_CPUID_EXTD_PDPE1GB X86_BIT(26) /* 1 GiB pages */
#define X86_CPUID_BRAND_FIRST  0x80000002  /* processor brand string, leaves 0x80000002-4 */
#define X86_CPUID_BRAND_LEAVES 3

/* CPUID leaves and fields for the CPU topology (SDM vol. 2A CPUID; AMD APM vol. 3, E.4) */
#define X86_VENDOR_INTEL_EBX            0x756E6547  /* "Genu"(ineIntel) */
#define X86_VENDOR_AMD_EBX              0x68747541  /* "Auth"(enticAMD) */
#define X86_VENDOR_HYGON_EBX            0x6F677948  /* "Hygo"(nGenuine) */
#define X86_CPUID1_EBX_LOGICAL          16          /* EBX[23:16] addressable logical CPU IDs */
#define X86_CPUID1_EBX_LOGICAL_MASK     0xFF        /*   per package (valid with HTT) */
#define X86_CPUID1_EDX_HTT              X86_BIT(28) /* EBX[23:16] is valid */
#define X86_CPUID_CACHE_PARAMS          0x4         /* deterministic cache parameters (Intel) */
#define X86_CPUID4_EAX_TYPE_MASK        0x1F        /* EAX[4:0] cache type, 0: no such cache */
#define X86_CPUID4_EAX_CORES            26          /* EAX[31:26] addressable core IDs - 1 */
#define X86_CPUID4_EAX_CORES_MASK       0x3F
#define X86_CPUID_TOPOLOGY_V2           0x1F   /* V2 extended topology (adds die etc.) */
#define X86_CPUID_TOPO_EAX_SHIFT        0x1F   /* EAX[4:0] APIC ID shift to the next level */
#define X86_CPUID_TOPO_EBX_COUNT        0xFFFF /* EBX[15:0] CPUs at this level; 0: no such leaf */
#define X86_CPUID_TOPO_ECX_TYPE         8      /* ECX[15:8] level type, X86_TOPO_LEVEL_* */
#define X86_CPUID_TOPO_ECX_TYPE_MASK    0xFF
#define X86_TOPO_LEVEL_INVALID          0 /* no more levels */
#define X86_TOPO_LEVEL_SMT              1
#define X86_TOPO_LEVEL_CORE             2
#define X86_TOPO_LEVEL_MODULE           3
#define X86_TOPO_LEVEL_TILE             4
#define X86_TOPO_LEVEL_DIE              5
#define X86_TOPO_LEVELS_MAX             8 /* subleaves read before giving up on a level 0 */
#define X86_CPUID_EXTC_TOPOEXT          X86_BIT(22) /* 0x80000001 ECX: 0x8000001E valid (AMD) */
#define X86_CPUID_EXT_ADDR_SIZE         0x80000008  /* address sizes; ECX: core counts (AMD) */
#define X86_CPUID_EXT8_ECX_NC_MASK      0xFF        /* ECX[7:0] logical CPUs per package - 1 */
#define X86_CPUID_EXT8_ECX_CORE_ID_SIZE 12          /* ECX[15:12] ApicIdCoreIdSize: APIC ID bits */
#define X86_CPUID_EXT8_ECX_CORE_ID_MASK 0xF         /*   below the package ID, 0: use NC */
#define X86_CPUID_AMD_TOPOLOGY          0x8000001E  /* extended APIC ID, compute unit/core ID */
#define X86_CPUID_AMD_EBX_THREADS       8           /* EBX[15:8] threads per core - 1 */
#define X86_CPUID_AMD_EBX_THREADS_MASK  0xFF
/* From leaf 0's EBX: AMD's processors, and Hygon's, which follow AMD's CPUID conventions
 * (topology leaves, family numbering). The runtime takes Intel's conventions for the others. */
#define X86_VENDOR_IS_AMD(ebx) ((ebx) == X86_VENDOR_AMD_EBX || (ebx) == X86_VENDOR_HYGON_EBX)

/* Paging: bits of every level's entries (4-level paging, SDM vol. 3A 4.5) */
#define X86_PTE_P            X86_BIT(0) /* present */
#define X86_PTE_W            X86_BIT(1) /* writable */
#define X86_PTE_U            X86_BIT(2) /* user (CPL3) accessible */
#define X86_PTE_PWT          X86_BIT(3) /* write-through */
#define X86_PTE_PCD          X86_BIT(4) /* cache disabled */
#define X86_PTE_PS           X86_BIT(7) /* large page (in PDPT/PD entries) */
#define X86_PTE_G            X86_BIT(8) /* global */
#define X86_PAGE_SHIFT       12
#define X86_PAGE_SIZE        4096
#define X86_LARGE_PAGE_SHIFT 21 /* 2 MiB pages */
#define X86_LARGE_PAGE_SIZE  0x200000
#define X86_PT_ENTRIES       512
#define X86_PF_ERR_P         X86_BIT(0) /* #PF error code: protection violation (else not present) */
#define X86_PF_ERR_W         X86_BIT(1) /* write access */
#define X86_PF_ERR_U         X86_BIT(2) /* access from CPL3 */
#define X86_PF_ERR_I         X86_BIT(4) /* instruction fetch */

/* The I/O address space: ports 0 to 0xFFFF (SDM vol. 1, "I/O Port Addressing") */
#define X86_IO_PORTS 0x10000

/* Descriptor fields (SDM vol. 3A 3.4.5, 7.2.3, 6.14.1) */
#define X86_GDT_ACCESSED   X86_BITL(40)
#define X86_GDT_RW         X86_BITL(41) /* readable code / writable data */
#define X86_GDT_CODE       X86_BITL(43)
#define X86_GDT_S          X86_BITL(44) /* code or data (not system) */
#define X86_GDT_DPL3       (3ull << 45)
#define X86_GDT_PRESENT    X86_BITL(47)
#define X86_GDT_LONG       X86_BITL(53) /* 64-bit code segment */
#define X86_GDT_DB         X86_BITL(54) /* 32-bit default operand size */
#define X86_GDT_GRAN       X86_BITL(55) /* limit in 4 KiB units */
#define X86_GDT_LIMIT_MAX  (0xFFFFull | (0xFull << 48))
#define X86_GDT_TSS_AVAIL  (9ull << 40) /* system type: available 64-bit TSS */
#define X86_IDT_INTGATE    0xE          /* 64-bit interrupt gate type */
#define X86_IDT_PRESENT    0x80
#define X86_IDT_DPL3       0x60
#define X86_IDT_IST_MASK   0x7
#define X86_TSS_IOMAP_NONE 0xFFFF /* I/O map base past the limit: no I/O bitmap */

/* Exception vectors (SDM vol. 3A 6.3.1) */
#define X86_VEC_DE     0 /* divide error */
#define X86_VEC_DB     1 /* debug */
#define X86_VEC_NMI    2
#define X86_VEC_BP     3  /* breakpoint */
#define X86_VEC_UD     6  /* invalid opcode */
#define X86_VEC_NM     7  /* device not available */
#define X86_VEC_DF     8  /* double fault */
#define X86_VEC_TS     10 /* invalid TSS */
#define X86_VEC_NP     11 /* segment not present */
#define X86_VEC_SS     12 /* stack-segment fault */
#define X86_VEC_GP     13 /* general protection */
#define X86_VEC_PF     14 /* page fault */
#define X86_VEC_MF     16 /* x87 floating-point error */
#define X86_VEC_AC     17 /* alignment check */
#define X86_VEC_MC     18 /* machine check */
#define X86_VEC_XM     19 /* SIMD floating-point exception */
#define X86_VEC_CP     21 /* control protection */
#define X86_EXCEPTIONS 32
/* Vectors that push an error code: 8, 10-14, 17, 21, 29, 30 */
#define X86_VEC_HAS_ERRCODE(v)                                                                     \
    ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

#endif
