/* swsearch's search on the Linux task farm: the plan (database sorted longest first, slices that
 * cover it once, tasks costliest first), every pair's score against the scalar reference, the
 * best-hits order (ties in database order), the same table whatever the CPUs and kernels, the
 * output format, errors that leave no output, and the command line. */
#include "options.h"
#include "plan.h"
#include "sw_testutil.h"
#include "swsearch.h"

#include <taskfarm.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sw_matrix blosum62;

static void setup(void)
{
    struct sw_error e;
    ck_assert_int_eq(sw_matrix_builtin(&blosum62, "BLOSUM62", &e), 0);
}

/* FASTA text of n random sequences named s0, s1, ...; lengths from len(i). */
static char *fasta(const char *prefix, size_t n, size_t (*len)(size_t))
{
    size_t cap = 64, used = 0;
    char *t = malloc(cap);
    for (size_t i = 0; i < n; i++) {
        size_t l = len(i);
        while (used + l + 64 > cap)
            t = realloc(t, cap *= 2);
        used += (size_t)sprintf(t + used, ">%s%zu desc\n", prefix, i);
        for (size_t k = 0; k < l; k++) {
            t[used++] = sw_rand_residue();
            if (k % 60 == 59 || k + 1 == l)
                t[used++] = '\n';
        }
    }
    t[used] = 0;
    return t;
}

static size_t len_varied(size_t i)
{
    return i % 13 == 0 ? 1 + sw_rand_below(1500) : 1 + sw_rand_below(200);
}

static struct sw_seqs parse(const char *text)
{
    struct sw_seqs s;
    struct sw_error e;
    ck_assert_int_eq(sw_fasta_parse(&s, "t.fa", text, strlen(text), &blosum62, &e), 0);
    return s;
}

START_TEST(plan_covers_the_database_longest_first)
{
    char *text = fasta("s", 500, len_varied);
    struct sw_seqs db = parse(text);
    struct sw_plan p;
    ck_assert_int_eq(sw_plan_make(&p, &db, 1, 4, 32), 0);
    ck_assert_uint_gt(p.slices, 1);
    size_t next = 0;
    for (size_t s = 0; s < p.slices; s++) {
        ck_assert_uint_eq(p.slice[s].first, next);
        ck_assert_uint_gt(p.slice[s].count, 0);
        uint64_t res = 0;
        for (size_t k = 0; k < p.slice[s].count; k++)
            res += sw_seq_len(&db, p.order[next + k]);
        ck_assert_uint_eq(res, p.slice[s].residues);
        if (s + 1 < p.slices) /* lanes full: at least 32 times its longest sequence */
            ck_assert_uint_ge(res, 32ull * sw_seq_len(&db, p.order[next]));
        next += p.slice[s].count;
    }
    ck_assert_uint_eq(next, db.count);
    for (size_t i = 1; i < db.count; i++) {
        uint32_t a = p.order[i - 1], b = p.order[i];
        ck_assert(sw_seq_len(&db, a) > sw_seq_len(&db, b) ||
                  (sw_seq_len(&db, a) == sw_seq_len(&db, b) && a < b));
    }
    sw_plan_free(&p);
    sw_seqs_free(&db);
    free(text);
}
END_TEST

START_TEST(tasks_costliest_first)
{
    char *qt = fasta("q", 9, len_varied), *dt = fasta("s", 400, len_varied);
    struct sw_seqs q = parse(qt), db = parse(dt);
    struct sw_plan p;
    ck_assert_int_eq(sw_plan_make(&p, &db, q.count, 2, 16), 0);
    for (size_t s = 0; s < p.slices; s++)
        ck_assert_int_eq(
            sw_layout_build(&p.slice[s].lay, 16, &db, p.order + p.slice[s].first, p.slice[s].count),
            0);
    struct sw_task_ref *t = sw_plan_tasks(&p, &q);
    size_t n = q.count * p.slices;
    ck_assert_uint_ge(n, 2 * SW_TASKS_PER_CPU);
    char *seen = calloc(n, 1);
    uint64_t last = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t cost = (uint64_t)sw_seq_len(&q, t[i].query) * p.slice[t[i].slice].lay.groups;
        ck_assert_uint_le(cost, last);
        last = cost;
        ck_assert_int_eq(seen[t[i].query * p.slices + t[i].slice]++, 0);
    }
    free(seen);
    free(t);
    sw_plan_free(&p);
    sw_seqs_free(&q);
    sw_seqs_free(&db);
    free(qt);
    free(dt);
}
END_TEST

