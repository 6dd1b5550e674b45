/* ARP in the network stack (src/udp/arp.c) on the in-memory wire (net_frames.h): requests for
 * our address answered, next hops resolved before a datagram leaves (held meanwhile, and dropped
 * when nobody answers), the cache kept against conflicting packets, aged and replaced. */
#include "net_frames.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(arp_request_for_us_is_answered)
{
    up();
    uint8_t f[64];
    size_t n = wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP);
    wire_inject(f, n);
    pump();
    ck_assert_uint_eq(wire_sent_count(), 1);
    size_t len;
    const uint8_t *r = wire_sent(0, &len);
    ck_assert_uint_eq(len, 60);
    ck_assert_mem_eq(r, host_mac, 6);
    ck_assert_mem_eq(r + 6, wire_mac, 6);
    ck_assert_uint_eq(wire_get16(r + 12), 0x0806);
    const uint8_t *a = r + 14;
    ck_assert_uint_eq(wire_get16(a + 6), 2); /* reply */
    ck_assert_mem_eq(a + 8, wire_mac, 6);
    ck_assert_uint_eq(wire_get32(a + 14), OUR_IP);
    ck_assert_mem_eq(a + 18, host_mac, 6);
    ck_assert_uint_eq(wire_get32(a + 24), HOST_IP);
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.rx_frames, 1);
    ck_assert_uint_eq(s.arp_replies_sent, 1);
    ck_assert_uint_eq(s.tx_frames, 1 + 1); /* and the announcement at start */
}
END_TEST

START_TEST(arp_request_for_another_address_is_ignored)
{
    up();
    uint8_t f[64];
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, WIRE_IP(10, 0, 2, 16)));
    pump();
    ck_assert_uint_eq(wire_sent_count(), 0);
    ck_assert_uint_eq(stats().drop_not_for_us, 1);
}
END_TEST

START_TEST(send_resolves_the_next_hop_first)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    ck_assert_int_ge(sock, 0);
    struct tf_udp_peer to = {HOST_IP, 5000};
    ck_assert_int_eq(tf_udp_send(sock, "hello", 5, &to), 5); /* held: it does not wait */
    ck_assert_uint_eq(wire_sent_count(), 1);
    check_arp_request(0, HOST_IP);
    answer_arp();
    ck_assert_uint_eq(arp_answers, 1);
    ck_assert_uint_eq(wire_sent_count(), 2);
    check_arp_request(0, HOST_IP);
    uint16_t sport;
    size_t len;
    const uint8_t *p = check_udp(1, host_mac, HOST_IP, 5000, &sport, &len);
    ck_assert_uint_eq(sport, APP_PORT);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(p, "hello", 5);

    /* The second datagram finds the address in the cache: no ARP */
    wire_sent_clear();
    ck_assert_int_eq(tf_udp_send(sock, "again", 5, &to), 5);
    ck_assert_uint_eq(wire_sent_count(), 1);
    check_udp(0, host_mac, HOST_IP, 5000, NULL, &len);
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.rx_arp_replies, 1);
    ck_assert_uint_eq(s.tx_udp, 2);
    ck_assert_uint_eq(s.tx_frames, 3 + 1); /* and the announcement at start */
}
END_TEST

START_TEST(send_beyond_the_subnet_goes_to_the_gateway)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    struct tf_udp_peer to = {FAR_IP, 53};
    ck_assert_int_eq(tf_udp_send(sock, "x", 1, &to), 1);
    answer_arp();
    ck_assert_uint_eq(wire_sent_count(), 2);
    check_arp_request(0, GW_IP);
    size_t len;
    check_udp(1, gw_mac, FAR_IP, 53, NULL, &len);
}
END_TEST

/* Nobody answers: three requests, one a second of wire time, then the held datagram is dropped
 * and counted; the sender never waited. */
START_TEST(send_without_an_arp_answer_is_dropped_and_counted)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint64_t t0 = wire_now_ns;
    struct tf_udp_peer to = {HOST_IP, 5000};
    ck_assert_int_eq(tf_udp_send(sock, "hello", 5, &to), 5);
    ck_assert_uint_eq(wire_now_ns, t0);
    char b[8];
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, 2500000000ull), TF_ETIMEDOUT);
    ck_assert_uint_eq(wire_sent_count(), 3); /* at 0, 1 and 2 s */
    for (size_t i = 0; i < 3; i++)
        check_arp_request(i, HOST_IP);
    ck_assert_uint_eq(stats().tx_arp_dropped, 0); /* still asking */
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, 1000000000ull), TF_ETIMEDOUT);
    ck_assert_uint_eq(wire_sent_count(), 3); /* no fourth request, no datagram */
    ck_assert_uint_eq(stats().tx_arp_dropped, 1);
    /* a late answer finds nothing held and makes no entry */
    uint8_t f[64];
    wire_inject(f, wire_arp(f, wire_mac, host_mac, 2, HOST_IP, wire_mac, OUR_IP));
    pump();
    ck_assert_uint_eq(stats().drop_arp_unsolicited, 1);
    ck_assert_uint_eq(wire_sent_count(), 3);
}
END_TEST

