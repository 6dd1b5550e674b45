/* The network stack (src/udp: Ethernet, ARP, IPv4, ICMP, UDP, the tf_net/tf_udp API) on an
 * in-memory wire (test_net_wire.c): the test injects frames, the real stack processes them, and
 * the test reads back what the stack sent. Each test runs in its own process (Check's fork
 * mode), so each starts with a stack that has never run. */
#include "net.h"
#include "test_net_wire.h"

#include "taskfarm.h"

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define OUR_IP    WIRE_IP(10, 0, 2, 15)
#define GW_IP     WIRE_IP(10, 0, 2, 2)
#define HOST_IP   WIRE_IP(10, 0, 2, 100) /* another station on our subnet */
#define FAR_IP    WIRE_IP(192, 0, 2, 7)  /* beyond the gateway */
#define APP_PORT  7777
#define PUMP_PORT 9999 /* a socket no test sends to: receiving on it processes frames */

static const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t host_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x64};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t zero_mac[6];

static int pump_sock = -1;

/* Brings the stack up with tf.ip=10.0.2.15/24 and tf.gw=10.0.2.2. */
static void up(void)
{
    wire_set_option("ip", "10.0.2.15/24");
    wire_set_option("gw", "10.0.2.2");
    ck_assert_int_eq(tf_net_start(0), 0);
    pump_sock = tf_udp_bind(PUMP_PORT);
    ck_assert_int_ge(pump_sock, 0);
}

