/* swsearch's parsers: FASTA records and their errors (file and line named), NCBI matrix files
 * and theirs, the residue codes (lower case, letters the matrix lacks scored as X), the built-in
 * matrices. */
#include "error.h"
#include "fasta.h"
#include "matrix.h"

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

static int parse_n(const char *text, size_t len, struct sw_seqs *s, struct sw_error *e)
{
    return sw_fasta_parse(s, "in.fa", text, len, &blosum62, e);
}

static int parse(const char *text, struct sw_seqs *s, struct sw_error *e)
{
    return parse_n(text, strlen(text), s, e);
}

/* The text (a literal: NUL bytes count) must fail with SW_EINPUT and a message that starts with
 * `prefix`. */
#define fails(lit, prefix) fails_n(lit, sizeof(lit) - 1, prefix)
static void fails_n(const char *text, size_t len, const char *prefix)
{
    struct sw_seqs s;
    struct sw_error e = {0};
    ck_assert_int_eq(parse_n(text, len, &s, &e), SW_EINPUT);
    ck_assert_msg(!strncmp(e.msg, prefix, strlen(prefix)), "'%s' does not start with '%s'", e.msg,
                  prefix);
    ck_assert_ptr_null(s.res);
}

START_TEST(fasta_records)
{
    struct sw_seqs s;
    struct sw_error e;
    const char *text = "\n>  sp|P1|A first one\nACDE\nfgh\r\n\n> B\n  W Y\t*\n>C\nX\n";
    ck_assert_int_eq(parse(text, &s, &e), 0);
    ck_assert_uint_eq(s.count, 3);
    ck_assert_str_eq(sw_seq_id(&s, 0), "sp|P1|A");
    ck_assert_str_eq(sw_seq_id(&s, 1), "B");
    ck_assert_str_eq(sw_seq_id(&s, 2), "C");
    ck_assert_uint_eq(sw_seq_len(&s, 0), 7);
    ck_assert_uint_eq(sw_seq_len(&s, 1), 3);
    ck_assert_uint_eq(sw_seq_len(&s, 2), 1);
    ck_assert_uint_eq(s.residues, 11);
    ck_assert_uint_eq(s.max_len, 7);
    const char *want = "ACDEFGHWY*X";
    for (size_t i = 0; i < 11; i++)
        ck_assert_int_eq(blosum62.letters[s.res[i]], want[i]);
    sw_seqs_free(&s);
}
END_TEST

START_TEST(letters_without_a_row_score_as_x)
{
    struct sw_seqs s;
    struct sw_error e;
    ck_assert_int_eq(parse(">u\nJUOjuo\n", &s, &e), 0);
    for (size_t i = 0; i < 6; i++)
        ck_assert_int_eq(blosum62.letters[s.res[i]], 'X');
    sw_seqs_free(&s);
    /* B and Z have rows of their own in BLOSUM62 */
    ck_assert_int_eq(parse(">b\nBZbz\n", &s, &e), 0);
    ck_assert_int_eq(blosum62.letters[s.res[0]], 'B');
    ck_assert_int_eq(blosum62.letters[s.res[3]], 'Z');
    sw_seqs_free(&s);
}
END_TEST

START_TEST(fasta_errors_name_file_and_line)
{
    fails("", "in.fa: the file is empty");
    fails("\n  \n", "in.fa: the file is empty");
    fails("ACDEF\n", "in.fa:1: not a FASTA file");
    fails("\n\nID   CRU4_ARATH\n", "in.fa:3: not a FASTA file");
    fails(">a\nAC\0DE\n", "in.fa: not a FASTA file (binary data)");
    fails(">a\nACD\n>b\n>c\nW\n", "in.fa:3: sequence 'b' is empty");
    fails(">a\nACD\n>b\n\n", "in.fa:3: sequence 'b' is empty");
    fails(">a\n", "in.fa:1: sequence 'a' is empty");
    fails(">\nACD\n", "in.fa:1: a header without an identifier");
    fails(">a\nACD\n>  \t\nW\n", "in.fa:3: a header without an identifier");
    fails(">a\nAC\nD-E\n", "in.fa:3: '-' in sequence 'a' is no amino-acid letter");
    fails(">a\nAC1\n", "in.fa:2: '1' in sequence 'a'");
    fails(">a\nAC\x01\n", "in.fa:2: byte 0x01 in sequence 'a'");
    fails(">a\nACD\n >b\nW\n", "in.fa:3: '>' in sequence 'a'");
    /* a file cut short: in a header, or in a sequence line */
    fails(">a\nACD\n>sp|P12", "in.fa:3: the last line does not end with a newline");
    fails(">a\nACD\n>b\nWWW", "in.fa:4: the last line does not end with a newline");
}
END_TEST

