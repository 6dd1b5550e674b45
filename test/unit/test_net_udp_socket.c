/* UDP and the socket API in the network stack (src/udp/udp.c, socket.c) on the in-memory wire
 * (net_frames.h): datagrams delivered with their peer, closed ports, full queues and bursts,
 * short buffers, the largest datagram both ways, receive timeouts, and the API's errors. */
#include "net_frames.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

/* An empty datagram is a datagram (RFC 768 allows a zero-length payload). */
START_TEST(empty_datagram_is_delivered)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, "", 0));
    char b[4];
    ck_assert_int_eq(tf_udp_recv(sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), 0);
    ck_assert_uint_eq(stats().rx_udp_delivered, 1);
}
END_TEST

/* A datagram whose checksum computes to 0 goes out with 0xffff: 0 means "no checksum" (RFC 768).
 * Two payload bytes are chosen so that the one's complement sum is all ones. */
START_TEST(zero_checksum_is_sent_as_all_ones)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[64];
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP)); /* cache it */
    pump();
    uint8_t payload[2] = {0, 0};
    uint32_t pseudo = (OUR_IP >> 16) + (OUR_IP & 0xffff) + (HOST_IP >> 16) + (HOST_IP & 0xffff) +
                      17 + 10 + APP_PORT + 5000 + 10; /* + the UDP header's words */
    while (pseudo >> 16)
        pseudo = (pseudo & 0xffff) + (pseudo >> 16);
    uint16_t word = (uint16_t)(0xffff - pseudo); /* the sum becomes 0xffff: checksum 0 */
    payload[0] = (uint8_t)(word >> 8);
    payload[1] = (uint8_t)word;
    wire_sent_clear();
    struct tf_udp_peer to = {HOST_IP, 5000};
    ck_assert_int_eq(tf_udp_send(sock, payload, 2, &to), 2);
    size_t len;
    const uint8_t *u = check_udp(0, host_mac, HOST_IP, 5000, NULL, &len);
    ck_assert_uint_eq(wire_get16(u - 8 + 6), 0xffff);
}
END_TEST

START_TEST(datagram_is_delivered_with_its_peer)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 4444, OUR_IP, APP_PORT, "abc", 3));
    char buf[16];
    struct tf_udp_peer from = {0, 0};
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, &from, TF_UDP_NONBLOCK), 3);
    ck_assert_mem_eq(buf, "abc", 3);
    ck_assert_uint_eq(from.ip, HOST_IP);
    ck_assert_uint_eq(from.port, 4444);
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, &from, TF_UDP_NONBLOCK), TF_EAGAIN);
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.rx_udp_delivered, 1);
    ck_assert_uint_eq(s.rx_frames, 1);
}
END_TEST

START_TEST(datagram_without_checksum_and_padded_frame_are_delivered)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128] = {0};
    size_t n = wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, "z", 1);
    wire_put16(f + 34 + 6, 0); /* UDP checksum 0: none computed */
    wire_inject(f, 60);        /* Ethernet padding after the IPv4 total length */
    ck_assert_uint_lt(n, 60);
    char buf[4];
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK), 1);
    ck_assert_int_eq(buf[0], 'z');
}
END_TEST

START_TEST(broadcast_datagrams_are_delivered)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    wire_inject(f, wire_udp(f, bcast, host_mac, HOST_IP, 1, 0xffffffffu, APP_PORT, "a", 1));
    wire_inject(f,
                wire_udp(f, bcast, host_mac, HOST_IP, 1, WIRE_IP(10, 0, 2, 255), APP_PORT, "b", 1));
    char buf[4];
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK), 1);
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK), 1);
    ck_assert_uint_eq(stats().rx_udp_delivered, 2);
}
END_TEST

START_TEST(datagram_to_a_closed_port_is_counted)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT + 1, "a", 1));
    char buf[4];
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.drop_no_listener, 1);
    ck_assert_uint_eq(s.rx_udp_delivered, 0);
    ck_assert_uint_eq(wire_sent_count(), 0); /* no ICMP port unreachable */

    /* after close, the port is closed too, and its queue is gone */
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, "a", 1));
    ck_assert_int_eq(tf_udp_close(sock), 0);
    pump();
    ck_assert_uint_eq(stats().drop_no_listener, 2);
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK), TF_EINVAL);
}
END_TEST