/* Lets the stack process every injected frame. */
static void pump(void)
{
    char b[1];
    ck_assert_int_eq(tf_udp_recv(pump_sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    ck_assert_uint_eq(wire_pending(), 0);
}

static struct tf_net_stats stats(void)
{
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    return s;
}

/* Every outcome a received frame can have, summed. */
static uint64_t outcomes(const struct tf_net_stats *s)
{
    return s->rx_udp_delivered + s->arp_replies_sent + s->icmp_echo_replies_sent +
           s->rx_arp_replies + s->drop_bad_length + s->drop_bad_checksum + s->drop_not_for_us +
           s->drop_fragment + s->drop_ip_options + s->drop_no_listener + s->drop_queue_full +
           s->drop_unsupported + s->drop_oversize + s->drop_tx_full + s->drop_bad_source +
           s->drop_arp_unsolicited + s->drop_arp_conflict + s->rx_held;
}

/* Checks the IPv4 header of a sent frame; returns its payload. */
static const uint8_t *check_ipv4(const uint8_t *f, size_t len, uint8_t proto, uint32_t dst,
                                 size_t *payload_len)
{
    ck_assert_uint_ge(len, 34);
    ck_assert_uint_eq(wire_get16(f + 12), 0x0800);
    const uint8_t *h = f + 14;
    ck_assert_uint_eq(h[0], 0x45);
    ck_assert_uint_eq(wire_checksum(h, 20, 0), 0);
    ck_assert_uint_eq(h[9], proto);
    ck_assert_uint_eq(wire_get32(h + 12), OUR_IP);
    ck_assert_uint_eq(wire_get32(h + 16), dst);
    ck_assert_uint_eq(wire_get16(h + 6) & 0x3fff, 0); /* not a fragment */
    size_t total = wire_get16(h + 2);
    ck_assert_uint_ge(total, 20);
    ck_assert_uint_le(14 + total, len);
    *payload_len = total - 20;
    return h + 20;
}

/* Checks a sent UDP frame to (dst, dport) via dst_mac; returns its payload. */
static const uint8_t *check_udp(size_t i, const uint8_t dst_mac[6], uint32_t dst, uint16_t dport,
                                uint16_t *sport, size_t *len)
{
    size_t flen, plen;
    const uint8_t *f = wire_sent(i, &flen);
    ck_assert_ptr_nonnull(f);
    ck_assert_mem_eq(f, dst_mac, 6);
    ck_assert_mem_eq(f + 6, wire_mac, 6);
    const uint8_t *u = check_ipv4(f, flen, 17, dst, &plen);
    ck_assert_uint_eq(wire_get16(u + 4), plen);
    ck_assert_uint_eq(wire_get16(u + 2), dport);
    ck_assert_uint_ne(wire_get16(u + 6), 0); /* a checksum is always sent */
    uint32_t pseudo =
        (OUR_IP >> 16) + (OUR_IP & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + (uint32_t)plen;
    ck_assert_uint_eq(wire_checksum(u, plen, pseudo), 0);
    if (sport)
        *sport = wire_get16(u);
    *len = plen - 8;
    return u + 8;
}

/* Checks that sent frame i is an ARP request for tpa. */
static void check_arp_request(size_t i, uint32_t tpa)
{
    size_t len;
    const uint8_t *f = wire_sent(i, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(len, 60); /* 42 bytes padded to the minimum frame */
    ck_assert_mem_eq(f, bcast, 6);
    ck_assert_mem_eq(f + 6, wire_mac, 6);
    ck_assert_uint_eq(wire_get16(f + 12), 0x0806);
    const uint8_t *a = f + 14;
    ck_assert_uint_eq(wire_get16(a), 1);
    ck_assert_uint_eq(wire_get16(a + 2), 0x0800);
    ck_assert_uint_eq(wire_get16(a + 6), 1);
    ck_assert_mem_eq(a + 8, wire_mac, 6);
    ck_assert_uint_eq(wire_get32(a + 14), OUR_IP);
    ck_assert_uint_eq(wire_get32(a + 24), tpa);
}

/* ---- ARP ----------------------------------------------------------------------------------- */

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
    ck_assert_uint_eq(s.tx_frames, 1);
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

/* The other stations: answer ARP requests for the gateway and for HOST_IP (each request once). */
static unsigned arp_answers;
static size_t arp_answered_upto;
static void arp_responder(void)
{
    size_t len;
    if (arp_answered_upto > wire_sent_count()) /* the sent frames were cleared */
        arp_answered_upto = 0;
    for (size_t i = arp_answered_upto; i < wire_sent_count(); i++, arp_answered_upto = i) {
        const uint8_t *f = wire_sent(i, &len);
        if (wire_get16(f + 12) != 0x0806 || wire_get16(f + 14 + 6) != 1)
            continue;
        uint32_t tpa = wire_get32(f + 14 + 24);
        const uint8_t *mac = tpa == GW_IP ? gw_mac : tpa == HOST_IP ? host_mac : NULL;
        if (!mac)
            continue;
        uint8_t r[64];
        wire_inject(r, wire_arp(r, wire_mac, mac, 2, tpa, wire_mac, OUR_IP));
        arp_answers++;
    }
}

/* The other stations answer what was sent, and the stack takes the answers in. */
static void answer_arp(void)
{
    arp_responder();
    pump();
}

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
    ck_assert_uint_eq(s.tx_frames, 3);
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

/* ---- UDP ----------------------------------------------------------------------------------- */

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
    wire_open_err = -ENODEV; /* the driver's errno values become the API's codes */
    ck_assert_int_eq(tf_net_start(0), TF_ENODEV);
    wire_open_err = -ENOMEM;
    ck_assert_int_eq(tf_net_start(0), TF_ENOMEM);
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
    ck_assert_uint_eq(s.tx_frames, 1); /* the first ARP reply only */
    wire_tx_err = 0;
    ck_assert_int_eq(tf_udp_send(sock, "a", 1, &to), 1);
    ck_assert_uint_eq(wire_sent_count(), 2); /* the ARP reply, then the datagram from the cache */
    check_udp(1, host_mac, HOST_IP, 1, NULL, &(size_t){0});
}
END_TEST

/* ---- Static configuration ------------------------------------------------------------------ */

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

/* ---- Malformed frames ---------------------------------------------------------------------- */

#define REASON(field) offsetof(struct tf_net_stats, field)

struct bad_frame {
    const char *what;
    size_t reason; /* offset of the counter it must land in */
    /* builds the frame in f; returns its length */
    size_t (*build)(uint8_t *f);
};

static size_t good_udp(uint8_t *f)
{
    return wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, APP_PORT, "payload!", 8);
}
static size_t good_ping(uint8_t *f)
{
    return wire_ping(f, wire_mac, host_mac, HOST_IP, OUR_IP, 1, 1, "ping", 4);
}
/* Rewrites the IPv4 header checksum after a change to the header (IHL words long). */
static void fix_ip_checksum(uint8_t *f)
{
    size_t ihl = (size_t)(f[14] & 0xf) * 4;
    wire_put16(f + 14 + 10, 0);
    wire_put16(f + 14 + 10, wire_checksum(f + 14, ihl, 0));
}

static size_t empty_frame(uint8_t *f)
{
    (void)f;
    return 0;
}
static size_t eth_truncated(uint8_t *f)
{
    good_udp(f);
    return 13;
}
static size_t oversize(uint8_t *f)
{
    good_udp(f);
    return 1515;
}
static size_t jumbo(uint8_t *f)
{
    good_udp(f);
    return 9000;
}
static size_t other_mac(uint8_t *f)
{
    size_t n = good_udp(f);
    f[5] ^= 1;
    return n;
}
static size_t multicast_mac(uint8_t *f)
{
    static const uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    size_t n = good_udp(f);
    memcpy(f, mc, 6);
    return n;
}
static size_t ipv6_type(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 12, 0x86dd);
    return n;
}
static size_t vlan_type(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 12, 0x8100);
    return n;
}
static size_t ip_truncated(uint8_t *f)
{
    good_udp(f);
    return 14 + 19;
}
static size_t ihl_below_5(uint8_t *f)
{
    size_t n = good_udp(f);
    f[14] = 0x44;
    fix_ip_checksum(f);
    return n;
}
static size_t ip_version_6(uint8_t *f)
{
    size_t n = good_udp(f);
    f[14] = 0x65;
    fix_ip_checksum(f);
    return n;
}
static size_t total_len_past_frame(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 14 + 2, (uint16_t)(n - 14 + 1));
    fix_ip_checksum(f);
    return n;
}
static size_t total_len_below_header(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 14 + 2, 19);
    fix_ip_checksum(f);
    return n;
}
static size_t total_len_cuts_the_udp_datagram(uint8_t *f)
{
    size_t n = good_udp(f); /* total length shorter than the frame and than the UDP length */
    wire_put16(f + 14 + 2, (uint16_t)(n - 14 - 3));
    fix_ip_checksum(f);
    return n;
}
static size_t bad_ip_checksum(uint8_t *f)
{
    size_t n = good_udp(f);
    f[14 + 10] ^= 0x40;
    return n;
}
static size_t bad_udp_checksum(uint8_t *f)
{
    size_t n = good_udp(f);
    f[n - 1] ^= 0x01; /* the payload changed, the checksum did not */
    return n;
}
static size_t bad_icmp_checksum(uint8_t *f)
{
    size_t n = good_ping(f);
    f[n - 1] ^= 0x10;
    return n;
}
static size_t more_fragments(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 14 + 6, 0x2000);
    fix_ip_checksum(f);
    return n;
}
static size_t fragment_offset(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 14 + 6, 0x0010);
    fix_ip_checksum(f);
    return n;
}
static size_t ip_options(uint8_t *f)
{
    /* a 24-byte header: four bytes of options (NOP NOP NOP End) before the UDP datagram */
    uint8_t tmp[128];
    size_t n = good_udp(tmp);
    memcpy(f, tmp, 34);
    memset(f + 34, 0, 4);
    f[34] = f[35] = f[36] = 1;
    memcpy(f + 38, tmp + 34, n - 34);
    f[14] = 0x46;
    wire_put16(f + 14 + 2, (uint16_t)(n - 14 + 4));
    fix_ip_checksum(f);
    return n + 4;
}
static size_t other_ip(uint8_t *f)
{
    return wire_udp(f, wire_mac, host_mac, HOST_IP, 1, WIRE_IP(10, 0, 2, 16), APP_PORT, "a", 1);
}
static size_t tcp(uint8_t *f)
{
    size_t n = good_udp(f);
    f[14 + 9] = 6;
    fix_ip_checksum(f);
    return n;
}
static size_t udp_truncated(uint8_t *f)
{
    good_udp(f);
    wire_put16(f + 14 + 2, 20 + 7);
    fix_ip_checksum(f);
    return 14 + 20 + 7;
}
static size_t udp_len_below_header(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 34 + 4, 7);
    return n;
}
static size_t udp_len_past_packet(uint8_t *f)
{
    size_t n = good_udp(f);
    wire_put16(f + 34 + 4, (uint16_t)(n - 34 + 1));
    return n;
}
static size_t echo_reply(uint8_t *f)
{
    size_t n = good_ping(f);
    f[34] = 0;
    wire_put16(f + 34 + 2, 0);
    wire_put16(f + 34 + 2, wire_checksum(f + 34, n - 34, 0));
    return n;
}
static size_t icmp_truncated(uint8_t *f)
{
    good_ping(f);
    wire_put16(f + 14 + 2, 20 + 4);
    fix_ip_checksum(f);
    return 14 + 20 + 4;
}
static size_t ping_to_broadcast(uint8_t *f)
{
    return wire_ping(f, bcast, host_mac, HOST_IP, 0xffffffffu, 1, 1, "b", 1);
}
static size_t arp_truncated(uint8_t *f)
{
    wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP);
    return 14 + 27;
}
static size_t arp_not_ethernet(uint8_t *f)
{
    size_t n = wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP);
    wire_put16(f + 14, 6);
    return n;
}
static size_t arp_bad_lengths(uint8_t *f)
{
    size_t n = wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP);
    f[14 + 5] = 16;
    return n;
}
static size_t arp_unknown_op(uint8_t *f)
{
    size_t n = wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP);
    wire_put16(f + 14 + 6, 3);
    return n;
}
static size_t arp_for_another(uint8_t *f)
{
    return wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, WIRE_IP(10, 0, 2, 99));
}
static size_t udp_no_listener(uint8_t *f)
{
    return wire_udp(f, wire_mac, host_mac, HOST_IP, 1, OUR_IP, 12345, "a", 1);
}