/* Runs the whole search on texts; returns the table (NUL-terminated) or NULL with *rc set. */
static char *run(const struct sw_options *o, const char *qt, const char *dt, int *rc,
                 struct sw_error *e)
{
    struct sw_inputs in = {.queries = {"q.fa", qt, strlen(qt)}, .db = {"d.fa", dt, strlen(dt)}};
    struct sw_buf out = {0};
    struct sw_run_stats st;
    *rc = swsearch_run(o, &in, &out, &st, e);
    if (*rc) {
        ck_assert_uint_eq(out.len, 0);
        return NULL;
    }
    ck_assert_int_eq(sw_buf_printf(&out, "%s", ""), 0);
    return out.data;
}

static struct sw_options defaults(void)
{
    struct sw_options o;
    struct sw_error e;
    char *argv[] = {"x", NULL};
    ck_assert_int_eq(sw_options_parse(&o, 1, argv, &e), 0);
    return o;
}

START_TEST(every_pair_equals_the_reference)
{
    ck_assert_int_eq(tf_host_start(1, 3, 1), 0);
    char *qt = fasta("q", 5, len_varied), *dt = fasta("s", 300, len_varied);
    struct sw_seqs q = parse(qt), db = parse(dt);
    struct sw_options o = defaults();
    o.max_hits = 0;
    int rc;
    struct sw_error e;
    char *table = run(&o, qt, dt, &rc, &e);
    ck_assert_ptr_nonnull(table);
    struct sw_tables t;
    sw_tables_init(&t, &blosum62, (struct sw_gaps){11, 1});
    char *line = strchr(table, '\n') + 1;
    for (size_t i = 0; i < q.count; i++) {
        int32_t prev = INT32_MAX;
        int prev_s = -1;
        for (size_t k = 0; k < db.count; k++) {
            unsigned qi, si, ql, sl;
            int score;
            ck_assert_int_eq(sscanf(line, "q%u\ts%u\t%d\t%u\t%u\n", &qi, &si, &score, &ql, &sl), 5);
            ck_assert_uint_eq(qi, i);
            ck_assert_uint_eq(ql, sw_seq_len(&q, i));
            ck_assert_uint_eq(sl, sw_seq_len(&db, si));
            ck_assert_int_eq(score,
                             sw_score_scalar(&t, sw_seq_res(&q, i), ql, sw_seq_res(&db, si), sl));
            ck_assert(score < prev || (score == prev && (int)si > prev_s));
            prev = score;
            prev_s = (int)si;
            line = strchr(line, '\n') + 1;
        }
    }
    ck_assert_str_eq(line, "");
    free(table);
    sw_seqs_free(&q);
    sw_seqs_free(&db);
    free(qt);
    free(dt);
    tf_host_stop();
}
END_TEST

START_TEST(best_hits_ties_in_database_order)
{
    const char *qt = ">q\nWWWCW\n";
    const char *dt = ">a\nAAAA\n>b\nWWWCW\n>c\nWCW\n>d\nwwwcw\n>e\nWWWCW\n>f\nWCW\n";
    struct sw_options o = defaults();
    o.max_hits = 4;
    int rc;
    struct sw_error e;
    char *table = run(&o, qt, dt, &rc, &e);
    ck_assert_ptr_nonnull(table);
    ck_assert_str_eq(table,
                     "# swsearch matrix=BLOSUM62 gapopen=11 gapextend=1 max_hits=4 queries=1 "
                     "subjects=6 columns=query,subject,score,query_length,subject_length\n"
                     "q\tb\t53\t5\t5\n"
                     "q\td\t53\t5\t5\n"
                     "q\te\t53\t5\t5\n"
                     "q\tc\t31\t5\t3\n");
    free(table);
}
END_TEST