START_TEST(letters_the_matrix_cannot_score)
{
    static const char noX[] = "   A  C\nA  1 -1\nC -1  1\n";
    struct sw_matrix m;
    struct sw_seqs s;
    struct sw_error e;
    ck_assert_int_eq(sw_matrix_parse(&m, "AC", "ac.mat", noX, strlen(noX), &e), 0);
    ck_assert_int_eq(sw_fasta_parse(&s, "x.fa", ">a\nACca\n", 8, &m, &e), 0);
    sw_seqs_free(&s);
    ck_assert_int_eq(sw_fasta_parse(&s, "x.fa", ">a\nAC\nCW\n", 9, &m, &e), SW_EINPUT);
    ck_assert_str_eq(e.msg, "x.fa:3: residue 'W' of sequence 'a' is not in matrix AC, which has "
                            "no X to score it as");
}
END_TEST

#define matrix_fails(lit, want) matrix_fails_n(lit, sizeof(lit) - 1, want)
static void matrix_fails_n(const char *text, size_t len, const char *want)
{
    struct sw_matrix m;
    struct sw_error e = {0};
    ck_assert_int_eq(sw_matrix_parse(&m, "M", "m.mat", text, len, &e), SW_EINPUT);
    ck_assert_msg(!strncmp(e.msg, want, strlen(want)), "'%s' does not start with '%s'", e.msg,
                  want);
}

START_TEST(matrix_errors_name_file_and_line)
{
    matrix_fails("", "m.mat: not a matrix file: no line of column letters");
    matrix_fails("# only comments\n\n", "m.mat: not a matrix file: no line of column letters");
    matrix_fails(">a\nACDE\n", "m.mat:1: not a matrix file: the column line has '>a'");
    matrix_fails("  A B A\n", "m.mat:1: column letter 'A' appears twice");
    matrix_fails("  A B\nA 1 0\n", "m.mat:2: the file ends before the row of 'B'");
    matrix_fails("  A B\nB 1 0\nA 0 1\n", "m.mat:2: expected the row of 'A'");
    matrix_fails("  A B\nA 1\nB 0 1\n", "m.mat:2: row 'A' has 1 scores, expected 2");
    matrix_fails("  A B\nA 1 0 3\nB 0 1\n", "m.mat:2: row 'A' has more than 2 scores");
    matrix_fails("  A B\nA 1 0\n# c\nB 0 x\n", "m.mat:4: 'x' in row 'B' is no integer");
    matrix_fails("  A B\nA 1 0\nB 0 1.5\n", "m.mat:3: '1.5' in row 'B' is no integer");
    matrix_fails("  A B\nA 128 0\nB 0 1\n", "m.mat:2: '128' in row 'A' is no integer score");
    matrix_fails("  A B\nA 1 0\nB 0 1\nC 1 1\n", "m.mat:4: a line after the last row");
    matrix_fails("  A B\nA 0 -1\nB -1 0\n", "m.mat: the matrix has no positive score");
    matrix_fails("  A B\nA 1 0\nB 0\0 1\n", "m.mat: not a matrix file (binary data)");
}
END_TEST

