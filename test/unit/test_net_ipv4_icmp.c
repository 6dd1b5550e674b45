/* IPv4 and ICMP echo in the network stack (src/udp/ipv4.c, icmp.c) on the in-memory wire
 * (net_frames.h): sources no packet may come from, the subnet broadcast of a /31, and echo
 * requests answered. */
#include "net_frames.h"

#include <check.h>
#include <stdlib.h>

/* RFC 1122 3.2.1.3: nothing comes from a broadcast, multicast, loopback, "this network" or
 * reserved address, nor from our own; such packets are dropped and counted, never answered. */
START_TEST(impossible_sources_are_dropped)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    static const uint32_t bad[] = {0xffffffffu,
                                   WIRE_IP(10, 0, 2, 255),
                                   WIRE_IP(224, 0, 0, 1),
                                   WIRE_IP(239, 1, 2, 3),
                                   OUR_IP,
                                   WIRE_IP(127, 0, 0, 1),
                                   WIRE_IP(0, 0, 0, 0),
                                   WIRE_IP(0, 1, 2, 3),
                                   WIRE_IP(240, 0, 0, 1)};
    const size_t n = sizeof(bad) / sizeof(bad[0]);
    uint8_t f[128];
    for (size_t i = 0; i < n; i++) {
        wire_inject(f, wire_udp(f, wire_mac, host_mac, bad[i], 1000, OUR_IP, APP_PORT, "s", 1));
        wire_inject(f, wire_ping(f, wire_mac, host_mac, bad[i], OUR_IP, 1, 1, "p", 1));
    }
    static const uint8_t group_mac[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    wire_inject(f, wire_udp(f, wire_mac, group_mac, HOST_IP, 1000, OUR_IP, APP_PORT, "m", 1));
    pump();
    char b[4];
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    struct tf_net_stats st = stats();
    ck_assert_uint_eq(st.drop_bad_source, 2 * n + 1);
    ck_assert_uint_eq(st.icmp_echo_replies_sent, 0);
    ck_assert_uint_eq(wire_sent_count(), 0);
    /* and a good source still gets through */
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1000, OUR_IP, APP_PORT, "g", 1));
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), 1);
}
END_TEST

/* On a /31 (RFC 3021) there is no broadcast address: the other address is a host's. */
START_TEST(point_to_point_subnet_has_no_broadcast)
{
    wire_set_option("ip", "10.1.2.2/31");
    ck_assert_int_eq(tf_net_start(0), 0);
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    wire_inject(f, wire_udp(f, wire_mac, host_mac, WIRE_IP(10, 9, 9, 9), 1, WIRE_IP(10, 1, 2, 3),
                            APP_PORT, "b", 1));
    char b[2];
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    ck_assert_uint_eq(stats().drop_not_for_us, 1);
}
END_TEST

/* ---- ICMP ---------------------------------------------------------------------------------- */

START_TEST(echo_request_is_answered)
{
    up();
    uint8_t data[56], f[128];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    wire_inject(f,
                wire_ping(f, wire_mac, host_mac, HOST_IP, OUR_IP, 0x4242, 17, data, sizeof data));
    pump();
    ck_assert_uint_eq(wire_sent_count(), 1);
    size_t len, plen;
    const uint8_t *r = wire_sent(0, &len);
    ck_assert_mem_eq(r, host_mac, 6);
    ck_assert_mem_eq(r + 6, wire_mac, 6);
    const uint8_t *m = check_ipv4(r, len, 1, HOST_IP, &plen);
    ck_assert_uint_eq(plen, 8 + sizeof data);
    ck_assert_uint_eq(m[0], 0); /* echo reply */
    ck_assert_uint_eq(m[1], 0);
    ck_assert_uint_eq(wire_checksum(m, plen, 0), 0);
    ck_assert_uint_eq(wire_get16(m + 4), 0x4242);
    ck_assert_uint_eq(wire_get16(m + 6), 17);
    ck_assert_mem_eq(m + 8, data, sizeof data);
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.icmp_echo_replies_sent, 1);
    ck_assert_uint_eq(s.rx_frames, 1);
}
END_TEST

START_TEST(echo_with_odd_length_is_answered)
{
    up();
    uint8_t f[128];
    wire_inject(f, wire_ping(f, wire_mac, host_mac, HOST_IP, OUR_IP, 1, 2, "abc", 3));
    pump();
    size_t len, plen;
    const uint8_t *r = wire_sent(0, &len);
    ck_assert_ptr_nonnull(r);
    const uint8_t *m = check_ipv4(r, len, 1, HOST_IP, &plen);
    ck_assert_uint_eq(plen, 11);
    ck_assert_uint_eq(wire_checksum(m, plen, 0), 0);
    ck_assert_mem_eq(m + 8, "abc", 3);
}
END_TEST

static Suite *net_ipv4_icmp_suite(void)
{
    Suite *s = suite_create("net_ipv4_icmp");
    TCase *t = tcase_create("ipv4");
    tcase_add_test(t, impossible_sources_are_dropped);
    tcase_add_test(t, point_to_point_subnet_has_no_broadcast);
    suite_add_tcase(s, t);
    t = tcase_create("icmp");
    tcase_add_test(t, echo_request_is_answered);
    tcase_add_test(t, echo_with_odd_length_is_answered);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(net_ipv4_icmp_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