START_TEST(same_table_whatever_cpus_and_kernels)
{
    char *qt = fasta("q", 7, len_varied), *dt = fasta("s", 700, len_varied);
    struct sw_options o = defaults();
    int rc;
    struct sw_error e;
    char *first = NULL;
    static const unsigned cpus[] = {1, 2, 5};
    for (size_t c = 0; c < 3; c++) {
        ck_assert_int_eq(tf_host_start(1, cpus[c], 1), 0);
        for (int isa = 0; isa <= (int)sw_isa_detect(); isa++) {
            o.isa_forced = 1;
            o.isa = (enum sw_isa)isa;
            char *table = run(&o, qt, dt, &rc, &e);
            ck_assert_ptr_nonnull(table);
            if (!first)
                first = table;
            else {
                ck_assert_str_eq(table, first);
                free(table);
            }
        }
        tf_host_stop();
    }
    free(first);
    free(qt);
    free(dt);
}
END_TEST

START_TEST(errors_leave_no_output)
{
    struct sw_options o = defaults();
    int rc;
    struct sw_error e;
    ck_assert_ptr_null(run(&o, ">q\nACD\n", ">a\nAC\n>b\nA C D\n>c\n", &rc, &e));
    ck_assert_int_eq(rc, SW_EINPUT);
    ck_assert_str_eq(e.msg, "d.fa:5: sequence 'c' is empty (a header without sequence)");
    ck_assert_ptr_null(run(&o, "ACD\n", ">a\nAC\n", &rc, &e));
    ck_assert_str_eq(e.msg, "q.fa:1: not a FASTA file: a record starts with '>'");
    o.matrix = "BLOSUM63";
    ck_assert_ptr_null(run(&o, ">q\nACD\n", ">a\nAC\n", &rc, &e));
    ck_assert_int_eq(rc, SW_EUSAGE);
    /* a matrix file that does not parse */
    const char *bad = "   A  C\nA  4 -1\nC -1\n";
    struct sw_text mx = {"my.mat", bad, strlen(bad)};
    struct sw_inputs in = {.queries = {"q.fa", ">q\nAC\n", 6},
                           .db = {"d.fa", ">a\nAC\n", 6},
                           .matrix = &mx,
                           .matrix_name = "my.mat"};
    struct sw_buf out = {0};
    struct sw_run_stats st;
    ck_assert_int_eq(swsearch_run(&o, &in, &out, &st, &e), SW_EINPUT);
    ck_assert_str_eq(e.msg, "my.mat:3: row 'C' has 1 scores, expected 2");
    ck_assert_uint_eq(out.len, 0);
}
END_TEST

START_TEST(matrix_file_named_in_the_header)
{
    const char *text = "# two letters\n   A  C  X\nA  2 -1  0\nC -1  3  0\nX  0  0  0\n";
    struct sw_text mx = {"dir/two.mat", text, strlen(text)};
    struct sw_inputs in = {.queries = {"q.fa", ">q\nACCA\n", 8},
                           .db = {"d.fa", ">a\nCC\n", 6},
                           .matrix = &mx,
                           .matrix_name = "two.mat"};
    struct sw_options o = defaults();
    o.gap_open = 2;
    o.gap_extend = 0;
    struct sw_buf out = {0};
    struct sw_run_stats st;
    struct sw_error e;
    ck_assert_int_eq(swsearch_run(&o, &in, &out, &st, &e), 0);
    ck_assert_int_eq(sw_buf_printf(&out, "%s", ""), 0);
    ck_assert_str_eq(out.data, "# swsearch matrix=two.mat gapopen=2 gapextend=0 max_hits=10 "
                               "queries=1 subjects=1 columns=query,subject,score,query_length,"
                               "subject_length\nq\ta\t6\t4\t2\n");
    sw_buf_free(&out);
}
END_TEST

static int hit_order(const void *pa, const void *pb)
{
    const struct sw_hit *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->subject > b->subject) - (a->subject < b->subject);
}