/* The depth taskfarm.h and docs/network.md promise, written here rather than taken from the
 * code under test */
#define DOCUMENTED_QUEUE_LEN 64

START_TEST(full_queue_drops_and_counts)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    for (uint8_t i = 0; i < DOCUMENTED_QUEUE_LEN + 3; i++)
        wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, &i, 1));
    pump(); /* another socket's receive takes every frame from the NIC */
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.rx_udp_delivered, DOCUMENTED_QUEUE_LEN);
    ck_assert_uint_eq(s.drop_queue_full, 3);
    for (uint8_t i = 0; i < DOCUMENTED_QUEUE_LEN; i++) { /* the first ones, in order */
        uint8_t b = 0xff;
        ck_assert_int_eq(tf_udp_recv(sock, &b, 1, NULL, TF_UDP_NONBLOCK), 1);
        ck_assert_uint_eq(b, i);
    }
    ck_assert_int_eq(tf_udp_recv(sock, f, 1, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    /* room again */
    uint8_t v = 42;
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, &v, 1));
    ck_assert_int_eq(tf_udp_recv(sock, &v, 1, NULL, TF_UDP_NONBLOCK), 1);
    ck_assert_uint_eq(v, 42);
}
END_TEST

/* A burst larger than the socket's queue, read by its own socket: frames stay in the NIC until
 * the queue has room, so none is lost. */
START_TEST(burst_waits_in_the_nic_for_its_reader)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    enum { BURST = 3 * DOCUMENTED_QUEUE_LEN };
    for (int i = 0; i < BURST; i++) {
        uint8_t b = (uint8_t)i;
        wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, &b, 1));
    }
    for (int i = 0; i < BURST; i++) {
        uint8_t b = 0xff;
        ck_assert_int_eq(tf_udp_recv(sock, &b, 1, NULL, TF_UDP_NONBLOCK), 1);
        ck_assert_uint_eq(b, (uint8_t)i);
        ck_assert_uint_le(wire_pending(), (size_t)(BURST - 1 - i)); /* taken one by one */
    }
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.rx_udp_delivered, BURST);
    ck_assert_uint_eq(s.drop_queue_full, 0);
}
END_TEST

START_TEST(short_buffer_cuts_the_datagram)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, "abcdef", 6));
    char buf[8] = {0};
    ck_assert_int_eq(tf_udp_recv(sock, buf, 4, NULL, TF_UDP_NONBLOCK), TF_EMSGSIZE);
    ck_assert_str_eq(buf, "abcd");
    ck_assert_int_eq(tf_udp_recv(sock, buf, 4, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
}
END_TEST

START_TEST(largest_datagram_round_trip)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    static uint8_t data[TF_UDP_MAX_PAYLOAD + 1], f[1600], buf[TF_UDP_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ (i >> 8));
    size_t n =
        wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, data, TF_UDP_MAX_PAYLOAD);
    ck_assert_uint_eq(n, 1514);
    wire_inject(f, n);
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK), TF_UDP_MAX_PAYLOAD);
    ck_assert_mem_eq(buf, data, TF_UDP_MAX_PAYLOAD);

    struct tf_udp_peer to = {HOST_IP, 1};
    ck_assert_int_eq(tf_udp_send(sock, data, TF_UDP_MAX_PAYLOAD + 1, &to), TF_EMSGSIZE);
    ck_assert_int_eq(tf_udp_send(sock, data, TF_UDP_MAX_PAYLOAD, &to), TF_UDP_MAX_PAYLOAD);
    answer_arp(); /* the held datagram, whole */
    size_t len;
    const uint8_t *p = check_udp(wire_sent_count() - 1, host_mac, HOST_IP, 1, NULL, &len);
    ck_assert_uint_eq(len, TF_UDP_MAX_PAYLOAD);
    ck_assert_mem_eq(p, data, len);
}
END_TEST

