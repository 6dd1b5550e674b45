/* CPL0: virtqueues whose descriptor tables and available rings are the core's (kabi.h,
 * KABI_SYS_VQ_*). The card reads them by DMA from supervisor-only pages of the core's image, so
 * every buffer it reads or writes is one the core checked: CPL3 cannot point a receive
 * descriptor at the core and have the card write there. The used ring, which the card writes,
 * follows in the same pool (the legacy layout needs it there) on pages CPL3 may read but not
 * write, so the descriptors the core takes back from it are the card's word, not CPL3's.
 *
 * Cost: one system call posts a batch (a refill of receive buffers, a burst of frames). A queue
 * whose buffers are fixed (VQ_BIND: descriptor i always describes the i-th slot of one array)
 * has that array checked once, at its first post, and each buffer after that with a few
 * compares; any other buffer costs a few compares and a page-table walk per 4 KiB. The check
 * made once holds for good because the page tables of RAM do not change after start-up (only
 * the device window's do, MMIO_MAP). */
#include "kcore.h"
#include "kvring.h"
#include "platform.h"
#include "x86.h"

#define KVQ_POOL_PAGES                                                                             \
    32 /* the NIC's two queues and the console's three, legacy sizes included                      \
        */
#define KVQ_PTE_READ   (X86_PTE_P | X86_PTE_U) /* user, read-only */
#define MSI_RANGE_BASE 0xFEE00000ull           /* a DMA write here is an interrupt message */
#define MSI_RANGE_END  0xFEF00000ull

extern char __image_start[], __kernel_end[], __kbss_start[], __kbss_end[];
extern uint64_t kpt_low[]; /* pagetables.S: the 4 KiB pages of the low 2 MiB, the core's own */

/* In .kdata (kmerge.ld), below __kernel_end: supervisor-only 4 KiB pages (the boot entry clears
 * their user bit), so single pages can be opened for CPL3 to read the used rings. */
static uint8_t pool[KVQ_POOL_PAGES * X86_PAGE_SIZE]
    __attribute__((section(".data.kvq"), aligned(X86_PAGE_SIZE)));
static unsigned pool_used; /* pages handed out */

static struct kvq {
    struct kvring ring;
    uint32_t lock;
    /* VQ_BIND: descriptor i < slots describes [base + i * stride, + stride), flags fixed */
    uint64_t base;
    uint32_t stride;
    uint16_t slots; /* 0: not bound, any checked buffer may be posted */
    uint16_t flags;
    int checked; /* at the first post: 1, the slots' memory is user RAM; -1, it is not */
} queues[KABI_VQ_QUEUES];
static unsigned queue_count;
static uint32_t open_lock;
static uint64_t ram_end; /* 0 until start-up is over: no buffer is accepted before */

void kvq_startup_done(uint64_t end)
{
    __atomic_store_n(&ram_end, end, __ATOMIC_RELEASE);
}

static void lock(uint32_t *l)
{
    while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
}