START_TEST(matrix_codes_and_padding)
{
    static const char text[] = "# comment\n   A  r  X\nA  4 -1  0\nR -1  5 -1\r\nx  0 -1 -1\n";
    struct sw_matrix m;
    struct sw_error e;
    ck_assert_int_eq(sw_matrix_parse(&m, "T", "t.mat", text, strlen(text), &e), 0);
    ck_assert_uint_eq(m.size, 3);
    ck_assert_int_eq(m.code['A'], 0);
    ck_assert_int_eq(m.code['a'], 0);
    ck_assert_int_eq(m.code['R'], 1);
    ck_assert_int_eq(m.code['r'], 1);
    ck_assert_int_eq(m.code['W'], 2); /* no row: scored as X */
    ck_assert_int_eq(m.code['*'], 2);
    ck_assert_int_eq(m.code['-'], SW_NOCODE);
    ck_assert_int_eq(m.code[' '], SW_NOCODE);
    ck_assert_int_eq(m.min, -1);
    ck_assert_int_eq(m.max, 5);
    ck_assert_int_eq(m.score[1][0], -1);
    ck_assert_int_eq(m.score[SW_PAD][0], -1);
    ck_assert_int_eq(m.score[0][SW_PAD], -1);
    /* with only positive scores, padding scores 0 */
    static const char pos[] = " A B\nA 3 1\nB 1 2\n";
    ck_assert_int_eq(sw_matrix_parse(&m, "P", "p.mat", pos, strlen(pos), &e), 0);
    ck_assert_int_eq(m.score[SW_PAD][1], 0);
}
END_TEST

START_TEST(builtin_matrices)
{
    static const struct {
        const char *name;
        int a_a, w_w, min, max;
    } want[] = {{"BLOSUM45", 5, 15, -5, 15},
                {"BLOSUM50", 5, 15, -5, 15},
                {"BLOSUM62", 4, 11, -4, 11},
                {"BLOSUM80", 7, 16, -8, 16},
                {"PAM250", 2, 17, -8, 17}};
    struct sw_error e;
    struct sw_matrix m;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        ck_assert_int_eq(sw_matrix_builtin(&m, want[i].name, &e), 0);
        ck_assert_str_eq(m.name, want[i].name);
        ck_assert_uint_eq(m.size, 24);
        ck_assert_int_eq(m.score[m.code['A']][m.code['A']], want[i].a_a);
        ck_assert_int_eq(m.score[m.code['W']][m.code['W']], want[i].w_w);
        ck_assert_int_eq(m.min, want[i].min);
        ck_assert_int_eq(m.max, want[i].max);
        for (unsigned a = 0; a < m.size; a++)
            for (unsigned b = 0; b < m.size; b++)
                ck_assert_int_eq(m.score[a][b], m.score[b][a]);
    }
    ck_assert_int_eq(sw_matrix_builtin(&m, "blosum62", &e), 0);
    ck_assert_str_eq(m.name, "BLOSUM62");
    ck_assert_int_eq(sw_matrix_builtin(&m, "BLOSUM99", &e), SW_EUSAGE);
    ck_assert_ptr_nonnull(strstr(e.msg, "no matrix 'BLOSUM99'"));
}
END_TEST

START_TEST(exit_statuses)
{
    ck_assert_int_eq(sw_exit_status(0), 0);
    ck_assert_int_eq(sw_exit_status(SW_EUSAGE), 1);
    ck_assert_int_eq(sw_exit_status(SW_EINPUT), 2);
    ck_assert_int_eq(sw_exit_status(SW_EIO), 3);
    ck_assert_int_eq(sw_exit_status(SW_ENOMEM), 4);
    ck_assert_int_eq(sw_exit_status(SW_ETASK), 5);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sw_parse");
    TCase *f = tcase_create("fasta");
    tcase_add_checked_fixture(f, setup, NULL);
    tcase_add_test(f, fasta_records);
    tcase_add_test(f, letters_without_a_row_score_as_x);
    tcase_add_test(f, fasta_errors_name_file_and_line);
    tcase_add_test(f, letters_the_matrix_cannot_score);
    suite_add_tcase(s, f);
    TCase *m = tcase_create("matrix");
    tcase_add_test(m, matrix_errors_name_file_and_line);
    tcase_add_test(m, matrix_codes_and_padding);
    tcase_add_test(m, builtin_matrices);
    tcase_add_test(m, exit_statuses);
    suite_add_tcase(s, m);
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
