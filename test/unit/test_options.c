/* Runtime options (src/boot/options.c): tf_option() over the "tf.NAME=VALUE" words that the
 * command-line split (src/boot/cmdline.c) collected. */
#include "runtime.h"
#include "taskfarm.h"

#include <check.h>
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

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("tf_option");
    tcase_add_test(tc, lookup);
    tcase_add_test(tc, only_the_first_n);
    tcase_add_test(tc, from_command_line);
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
