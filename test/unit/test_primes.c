/* The prime-count kernels against known values of the prime-counting function and against each
 * other, and the request protocol: parsing, error texts, replies, the reply cache. */
#include "primes.h"
#include "protocol.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pi(x) for x = 10^k (OEIS A006880); primes below 10^k are the primes up to 10^k - 1. */
static const uint64_t pi_pow10[] = {0, 4, 25, 168, 1229, 9592, 78498, 664579, 5761455, 50847534};

START_TEST(trial_known_values)
{
    uint64_t l = 1;
    for (int k = 0; k <= 7; k++, l *= 10)
        ck_assert_uint_eq(primes_trial(l), pi_pow10[k]);
}
END_TEST

START_TEST(sieve_known_values)
{
    uint64_t l = 1;
    for (int k = 0; k <= 9; k++, l *= 10)
        ck_assert_uint_eq(primes_sieve(l), pi_pow10[k]);
}
END_TEST

START_TEST(small_limits)
{
    /* below 0..12: none, none, none, {2}, {2,3}, ... */
    static const uint64_t want[] = {0, 0, 0, 1, 2, 2, 3, 3, 4, 4, 4, 4, 5};
    for (uint64_t l = 0; l < sizeof(want) / sizeof(want[0]); l++) {
        ck_assert_uint_eq(primes_trial(l), want[l]);
        ck_assert_uint_eq(primes_sieve(l), want[l]);
    }
}
END_TEST

START_TEST(kernels_agree_on_random_limits)
{
    srand(20171);
    for (int i = 0; i < 40; i++) {
        uint64_t l = (uint64_t)rand() % 300000;
        ck_assert_uint_eq(primes_sieve(l), primes_trial(l));
    }
    /* segment boundaries of the sieve: 3 + 2 * 32768 * k */
    for (uint64_t l = 65531 - 3; l < 65531 + 6; l++)
        ck_assert_uint_eq(primes_sieve(l), primes_trial(l));
}
END_TEST

static int parse(const char *text, struct proto_request *req, char *why)
{
    return proto_parse(text, strlen(text), req, why, 160);
}

START_TEST(parse_valid_requests)
{
    struct proto_request r;
    char why[160];
    ck_assert_int_eq(parse("primes 8 10000000\n", &r, why), 0);
    ck_assert_int_eq(r.verb, PROTO_PRIMES);
    ck_assert_uint_eq(r.tasks, 8);
    ck_assert_uint_eq(r.limit, 10000000);
    ck_assert_int_eq(r.kernel, PRIMES_TRIAL);
    ck_assert_str_eq(r.id, "");
    ck_assert_int_eq(parse("  primes\t4 99 kernel=sieve id=abc-1.2 \r\n", &r, why), 0);
    ck_assert_int_eq(r.kernel, PRIMES_SIEVE);
    ck_assert_str_eq(r.id, "abc-1.2");
    ck_assert_uint_eq(r.tasks, 4);
    ck_assert_int_eq(parse("ping id=x", &r, why), 0);
    ck_assert_int_eq(r.verb, PROTO_PING);
    ck_assert_int_eq(parse("stats", &r, why), 0);
    ck_assert_int_eq(r.verb, PROTO_STATS);
    ck_assert_int_eq(parse("primes 4096 1000000000000", &r, why), 0);
}
END_TEST

START_TEST(parse_errors_say_what_is_wrong)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"", "empty request"},
        {" \n", "empty request"},
        {"primes", "usage: primes N L"},
        {"primes 8", "usage: primes N L"},
        {"primes 0 100", "N must be"},
        {"primes 4097 100", "N must be"},
        {"primes -1 100", "N must be"},
        {"primes 8 1000000000001", "L must be"},
        {"primes 8 99999999999999999999999", "L must be"},
        {"primes 8 1e6", "L must be"},
        {"primes 8 100 kernel=fast", "unknown kernel"},
        {"primes 8 100 extra", "unexpected word"},
        {"primes 8 100 id=", "id must be"},
        {"primes 8 100 id=0123456789012345678901234567890123", "id must be"},
        {"primes 8 100 id=a/b", "id may hold only"},
        {"factor 8", "unknown request"},
        {"primes 8 \x01 100", "not printable"},
        {"a b c d e f g h i", "too many words"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct proto_request r;
        char why[160] = "";
        ck_assert_msg(parse(cases[i].text, &r, why) == -1, "accepted '%s'", cases[i].text);
        ck_assert_msg(strstr(why, cases[i].why), "'%s': '%s'", cases[i].text, why);
    }
    char big[PROTO_REQUEST_MAX + 2];
    memset(big, 'a', sizeof(big));
    struct proto_request r;
    char why[160];
    ck_assert_int_eq(proto_parse(big, sizeof(big), &r, why, sizeof(why)), -1);
    ck_assert_ptr_nonnull(strstr(why, "too long"));
    ck_assert_int_eq(proto_parse("primes\0 8 1", 11, &r, why, sizeof(why)), -1);
}
END_TEST

