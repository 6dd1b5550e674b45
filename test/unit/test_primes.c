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

/* Pieces of [0, limit) of either kernel add up to the count below limit, for every way of
 * cutting it, and the cuts rise from 0 to limit. */
START_TEST(pieces_add_up_to_the_whole)
{
    static const uint64_t limits[] = {0, 1, 2, 3, 4, 5, 10, 97, 100, 1000, 65536, 100003, 1000000};
    static const uint32_t cuts[] = {1, 2, 3, 7, 64, 1000};
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++)
        for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++)
            for (int k = PRIMES_TRIAL; k <= PRIMES_SIEVE; k++) {
                uint64_t sum = 0, prev = 0, want = primes_trial(limits[l]);
                ck_assert_uint_eq(primes_split(k, limits[l], cuts[c], 0), 0);
                for (uint32_t i = 0; i < cuts[c]; i++) {
                    uint64_t lo = primes_split(k, limits[l], cuts[c], i);
                    uint64_t hi = primes_split(k, limits[l], cuts[c], i + 1);
                    ck_assert_uint_le(prev, lo);
                    ck_assert_uint_le(lo, hi);
                    sum += primes_count_range(k, lo, hi);
                    prev = hi;
                }
                ck_assert_uint_eq(prev, limits[l]);
                ck_assert_msg(sum == want, "limit %llu in %u pieces, kernel %d: %llu, want %llu",
                              (unsigned long long)limits[l], cuts[c], k, (unsigned long long)sum,
                              (unsigned long long)want);
            }
}
END_TEST

/* Trial-division pieces cost about the same: the cuts follow x^(2/3), so the last of 4 pieces
 * of 10^6 is far narrower than the first. Near 10^12 the arithmetic must not overflow. */
START_TEST(trial_pieces_follow_the_cost)
{
    ck_assert_uint_eq(primes_split(PRIMES_TRIAL, 1000000, 4, 2), 629960); /* 10^6 * (1/2)^(2/3) */
    ck_assert_uint_eq(primes_split(PRIMES_SIEVE, 1000000, 4, 2), 500000);
    ck_assert_uint_eq(primes_split(PRIMES_TRIAL, PRIMES_LIMIT_MAX, 8, 1), 250000000000ull);
    ck_assert_uint_eq(primes_split(PRIMES_TRIAL, PRIMES_LIMIT_MAX, 4096, 4095),
                      999837232959ull); /* 10^12 * (4095/4096)^(2/3), rounded down */
    ck_assert_uint_eq(primes_sieve_range(999999999000ull, PRIMES_LIMIT_MAX),
                      primes_trial_range(999999999000ull, PRIMES_LIMIT_MAX));
}
END_TEST

/* The work a request asks for, and the default limit on it. */
START_TEST(work_of_a_request)
{
    struct proto_request r = {.verb = PROTO_PRIMES, .tasks = 8, .limit = 10000000};
    ck_assert_uint_eq(proto_work(&r), 8ull * 10000000 * 3162); /* floor(sqrt(10^7)) = 3162 */
    r.kernel = PRIMES_SIEVE;
    ck_assert_uint_eq(proto_work(&r), 8ull * 64 * 10000000);
    r = (struct proto_request){.verb = PROTO_PRIMES, .tasks = 4096, .limit = PRIMES_LIMIT_MAX};
    ck_assert_uint_eq(proto_work(&r), UINT64_MAX); /* 4096 x 10^18 does not fit: saturates */
    r.tasks = 1;
    ck_assert_uint_gt(proto_work(&r), PROTO_MAX_WORK_DEFAULT); /* the review's 10^12 request */
}
END_TEST

/* A parsed request, which the cache keys by id and compares by content. */
static struct proto_request request(const char *text)
{
    struct proto_request r;
    char why[160];
    ck_assert_msg(proto_parse(text, strlen(text), &r, why, sizeof(why)) == 0, "%s: %s", text, why);
    return r;
}

