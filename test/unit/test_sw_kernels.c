/* swsearch's kernels: every vector kernel (SSE2, SSE4.1, AVX2) gives the scalar reference's
 * scores, through the whole 8-bit / 16-bit / 32-bit cascade: random sequences of many lengths
 * (1 included) and matrices and gaps; all-X sequences; identical sequences long enough to
 * saturate 8-bit and then 16-bit lanes; lanes refilled with sequences of very different lengths.
 * The scalar reference itself is checked on alignments worked out by hand. */
#include "kernel.h"
#include "layout.h"
#include "score.h"
#include "sw_testutil.h"

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

static void code(const struct sw_matrix *m, const char *s, uint8_t *out)
{
    for (size_t i = 0; s[i]; i++)
        out[i] = m->code[(unsigned char)s[i]];
}

static int32_t scalar(const struct sw_matrix *m, struct sw_gaps g, const char *a, const char *b)
{
    uint8_t qa[64], qb[64];
    struct sw_tables t;
    sw_tables_init(&t, m, g);
    code(m, a, qa);
    code(m, b, qb);
    return sw_score_scalar(&t, qa, strlen(a), qb, strlen(b));
}

START_TEST(scalar_by_hand)
{
    struct sw_gaps g = {11, 1};
    /* W-W 11, C-C 9: no gap pays for itself with these penalties */
    ck_assert_int_eq(scalar(&blosum62, g, "W", "W"), 11);
    ck_assert_int_eq(scalar(&blosum62, g, "A", "W"), 0);
    ck_assert_int_eq(scalar(&blosum62, g, "WCW", "WCW"), 31);
    ck_assert_int_eq(scalar(&blosum62, g, "XXXX", "XXXX"), 0);
    /* 10 W, 10 C, 10 W against the same with two residues inserted: 310 minus one gap of 2 */
    const char *a = "WWWWWWWWWWCCCCCCCCCCWWWWWWWWWW", *b = "WWWWWWWWWWCCCCCCCCCCAAWWWWWWWWWW";
    ck_assert_int_eq(scalar(&blosum62, (struct sw_gaps){3, 2}, a, b), 310 - (3 + 2 * 2));
    ck_assert_int_eq(scalar(&blosum62, (struct sw_gaps){3, 2}, b, a), 310 - (3 + 2 * 2));
    /* a gap too dear: no gap, two W-A mismatches (-3 each) and then 8 more W: 200 - 6 + 88 */
    ck_assert_int_eq(scalar(&blosum62, (struct sw_gaps){200, 1}, a, b), 282);
}
END_TEST

/* Every subject of db against query q through sw_score_layout with isa's kernels must give the
 * reference score; returns the rescoring counts. */
static struct sw_rescored check_all(enum sw_isa isa, const struct sw_tables *t, const uint8_t *q,
                                    size_t m, const struct sw_seqs *db)
{
    const struct sw_kernels *k = sw_kernels_for(isa);
    uint32_t *order = malloc(db->count * sizeof(uint32_t));
    int32_t *scores = malloc(db->count * sizeof(int32_t));
    ck_assert_ptr_nonnull(order);
    ck_assert_ptr_nonnull(scores);
    for (size_t i = 0; i < db->count; i++)
        order[i] = (uint32_t)(db->count - 1 - i); /* any order works, sorted or not */
    struct sw_layout lay;
    struct sw_rescored r = {0};
    ck_assert_int_eq(sw_layout_build(&lay, k->lanes8, db, order, db->count), 0);
    ck_assert_int_eq(sw_score_layout(k, t, q, m, &lay, db, order, scores, &r), 0);
    for (size_t i = 0; i < db->count; i++) {
        size_t d = order[i];
        int32_t want = sw_score_scalar(t, q, m, sw_seq_res(db, d), sw_seq_len(db, d));
        ck_assert_msg(scores[i] == want, "%s: query of %zu against subject %zu of %u: %d, not %d",
                      sw_isa_name(isa), m, d, sw_seq_len(db, d), scores[i], want);
    }
    sw_layout_free(&lay);
    free(scores);
    free(order);
    return r;
}