START_TEST(error_reply_carries_the_id)
{
    struct proto_request r;
    char why[160], out[PROTO_REPLY_MAX];
    ck_assert_int_eq(parse("primes 0 100 id=q7", &r, why), -1);
    proto_format_err(out, r.id, why);
    ck_assert_str_eq(out, "err id=q7 N must be a whole number from 1 to 4096\n");
    proto_format_busy(out, "");
    ck_assert_str_eq(out, "busy id=-\n");
}
END_TEST

START_TEST(ok_reply_round_trip)
{
    struct proto_request r, back;
    struct proto_result res = {5316632, 4, 123456}, res2;
    char why[160], out[PROTO_REPLY_MAX], id[PROTO_ID_MAX + 1];
    ck_assert_int_eq(parse("primes 8 10000000 id=r1 kernel=sieve", &r, why), 0);
    size_t n = proto_format_ok(out, &r, &res);
    ck_assert_uint_eq(n, strlen(out));
    ck_assert_str_eq(out, "ok id=r1 n=8 limit=10000000 kernel=sieve sum=5316632 cpus=4 "
                          "compute_us=123456\n");
    ck_assert_int_eq(proto_parse_ok(out, id, &back, &res2), 0);
    ck_assert_str_eq(id, "r1");
    ck_assert_uint_eq(back.tasks, 8);
    ck_assert_uint_eq(back.limit, 10000000);
    ck_assert_int_eq(back.kernel, PRIMES_SIEVE);
    ck_assert_uint_eq(res2.sum, res.sum);
    ck_assert_uint_eq(res2.cpus, res.cpus);
    ck_assert_uint_eq(res2.compute_us, res.compute_us);
    ck_assert_int_eq(proto_parse_ok("err id=r1 nope\n", id, &back, &res2), -1);
}
END_TEST

START_TEST(cache_keeps_recent_replies)
{
    static struct proto_cache c;
    memset(&c, 0, sizeof(c));
    ck_assert_ptr_null(proto_cache_find(&c, 1, "a"));
    proto_cache_put(&c, 1, "a", "ok a\n", 5);
    proto_cache_put(&c, 1, "", "never\n", 6); /* no id: not cached */
    const struct proto_cache_entry *e = proto_cache_find(&c, 1, "a");
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->reply, "ok a\n");
    ck_assert_ptr_null(proto_cache_find(&c, 2, "a")); /* another peer */
    ck_assert_ptr_null(proto_cache_find(&c, 1, ""));
    proto_cache_put(&c, 1, "a", "ok a2\n", 6); /* replaces, does not duplicate */
    ck_assert_str_eq(proto_cache_find(&c, 1, "a")->reply, "ok a2\n");
    char id[16];
    for (int i = 0; i < PROTO_CACHE_ENTRIES; i++) { /* pushes "a" out: oldest first */
        snprintf(id, sizeof(id), "x%d", i);
        proto_cache_put(&c, 1, id, "ok\n", 3);
    }
    ck_assert_ptr_null(proto_cache_find(&c, 1, "a"));
    ck_assert_ptr_nonnull(proto_cache_find(&c, 1, "x0"));
    ck_assert_ptr_nonnull(proto_cache_find(&c, 1, id));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("primes");
    TCase *k = tcase_create("kernels");
    tcase_add_test(k, trial_known_values);
    tcase_add_test(k, sieve_known_values);
    tcase_add_test(k, small_limits);
    tcase_add_test(k, kernels_agree_on_random_limits);
    tcase_set_timeout(k, 300);
    suite_add_tcase(s, k);
    TCase *p = tcase_create("protocol");
    tcase_add_test(p, parse_valid_requests);
    tcase_add_test(p, parse_errors_say_what_is_wrong);
    tcase_add_test(p, error_reply_carries_the_id);
    tcase_add_test(p, ok_reply_round_trip);
    tcase_add_test(p, cache_keeps_recent_replies);
    suite_add_tcase(s, p);
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