static void unlock(uint32_t *l)
{
    __atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* The pages [first, first + count) of the pool become readable at CPL3. The core has not
 * touched them, so no CPU has a supervisor translation of them to flush but this one's. */
static void open_for_reading(uint64_t first, uint64_t count)
{
    for (uint64_t page = first; page < first + count; page += X86_PAGE_SIZE) {
        kpt_low[page >> X86_PAGE_SHIFT] = page | KVQ_PTE_READ;
        __asm__ volatile("invlpg (%0)" ::"r"(page) : "memory");
    }
}

static long vq_open(uint64_t size, uint64_t out)
{
    if (size == 0 || size > KABI_VQ_SIZE_MAX || (size & (size - 1)))
        return -KABI_EINVAL;
    if (!kcore_user_buffer_writable(out, sizeof(struct kabi_vq_rings)))
        return -KABI_EFAULT;
    uint64_t bytes = kvring_bytes((uint16_t)size), used = kvring_used_offset((uint16_t)size);
    lock(&open_lock);
    unsigned pages = (unsigned)(bytes >> X86_PAGE_SHIFT), n = queue_count;
    if (n == KABI_VQ_QUEUES || pool_used + pages > KVQ_POOL_PAGES) {
        unlock(&open_lock);
        return -KABI_ENOMEM;
    }
    uint8_t *memory = pool + (uint64_t)pool_used * X86_PAGE_SIZE;
    pool_used += pages;
    kvring_init(&queues[n].ring, memory, (uint16_t)size);
    open_for_reading((uint64_t)(uintptr_t)memory + used, bytes - used);
    __atomic_store_n(&queue_count, n + 1, __ATOMIC_RELEASE);
    unlock(&open_lock);
    struct kabi_vq_rings *o = (struct kabi_vq_rings *)(uintptr_t)out;
    o->desc = (uint64_t)(uintptr_t)memory;
    o->avail = (uint64_t)(uintptr_t)queues[n].ring.avail;
    o->used = (uint64_t)(uintptr_t)memory + used;
    return n;
}

static int overlaps(uint64_t a, uint64_t len, uint64_t start, uint64_t end)
{
    return a < end && start < a + len;
}

/* Memory the card may read, or write when `write`: in RAM (below its end, no wrap-around) and
 * away from the core (its code, data and page tables below __kernel_end, its stacks and tables
 * in .kbss), the device window and the MSI range, which the page tables already say for all
 * but the last two (RAM ends below them); then every page present and user-accessible, and
 * writable when the card writes it, which keeps out guard pages, the pool's rings and the AP
 * start-up page. */
static int buffer_ok(uint64_t a, uint64_t len, int write)
{
    uint64_t end = __atomic_load_n(&ram_end, __ATOMIC_ACQUIRE);
    if (len == 0 || a >= end || len > end - a)
        return 0;
    if (overlaps(a, len, (uint64_t)(uintptr_t)__image_start, (uint64_t)(uintptr_t)__kernel_end) ||
        overlaps(a, len, (uint64_t)(uintptr_t)__kbss_start, (uint64_t)(uintptr_t)__kbss_end) ||
        overlaps(a, len, KABI_DEVICE_WINDOW_START, PLAT_MAPPED_LIMIT) ||
        overlaps(a, len, MSI_RANGE_BASE, MSI_RANGE_END))
        return 0;
    return kpaging_user_range(a, len, write);
}

static struct kvq *queue(uint64_t q)
{
    return q < __atomic_load_n(&queue_count, __ATOMIC_ACQUIRE) ? &queues[q] : NULL;
}

/* A buffer of CPL3's, read once (another CPU may be changing it). */
static struct kabi_vq_buffer read_once(const volatile struct kabi_vq_buffer *from)
{
    return (struct kabi_vq_buffer){
        .addr = from->addr, .len = from->len, .id = from->id, .flags = from->flags};
}

/* One buffer of a queue that is not bound. */
static long post_one(struct kvring *r, const volatile struct kabi_vq_buffer *from)
{
    struct kabi_vq_buffer b = read_once(from);
    if (b.id >= r->size || (b.flags & ~(uint16_t)KABI_VQ_DEVICE_WRITES))
        return -KABI_EINVAL;
    int write = (b.flags & KABI_VQ_DEVICE_WRITES) != 0;
    if (!buffer_ok(b.addr, b.len, write))
        return -KABI_EFAULT;
    if (kvring_busy(r, b.id))
        return -KABI_EBUSY;
    kvring_post(r, b.id, b.addr, b.len, write);
    return 0;
}

/* Slot `id` of a bound queue again, `len` bytes of it; `room` is what the ring can still take. */
static inline __attribute__((always_inline)) long offer_one(struct kvq *v, unsigned *room,
                                                            uint64_t id, uint64_t len)
{
    if (id >= v->slots)
        return -KABI_EINVAL;
    if (len == 0 || len > v->stride)
        return -KABI_EFAULT;
    if (*room == 0)
        return -KABI_EBUSY;
    --*room;
    kvring_offer(&v->ring, (uint16_t)id, (uint32_t)len);
    return 0;
}

/* A bound queue's slots are checked at its first post after start-up, under its lock, and the
 * answer holds for good (the page tables of RAM do not change after start-up): a refused array
 * is not walked again at every post. */
static __attribute__((noinline)) int check_slots(struct kvq *v)
{
    int write = (v->flags & KABI_VQ_DEVICE_WRITES) != 0;
    if (!__atomic_load_n(&ram_end, __ATOMIC_ACQUIRE))
        return 0; /* VQ_POST and VQ_PUT refuse posts before that anyway */
    if (buffer_ok(v->base, (uint64_t)v->slots * v->stride, write)) {
        kvring_fix(&v->ring, v->slots, v->base, v->stride, write);
        __atomic_store_n(&v->checked, 1, __ATOMIC_RELEASE); /* put_one reads it unlocked */
    } else {
        v->checked = -1;
    }
    return v->checked > 0;
}

static inline int slots_checked(struct kvq *v)
{
    return __builtin_expect(v->checked > 0, 1) || (v->checked == 0 && check_slots(v));
}

/* Publishes what was posted and unlocks: the count (with KABI_VQ_NOTIFY), or the first
 * buffer's error when none went. */
static inline __attribute__((always_inline)) long posted_result(struct kvq *v, uint64_t posted,
                                                                uint64_t count, long err)
{
    long notify = kvring_publish(&v->ring) ? KABI_VQ_NOTIFY : 0;
    unlock(&v->lock);
    return posted == 0 && count ? err : (long)posted | notify;
}

/* One buffer of a bound queue from CPL3's array: its slot's address and flags exactly. */
static long offer_from(struct kvq *v, unsigned *room, const volatile struct kabi_vq_buffer *from)
{
    struct kabi_vq_buffer b = read_once(from);
    if (b.id >= v->slots || b.flags != v->flags)
        return -KABI_EINVAL;
    if (b.addr != v->base + (uint64_t)b.id * v->stride)
        return -KABI_EFAULT;
    return offer_one(v, room, b.id, b.len);
}

static long vq_post(uint64_t q, uint64_t bufs, uint64_t count)
{
    struct kvq *v = queue(q);
    if (!v || count > v->ring.size)
        return -KABI_EINVAL;
    if (!__atomic_load_n(&ram_end, __ATOMIC_ACQUIRE))
        return -KABI_EPERM;
    if (!kcore_user_buffer_ok(bufs, count * sizeof(struct kabi_vq_buffer)) ||
        bufs % _Alignof(struct kabi_vq_buffer))
        return -KABI_EFAULT;
    const volatile struct kabi_vq_buffer *b = (const volatile struct kabi_vq_buffer *)bufs;
    lock(&v->lock); /* two CPUs posting at once must not interleave their descriptor writes */
    long err = 0;
    uint64_t posted = 0;
    if (!v->slots) {
        kvring_reap(&v->ring);
        while (posted < count && (err = post_one(&v->ring, &b[posted])) == 0)
            posted++;
    } else if (slots_checked(v)) {
        unsigned room = kvring_room(&v->ring);
        while (posted < count && (err = offer_from(v, &room, &b[posted])) == 0)
            posted++;
    } else {
        err = -KABI_EFAULT;
    }
    return posted_result(v, posted, count, err);
}

/* A reply's post: one slot of a queue checked already, straight through (under PVM every CPL0
 * instruction is emulated, about a microsecond each). What it cannot take goes the general way,
 * with the same result. */
static inline long put_one(struct kvq *v, uint64_t s)
{
    uint32_t id = (uint32_t)(s >> 32), len = (uint32_t)s;
    if (id >= v->slots || len == 0 || len > v->stride)
        return 0;
    struct kvring *r = &v->ring;
    lock(&v->lock);
    if (kvring_room(r) == 0) {
        unlock(&v->lock);
        return 0;
    }
    kvring_offer(r, (uint16_t)id, len);
    long rc = 1 | (kvring_publish(r) ? KABI_VQ_NOTIFY : 0);
    unlock(&v->lock);
    return rc;
}

/* Everything else VQ_PUT is given, errors included (kept out of line, so that the fast case
 * needs no stack frame). */
static __attribute__((noinline)) long put_slow(struct kvq *v, uint64_t count, uint64_t s0,
                                               uint64_t s1, uint64_t s2)
{
    if (!v || !v->slots || count == 0 || count > KABI_VQ_PUT_MAX)
        return -KABI_EINVAL;
    if (!v->checked && !__atomic_load_n(&ram_end, __ATOMIC_ACQUIRE))
        return -KABI_EPERM; /* (a queue checked at a post is past start-up) */
    const uint64_t slot[KABI_VQ_PUT_MAX] = {s0, s1, s2};
    lock(&v->lock);
    long err = slots_checked(v) ? 0 : -KABI_EFAULT;
    unsigned room = kvring_room(&v->ring);
    uint64_t posted = 0;
    while (err == 0 && posted < count &&
           (err = offer_one(v, &room, slot[posted] >> 32, (uint32_t)slot[posted])) == 0)
        posted++;
    return posted_result(v, posted, count, err);
}

long kvq_put(uint64_t queue_count, uint64_t s0, uint64_t s1, uint64_t s2)
{
    struct kvq *v = queue(queue_count & KABI_VQ_PUT_QUEUE);
    uint64_t count = queue_count >> KABI_VQ_PUT_COUNT_SHIFT;
    long rc;
    if (v && count == 1 && __atomic_load_n(&v->checked, __ATOMIC_ACQUIRE) > 0 &&
        (rc = put_one(v, s0)))
        return rc;
    return put_slow(v, count, s0, s1, s2);
}

/* Fixes queue q's buffers before its first post: descriptor i < count describes
 * [first.addr + i * first.len, + first.len) with first.flags (first.id is not used). */
static long vq_bind(uint64_t q, uint64_t first, uint64_t count)
{
    struct kvq *v = queue(q);
    if (!v || count == 0 || count > v->ring.size)
        return -KABI_EINVAL;
    if (!kcore_user_buffer_ok(first, sizeof(struct kabi_vq_buffer)) ||
        first % _Alignof(struct kabi_vq_buffer))
        return -KABI_EFAULT;
    struct kabi_vq_buffer t = read_once((const volatile struct kabi_vq_buffer *)first);
    if (t.len == 0 || (t.flags & ~(uint16_t)KABI_VQ_DEVICE_WRITES))
        return -KABI_EINVAL;
    long rc = 0;
    lock(&v->lock);
    if (v->slots || v->ring.avail_idx || v->ring.held)
        rc = -KABI_EBUSY; /* bound already, or buffers were posted: they may be anywhere */
    else {
        v->base = t.addr;
        v->stride = t.len;
        v->flags = t.flags;
        v->slots = (uint16_t)count;
    }
    unlock(&v->lock);
    return rc;
}

/* Interrupts on, then the sleep (which checks used->idx against `seen` with interrupts off),
 * then off again. The used ring is user-readable, as kdev_wait requires of its word. */
static long vq_wait(uint64_t q, uint64_t seen, uint64_t timer, uint64_t mode)
{
    struct kvq *v = queue(q);
    if (!v)
        return -KABI_EINVAL;
    kvring_interrupts(&v->ring, 1);
    long rc = kdev_wait((const uint16_t *)&v->ring.used->idx, seen, timer, mode);
    kvring_interrupts(&v->ring, 0);
    return rc;
}

int kvq_rings(uint64_t q, struct kabi_vq_rings *rings, uint16_t *size)
{
    struct kvq *v = queue(q);
    if (!v)
        return -1;
    *size = v->ring.size;
    *rings = (struct kabi_vq_rings){.desc = (uint64_t)(uintptr_t)v->ring.desc,
                                    .avail = (uint64_t)(uintptr_t)v->ring.avail,
                                    .used = (uint64_t)(uintptr_t)v->ring.used};
    return 0;
}

long kvq_call(long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    switch (nr) {
    case KABI_SYS_VQ_OPEN:
        return vq_open(a0, a1);
    case KABI_SYS_VQ_POST:
        return vq_post(a0, a1, a2);
    case KABI_SYS_VQ_WAIT:
        return vq_wait(a0, a1, a2, a3);
    case KABI_SYS_VQ_BIND:
        return vq_bind(a0, a1, a2);
    default:
        return -KABI_ENOSYS;
    }
}