static const struct bad_frame bad_frames[] = {
    {"empty frame", REASON(drop_bad_length), empty_frame},
    {"Ethernet header cut", REASON(drop_bad_length), eth_truncated},
    {"one byte over the maximum", REASON(drop_oversize), oversize},
    {"jumbo frame", REASON(drop_oversize), jumbo},
    {"another station's MAC", REASON(drop_not_for_us), other_mac},
    {"multicast MAC", REASON(drop_not_for_us), multicast_mac},
    {"IPv6 EtherType", REASON(drop_unsupported), ipv6_type},
    {"802.1Q tag", REASON(drop_unsupported), vlan_type},
    {"IPv4 header cut", REASON(drop_bad_length), ip_truncated},
    {"IHL below 5", REASON(drop_bad_length), ihl_below_5},
    {"IP version 6 in IPv4", REASON(drop_unsupported), ip_version_6},
    {"total length past the frame", REASON(drop_bad_length), total_len_past_frame},
    {"total length below the header", REASON(drop_bad_length), total_len_below_header},
    {"total length cuts the datagram", REASON(drop_bad_length), total_len_cuts_the_udp_datagram},
    {"bad IPv4 checksum", REASON(drop_bad_checksum), bad_ip_checksum},
    {"bad UDP checksum", REASON(drop_bad_checksum), bad_udp_checksum},
    {"bad ICMP checksum", REASON(drop_bad_checksum), bad_icmp_checksum},
    {"more fragments", REASON(drop_fragment), more_fragments},
    {"fragment offset", REASON(drop_fragment), fragment_offset},
    {"IP options", REASON(drop_ip_options), ip_options},
    {"another IPv4 address", REASON(drop_not_for_us), other_ip},
    {"TCP", REASON(drop_unsupported), tcp},
    {"UDP header cut", REASON(drop_bad_length), udp_truncated},
    {"UDP length below the header", REASON(drop_bad_length), udp_len_below_header},
    {"UDP length past the packet", REASON(drop_bad_length), udp_len_past_packet},
    {"ICMP echo reply", REASON(drop_unsupported), echo_reply},
    {"ICMP header cut", REASON(drop_bad_length), icmp_truncated},
    {"ping to broadcast", REASON(drop_not_for_us), ping_to_broadcast},
    {"ARP cut", REASON(drop_bad_length), arp_truncated},
    {"ARP over another hardware", REASON(drop_unsupported), arp_not_ethernet},
    {"ARP with odd address lengths", REASON(drop_unsupported), arp_bad_lengths},
    {"ARP operation 3", REASON(drop_unsupported), arp_unknown_op},
    {"ARP for another address", REASON(drop_not_for_us), arp_for_another},
    {"UDP to a closed port", REASON(drop_no_listener), udp_no_listener},
};
#define N_BAD_FRAMES (sizeof bad_frames / sizeof bad_frames[0])