START_TEST(best_hits_selection)
{
    static const size_t ks[] = {1, 2, 10, 63, 64, 65, 500, 0};
    struct sw_hit hit[2000], want[2000];
    for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
        size_t n = 1 + sw_rand_below(2000);
        for (size_t i = 0; i < n; i++) /* few distinct scores: many ties */
            hit[i] = (struct sw_hit){(uint32_t)sw_rand_below(100000), (int32_t)sw_rand_below(40)};
        memcpy(want, hit, n * sizeof(hit[0]));
        qsort(want, n, sizeof(want[0]), hit_order);
        size_t kept = sw_hits_best(hit, n, ks[t]);
        ck_assert_uint_eq(kept, ks[t] && ks[t] < n ? ks[t] : n);
        for (size_t i = 0; i < kept; i++) {
            ck_assert_int_eq(hit[i].score, want[i].score);
            ck_assert_uint_eq(hit[i].subject, want[i].subject);
        }
    }
}
END_TEST

static int parse_args(struct sw_options *o, struct sw_error *e, int argc, char **argv)
{
    return sw_options_parse(o, argc, argv, e);
}

START_TEST(command_line)
{
    struct sw_options o;
    struct sw_error e;
    char *a1[] = {"p",       "-q",        "Q",  "--db=D",        "--matrix",
                  "PAM250",  "--gapopen", "14", "--gapextend=2", "--max-hits",
                  "3",       "--threads", "4",  "--isa",         "sse4.1",
                  "--stats", "-o",        "out"};
    ck_assert_int_eq(parse_args(&o, &e, 18, a1), 0);
    ck_assert_str_eq(o.queries, "Q");
    ck_assert_str_eq(o.db, "D");
    ck_assert_str_eq(o.matrix, "PAM250");
    ck_assert_str_eq(o.output, "out");
    ck_assert_int_eq(o.gap_open, 14);
    ck_assert_int_eq(o.gap_extend, 2);
    ck_assert_uint_eq(o.max_hits, 3);
    ck_assert_uint_eq(o.threads, 4);
    ck_assert_int_eq(o.isa, SW_ISA_SSE41);
    ck_assert_int_eq(o.stats, 1);
    char *a2[] = {"p", "--all", "--max-hits", "5"};
    ck_assert_int_eq(parse_args(&o, &e, 4, a2), 0);
    ck_assert_uint_eq(o.max_hits, 0);
    ck_assert_str_eq(o.matrix, "BLOSUM62");
    ck_assert_int_eq(o.gap_open, 11);
    char *a3[] = {"p", "--gapopen", "-1"};
    ck_assert_int_eq(parse_args(&o, &e, 3, a3), SW_EUSAGE);
    ck_assert_str_eq(e.msg, "--gapopen wants an integer from 0 to 1000, not '-1'");
    char *a4[] = {"p", "--max-hits"};
    ck_assert_int_eq(parse_args(&o, &e, 2, a4), SW_EUSAGE);
    ck_assert_str_eq(e.msg, "unknown option or missing value: '--max-hits'");
    char *a5[] = {"p", "--bogus"};
    ck_assert_int_eq(parse_args(&o, &e, 2, a5), SW_EUSAGE);
    char *a6[] = {"p", "--isa", "neon"};
    ck_assert_int_eq(parse_args(&o, &e, 3, a6), SW_EUSAGE);
    char *a7[] = {"p", "--max-hits", "0"};
    ck_assert_int_eq(parse_args(&o, &e, 3, a7), SW_EUSAGE);
    char *a8[] = {"p", "--gapextend", "2x"};
    ck_assert_int_eq(parse_args(&o, &e, 3, a8), SW_EUSAGE);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sw_search");
    TCase *c = tcase_create("search");
    tcase_add_checked_fixture(c, setup, NULL);
    tcase_add_test(c, plan_covers_the_database_longest_first);
    tcase_add_test(c, tasks_costliest_first);
    tcase_add_test(c, every_pair_equals_the_reference);
    tcase_add_test(c, best_hits_ties_in_database_order);
    tcase_add_test(c, best_hits_selection);
    tcase_add_test(c, same_table_whatever_cpus_and_kernels);
    tcase_add_test(c, errors_leave_no_output);
    tcase_add_test(c, matrix_file_named_in_the_header);
    tcase_add_test(c, command_line);
    tcase_set_timeout(c, 300);
    suite_add_tcase(s, c);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
