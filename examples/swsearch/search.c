/* The search's tasks (search.h, plan.h). */
#include "search.h"
#include "plan.h"
#include "score.h"

#include <taskfarm.h>

#include <stdlib.h>
#include <string.h>

#define WINDOW      4096          /* tasks submitted and not yet waited for (<= TF_MAX_TASKS) */
#define PROGRESS_NS 1000000000ull /* between two progress reports */

struct layout_job {
    const struct sw_search *s;
    struct sw_plan *plan;
    struct sw_slice *slice;
};

struct query_job {
    const struct sw_search *s;
    const struct sw_plan *plan;
    struct sw_task_ref ref;
    struct sw_hitlist out;
    struct sw_rescored r;
};

static uint64_t layout_task(void *arg)
{
    struct layout_job *j = arg;
    int rc = sw_layout_build(&j->slice->lay, j->s->kernels->lanes8, j->s->db,
                             j->plan->order + j->slice->first, j->slice->count);
    return (uint64_t)(int64_t)rc;
}

static uint64_t query_task(void *arg)
{
    struct query_job *j = arg;
    const struct sw_search *s = j->s;
    const struct sw_slice *sl = &j->plan->slice[j->ref.slice];
    const uint32_t *order = j->plan->order + sl->first;
    int32_t *scores = malloc(sl->count * sizeof(int32_t));
    struct sw_hit *hit = malloc(sl->count * sizeof(struct sw_hit));
    int rc = scores && hit ? 0 : SW_ENOMEM;
    if (rc == 0)
        rc = sw_score_layout(s->kernels, s->tables, sw_seq_res(s->queries, j->ref.query),
                             sw_seq_len(s->queries, j->ref.query), &sl->lay, s->db, order, scores,
                             &j->r);
    if (rc == 0) {
        for (size_t k = 0; k < sl->count; k++)
            hit[k] = (struct sw_hit){order[k], scores[k]};
        j->out.count = sw_hits_best(hit, sl->count, s->max_hits);
        struct sw_hit *kept = realloc(hit, j->out.count * sizeof(struct sw_hit));
        j->out.hit = kept ? kept : hit; /* keep only the hits that can make the top */
        hit = NULL;
    }
    free(hit);
    free(scores);
    return (uint64_t)(int64_t)rc;
}

static int task_result(tf_task_t t, int rc, struct sw_error *e)
{
    uint64_t result = 0;
    int err = tf_wait(t, &result);
    if (err)
        return rc ? rc : sw_fail(e, SW_ETASK, "a search task failed: %s", tf_strerror(err));
    if ((int64_t)result < 0 && rc == 0)
        return sw_fail(e, (int)(int64_t)result, "out of memory in a search task");
    return rc;
}

struct progress {
    const struct sw_search *s;
    uint64_t done, total, last_ns;
};

/* The cells of a query job, counted once it is taken. */
static void advance(struct progress *p, const struct query_job *j)
{
    if (!p || !p->s->progress)
        return;
    p->done +=
        (uint64_t)sw_seq_len(p->s->queries, j->ref.query) * j->plan->slice[j->ref.slice].residues;
    uint64_t now = tf_now_ns();
    if (now - p->last_ns >= PROGRESS_NS && p->done < p->total) {
        p->s->progress(p->s->progress_ctx, p->done, p->total);
        p->last_ns = now;
    }
}

/* Runs fn on jobs[0..n) (each `size` bytes), keeping at most WINDOW outstanding and taking the
 * results in submission order; 0 or the first error. With p, the jobs are query jobs whose
 * progress is reported. */
static int run_all(tf_task_fn fn, void *jobs, size_t size, size_t n, struct progress *p,
                   struct sw_error *e)
{
    size_t w = n < WINDOW ? n : WINDOW, submitted = 0;
    tf_task_t *h = malloc((w ? w : 1) * sizeof(*h));
    if (!h)
        return sw_fail(e, SW_ENOMEM, "out of memory");
    int rc = 0;
    for (; submitted < n; submitted++) {
        if (submitted >= w) {
            rc = task_result(h[submitted % w], rc, e);
            advance(p, (const struct query_job *)((char *)jobs + (submitted - w) * size));
        }
        tf_task_t t = tf_submit(fn, (char *)jobs + submitted * size);
        if (t < 0) {
            rc = rc ? rc : sw_fail(e, SW_ETASK, "cannot submit a task: %s", tf_strerror((int)t));
            break;
        }
        h[submitted % w] = t;
    }
    for (size_t i = submitted > w ? submitted - w : 0; i < submitted; i++) {
        rc = task_result(h[i % w], rc, e);
        advance(p, (const struct query_job *)((char *)jobs + i * size));
    }
    free(h);
    return rc;
}

