/* How a search is cut into tasks.
 *
 * The database is sorted longest first (ties in file order) and cut into slices of consecutive
 * sequences; every (query, slice) pair is one task. There are about 8 tasks per CPU or more, so
 * that CPUs that finish early find work, and they run costliest first (query length times the
 * slice's kernel columns), so that the last tasks to start are short ones and every CPU stays
 * busy to the end. A slice holds at least total/S residues and at least `lanes` times its
 * longest sequence, so that its SIMD lanes stay full (a lone long sequence would leave the other
 * lanes idle for its whole length). */
#ifndef SW_PLAN_H
#define SW_PLAN_H

#include "fasta.h"
#include "layout.h"

#include <stddef.h>
#include <stdint.h>

#define SW_TASKS_PER_CPU 8

struct sw_slice {
    size_t first, count; /* of the sorted order */
    uint64_t residues;
    struct sw_layout lay; /* built by the search */
};

struct sw_task_ref {
    uint32_t query, slice;
};

struct sw_plan {
    uint32_t *order; /* database indices, longest first */
    size_t slices;
    struct sw_slice *slice;
};

/* Sorts the database and cuts it for `queries` queries on `cpus` CPUs with `lanes` lanes. 0 or
 * SW_ENOMEM. */
int sw_plan_make(struct sw_plan *p, const struct sw_seqs *db, size_t queries, unsigned cpus,
                 unsigned lanes);

/* The (query, slice) tasks costliest first, once the slices' layouts are built: a new array of
 * queries->count * p->slices entries, or NULL when out of memory. */
struct sw_task_ref *sw_plan_tasks(const struct sw_plan *p, const struct sw_seqs *queries);

void sw_plan_free(struct sw_plan *p);

#endif
