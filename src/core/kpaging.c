/* CPL0: changes to the boot identity map after start-up.
 *   - Guard pages: a 4 KiB hole below each CPU's stack, so an overflow faults instead of running
 *     into the next stack. A 2 MiB page holding a guard page is split into 512 4 KiB pages, using
 *     a page table from a fixed pool; that is 512 stores, done once per 2 MiB (the runtime
 *     allocates all stacks together).
 *   - Read-only pages: the 2 MiB pages holding boot modules, which the runtime hands out without
 *     copying them; one store per 2 MiB page, so even a module of gigabytes costs little.
 *   - Protected device pages: 4 KiB pages of a device's registers that only the core touches
 *     (a virtio device's common configuration, its MSI-X table), in a 2 MiB device page split
 *     like a guard page's, so the pages beside them (the doorbells) can still be CPL3's.
 *   - The core's device ranges: whole 2 MiB pages only the core touches (the ECAM range). */
#include "kcore.h"
#include "platform.h"
#include "x86.h"

#define KPAGING_SPLIT_TABLES 64 /* 128 MiB of 4 KiB-mapped user memory */
#define KPAGING_PROTECTED    16 /* 4 KiB device pages only the core may touch */
#define PTE_USER             (X86_PTE_P | X86_PTE_W | X86_PTE_U)
#define PTE_ADDRESS_MASK     0x000FFFFFFFFFF000ull
/* What a 4 KiB entry inherits from the 2 MiB one it splits (bit 7, PS there, is PAT here) */
#define PTE_KEPT (X86_PTE_P | X86_PTE_W | X86_PTE_U | X86_PTE_PWT | X86_PTE_PCD)

extern uint64_t kpd[]; /* pagetables.S: 2048 entries covering 4 GiB */
extern char __image_end[], __tfr_boot_stack[];

static uint64_t split_tables[KPAGING_SPLIT_TABLES][X86_PT_ENTRIES]
    __attribute__((aligned(X86_PAGE_SIZE)));
static unsigned split_used;
static uint64_t protected_pages[KPAGING_PROTECTED];
static unsigned protected_count;

static uint64_t *split_large_page(uint64_t *pde)
{
    if (split_used == KPAGING_SPLIT_TABLES)
        return NULL;
    uint64_t *pt = split_tables[split_used++];
    uint64_t base = *pde & PTE_ADDRESS_MASK & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1);
    uint64_t flags = *pde & PTE_KEPT; /* a read-only or uncached page stays so */
    for (unsigned i = 0; i < X86_PT_ENTRIES; i++)
        pt[i] = (base + ((uint64_t)i << X86_PAGE_SHIFT)) | flags;
    *pde = (uint64_t)(uintptr_t)pt | PTE_USER;
    return pt;
}

/* 1 when the page holding `addr` (below 4 GiB) is present and user-accessible in the identity
 * map (and writable, when `need` has X86_PTE_W): not the core's, not a guard page, not the device
 * window before it is mapped, not a module's page when writing. */
static int user_page(uint64_t addr, uint64_t need)
{
    uint64_t pde = kpd[addr >> X86_LARGE_PAGE_SHIFT];
    if ((pde & need) != need)
        return 0;
    if (pde & X86_PTE_PS)
        return 1;
    const uint64_t *pt = (const uint64_t *)(uintptr_t)(pde & PTE_ADDRESS_MASK);
    uint64_t pte = pt[(addr >> X86_PAGE_SHIFT) % X86_PT_ENTRIES];
    return (pte & need) == need;
}

int kpaging_user_range(uint64_t addr, uint64_t len, int write)
{
    uint64_t need = X86_PTE_P | X86_PTE_U | (write ? X86_PTE_W : 0);
    if (addr >= PLAT_MAPPED_LIMIT || len > PLAT_MAPPED_LIMIT - addr)
        return 0;
    uint64_t last = addr + (len ? len - 1 : 0);
    for (uint64_t page = addr & ~(uint64_t)(X86_PAGE_SIZE - 1); page <= last; page += X86_PAGE_SIZE)
        if (!user_page(page, need))
            return 0;
    return 1;
}