static uint64_t counter(const struct tf_net_stats *s, size_t offset)
{
    uint64_t v;
    memcpy(&v, (const char *)s + offset, sizeof v);
    return v;
}

/* Every counter of a and b but rx_frames, the one at `offset` and tx ones. */
static void check_only_changed(const struct tf_net_stats *a, const struct tf_net_stats *b,
                               size_t offset, const char *what)
{
    for (size_t off = 0; off < sizeof *a; off += sizeof(uint64_t)) {
        uint64_t d = counter(b, off) - counter(a, off);
        if (off == offsetof(struct tf_net_stats, rx_frames) || off == offset)
            ck_assert_msg(d == 1, "%s: counter at %zu moved by %llu", what, off,
                          (unsigned long long)d);
        else
            ck_assert_msg(d == 0, "%s: counter at %zu moved by %llu", what, off,
                          (unsigned long long)d);
    }
}

START_TEST(malformed_frame_is_counted_under_its_reason)
{
    const struct bad_frame *b = &bad_frames[_i];
    up();
    ck_assert_int_ge(tf_udp_bind(APP_PORT), 0);
    static uint8_t f[9100];
    memset(f, 0, sizeof f);
    size_t n = b->build(f);
    struct tf_net_stats before = stats();
    wire_inject(f, n);
    pump();
    struct tf_net_stats after = stats();
    check_only_changed(&before, &after, b->reason, b->what);
    ck_assert_msg(wire_sent_count() == 0, "%s: the stack answered", b->what);
}
END_TEST

