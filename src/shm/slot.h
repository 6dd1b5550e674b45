/* The per-CPU mailbox slot: how the bootstrap CPU hands a task to an idle CPU (src/shm/slot.c).
 *
 * One slot per CPU, indexed by the dense CPU index, each on its own cache line so that handing a
 * task to one CPU does not disturb another. Fields and who writes them:
 *
 *   state  SHM_SLOT_BUSY or SHM_SLOT_IDLE. The owner stores IDLE when it runs out of work; the
 *          bootstrap CPU (BSP) claims an idle CPU with a compare-and-swap IDLE -> BUSY; the owner
 *          may take itself back with the same compare-and-swap (only one of the two succeeds).
 *   task   the task index handed over, or SHM_NO_TASK ("look at the queue"). Written by the BSP
 *          only between a successful claim and the store to `word`; read by the owner only after
 *          it saw `word` change.
 *   word   counts hand-offs. The BSP adds 1 after writing `task` (release: `task` is visible to
 *          whoever sees the new count); the owner parks on it with cpu_park.
 *
 * The hand-off, in order:
 *   owner (CPU k)                                BSP
 *   1. seen = word             (while BUSY: nobody else writes word now)
 *   2. state = IDLE            (seq_cst)
 *                                                3. CAS state IDLE -> BUSY   (seq_cst)
 *                                                4. task = t
 *                                                5. word = word + 1          (release)
 *                                                6. cpu_wake(k)
 *   7. park until word != seen (acquire), then read task
 *
 * Step 1 before step 2 is what makes it safe: once the owner is IDLE only the BSP changes
 * `word`, so a hand-off made at any moment after step 2 changes `word` away from `seen` and step
 * 7 cannot miss it (cpu_park returns at once when the word already differs). The owner's
 * seq_cst store in step 2 and the BSP's seq_cst claim in step 3 also take part in the queue's
 * hand-shake (see src/sched/worker.c). */
#ifndef TF_SHM_SLOT_H
#define TF_SHM_SLOT_H

#include "cache_line.h"

#include <stdint.h>

#define SHM_NO_TASK UINT32_MAX

enum shm_slot_state { SHM_SLOT_BUSY = 0, SHM_SLOT_IDLE = 1 };

struct shm_slot {
    uint32_t word;  /* hand-off count; the owner parks on it */
    uint32_t state; /* enum shm_slot_state */
    uint32_t task;  /* the task handed over, or SHM_NO_TASK */
} __attribute__((aligned(CPU_CACHE_LINE)));

_Static_assert(sizeof(struct shm_slot) == CPU_CACHE_LINE, "one slot per cache line");
_Static_assert(_Alignof(struct shm_slot) == CPU_CACHE_LINE, "slots start on a cache line");

/* Makes the slot BUSY with nothing handed over; before its owner starts. */
void shm_slot_reset(struct shm_slot *s);

/* Owner side. shm_slot_seen: step 1 (owner, while BUSY). shm_slot_idle: step 2.
 * shm_slot_unidle: takes the CPU back from IDLE; 1 when that worked, 0 when the BSP claimed it
 * first (a hand-off is then on its way: wait for it). shm_slot_wait: step 7, returns `task`. */
uint32_t shm_slot_seen(const struct shm_slot *s);
void shm_slot_idle(struct shm_slot *s);
int shm_slot_unidle(struct shm_slot *s);
uint32_t shm_slot_wait(struct shm_slot *s, uint32_t seen);

/* Any CPU: 1 while the owner is idle (acquire). */
int shm_slot_is_idle(const struct shm_slot *s);

/* BSP side. shm_slot_claim: step 3, 1 when the CPU was idle and is now the caller's.
 * shm_slot_post: steps 4 to 6, only after a successful claim. */
int shm_slot_claim(struct shm_slot *s);
void shm_slot_post(struct shm_slot *s, unsigned cpu, uint32_t task);

#endif