/* The peer that sends a datagram the first time the stack waits. */
static void late_sender(void)
{
    static int done;
    if (done++)
        return;
    uint8_t f[128];
    wire_inject(f, wire_udp(f, wire_mac, host_mac, HOST_IP, 9, OUR_IP, APP_PORT, "late", 4));
}

START_TEST(recv_sleeps_in_netif_wait_until_a_frame_comes)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    wire_peer = late_sender;
    char buf[8];
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, 0), 4);
    ck_assert_mem_eq(buf, "late", 4);
    ck_assert_uint_eq(wire_waits, 1);
}
END_TEST

START_TEST(recv_times_out)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint64_t t0 = wire_now_ns;
    char buf[8];
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, NULL, 250000000ull), TF_ETIMEDOUT);
    ck_assert_uint_eq(wire_now_ns - t0, 250000000ull);
}
END_TEST

/* ---- The API's errors ---------------------------------------------------------------------- */

START_TEST(api_refuses_other_cpus)
{
    wire_cpu = 1;
    struct tf_net_config c;
    struct tf_net_stats s;
    struct tf_udp_peer to = {HOST_IP, 1};
    ck_assert_int_eq(tf_net_start(0), TF_EPERM);
    wire_cpu = 0;
    up();
    int sock = tf_udp_bind(APP_PORT);
    wire_cpu = 3;
    ck_assert_int_eq(tf_net_config(&c), TF_EPERM);
    ck_assert_int_eq(tf_net_stats(&s), TF_EPERM);
    ck_assert_int_eq(tf_udp_bind(1), TF_EPERM);
    ck_assert_int_eq(tf_udp_send(sock, "a", 1, &to), TF_EPERM);
    ck_assert_int_eq(tf_udp_recv(sock, &c, 1, NULL, TF_UDP_NONBLOCK), TF_EPERM);
    ck_assert_int_eq(tf_udp_close(sock), TF_EPERM);
    ck_assert_uint_eq(wire_sent_count(), 0);
}
END_TEST

START_TEST(api_errors)
{
    struct tf_udp_peer to = {HOST_IP, 1};
    ck_assert_int_eq(tf_udp_bind(APP_PORT), TF_ENETDOWN);
    /* No socket can be open yet: the network's state is what send reports, for any socket */
    ck_assert_int_eq(tf_udp_send(0, "a", 1, &to), TF_ENETDOWN);
    ck_assert_int_eq(tf_udp_send(-1, "a", 1, &to), TF_ENETDOWN);
    ck_assert_int_eq(tf_udp_send(0, "a", 1, NULL), TF_ENETDOWN);
    wire_open_err = -ENODEV; /* the driver's errno values become the API's codes */
    ck_assert_int_eq(tf_net_start(0), TF_ENODEV);
    wire_open_err = -ENOMEM;
    ck_assert_int_eq(tf_net_start(0), TF_ENOMEM);
    ck_assert_int_eq(tf_udp_send(0, "a", 1, &to), TF_ENETDOWN);
    wire_open_err = 0;
    up();
    ck_assert_int_eq(tf_net_start(0), 0); /* up already */
    ck_assert_int_eq(tf_net_stats(NULL), TF_EINVAL);
    ck_assert_int_eq(tf_net_config(NULL), TF_EINVAL);
    int sock = tf_udp_bind(APP_PORT);
    ck_assert_int_ge(sock, 0);
    ck_assert_int_eq(tf_udp_bind(APP_PORT), TF_EADDRINUSE);
    ck_assert_int_eq(tf_udp_send(sock, "a", 1, NULL), TF_EINVAL);
    ck_assert_int_eq(tf_udp_send(-1, "a", 1, &to), TF_EINVAL);
    ck_assert_int_eq(tf_udp_send(100, "a", 1, &to), TF_EINVAL);
    ck_assert_int_eq(tf_udp_recv(sock, NULL, 1, NULL, TF_UDP_NONBLOCK), TF_EINVAL);
    ck_assert_int_eq(tf_udp_close(100), TF_EINVAL);
    /* 8 sockets in all (the pump and APP_PORT are two) */
    for (int i = 0; i < 6; i++)
        ck_assert_int_ge(tf_udp_bind((uint16_t)(100 + i)), 0);
    ck_assert_int_eq(tf_udp_bind(200), TF_ENOSPC);
    ck_assert_int_eq(tf_udp_close(sock), 0);
    ck_assert_int_eq(tf_udp_close(sock), TF_EINVAL);
    ck_assert_int_eq(tf_udp_bind(200), sock); /* the slot is free again */
}
END_TEST

