/* Runtime options (src/boot/options.c): tf_option() over the "tf.NAME=VALUE" words that the
 * command-line split (src/boot/cmdline.c) collected, and their check at start-up
 * (src/boot/option_check.c): unknown names and bad values are warned about and dropped. */
#include "runtime.h"
#include "taskfarm.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *opts[] = {
    "tf.park=hlt", "tf.spin_us=50", "tf.park=mwait", "tf.quiet=", "tf.x2apic", "tf.a=b=c",
};

START_TEST(lookup)
{
    runtime_options_set(opts, 6);
    ck_assert_str_eq(tf_option("park"), "mwait"); /* the last one given wins */
    ck_assert_str_eq(tf_option("spin_us"), "50");
    ck_assert_str_eq(tf_option("quiet"), "");
    ck_assert_str_eq(tf_option("a"), "b=c"); /* the value runs from the first '=' */
    ck_assert_ptr_null(tf_option("x2apic")); /* no '=': not a NAME=VALUE option */
    ck_assert_ptr_null(tf_option("par"));    /* names match whole */
    ck_assert_ptr_null(tf_option("parking"));
    ck_assert_ptr_null(tf_option("spin"));
    ck_assert_ptr_null(tf_option("absent"));
}
END_TEST

START_TEST(only_the_first_n)
{
    runtime_options_set(opts, 2);
    ck_assert_str_eq(tf_option("park"), "hlt");
    ck_assert_ptr_null(tf_option("quiet"));
    runtime_options_set(NULL, 0);
    ck_assert_ptr_null(tf_option("park"));
}
END_TEST

/* As the runtime does at start-up: split the command line, then look options up. */
START_TEST(from_command_line)
{
    char line[] = "prog tf.place=spread  \"tf.msg=two words\" arg tf.place=siblings";
    char *argv[RUNTIME_MAX_ARGS + 1], *found[RUNTIME_MAX_OPTIONS + 1];
    int nopts = 0;
    int argc = bootinfo_split_cmdline(line, argv, RUNTIME_MAX_ARGS, RUNTIME_OPTION_PREFIX, found,
                                      RUNTIME_MAX_OPTIONS, &nopts);
    ck_assert_int_eq(argc, 2);
    runtime_options_set(found, nopts);
    ck_assert_str_eq(tf_option("place"), "siblings");
    ck_assert_str_eq(tf_option("msg"), "two words");
    ck_assert_ptr_null(tf_option("prog"));
    runtime_options_set(NULL, 0);
}
END_TEST

/* The program's own declarations, as TF_OPTION makes them; "tone" is written with a stray '|'
 * at the end, an empty choice that must not let an empty value through. */
static const struct tf_option_decl own[] = {{"port", "1-65535"},
                                            {"mode", "fast|exact"},
                                            {"peer", "A.B.C.D"},
                                            {"label", "any text at all"},
                                            {"tone", "low|high|"}};
#define NOWN (sizeof(own) / sizeof(own[0]))

static char warnings[2048];

static void collect(const char *line)
{
    strncat(warnings, line, sizeof(warnings) - strlen(warnings) - 1);
}

/* Checks one word; returns 1 when it is kept. */
static int kept(const char *word)
{
    char buf[128], *w[1] = {buf};
    snprintf(buf, sizeof(buf), "%s", word);
    warnings[0] = '\0';
    int n = runtime_options_check(w, 1, own, NOWN, collect);
    ck_assert_int_eq(n == 0, warnings[0] != '\0'); /* a warning exactly when dropped */
    return n;
}