START_TEST(battery_then_the_stack_still_answers)
{
    up();
    ck_assert_int_ge(tf_udp_bind(APP_PORT), 0);
    static uint8_t f[9100];
    for (size_t i = 0; i < N_BAD_FRAMES; i++) {
        memset(f, 0, sizeof f);
        wire_inject(f, bad_frames[i].build(f));
    }
    /* random bytes: to anyone, to us, as IPv4 to us, as UDP to us with a fixed-up header */
    srand(12345);
    size_t injected = N_BAD_FRAMES;
    for (int i = 0; i < 400; i++) {
        size_t n = (size_t)rand() % 1600;
        for (size_t k = 0; k < n; k++)
            f[k] = (uint8_t)rand();
        if (i % 4 >= 1 && n >= 14)
            memcpy(f, wire_mac, 6);
        if (i % 4 >= 2 && n >= 14)
            wire_put16(f + 12, i % 8 < 4 ? 0x0800 : 0x0806);
        if (i % 4 == 3 && n >= 34) {
            f[14] = 0x45;
            wire_put16(f + 14 + 2, (uint16_t)(n - 14));
            wire_put16(f + 14 + 6, 0);
            f[14 + 9] = (uint8_t)(i % 8 < 4 ? 17 : 1);
            wire_put32(f + 14 + 16, OUR_IP);
            fix_ip_checksum(f);
        }
        wire_inject(f, n);
        injected++;
        if (wire_pending() > 500)
            pump();
    }
    pump();
    struct tf_net_stats s = stats();
    ck_assert_uint_eq(s.rx_frames, injected);
    ck_assert_uint_eq(outcomes(&s), s.rx_frames);

    /* still alive: a ping and an ARP request get their answers */
    wire_sent_clear();
    wire_inject(f, good_ping(f));
    wire_inject(f, wire_arp(f, bcast, host_mac, 1, HOST_IP, zero_mac, OUR_IP));
    pump();
    ck_assert_uint_eq(wire_sent_count(), 2);
    s = stats();
    ck_assert_uint_ge(s.icmp_echo_replies_sent, 1);
    ck_assert_uint_ge(s.arp_replies_sent, 1);
    ck_assert_uint_eq(s.rx_frames, injected + 2);
    ck_assert_uint_eq(outcomes(&s), s.rx_frames);
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *t = tcase_create("arp");
    tcase_add_test(t, arp_request_for_us_is_answered);
    tcase_add_test(t, arp_request_for_another_address_is_ignored);
    tcase_add_test(t, send_resolves_the_next_hop_first);
    tcase_add_test(t, send_beyond_the_subnet_goes_to_the_gateway);
    tcase_add_test(t, send_without_an_arp_answer_is_dropped_and_counted);
    tcase_add_test(t, held_datagrams_are_bounded);
    tcase_add_test(t, cached_entries_are_not_overwritten_by_conflicting_arp);
    tcase_add_test(t, old_entries_are_asked_for_again);
    tcase_add_test(t, full_cache_replaces_the_oldest);
    tcase_add_test(t, impossible_sources_are_dropped);
    tcase_add_test(t, empty_datagram_is_delivered);
    tcase_add_test(t, zero_checksum_is_sent_as_all_ones);
    tcase_add_test(t, point_to_point_subnet_has_no_broadcast);
    tcase_add_test(t, broadcast_needs_no_arp);
    suite_add_tcase(s, t);
    t = tcase_create("icmp");
    tcase_add_test(t, echo_request_is_answered);
    tcase_add_test(t, echo_with_odd_length_is_answered);
    suite_add_tcase(s, t);
    t = tcase_create("udp");
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
    tcase_add_test(t, static_address_from_options);
    tcase_add_test(t, static_address_without_prefix_or_gateway);
    tcase_add_test(t, static_prefix_sets_the_subnet);
    tcase_add_loop_test(t, malformed_static_options_are_refused, 0,
                        (int)(sizeof bad_ips / sizeof bad_ips[0]));
    tcase_add_test(t, malformed_gateway_is_refused);
    suite_add_tcase(s, t);
    t = tcase_create("malformed");
    tcase_add_loop_test(t, malformed_frame_is_counted_under_its_reason, 0, (int)N_BAD_FRAMES);
    tcase_add_test(t, battery_then_the_stack_still_answers);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(net_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
