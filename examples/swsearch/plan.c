/* Cutting a search into tasks (plan.h). */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

struct keyed {
    uint64_t key;
    uint32_t index;
};

static int ascending(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Database indices longest first, ties in file order. */
static uint32_t *sort_by_length(const struct sw_seqs *db)
{
    struct keyed *k = malloc(db->count * sizeof(*k));
    uint32_t *order = malloc(db->count * sizeof(*order));
    if (k && order) {
        for (size_t i = 0; i < db->count; i++)
            k[i] = (struct keyed){UINT32_MAX - sw_seq_len(db, i), (uint32_t)i};
        qsort(k, db->count, sizeof(*k), ascending);
        for (size_t i = 0; i < db->count; i++)
            order[i] = k[i].index;
    } else {
        free(order);
        order = NULL;
    }
    free(k);
    return order;
}

static size_t cut(struct sw_plan *p, const struct sw_seqs *db, uint64_t target, unsigned lanes)
{
    size_t n = 0, first = 0;
    uint64_t sum = 0;
    for (size_t i = 0; i < db->count; i++) {
        sum += sw_seq_len(db, p->order[i]);
        uint64_t need = (uint64_t)lanes * sw_seq_len(db, p->order[first]);
        if ((sum >= target && sum >= need) || i + 1 == db->count) {
            if (p->slice)
                p->slice[n] =
                    (struct sw_slice){.first = first, .count = i + 1 - first, .residues = sum};
            n++;
            first = i + 1;
            sum = 0;
        }
    }
    return n;
}

int sw_plan_make(struct sw_plan *p, const struct sw_seqs *db, size_t queries, unsigned cpus,
                 unsigned lanes)
{
    memset(p, 0, sizeof(*p));
    if (!(p->order = sort_by_length(db)))
        return SW_ENOMEM;
    size_t want = ((size_t)cpus * SW_TASKS_PER_CPU + queries - 1) / queries;
    uint64_t target = (db->residues + want - 1) / (want ? want : 1);
    p->slices = cut(p, db, target, lanes);
    if (!(p->slice = calloc(p->slices, sizeof(*p->slice)))) {
        sw_plan_free(p);
        return SW_ENOMEM;
    }
    cut(p, db, target, lanes);
    return 0;
}

struct sw_task_ref *sw_plan_tasks(const struct sw_plan *p, const struct sw_seqs *queries)
{
    size_t n = queries->count * p->slices;
    struct keyed *k = malloc(n * sizeof(*k));
    struct sw_task_ref *t = malloc(n * sizeof(*t));
    if (k && t) {
        /* key: minus the cost; index: the task's position in query-major order */
        for (size_t i = 0; i < n; i++) {
            uint64_t cost =
                (uint64_t)sw_seq_len(queries, i / p->slices) * p->slice[i % p->slices].lay.groups;
            k[i] = (struct keyed){UINT64_MAX - cost, (uint32_t)i};
        }
        qsort(k, n, sizeof(*k), ascending);
        for (size_t i = 0; i < n; i++)
            t[i] = (struct sw_task_ref){(uint32_t)(k[i].index / p->slices),
                                        (uint32_t)(k[i].index % p->slices)};
    } else {
        free(t);
        t = NULL;
    }
    free(k);
    return t;
}

void sw_plan_free(struct sw_plan *p)
{
    for (size_t s = 0; p->slice && s < p->slices; s++)
        sw_layout_free(&p->slice[s].lay);
    free(p->slice);
    free(p->order);
    memset(p, 0, sizeof(*p));
}
