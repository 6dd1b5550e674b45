/* Command-line splitting (src/boot/cmdline.c). The line, argv and opts are heap blocks of exactly
 * the size the contract allows (max + 1 pointers), so AddressSanitizer catches any write past
 * them. */
#include "bootinfo.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct split {
    char *line;
    size_t line_size;
    char **argv, **opts;
    int rc, nopts;
};

static struct split split(const char *line, int max_args, const char *prefix, int max_opts)
{
    struct split s;
    s.line_size = strlen(line) + 1;
    s.line = malloc(s.line_size);
    s.argv = malloc((size_t)(max_args + 1) * sizeof(char *));
    s.opts = malloc((size_t)(max_opts + 1) * sizeof(char *));
    ck_assert(s.line && s.argv && s.opts);
    memcpy(s.line, line, s.line_size);
    s.nopts = -1;
    s.rc = bootinfo_split_cmdline(s.line, s.argv, max_args, prefix, s.opts, max_opts, &s.nopts);
    return s;
}

static void done(struct split *s)
{
    free(s->line);
    free(s->argv);
    free(s->opts);
}

/* Checks a NULL-terminated vector against the expected words, and that every word lies inside
 * the line buffer (the split works in place). */
static void assert_words(const struct split *s, char **v, const char *const *want, int n)
{
    for (int i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(v[i]);
        ck_assert_str_eq(v[i], want[i]);
        ck_assert(v[i] >= s->line && v[i] < s->line + s->line_size);
    }
    ck_assert_ptr_null(v[n]);
}

#define WORDS(...)  ((const char *const[]){__VA_ARGS__})
#define NWORDS(...) ((int)(sizeof(WORDS(__VA_ARGS__)) / sizeof(char *)))

/* Splits `line` with room for 8 words and 8 options and checks argv against the words given. */
#define SPLITS_TO(line, ...)                                                                       \
    do {                                                                                           \
        struct split s_ = split((line), 8, "tf.", 8);                                              \
        ck_assert_int_eq(s_.rc, NWORDS(__VA_ARGS__));                                              \
        assert_words(&s_, s_.argv, WORDS(__VA_ARGS__), NWORDS(__VA_ARGS__));                       \
        ck_assert_int_eq(s_.nopts, 0);                                                             \
        done(&s_);                                                                                 \
    } while (0)

START_TEST(blanks)
{
    SPLITS_TO("prog", "prog");
    SPLITS_TO("prog one two", "prog", "one", "two");
    SPLITS_TO("  \tprog\t\tone \n two\r\nthree \t ", "prog", "one", "two", "three");
}
END_TEST

START_TEST(empty)
{
    static const char *const lines[] = {"", " ", " \t\r\n  "};
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        struct split s = split(lines[i], 4, "tf.", 4);
        ck_assert_int_eq(s.rc, 0);
        ck_assert_ptr_null(s.argv[0]);
        ck_assert_ptr_null(s.opts[0]);
        ck_assert_int_eq(s.nopts, 0);
        done(&s);
    }
}
END_TEST

START_TEST(quotes)
{
    SPLITS_TO("a \"b c\" d", "a", "b c", "d");
    SPLITS_TO("x\"y z\"w", "xy zw");
    SPLITS_TO("\"  lead and trail  \"", "  lead and trail  ");
    SPLITS_TO("\"tab\there\"", "tab\there");
    SPLITS_TO("\"a b\"\"c d\"", "a bc d");
    /* an empty pair of quotes is an empty word, as in a shell */
    SPLITS_TO("\"\"", "");
    SPLITS_TO("a \"\" b", "a", "", "b");
    /* single quotes are ordinary characters */
    SPLITS_TO("'a b'", "'a", "b'");
}
END_TEST

START_TEST(backslashes)
{
    SPLITS_TO("a\\ b c", "a b", "c");
    SPLITS_TO("\\\"q\\\"", "\"q\"");
    SPLITS_TO("\"say \\\"hi\\\" now\"", "say \"hi\" now");
    SPLITS_TO("\\\\", "\\");
    SPLITS_TO("\\a\\b", "ab");
    SPLITS_TO("x\\\ty", "x\ty");
}
END_TEST

/* A backslash with nothing after it is kept as a backslash. */
START_TEST(trailing_backslash)
{
    SPLITS_TO("abc\\", "abc\\");
    SPLITS_TO("\\", "\\");
    SPLITS_TO("a \\", "a", "\\");
    SPLITS_TO("\"q\\", "q\\");
}
END_TEST

/* An unterminated quote runs to the end of the line: the rest, blanks included, is one word. */
START_TEST(unterminated_quote)
{
    SPLITS_TO("a \"b  c", "a", "b  c");
    SPLITS_TO("a \"b c \\\" d", "a", "b c \" d");
    SPLITS_TO("\"", "");
    SPLITS_TO("a b\"", "a", "b");
}
END_TEST