/* Spoofed sources on our link cost the sender nothing: their replies wait in a bounded hold,
 * and what finds no room is counted, not waited for. */
START_TEST(held_datagrams_are_bounded)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint64_t t0 = wire_now_ns;
    for (int i = 0; i < 20; i++) { /* 20 next hops, 16 places */
        struct tf_udp_peer to = {WIRE_IP(10, 0, 2, 100 + i), 5000};
        ck_assert_int_eq(tf_udp_send(sock, "r", 1, &to), 1);
    }
    for (int i = 0; i < 6; i++) { /* one next hop: 4 places */
        struct tf_udp_peer to = {WIRE_IP(10, 0, 2, 100), 5000};
        ck_assert_int_eq(tf_udp_send(sock, "s", 1, &to), 1);
    }
    ck_assert_uint_eq(wire_now_ns, t0); /* no waiting */
    ck_assert_uint_eq(stats().tx_arp_dropped, 4 + 6);
    ck_assert_uint_eq(wire_sent_count(), 16); /* one request for each next hop held */
    char b[8];
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, 3500000000ull), TF_ETIMEDOUT);
    ck_assert_uint_eq(stats().tx_arp_dropped, 20 + 6);
    ck_assert_uint_eq(stats().tx_udp, 26);
}
END_TEST

/* One next hop holds at most 4 datagrams even while the hold has room: the fifth is dropped and
 * counted, another next hop still gets a place, and the 4 leave in order once the answer comes. */
START_TEST(held_datagrams_are_bounded_per_next_hop)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    struct tf_udp_peer to = {HOST_IP, 5000};
    for (char c = '0'; c < '5'; c++)
        ck_assert_int_eq(tf_udp_send(sock, &c, 1, &to), 1);
    ck_assert_uint_eq(stats().tx_arp_dropped, 1);
    struct tf_udp_peer other = {WIRE_IP(10, 0, 2, 101), 5000};
    ck_assert_int_eq(tf_udp_send(sock, "o", 1, &other), 1);
    ck_assert_uint_eq(stats().tx_arp_dropped, 1);
    ck_assert_uint_eq(wire_sent_count(), 2);
    check_arp_request(0, HOST_IP);
    check_arp_request(1, WIRE_IP(10, 0, 2, 101));
    answer_arp();
    ck_assert_uint_eq(wire_sent_count(), 2 + 4);
    for (size_t i = 0; i < 4; i++) {
        size_t len;
        const uint8_t *p = check_udp(2 + i, host_mac, HOST_IP, 5000, NULL, &len);
        ck_assert_uint_eq(len, 1);
        ck_assert_int_eq(p[0], '0' + (int)i);
    }
    ck_assert_uint_eq(stats().tx_arp_dropped, 1);
}
END_TEST

START_TEST(broadcast_needs_no_arp)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    struct tf_udp_peer to = {0xffffffffu, 5000};
    ck_assert_int_eq(tf_udp_send(sock, "all", 3, &to), 3);
    to.ip = WIRE_IP(10, 0, 2, 255);
    ck_assert_int_eq(tf_udp_send(sock, "net", 3, &to), 3);
    ck_assert_uint_eq(wire_sent_count(), 2);
    size_t len;
    check_udp(0, bcast, 0xffffffffu, 5000, NULL, &len);
    check_udp(1, bcast, WIRE_IP(10, 0, 2, 255), 5000, NULL, &len);
}
END_TEST

/* Who the stack sends to HOST_IP now: the destination MAC of a datagram sent there. */
static const uint8_t *host_is_at(int sock)
{
    static uint8_t mac[6];
    wire_sent_clear();
    struct tf_udp_peer to = {HOST_IP, 5000};
    ck_assert_int_eq(tf_udp_send(sock, "?", 1, &to), 1);
    ck_assert_uint_eq(wire_sent_count(), 1); /* from the cache, no ARP request */
    size_t len;
    memcpy(mac, wire_sent(0, &len), 6);
    return mac;
}

/* A cached address keeps its MAC against requests, gratuitous ARP and unsolicited replies that
 * give it another, and against anyone claiming our own address (RFC 5227's conflicts). */