START_TEST(values_of_the_declared_form_pass)
{
    const char *good[] = {"tf.park=hlt",      "tf.park=mwait",
                          "tf.park=spin",     "tf.spin_us=0",
                          "tf.spin_us=50",    "tf.spin_us=1000000",
                          "tf.place=spread",  "tf.x2apic=off",
                          "tf.x2apic=on",     "tf.quiet=0",
                          "tf.quiet=1",       "tf.ip=10.0.2.15/24",
                          "tf.ip=0.0.0.0/0",  "tf.gw=10.0.2.2",
                          "tf.port=1",        "tf.port=65535",
                          "tf.mode=exact",    "tf.peer=255.255.255.255",
                          "tf.label=a b c d", "tf.label=",
                          "tf.net_poll_us=0", "tf.net_poll_us=1000000",
                          "tf.tone=low",      "tf.tone=high"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(kept(good[i]), "%s: %s", good[i], warnings);
}
END_TEST

START_TEST(bad_values_and_unknown_names_are_dropped_with_a_warning)
{
    struct {
        const char *word, *warning;
    } bad[] = {
        {"tf.place=bogus", "taskfarm: tf.place=bogus ignored: tf.place accepts siblings|spread\n"},
        {"tf.park=bogus", "taskfarm: tf.park=bogus ignored: tf.park accepts hlt|mwait|spin\n"},
        {"tf.park=", "taskfarm: tf.park= ignored: tf.park accepts hlt|mwait|spin\n"},
        {"tf.place=", "taskfarm: tf.place= ignored: tf.place accepts siblings|spread\n"},
        {"tf.tone=", "taskfarm: tf.tone= ignored: tf.tone accepts low|high|\n"},
        {"tf.park=hl", "taskfarm: tf.park=hl ignored: tf.park accepts hlt|mwait|spin\n"},
        {"tf.spin_us=abc", "taskfarm: tf.spin_us=abc ignored: tf.spin_us accepts 0-1000000\n"},
        {"tf.spin_us=-1", "taskfarm: tf.spin_us=-1 ignored: tf.spin_us accepts 0-1000000\n"},
        {"tf.spin_us=1000001",
         "taskfarm: tf.spin_us=1000001 ignored: tf.spin_us accepts 0-1000000\n"},
        {"tf.spin_us=99999999999",
         "taskfarm: tf.spin_us=99999999999 ignored: tf.spin_us accepts 0-1000000\n"},
        {"tf.spin_us=99999999999999999999",
         "taskfarm: tf.spin_us=99999999999999999999 ignored: tf.spin_us accepts 0-1000000\n"},
        {"tf.quiet=yes", "taskfarm: tf.quiet=yes ignored: tf.quiet accepts 0|1\n"},
        {"tf.net_poll_us=1000001",
         "taskfarm: tf.net_poll_us=1000001 ignored: tf.net_poll_us accepts 0-1000000\n"},
        {"tf.net_poll_us=-5", "taskfarm: tf.net_poll_us=-5 ignored: tf.net_poll_us accepts "
                              "0-1000000\n"},
        {"tf.ip=10.0.2.300/24", "taskfarm: tf.ip=10.0.2.300/24 ignored: tf.ip accepts "
                                "A.B.C.D/PREFIX\n"},
        {"tf.ip=10.0.2.15", "taskfarm: tf.ip=10.0.2.15 ignored: tf.ip accepts A.B.C.D/PREFIX\n"},
        {"tf.ip=10.0.2.15/33", "taskfarm: tf.ip=10.0.2.15/33 ignored: tf.ip accepts "
                               "A.B.C.D/PREFIX\n"},
        {"tf.gw=10.0.2", "taskfarm: tf.gw=10.0.2 ignored: tf.gw accepts A.B.C.D\n"},
        {"tf.port=0", "taskfarm: tf.port=0 ignored: tf.port accepts 1-65535\n"},
        {"tf.port=70000", "taskfarm: tf.port=70000 ignored: tf.port accepts 1-65535\n"},
        {"tf.mode=slow", "taskfarm: tf.mode=slow ignored: tf.mode accepts fast|exact\n"},
        {"tf.x2apic", "taskfarm: tf.x2apic ignored: write tf.x2apic=on|off\n"},
        {"tf.bogus=1", "taskfarm: tf.bogus=1 ignored: no such boot option (tf.help=1 lists "
                       "them)\n"},
        {"tf.parking=hlt", "taskfarm: tf.parking=hlt ignored: no such boot option (tf.help=1 "
                           "lists them)\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(!kept(bad[i].word), "%s kept", bad[i].word);
        ck_assert_str_eq(warnings, bad[i].warning);
    }
}
END_TEST

START_TEST(check_keeps_the_good_words_in_order)
{
    char a[] = "tf.park=hlt", b[] = "tf.bogus=1", c[] = "tf.port=7071", d[] = "tf.place=up",
         e[] = "tf.park=spin";
    char *w[] = {a, b, c, d, e};
    warnings[0] = '\0';
    ck_assert_int_eq(runtime_options_check(w, 5, own, NOWN, collect), 3);
    ck_assert_str_eq(w[0], "tf.park=hlt");
    ck_assert_str_eq(w[1], "tf.port=7071");
    ck_assert_str_eq(w[2], "tf.park=spin");
    runtime_options_set(w, 3);
    ck_assert_str_eq(tf_option("park"), "spin");
    ck_assert_ptr_null(tf_option("place")); /* the bad value is gone: the default applies */
    ck_assert_ptr_null(tf_option("bogus"));
    runtime_options_set(NULL, 0);
}
END_TEST

START_TEST(flags_are_on_only_when_1)
{
    char a[] = "tf.quiet=0", b[] = "tf.quiet=1";
    char *w[] = {a, b};
    runtime_options_set(w, 1);
    ck_assert_int_eq(runtime_option_on("quiet"), 0);
    runtime_options_set(w, 2);
    ck_assert_int_eq(runtime_option_on("quiet"), 1);
    runtime_options_set(NULL, 0);
    ck_assert_int_eq(runtime_option_on("quiet"), 0);
}
END_TEST

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("tf_option");
    tcase_add_test(tc, lookup);
    tcase_add_test(tc, only_the_first_n);
    tcase_add_test(tc, from_command_line);
    tcase_add_test(tc, values_of_the_declared_form_pass);
    tcase_add_test(tc, bad_values_and_unknown_names_are_dropped_with_a_warning);
    tcase_add_test(tc, check_keeps_the_good_words_in_order);
    tcase_add_test(tc, flags_are_on_only_when_1);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(options_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
