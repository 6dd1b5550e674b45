/* newlib's locks (built with --enable-newlib-retargetable-locking): recursive spinlocks owned by
 * a CPU. There is no preemption, so a lock is held only while its owner runs; waiters spin with
 * PAUSE. newlib requires every routine and every static lock below to be defined together.
 *
 * Each CPU also keeps the locks it holds, so that a task that faults inside newlib (a bad
 * pointer given to printf, say) does not leave a lock held for ever: the fault's recovery
 * releases them (locks_release_held). */
#include "cache_line.h"
#include "percpu.h"
#include "runtime.h"
#include "x86_ops.h"

#include <stdlib.h>
#include <sys/lock.h>

#define LOCK_FREE 0u

struct __lock {
    uint32_t owner; /* CPU index + 1, or LOCK_FREE */
    uint32_t depth; /* acquisitions by the owner (recursive locks) */
};

#define LOCKS_HELD_MAX 16 /* newlib nests a few at most (a stream's, then malloc's) */

static struct locks_held {
    struct __lock *lock[LOCKS_HELD_MAX];
    unsigned n;
} __attribute__((aligned(CPU_CACHE_LINE))) held[TF_MAX_CPUS];

static void remember(struct __lock *l, unsigned cpu)
{
    struct locks_held *h = &held[cpu];
    if (h->n < LOCKS_HELD_MAX)
        h->lock[h->n++] = l;
}

static void forget(struct __lock *l, unsigned cpu)
{
    struct locks_held *h = &held[cpu];
    for (unsigned i = h->n; i-- > 0;)
        if (h->lock[i] == l) {
            h->lock[i] = h->lock[--h->n];
            return;
        }
}

struct __lock __lock___sinit_recursive_mutex, __lock___sfp_recursive_mutex,
    __lock___atexit_recursive_mutex, __lock___at_quick_exit_mutex, __lock___malloc_recursive_mutex,
    __lock___env_recursive_mutex, __lock___tz_mutex, __lock___dd_hash_mutex,
    __lock___arc4random_mutex;

static int lock_try(struct __lock *l)
{
    uint32_t me = percpu_index() + 1, expected = LOCK_FREE;
    if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
        l->depth++;
        return 1;
    }
    if (!__atomic_compare_exchange_n(&l->owner, &expected, me, 0, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return 0;
    l->depth = 1;
    remember(l, me - 1);
    return 1;
}

static void lock_acquire(struct __lock *l)
{
    while (!lock_try(l))
        x86_pause();
}

static void lock_release(struct __lock *l)
{
    if (--l->depth == 0) {
        forget(l, percpu_index());
        __atomic_store_n(&l->owner, LOCK_FREE, __ATOMIC_RELEASE);
    }
}

int locks_release_held(int *malloc_lock)
{
    struct locks_held *h = &held[percpu_index()];
    int n = (int)h->n;
    *malloc_lock = 0;
    while (h->n) {
        struct __lock *l = h->lock[--h->n];
        *malloc_lock |= l == &__lock___malloc_recursive_mutex;
        l->depth = 0;
        __atomic_store_n(&l->owner, LOCK_FREE, __ATOMIC_RELEASE);
    }
    return n;
}

/* Dynamic locks (one per FILE). A failed allocation leaves the stream unlocked: the only
 * alternative newlib offers is to crash. */
void __retarget_lock_init(_LOCK_T *lock)
{
    *lock = calloc(1, sizeof(struct __lock));
}
void __retarget_lock_init_recursive(_LOCK_T *lock)
{
    __retarget_lock_init(lock);
}
void __retarget_lock_close(_LOCK_T lock)
{
    free(lock);
}
void __retarget_lock_close_recursive(_LOCK_T lock)
{
    free(lock);
}

void __retarget_lock_acquire(_LOCK_T lock)
{
    if (lock)
        lock_acquire(lock);
}

void __retarget_lock_acquire_recursive(_LOCK_T lock)
{
    __retarget_lock_acquire(lock);
}
int __retarget_lock_try_acquire(_LOCK_T lock)
{
    return lock ? lock_try(lock) : 1;
}
int __retarget_lock_try_acquire_recursive(_LOCK_T lock)
{
    return __retarget_lock_try_acquire(lock);
}

void __retarget_lock_release(_LOCK_T lock)
{
    if (lock)
        lock_release(lock);
}

void __retarget_lock_release_recursive(_LOCK_T lock)
{
    __retarget_lock_release(lock);
}