/* A database of n sequences whose lengths come from len(i). */
static void make_db(struct sw_seqs *db, const struct sw_matrix *mx, size_t n, size_t (*len)(size_t))
{
    size_t total = 0, *l = malloc(n * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        total += l[i] = len(i); /* once: len may be random */
    memset(db, 0, sizeof(*db));
    db->count = n;
    db->res = malloc(total ? total : 1);
    db->start = malloc((n + 1) * sizeof(size_t));
    db->ids = calloc(1, 1);
    db->id_at = calloc(n, sizeof(size_t));
    for (size_t i = 0, at = 0; i < n; i++) {
        db->start[i] = at;
        sw_rand_seq(mx, db->res + at, l[i]);
        at += l[i];
        db->start[i + 1] = at;
    }
    free(l);
    db->residues = total;
}

static size_t random_len(size_t i)
{
    (void)i;
    return 1 + sw_rand_below(i % 7 == 0 ? 600 : 120);
}

static const enum sw_isa isas[] = {SW_ISA_SSE2, SW_ISA_SSE41, SW_ISA_AVX2};
#define NISA (sizeof(isas) / sizeof(isas[0]))

START_TEST(every_isa_is_tested)
{
    /* The kernels are tested for every instruction set the CPU has; a CPU without AVX2 would
     * leave kernel code untested, which must not pass unnoticed. */
    ck_assert_msg(sw_isa_detect() == SW_ISA_AVX2,
                  "this CPU offers %s only: the AVX2 kernels cannot be tested here",
                  sw_isa_name(sw_isa_detect()));
}
END_TEST

START_TEST(random_sequences_every_matrix_and_gaps)
{
    static const char *const names[] = {"BLOSUM62", "BLOSUM45", "BLOSUM80", "PAM250", "BLOSUM50"};
    static const struct sw_gaps gaps[] = {{11, 1}, {0, 0}, {1, 0}, {0, 3}, {10, 2}, {1000, 1000}};
    struct sw_matrix mx;
    struct sw_error e;
    ck_assert_int_eq(sw_matrix_builtin(&mx, names[_i % 5], &e), 0);
    struct sw_tables t;
    sw_tables_init(&t, &mx, gaps[_i % 6]);
    struct sw_seqs db;
    make_db(&db, &mx, 150, random_len);
    static const size_t qlens[] = {1, 2, 3, 7, 50, 333};
    for (size_t k = 0; k < sizeof(qlens) / sizeof(qlens[0]); k++) {
        uint8_t q[333];
        sw_rand_seq(&mx, q, qlens[k]);
        for (size_t i = 0; i < NISA; i++)
            if (isas[i] <= sw_isa_detect())
                check_all(isas[i], &t, q, qlens[k], &db);
    }
    sw_seqs_free(&db);
}
END_TEST

static size_t len_one(size_t i)
{
    (void)i;
    return 1;
}

START_TEST(length_one_and_all_x)
{
    struct sw_tables t;
    sw_tables_init(&t, &blosum62, (struct sw_gaps){11, 1});
    struct sw_seqs db;
    make_db(&db, &blosum62, 70, len_one); /* more than two vectors' worth of lanes */
    uint8_t q[40], x[40];
    sw_rand_seq(&blosum62, q, 40);
    memset(x, blosum62.code['X'], sizeof(x));
    for (size_t i = 0; i < NISA; i++) {
        if (isas[i] > sw_isa_detect())
            continue;
        check_all(isas[i], &t, q, 1, &db);
        check_all(isas[i], &t, q, 40, &db);
        check_all(isas[i], &t, x, 40, &db);
    }
    memset(db.res, blosum62.code['X'], db.residues); /* all X: every score 0 */
    for (size_t i = 0; i < NISA; i++)
        if (isas[i] <= sw_isa_detect())
            check_all(isas[i], &t, x, 40, &db);
    ck_assert_int_eq(sw_score_scalar(&t, x, 40, db.res, 1), 0);
    sw_seqs_free(&db);
}
END_TEST

static size_t identical_len;
static size_t len_identical(size_t i)
{
    return i == 0 ? identical_len : 1 + sw_rand_below(300);
}

/* Query = subject 0 of the database, so that its score is the query's self score. */
static struct sw_rescored identical(enum sw_isa isa, size_t n, const char *matrix)
{
    struct sw_matrix mx;
    struct sw_error e;
    ck_assert_int_eq(sw_matrix_builtin(&mx, matrix, &e), 0);
    struct sw_tables t;
    sw_tables_init(&t, &mx, (struct sw_gaps){11, 1});
    struct sw_seqs db;
    identical_len = n;
    make_db(&db, &mx, 40, len_identical);
    struct sw_rescored r = check_all(isa, &t, sw_seq_res(&db, 0), n, &db);
    sw_seqs_free(&db);
    return r;
}

START_TEST(saturation_is_rescored_exactly)
{
    for (size_t i = 0; i < NISA; i++) {
        if (isas[i] > sw_isa_detect())
            continue;
        struct sw_rescored r = identical(isas[i], 60, "BLOSUM62"); /* about 300: over 8 bits */
        ck_assert_uint_ge(r.at16, 1);
        ck_assert_uint_eq(r.at32, 0);
        r = identical(isas[i], 7000, "BLOSUM62"); /* about 37000: over 16 bits */
        ck_assert_uint_ge(r.at16, 1);
        ck_assert_uint_ge(r.at32, 1);
    }
}
END_TEST

START_TEST(saturation_thresholds_exactly)
{
    /* Scores right at the edges of the 8-bit and 16-bit ranges: W against W scores 11 each, so a
     * run of n W scores 11 n; around 255 - bias (251) and 32767. */
    struct sw_tables t;
    sw_tables_init(&t, &blosum62, (struct sw_gaps){11, 1});
    static const size_t runs[] = {21, 22, 23, 2978, 2979, 2980};
    for (size_t k = 0; k < sizeof(runs) / sizeof(runs[0]); k++) {
        struct sw_seqs db;
        identical_len = runs[k];
        make_db(&db, &blosum62, 33, len_identical);
        memset(db.res, blosum62.code['W'], runs[k]);
        uint8_t *q = malloc(runs[k]);
        memset(q, blosum62.code['W'], runs[k]);
        for (size_t i = 0; i < NISA; i++)
            if (isas[i] <= sw_isa_detect())
                check_all(isas[i], &t, q, runs[k], &db);
        ck_assert_int_eq(sw_score_scalar(&t, q, runs[k], db.res, runs[k]), 11 * (int)runs[k]);
        free(q);
        sw_seqs_free(&db);
    }
}
END_TEST

static size_t len_mixed(size_t i)
{
    static const size_t l[] = {1, 2000, 3, 4, 5, 700, 8, 1, 1, 90, 4000};
    return l[i % 11] + (i / 11) % 3;
}

START_TEST(lanes_refill_with_very_different_lengths)
{
    struct sw_tables t;
    sw_tables_init(&t, &blosum62, (struct sw_gaps){10, 2});
    struct sw_seqs db;
    make_db(&db, &blosum62, 110, len_mixed);
    uint8_t q[250];
    sw_rand_seq(&blosum62, q, sizeof(q));
    for (size_t i = 0; i < NISA; i++)
        if (isas[i] <= sw_isa_detect())
            check_all(isas[i], &t, q, sizeof(q), &db);
    sw_seqs_free(&db);
}
END_TEST

START_TEST(layout_packs_every_residue_once)
{
    struct sw_seqs db;
    make_db(&db, &blosum62, 100, len_mixed);
    uint32_t order[100];
    for (uint32_t i = 0; i < 100; i++)
        order[i] = i;
    struct sw_layout lay;
    ck_assert_int_eq(sw_layout_build(&lay, 16, &db, order, 100), 0);
    ck_assert_uint_eq(lay.cells, db.residues);
    size_t real = 0;
    for (size_t i = 0; i < lay.groups * SW_GROUP * 16; i++)
        real += lay.cols[i] != SW_PAD;
    ck_assert_uint_eq(real, db.residues);
    ck_assert_uint_eq(lay.resets[0], 0);
    size_t flagged = 0;
    for (size_t g = 0; g < lay.groups; g++)
        flagged += lay.resets[g];
    ck_assert_uint_eq(lay.flushes, flagged + 1);
    for (size_t k = 0; k < 100; k++) {
        ck_assert_uint_lt(lay.slot[k].flush, lay.flushes);
        ck_assert_uint_lt(lay.slot[k].lane, 16);
    }
    sw_layout_free(&lay);
    sw_seqs_free(&db);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sw_kernels");
    TCase *c = tcase_create("kernels");
    tcase_add_checked_fixture(c, setup, NULL);
    tcase_add_test(c, scalar_by_hand);
    tcase_add_test(c, every_isa_is_tested);
    tcase_add_loop_test(c, random_sequences_every_matrix_and_gaps, 0, 30);
    tcase_add_test(c, length_one_and_all_x);
    tcase_add_test(c, saturation_is_rescored_exactly);
    tcase_add_test(c, saturation_thresholds_exactly);
    tcase_add_test(c, lanes_refill_with_very_different_lengths);
    tcase_add_test(c, layout_packs_every_residue_once);
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