static enum proto_cache_verdict find(const struct proto_cache *c, uint32_t ip, uint16_t port,
                                     const char *text, const char **reply)
{
    struct proto_request r = request(text);
    const struct proto_cache_entry *e = NULL;
    enum proto_cache_verdict v = proto_cache_find(c, ip, port, &r, &e);
    *reply = e ? e->reply : NULL;
    return v;
}

static void put(struct proto_cache *c, uint32_t ip, uint16_t port, const char *text,
                const char *reply)
{
    struct proto_request r = request(text);
    proto_cache_put(c, ip, port, &r, reply, strlen(reply));
}

START_TEST(cache_keeps_recent_replies)
{
    static struct proto_cache c;
    const char *reply;
    memset(&c, 0, sizeof(c));
    ck_assert_int_eq(find(&c, 1, 5000, "primes 4 1000000 id=a", &reply), PROTO_CACHE_MISS);
    put(&c, 1, 5000, "primes 4 1000000 id=a", "ok a\n");
    put(&c, 1, 5000, "primes 4 1000000", "never\n"); /* no id: not cached */
    ck_assert_int_eq(find(&c, 1, 5000, "primes 4 1000000 id=a", &reply), PROTO_CACHE_HIT);
    ck_assert_str_eq(reply, "ok a\n");
    /* the same datagram written differently is the same request */
    ck_assert_int_eq(find(&c, 1, 5000, "primes  4 1000000  kernel=trial id=a\n", &reply),
                     PROTO_CACHE_HIT);
    ck_assert_int_eq(find(&c, 2, 5000, "primes 4 1000000 id=a", &reply), PROTO_CACHE_MISS);
    ck_assert_int_eq(find(&c, 1, 5001, "primes 4 1000000 id=a", &reply), PROTO_CACHE_MISS);
    ck_assert_int_eq(find(&c, 1, 5000, "primes 4 1000000", &reply), PROTO_CACHE_MISS);
    put(&c, 1, 5000, "primes 4 1000000 id=a", "ok a2\n"); /* replaces, does not duplicate */
    ck_assert_int_eq(find(&c, 1, 5000, "primes 4 1000000 id=a", &reply), PROTO_CACHE_HIT);
    ck_assert_str_eq(reply, "ok a2\n");
    char id[40];
    for (int i = 0; i < PROTO_CACHE_ENTRIES; i++) { /* pushes "a" out: oldest first */
        snprintf(id, sizeof(id), "primes 1 10 id=x%d", i);
        put(&c, 1, 5000, id, "ok\n");
    }
    ck_assert_int_eq(find(&c, 1, 5000, "primes 4 1000000 id=a", &reply), PROTO_CACHE_MISS);
    ck_assert_int_eq(find(&c, 1, 5000, "primes 1 10 id=x0", &reply), PROTO_CACHE_HIT);
    ck_assert_int_eq(find(&c, 1, 5000, id, &reply), PROTO_CACHE_HIT);
}
END_TEST

/* Behind a NAT (QEMU's user network among them) every client has one address: a reused id must
 * never be answered with another request's reply. */
START_TEST(cache_never_answers_another_request)
{
    static struct proto_cache c;
    const char *reply;
    memset(&c, 0, sizeof(c));
    put(&c, 7, 40000, "primes 4 1000000 id=x", "ok id=x n=4 limit=1000000 sum=313992\n");
    const char *others[] = {"primes 2 5000 id=x",
                            "primes 4 1000001 id=x",
                            "primes 4 1000000 kernel=sieve id=x",
                            "primes 3 1000000 id=x",
                            "ping id=x",
                            "stats id=x"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        ck_assert_msg(find(&c, 7, 40000, others[i], &reply) == PROTO_CACHE_CONFLICT, "%s",
                      others[i]);
        ck_assert_str_eq(reply, "ok id=x n=4 limit=1000000 sum=313992\n"); /* what it holds */
    }
    /* the same id from another port (another client behind the same address) is its own */
    ck_assert_int_eq(find(&c, 7, 40001, "primes 2 5000 id=x", &reply), PROTO_CACHE_MISS);
}
END_TEST

