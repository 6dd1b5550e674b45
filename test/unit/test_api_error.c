/* The runtime's errno values as the public error codes (src/boot/api_error.c). The expected codes
 * are the numbers include/taskfarm.h gives each TF_E* name, written out here rather than taken
 * from the macros, and the errno names are the host's: the conversion goes by name, so it must
 * hold for glibc's numbers as well as newlib's. */
#include "api_error.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pair {
    int err;      /* a positive errno value */
    int expected; /* the TF_E* code, as taskfarm.h numbers it */
};

/* Every code with an errno counterpart. TF_EBADTASK (-2), TF_ETHREAD (-12) and the fault codes
 * come from the scheduler only and have none. */
static const struct pair named[] = {
    {EINVAL, -1},     /* TF_EINVAL */
    {ENOSPC, -3},     /* TF_ENOSPC */
    {EPERM, -4},      /* TF_EPERM */
    {ENODEV, -5},     /* TF_ENODEV */
    {ENOMEM, -6},     /* TF_ENOMEM */
    {EAGAIN, -7},     /* TF_EAGAIN */
    {ETIMEDOUT, -8},  /* TF_ETIMEDOUT */
    {EADDRINUSE, -9}, /* TF_EADDRINUSE */
    {EMSGSIZE, -10},  /* TF_EMSGSIZE */
    {ENETDOWN, -11},  /* TF_ENETDOWN */
};

START_TEST(each_named_code)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        ck_assert_msg(api_error_from_errno(-named[i].err) == named[i].expected,
                      "-%s gave %d, not %d", strerror(named[i].err),
                      api_error_from_errno(-named[i].err), named[i].expected);
}
END_TEST

/* Errors the layers beneath may produce that the API has no name for: a device or platform the
 * runtime could not use. */
START_TEST(others_are_no_device)
{
    static const int others[] = {EIO, EFAULT, ENOENT, ENOSYS, EBADMSG, EBUSY, ERANGE};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        ck_assert_msg(api_error_from_errno(-others[i]) == -5, "-%s gave %d", strerror(others[i]),
                      api_error_from_errno(-others[i]));
}
END_TEST

START_TEST(success_unchanged)
{
    ck_assert_int_eq(api_error_from_errno(0), 0);
    ck_assert_int_eq(api_error_from_errno(1), 1);
    ck_assert_int_eq(api_error_from_errno(1472), 1472); /* a datagram's length */
}
END_TEST

static Suite *api_error_suite(void)
{
    Suite *s = suite_create("api_error");
    TCase *tc = tcase_create("from_errno");
    tcase_add_test(tc, each_named_code);
    tcase_add_test(tc, others_are_no_device);
    tcase_add_test(tc, success_unchanged);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(api_error_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
