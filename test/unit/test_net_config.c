/* Static address configuration (src/udp/config.c) from the boot options tf.ip and tf.gw, on
 * the in-memory wire (net_frames.h); DHCP has its own tests (test_net_dhcp.c). */
#include "net_frames.h"

#include <check.h>
#include <stdlib.h>

START_TEST(static_address_from_options)
{
    up();
    struct tf_net_config c;
    ck_assert_int_eq(tf_net_config(&c), 0);
    ck_assert_uint_eq(c.ip, OUR_IP);
    ck_assert_uint_eq(c.prefix_len, 24);
    ck_assert_uint_eq(c.gateway, GW_IP);
    ck_assert_mem_eq(c.mac, wire_mac, 6);
    ck_assert_uint_eq(c.dhcp, 0);
    ck_assert_uint_eq(wire_sent_count(), 0); /* no DHCP */
}
END_TEST

/* RFC 5227 2.3: once configured, the stack announces its address: an ARP request, broadcast,
 * with our address as both sender and target, and our MAC as sender */
START_TEST(static_address_is_announced)
{
    wire_set_option("ip", "10.0.2.15/24");
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(wire_sent_count(), 1);
    size_t len;
    const uint8_t *f = wire_sent(0, &len);
    ck_assert_uint_ge(len, 14 + 28);
    ck_assert_mem_eq(f, bcast, 6);
    ck_assert_mem_eq(f + 6, wire_mac, 6);
    ck_assert_uint_eq(wire_get16(f + 12), 0x0806);
    ck_assert_uint_eq(wire_get16(f + 14 + 6), 1); /* request */
    ck_assert_mem_eq(f + 14 + 8, wire_mac, 6);
    ck_assert_uint_eq(wire_get32(f + 14 + 14), WIRE_IP(10, 0, 2, 15));
    ck_assert_mem_eq(f + 14 + 18, zero_mac, 6);
    ck_assert_uint_eq(wire_get32(f + 14 + 24), WIRE_IP(10, 0, 2, 15));
}
END_TEST

START_TEST(static_address_without_prefix_or_gateway)
{
    wire_set_option("ip", "192.168.7.9");
    ck_assert_int_eq(tf_net_start(0), 0);
    struct tf_net_config c;
    ck_assert_int_eq(tf_net_config(&c), 0);
    ck_assert_uint_eq(c.ip, WIRE_IP(192, 168, 7, 9));
    ck_assert_uint_eq(c.prefix_len, 24);
    ck_assert_uint_eq(c.gateway, 0);
}
END_TEST

START_TEST(static_prefix_sets_the_subnet)
{
    wire_set_option("ip", "10.1.2.3/8");
    ck_assert_int_eq(tf_net_start(0), 0);
    wire_sent_clear(); /* the announcement */
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    /* 10.255.255.255 is our subnet's broadcast */
    wire_inject(f, wire_udp(f, bcast, host_mac, WIRE_IP(10, 9, 9, 9), 1, WIRE_IP(10, 255, 255, 255),
                            APP_PORT, "a", 1));
    char b[2];
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), 1);
    /* 10.200.0.1 is on our link: asked for directly */
    struct tf_udp_peer to = {WIRE_IP(10, 200, 0, 1), 1};
    ck_assert_int_eq(tf_udp_send(sock, "a", 1, &to), 1);
    size_t len;
    const uint8_t *r = wire_sent(0, &len);
    ck_assert_uint_eq(wire_get32(r + 14 + 24), WIRE_IP(10, 200, 0, 1));
}
END_TEST

static const char *const bad_ips[] = {
    "10.0.2", "10.0.2.256/24", "10.0.2.15/33", "10.0.2.15/",     "10.0.2.15/24x", "a.b.c.d",
    "",       "0.0.0.0/8",     "10..2.15/24",  "10.0.2.1234/24",
};

START_TEST(malformed_static_options_are_refused)
{
    wire_set_option("ip", bad_ips[_i]);
    ck_assert_int_eq(tf_net_start(0), TF_EINVAL);
    ck_assert_int_eq(tf_udp_bind(APP_PORT), TF_ENETDOWN);
    struct tf_udp_peer to = {HOST_IP, 1};
    ck_assert_int_eq(tf_udp_send(0, "a", 1, &to), TF_ENETDOWN);
    ck_assert_uint_eq(wire_sent_count(), 0);
}
END_TEST

START_TEST(malformed_gateway_is_refused)
{
    wire_set_option("ip", "10.0.2.15/24");
    wire_set_option("gw", "10.0.2");
    ck_assert_int_eq(tf_net_start(0), TF_EINVAL);
    wire_set_option("gw", "10.0.2.2");
    ck_assert_int_eq(tf_net_start(0), 0);
}
END_TEST

static Suite *net_config_suite(void)
{
    Suite *s = suite_create("net_config");
    TCase *t = tcase_create("static");
    tcase_add_test(t, static_address_from_options);
    tcase_add_test(t, static_address_is_announced);
    tcase_add_test(t, static_address_without_prefix_or_gateway);
    tcase_add_test(t, static_prefix_sets_the_subnet);
    tcase_add_loop_test(t, malformed_static_options_are_refused, 0,
                        (int)(sizeof bad_ips / sizeof bad_ips[0]));
    tcase_add_test(t, malformed_gateway_is_refused);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(net_config_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