START_TEST(options_moved)
{
    struct split s = split("prog tf.park=hlt x  tf.quiet \"tf.msg=a b\"", 8, "tf.", 8);
    ck_assert_int_eq(s.rc, 2);
    assert_words(&s, s.argv, WORDS("prog", "x"), 2);
    ck_assert_int_eq(s.nopts, 3);
    assert_words(&s, s.opts, WORDS("tf.park=hlt", "tf.quiet", "tf.msg=a b"), 3);
    done(&s);

    /* the prefix must start the word; it is matched after unquoting */
    s = split("xtf.a=1 tf tf. \\tf.b=2 \"tf\".c=3", 8, "tf.", 8);
    ck_assert_int_eq(s.rc, 2);
    assert_words(&s, s.argv, WORDS("xtf.a=1", "tf"), 2);
    ck_assert_int_eq(s.nopts, 3);
    assert_words(&s, s.opts, WORDS("tf.", "tf.b=2", "tf.c=3"), 3);
    done(&s);

    /* options alone */
    s = split("tf.a=1", 8, "tf.", 8);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_ptr_null(s.argv[0]);
    ck_assert_int_eq(s.nopts, 1);
    done(&s);
}
END_TEST

/* Without a prefix every word is an argument; opts and nopts may then be NULL. */
START_TEST(no_prefix)
{
    char line[] = "tf.a=1 b";
    char *argv[3];
    ck_assert_int_eq(bootinfo_split_cmdline(line, argv, 2, NULL, NULL, 0, NULL), 2);
    ck_assert_str_eq(argv[0], "tf.a=1");
    ck_assert_str_eq(argv[1], "b");
    ck_assert_ptr_null(argv[2]);

    struct split s = split("tf.a=1 b", 4, NULL, 4);
    ck_assert_int_eq(s.rc, 2);
    ck_assert_int_eq(s.nopts, 0);
    ck_assert_ptr_null(s.opts[0]);
    done(&s);
}
END_TEST

START_TEST(too_many_words)
{
    /* exactly max_args words fit */
    struct split s = split("a b c", 3, "tf.", 2);
    ck_assert_int_eq(s.rc, 3);
    assert_words(&s, s.argv, WORDS("a", "b", "c"), 3);
    done(&s);

    /* more: the first max_args are kept, options after them are still collected */
    s = split("a b c d tf.x=1 e", 3, "tf.", 2);
    ck_assert_int_eq(s.rc, -E2BIG);
    assert_words(&s, s.argv, WORDS("a", "b", "c"), 3);
    ck_assert_int_eq(s.nopts, 1);
    assert_words(&s, s.opts, WORDS("tf.x=1"), 1);
    done(&s);

    s = split("a", 0, "tf.", 0);
    ck_assert_int_eq(s.rc, -E2BIG);
    ck_assert_ptr_null(s.argv[0]);
    done(&s);
}
END_TEST

START_TEST(too_many_options)
{
    struct split s = split("tf.a=1 p tf.b=2 q tf.c=3", 4, "tf.", 1);
    ck_assert_int_eq(s.rc, -E2BIG);
    assert_words(&s, s.argv, WORDS("p", "q"), 2);
    ck_assert_int_eq(s.nopts, 1);
    assert_words(&s, s.opts, WORDS("tf.a=1"), 1);
    done(&s);

    s = split("tf.a=1 p", 4, "tf.", 0);
    ck_assert_int_eq(s.rc, -E2BIG);
    assert_words(&s, s.argv, WORDS("p"), 1);
    ck_assert_int_eq(s.nopts, 0);
    ck_assert_ptr_null(s.opts[0]);
    done(&s);
}
END_TEST

/* The longest command line the loader can give, all one-letter words. */
START_TEST(longest_line)
{
    char line[BOOTINFO_CMDLINE_MAX];
    for (size_t i = 0; i + 1 < sizeof(line); i++)
        line[i] = i % 2 ? ' ' : (char)('a' + i / 2 % 26);
    line[sizeof(line) - 1] = '\0';
    struct split s = split(line, 64, "tf.", 32);
    ck_assert_int_eq(s.rc, -E2BIG);
    for (int i = 0; i < 64; i++)
        ck_assert_int_eq(s.argv[i][0], 'a' + i % 26);
    ck_assert_ptr_null(s.argv[64]);
    done(&s);

    s = split(line, BOOTINFO_CMDLINE_MAX / 2, "tf.", 0);
    ck_assert_int_eq(s.rc, BOOTINFO_CMDLINE_MAX / 2);
    done(&s);
}
END_TEST

static Suite *cmdline_suite(void)
{
    Suite *s = suite_create("cmdline");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, blanks);
    tcase_add_test(tc, empty);
    tcase_add_test(tc, quotes);
    tcase_add_test(tc, backslashes);
    tcase_add_test(tc, trailing_backslash);
    tcase_add_test(tc, unterminated_quote);
    tcase_add_test(tc, options_moved);
    tcase_add_test(tc, no_prefix);
    tcase_add_test(tc, too_many_words);
    tcase_add_test(tc, too_many_options);
    tcase_add_test(tc, longest_line);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cmdline_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