START_TEST(bind_zero_takes_a_free_high_port)
{
    up();
    int a = tf_udp_bind(0), b = tf_udp_bind(0);
    ck_assert_int_ge(a, 0);
    ck_assert_int_ge(b, 0);
    struct tf_udp_peer to = {HOST_IP, 1};
    uint16_t pa, pb;
    size_t len;
    ck_assert_int_eq(tf_udp_send(a, "a", 1, &to), 1);
    answer_arp();
    check_udp(wire_sent_count() - 1, host_mac, HOST_IP, 1, &pa, &len);
    ck_assert_int_eq(tf_udp_send(b, "b", 1, &to), 1);
    check_udp(wire_sent_count() - 1, host_mac, HOST_IP, 1, &pb, &len);
    ck_assert_uint_ge(pa, 49152);
    ck_assert_uint_ge(pb, 49152);
    ck_assert_uint_ne(pa, pb);
}
END_TEST

START_TEST(replies_that_cannot_be_queued_are_counted)
{
    up();
    int sock = tf_udp_bind(APP_PORT);
    uint8_t f[128];
    /* a request for our address fills the cache with its sender (RFC 826) */
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP));
    pump();
    ck_assert_uint_eq(stats().arp_replies_sent, 1);
    wire_tx_err = -EAGAIN;
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP));
    wire_inject(f, wire_ping(f, wire_mac, host_mac, HOST_IP, OUR_IP, 1, 1, "p", 1));
    pump();
    struct tf_udp_peer to = {HOST_IP, 1};
    ck_assert_int_eq(tf_udp_send(sock, "a", 1, &to), TF_EAGAIN);
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.drop_tx_full, 2);
    ck_assert_uint_eq(s.rx_frames, 3);
    ck_assert_uint_eq(s.tx_frames, 1 + 1); /* the announcement at start, the first ARP reply */
    wire_tx_err = 0;
    ck_assert_int_eq(tf_udp_send(sock, "a", 1, &to), 1);
    ck_assert_uint_eq(wire_sent_count(), 2); /* the ARP reply, then the datagram from the cache */
    check_udp(1, host_mac, HOST_IP, 1, NULL, &(size_t){0});
}
END_TEST

static Suite *net_udp_socket_suite(void)
{
    Suite *s = suite_create("net_udp_socket");
    TCase *t = tcase_create("udp");
    tcase_add_test(t, empty_datagram_is_delivered);
    tcase_add_test(t, zero_checksum_is_sent_as_all_ones);
    tcase_add_test(t, datagram_is_delivered_with_its_peer);
    tcase_add_test(t, datagram_without_checksum_and_padded_frame_are_delivered);
    tcase_add_test(t, broadcast_datagrams_are_delivered);
    tcase_add_test(t, datagram_to_a_closed_port_is_counted);
    tcase_add_test(t, full_queue_drops_and_counts);
    tcase_add_test(t, burst_waits_in_the_nic_for_its_reader);
    tcase_add_test(t, short_buffer_cuts_the_datagram);
    tcase_add_test(t, largest_datagram_round_trip);
    tcase_add_test(t, recv_sleeps_in_netif_wait_until_a_frame_comes);
    tcase_add_test(t, recv_times_out);
    suite_add_tcase(s, t);
    t = tcase_create("api");
    tcase_add_test(t, api_refuses_other_cpus);
    tcase_add_test(t, api_errors);
    tcase_add_test(t, bind_zero_takes_a_free_high_port);
    tcase_add_test(t, replies_that_cannot_be_queued_are_counted);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(net_udp_socket_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