static int may_answer(const char *msg, uint16_t port)
{
    return proto_may_answer(msg, strlen(msg), port, PROTO_DEFAULT_PORT);
}

START_TEST(replies_and_service_ports_are_never_answered)
{
    const char *requests[] = {"primes 1 10", "ping",   "stats id=s", "  ping id=1\n", "bogus", "",
                              "okay",        "errand", "pong2"};
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
        ck_assert_msg(may_answer(requests[i], 40000), "'%s'", requests[i]);
    const char *replies[] = {"ok id=- n=1 limit=10 kernel=trial sum=4 cpus=1 compute_us=1\n",
                             "err id=- unknown request 'x' (primes, ping, stats)\n",
                             "busy id=7\n",
                             "pong id=- cpus=2\n",
                             "bye\n",
                             "err",
                             " ok",
                             "stats id=- requests=3 ok=1 errors=2 busy=0 cache_hits=0\n"};
    for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++)
        ck_assert_msg(!may_answer(replies[i], 40000), "'%s'", replies[i]);
    /* echo (7), chargen (19), DNS (53), NTP (123), the last well-known port, our own port */
    const uint16_t services[] = {0, 7, 19, 53, 123, 1023, PROTO_DEFAULT_PORT};
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        ck_assert_msg(!may_answer("ping", services[i]), "port %u", services[i]);
    ck_assert(may_answer("ping", 1024));
}
END_TEST

START_TEST(error_replies_are_rate_limited)
{
    struct proto_limiter l = {0};
    const uint64_t t0 = 5000000000ull, second = 1000000000ull;
    unsigned sent = 0;
    for (int i = 0; i < 1000; i++) /* a burst at one instant: the burst allowance, no more */
        sent += (unsigned)proto_limiter_take(&l, t0);
    ck_assert_uint_eq(sent, PROTO_ERR_BURST);
    sent = 0;
    for (uint64_t t = t0; t < t0 + 10 * second; t += second / 1000) /* 1,000 a second */
        sent += (unsigned)proto_limiter_take(&l, t);
    ck_assert_uint_ge(sent, 10 * PROTO_ERR_PER_SECOND - 1);
    ck_assert_uint_le(sent, 10 * PROTO_ERR_PER_SECOND + PROTO_ERR_BURST);
    /* after a quiet spell the full burst is back, and no more */
    sent = 0;
    for (int i = 0; i < 1000; i++)
        sent += (unsigned)proto_limiter_take(&l, t0 + 100 * second);
    ck_assert_uint_eq(sent, PROTO_ERR_BURST);
}
END_TEST

/* The pad-or-refuse rule: a reply is sent only when it is no longer than the request; otherwise
 * the short refusal that fits, or nothing. */
START_TEST(replies_never_outgrow_the_request)
{
    char out[PROTO_REPLY_MAX];
    strcpy(out, "pong id=p1 cpus=2\n");
    ck_assert_uint_eq(proto_fit(out, 18, 18, "p1"), 18); /* as long: sent */
    ck_assert_str_eq(out, "pong id=p1 cpus=2\n");
    ck_assert_uint_eq(proto_fit(out, 18, 300, "p1"), 18);
    ck_assert_uint_eq(proto_fit(out, 18, 17, "p1"), strlen("err id=p1 pad\n"));
    ck_assert_str_eq(out, "err id=p1 pad\n");
    strcpy(out, "ok id=- n=8 limit=10000000 kernel=trial sum=5316632 cpus=2 compute_us=100\n");
    size_t n = proto_fit(out, strlen(out), 60, "");
    ck_assert_str_eq(out, "err id=- pad the request with blanks to 256 bytes\n");
    ck_assert_uint_eq(n, strlen(out));
    ck_assert_uint_le(n, 60);
    strcpy(out, "pong id=- cpus=2\n");
    ck_assert_uint_eq(proto_fit(out, strlen(out), 4, ""), 0); /* "ping": not even the refusal */
    for (size_t room = 0; room < 80; room++) { /* never longer than the request, whatever it is */
        strcpy(out, "err id=a-long-id-of-32-characters unknown request 'x' (primes, ping, ...)\n");
        ck_assert_uint_le(proto_fit(out, strlen(out), room, "a-long-id-of-32-characters-abcde"),
                          room);
    }
}
END_TEST