START_TEST(cached_entries_are_not_overwritten_by_conflicting_arp)
{
    static const uint8_t evil[6] = {0x02, 0xee, 0xee, 0xee, 0xee, 0xee};
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[64];
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP)); /* learned */
    pump();
    ck_assert_mem_eq(host_is_at(sock), host_mac, 6);
    wire_sent_clear();
    wire_inject(f, wire_arp(f, bcast, evil, 1, HOST_IP, zero_mac, OUR_IP));    /* request */
    wire_inject(f, wire_arp(f, bcast, evil, 1, HOST_IP, zero_mac, HOST_IP));   /* gratuitous */
    wire_inject(f, wire_arp(f, wire_mac, evil, 2, HOST_IP, wire_mac, OUR_IP)); /* reply */
    wire_inject(f, wire_arp(f, bcast, evil, 1, OUR_IP, zero_mac, OUR_IP));     /* our address */
    wire_inject(f, wire_arp(f, bcast, evil, 2, OUR_IP, zero_mac, WIRE_IP(10, 0, 2, 1)));
    pump();
    struct tf_net_stats st = stats();
    ck_assert_uint_eq(st.drop_arp_conflict, 5);
    ck_assert_uint_eq(st.arp_replies_sent, 1); /* only the first request was answered */
    ck_assert_uint_eq(wire_sent_count(), 0);
    ck_assert_mem_eq(host_is_at(sock), host_mac, 6);
    /* the same MAC again is no conflict: a gratuitous announcement refreshes the entry */
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, HOST_IP));
    pump();
    ck_assert_uint_eq(stats().drop_arp_conflict, 5);
    ck_assert_uint_eq(stats().drop_not_for_us, 1);
}
END_TEST

/* An entry older than 120 s is asked for again, and the answer to our own request may give it
 * a new MAC (a station that changed its card). */
START_TEST(old_entries_are_asked_for_again)
{
    static const uint8_t new_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x64};
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[64];
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP));
    pump();
    wire_now_ns += 119 * 1000000000ull;
    ck_assert_mem_eq(host_is_at(sock), host_mac, 6); /* 119 s: still good */
    wire_now_ns += 2 * 1000000000ull;
    wire_sent_clear();
    struct tf_udp_peer to = {HOST_IP, 5000};
    ck_assert_int_eq(tf_udp_send(sock, "x", 1, &to), 1);
    ck_assert_uint_eq(wire_sent_count(), 1);
    check_arp_request(0, HOST_IP); /* 121 s: asked again */
    wire_inject(f, wire_arp(f, wire_mac, new_mac, 2, HOST_IP, wire_mac, OUR_IP));
    pump();
    size_t len;
    check_udp(1, new_mac, HOST_IP, 5000, NULL, &len); /* the held datagram, to the new MAC */
    ck_assert_uint_eq(stats().drop_arp_conflict, 0);
}
END_TEST

/* Eight entries; a ninth station replaces the one learned longest ago. */
START_TEST(full_cache_replaces_the_oldest)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[64], mac[6] = {0x02, 0, 0, 0, 0, 0};
    for (int i = 0; i < 9; i++) {
        mac[5] = (uint8_t)(0x70 + i);
        wire_inject(f, wire_arp(f, bcast, mac, 1, WIRE_IP(10, 0, 2, 70 + i), zero_mac, OUR_IP));
        pump();
        wire_now_ns += 1000000;
    }
    for (int i = 0; i < 9; i++) {
        wire_sent_clear();
        struct tf_udp_peer to = {WIRE_IP(10, 0, 2, 70 + i), 1};
        ck_assert_int_eq(tf_udp_send(sock, "c", 1, &to), 1);
        size_t len;
        const uint8_t *sent = wire_sent(0, &len);
        if (i == 0) {
            check_arp_request(0, WIRE_IP(10, 0, 2, 70)); /* the oldest went */
        } else {
            mac[5] = (uint8_t)(0x70 + i);
            ck_assert_mem_eq(sent, mac, 6);
        }
    }
}
END_TEST

static Suite *net_arp_suite(void)
{
    Suite *s = suite_create("net_arp");
    TCase *t = tcase_create("resolve");
    tcase_add_test(t, arp_request_for_us_is_answered);
    tcase_add_test(t, arp_request_for_another_address_is_ignored);
    tcase_add_test(t, send_resolves_the_next_hop_first);
    tcase_add_test(t, send_beyond_the_subnet_goes_to_the_gateway);
    tcase_add_test(t, send_without_an_arp_answer_is_dropped_and_counted);
    tcase_add_test(t, held_datagrams_are_bounded);
    tcase_add_test(t, held_datagrams_are_bounded_per_next_hop);
    tcase_add_test(t, broadcast_needs_no_arp);
    suite_add_tcase(s, t);
    t = tcase_create("cache");
    tcase_add_test(t, cached_entries_are_not_overwritten_by_conflicting_arp);
    tcase_add_test(t, old_entries_are_asked_for_again);
    tcase_add_test(t, full_cache_replaces_the_oldest);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(net_arp_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