static int build_layouts(const struct sw_search *s, struct sw_plan *plan, struct sw_error *e)
{
    struct layout_job *j = malloc(plan->slices * sizeof(*j));
    if (!j)
        return sw_fail(e, SW_ENOMEM, "out of memory");
    for (size_t i = 0; i < plan->slices; i++)
        j[i] = (struct layout_job){s, plan, &plan->slice[i]};
    int rc = run_all(layout_task, j, sizeof(*j), plan->slices, NULL, e);
    free(j);
    return rc;
}

/* Query q's hits from every slice's, best first. */
static int merge(const struct sw_search *s, const struct sw_plan *p, struct query_job *jobs,
                 const size_t *job_of, size_t q, struct sw_hitlist *out)
{
    size_t n = 0;
    for (size_t sl = 0; sl < p->slices; sl++)
        n += jobs[job_of[q * p->slices + sl]].out.count;
    if (!(out->hit = malloc(n * sizeof(struct sw_hit))))
        return SW_ENOMEM;
    n = 0;
    for (size_t sl = 0; sl < p->slices; sl++) {
        struct sw_hitlist *h = &jobs[job_of[q * p->slices + sl]].out;
        memcpy(out->hit + n, h->hit, h->count * sizeof(struct sw_hit));
        n += h->count;
    }
    out->count = sw_hits_best(out->hit, n, s->max_hits);
    return 0;
}

static int score_all(const struct sw_search *s, const struct sw_plan *p, struct sw_hitlist *hits,
                     struct sw_search_stats *st, struct sw_error *e)
{
    size_t n = s->queries->count * p->slices;
    struct sw_task_ref *ref = sw_plan_tasks(p, s->queries);
    struct query_job *jobs = calloc(n, sizeof(*jobs));
    size_t *job_of = malloc(n * sizeof(size_t));
    int rc = ref && jobs && job_of ? 0 : sw_fail(e, SW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        jobs[i] = (struct query_job){.s = s, .plan = p, .ref = ref[i]};
        job_of[(size_t)ref[i].query * p->slices + ref[i].slice] = i;
    }
    struct progress prog = {s, 0, (uint64_t)s->queries->residues * s->db->residues, tf_now_ns()};
    if (rc == 0)
        rc = run_all(query_task, jobs, sizeof(*jobs), n, &prog, e);
    for (size_t q = 0; rc == 0 && q < s->queries->count; q++)
        if (merge(s, p, jobs, job_of, q, &hits[q]))
            rc = sw_fail(e, SW_ENOMEM, "out of memory");
    for (size_t i = 0; jobs && i < n; i++) {
        st->at16 += jobs[i].r.at16;
        st->at32 += jobs[i].r.at32;
        free(jobs[i].out.hit);
    }
    st->tasks += n;
    free(job_of);
    free(jobs);
    free(ref);
    return rc;
}

int sw_search_run(const struct sw_search *s, struct sw_hitlist *hits, struct sw_search_stats *st,
                  struct sw_error *e)
{
    struct sw_plan plan;
    memset(st, 0, sizeof(*st));
    memset(hits, 0, s->queries->count * sizeof(*hits));
    uint64_t t0 = tf_now_ns();
    if (sw_plan_make(&plan, s->db, s->queries->count, tf_cpu_count(), s->kernels->lanes8))
        return sw_fail(e, SW_ENOMEM, "out of memory");
    int rc = build_layouts(s, &plan, e);
    uint64_t t1 = tf_now_ns();
    if (rc == 0)
        rc = score_all(s, &plan, hits, st, e);
    st->prepare_ns = t1 - t0;
    st->search_ns = tf_now_ns() - t1;
    st->slices = plan.slices;
    st->cells = (uint64_t)s->queries->residues * s->db->residues;
    sw_plan_free(&plan);
    if (rc)
        sw_hits_free(hits, s->queries->count);
    return rc;
}

void sw_hits_free(struct sw_hitlist *hits, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(hits[i].hit);
        hits[i] = (struct sw_hitlist){0};
    }
}