/* The bound on an ok reply holds at the extremes of every field. */
START_TEST(ok_bound_holds)
{
    struct proto_request r = request("primes 4096 1000000000000 kernel=sieve "
                                     "id=0123456789abcdef0123456789abcdef");
    struct proto_result big = {(uint64_t)4096 * PRIMES_LIMIT_MAX, 4096, UINT64_MAX};
    char out[PROTO_REPLY_MAX];
    ck_assert_uint_eq(proto_format_ok(out, &r, &big), proto_ok_bound(&r)); /* exact at the top */
    r = request("primes 1 0");
    struct proto_result small = {0, 1, 1};
    ck_assert_uint_le(proto_format_ok(out, &r, &small), proto_ok_bound(&r));
    ck_assert_uint_lt(proto_ok_bound(&r), 100);
}
END_TEST

START_TEST(stats_reply_fits)
{
    struct proto_counter c[] = {{"requests", 3}, {"ok", 1}, {"errors", 2}};
    char out[PROTO_REPLY_MAX];
    ck_assert_uint_eq(proto_format_stats(out, "s1", c, 3), strlen(out));
    ck_assert_str_eq(out, "stats id=s1 requests=3 ok=1 errors=2\n");
    struct proto_counter huge[16];
    for (int i = 0; i < 16; i++)
        huge[i] = (struct proto_counter){"counter", UINT64_MAX};
    size_t n = proto_format_stats(out, "0123456789abcdef0123456789abcdef", huge, 16);
    ck_assert_uint_lt(n, PROTO_REPLY_MAX); /* whole fields only, and the newline */
    ck_assert_uint_eq(n, strlen(out));
    ck_assert_int_eq(out[n - 1], '\n');
    ck_assert_int_eq(out[n - 2], '5'); /* ...18446744073709551615 */
}
END_TEST

/* A server without a key says so to a client that sends a MAC. */
START_TEST(mac_without_a_key_is_explained)
{
    struct proto_request r;
    char why[160];
    ck_assert_int_eq(parse("ping id=x t=17 mac=00", &r, why), -1);
    ck_assert_str_eq(why, "t= and mac= are for a server with a key; this one has none");
    ck_assert_str_eq(r.id, "x");
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
    tcase_add_test(k, pieces_add_up_to_the_whole);
    tcase_add_test(k, trial_pieces_follow_the_cost);
    tcase_set_timeout(k, 300);
    suite_add_tcase(s, k);
    TCase *p = tcase_create("protocol");
    tcase_add_test(p, parse_valid_requests);
    tcase_add_test(p, parse_errors_say_what_is_wrong);
    tcase_add_test(p, error_reply_carries_the_id);
    tcase_add_test(p, ok_reply_round_trip);
    tcase_add_test(p, cache_keeps_recent_replies);
    tcase_add_test(p, cache_never_answers_another_request);
    tcase_add_test(p, replies_and_service_ports_are_never_answered);
    tcase_add_test(p, error_replies_are_rate_limited);
    tcase_add_test(p, work_of_a_request);
    tcase_add_test(p, replies_never_outgrow_the_request);
    tcase_add_test(p, ok_bound_holds);
    tcase_add_test(p, stats_reply_fits);
    tcase_add_test(p, mac_without_a_key_is_explained);
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