static void flush_tlb(void)
{
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

/* Makes the 2 MiB pages [addr, addr + len) read-only at CPL3. Both 2 MiB aligned; the pages lie
 * above the image and below the device window, and each must be an ordinary user page (a 2 MiB
 * one, write-back: not split for guard pages, not mapped uncached for a device). Every page is
 * checked before any changes, so a refused range changes nothing. Only the calling CPU's TLB is
 * flushed: the runtime calls this before the other CPUs start. */
long kpaging_read_only(uint64_t addr, uint64_t len)
{
    const uint64_t want = X86_PTE_P | X86_PTE_U | X86_PTE_PS;
    if ((addr | len) % X86_LARGE_PAGE_SIZE || addr < (uint64_t)(uintptr_t)__image_end ||
        addr > KABI_DEVICE_WINDOW_START || len > KABI_DEVICE_WINDOW_START - addr)
        return -KABI_EINVAL;
    uint64_t first = addr >> X86_LARGE_PAGE_SHIFT, end = (addr + len) >> X86_LARGE_PAGE_SHIFT;
    for (uint64_t i = first; i < end; i++)
        if ((kpd[i] & (want | X86_PTE_PCD)) != want)
            return -KABI_EINVAL;
    for (uint64_t i = first; i < end; i++)
        kpd[i] &= ~(uint64_t)X86_PTE_W;
    flush_tlb();
    return 0;
}

/* Unmaps the user page at `addr` (4 KiB aligned, below 4 GiB, and above the image or the lowest
 * page of the bootstrap CPU's stack). */
long kpaging_guard_page(uint64_t addr)
{
    int boot_stack = addr == (uint64_t)(uintptr_t)__tfr_boot_stack;
    if (addr % X86_PAGE_SIZE || (addr < (uint64_t)(uintptr_t)__image_end && !boot_stack) ||
        addr >= PLAT_MAPPED_LIMIT)
        return -KABI_EINVAL;
    uint64_t *pde = &kpd[addr >> X86_LARGE_PAGE_SHIFT];
    if (!(*pde & X86_PTE_U))
        return -KABI_EINVAL; /* the core's own or the device window */
    uint64_t *pt = (*pde & X86_PTE_PS) ? split_large_page(pde)
                                       : (uint64_t *)(uintptr_t)(*pde & PTE_ADDRESS_MASK);
    if (!pt)
        return -KABI_ENOMEM;
    pt[(addr >> X86_PAGE_SHIFT) % X86_PT_ENTRIES] = 0;
    flush_tlb();
    return 0;
}

/* The 2 MiB pages holding [start, end) (below 4 GiB) become supervisor-only and uncached: each
 * must be an ordinary 2 MiB user page (not the core's, not split, not mapped for a device yet).
 * Every page is checked before any changes. Only this CPU's TLB is flushed (start-up). */
long kpaging_core_device(uint64_t start, uint64_t end)
{
    const uint64_t want = X86_PTE_P | X86_PTE_U | X86_PTE_PS;
    if (start >= end || end > PLAT_MAPPED_LIMIT)
        return -KABI_EINVAL;
    uint64_t first = start >> X86_LARGE_PAGE_SHIFT;
    uint64_t last = (end - 1) >> X86_LARGE_PAGE_SHIFT;
    for (uint64_t i = first; i <= last; i++)
        if ((kpd[i] & (want | X86_PTE_PCD)) != want)
            return -KABI_EINVAL;
    for (uint64_t i = first; i <= last; i++)
        kpd[i] = (kpd[i] & ~(uint64_t)X86_PTE_U) | X86_PTE_PCD | X86_PTE_PWT;
    flush_tlb();
    return 0;
}

static int is_protected(uint64_t page)
{
    for (unsigned i = 0; i < protected_count; i++)
        if (protected_pages[i] == page)
            return 1;
    return 0;
}

static uint64_t *page_table_of(uint64_t *pde)
{
    return (*pde & X86_PTE_PS) ? split_large_page(pde)
                               : (uint64_t *)(uintptr_t)(*pde & PTE_ADDRESS_MASK);
}

long kpaging_protect(uint64_t addr)
{
    uint64_t page = addr & ~(uint64_t)(X86_PAGE_SIZE - 1);
    if (addr >= PLAT_MAPPED_LIMIT || !(kpd[addr >> X86_LARGE_PAGE_SHIFT] & X86_PTE_P))
        return -KABI_EINVAL;
    if (is_protected(page))
        return 0;
    if (protected_count == KPAGING_PROTECTED)
        return -KABI_ENOMEM;
    uint64_t *pt = page_table_of(&kpd[addr >> X86_LARGE_PAGE_SHIFT]);
    if (!pt)
        return -KABI_ENOMEM;
    protected_pages[protected_count++] = page;
    pt[(page >> X86_PAGE_SHIFT) % X86_PT_ENTRIES] &= ~(uint64_t)X86_PTE_U;
    __asm__ volatile("invlpg (%0)" ::"r"(page) : "memory");
    return 0;
}

/* A split page: each present 4 KiB entry but the protected ones. Widening access needs no flush
 * on the other CPUs: a stale entry only faults, and the fault walks the tables again. */
void kpaging_map_device(uint64_t addr)
{
    const uint64_t user_uc = X86_PTE_U | X86_PTE_PCD | X86_PTE_PWT;
    uint64_t *pde = &kpd[addr >> X86_LARGE_PAGE_SHIFT];
    uint64_t base = addr & ~(uint64_t)(X86_LARGE_PAGE_SIZE - 1);
    if (*pde & X86_PTE_PS) {
        *pde |= user_uc;
        __asm__ volatile("invlpg (%0)" ::"r"(base) : "memory");
        return;
    }
    uint64_t *pt = (uint64_t *)(uintptr_t)(*pde & PTE_ADDRESS_MASK);
    *pde |= X86_PTE_U;
    for (unsigned i = 0; i < X86_PT_ENTRIES; i++) {
        uint64_t page = base + ((uint64_t)i << X86_PAGE_SHIFT);
        if (pt[i] & X86_PTE_P)
            pt[i] = is_protected(page) ? (pt[i] | X86_PTE_PCD | X86_PTE_PWT) : (pt[i] | user_uc);
    }
    flush_tlb();
}
