/* The DHCP client (src/udp/dhcp.c) through tf_net_start, with the test playing the DHCP server
 * on the in-memory wire (test_net_wire.c): it reads the DISCOVERs and REQUESTs the stack
 * broadcasts and answers with OFFERs, ACKs or NAKs built here from RFC 2131. */
#include "test_net_wire.h"

#include "taskfarm.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SERVER_IP  WIRE_IP(10, 0, 2, 2)
#define OFFERED_IP WIRE_IP(10, 0, 2, 15)
#define ROUTER_IP  WIRE_IP(10, 0, 2, 1)
#define MAGIC      0x63825363u

static const uint8_t server_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* What the stack sent: one DHCP message, checked against RFC 2131. */
struct client_msg {
    uint8_t type;
    uint32_t xid, requested_ip, server_id;
    uint64_t at_ns; /* wire time when the server saw it */
};

/* The server's script. */
static struct {
    struct client_msg seen[64];
    unsigned nseen;
    size_t next_frame;   /* first sent frame not looked at */
    unsigned ignore;     /* DISCOVERs to leave unanswered */
    unsigned nak;        /* REQUESTs to answer with NAK */
    unsigned silent;     /* REQUESTs to leave unanswered */
    int malformed;       /* send damaged OFFERs before the first good one */
    int offer_wrong_xid; /* send an OFFER of another transaction first */
    int offer_wrong_mac; /* send an OFFER for another client first */
    uint32_t mask;       /* 0: leave the option out */
    int skip_router;     /* leave the router option out */
} srv = {.mask = 0xffffff00u};

/* Parses sent frame i as a DHCP client message; 0 if it is not one. */
static int parse_client(const uint8_t *f, size_t len, struct client_msg *m)
{
    if (len < 14 + 20 + 8 + 240 || wire_get16(f + 12) != 0x0800 || f[14 + 9] != 17)
        return 0;
    const uint8_t *u = f + 34, *d = u + 8;
    if (wire_get16(u + 2) != 67)
        return 0;
    /* a client without an address: from 0.0.0.0 port 68 to the broadcast address */
    ck_assert_mem_eq(f, bcast, 6);
    ck_assert_uint_eq(wire_get32(f + 14 + 12), 0);
    ck_assert_uint_eq(wire_get32(f + 14 + 16), 0xffffffffu);
    ck_assert_uint_eq(wire_get16(u), 68);
    size_t dlen = wire_get16(u + 4) - 8u;
    ck_assert_uint_ge(dlen, 300); /* the BOOTP minimum */
    ck_assert_uint_eq(d[0], 1);   /* BOOTREQUEST */
    ck_assert_uint_eq(d[1], 1);
    ck_assert_uint_eq(d[2], 6);
    ck_assert_uint_eq(wire_get16(d + 10) & 0x8000, 0x8000); /* replies by broadcast */
    ck_assert_mem_eq(d + 28, wire_mac, 6);
    ck_assert_uint_eq(wire_get32(d + 236), MAGIC);
    memset(m, 0, sizeof *m);
    m->xid = wire_get32(d + 4);
    for (size_t i = 240; i < dlen && d[i] != 255;) {
        if (d[i] == 0) {
            i++;
            continue;
        }
        uint8_t code = d[i], n = d[i + 1];
        const uint8_t *v = d + i + 2;
        if (code == 53)
            m->type = v[0];
        else if (code == 50)
            m->requested_ip = wire_get32(v);
        else if (code == 54)
            m->server_id = wire_get32(v);
        i += 2u + n;
    }
    m->at_ns = wire_now_ns;
    return 1;
}

/* Sends a server message of `type` answering transaction xid to chaddr. */
static void server_send(uint8_t type, uint32_t xid, const uint8_t chaddr[6])
{
    uint8_t d[300] = {0}, f[400];
    d[0] = 2; /* BOOTREPLY */
    d[1] = 1;
    d[2] = 6;
    wire_put32(d + 4, xid);
    wire_put16(d + 10, 0x8000);
    if (type != 6)
        wire_put32(d + 16, OFFERED_IP);
    wire_put32(d + 20, SERVER_IP);
    memcpy(d + 28, chaddr, 6);
    wire_put32(d + 236, MAGIC);
    uint8_t *o = d + 240;
    *o++ = 53, *o++ = 1, *o++ = type;
    *o++ = 54, *o++ = 4, wire_put32(o, SERVER_IP), o += 4;
    if (srv.mask)
        *o++ = 1, *o++ = 4, wire_put32(o, srv.mask), o += 4;
    if (!srv.skip_router)
        *o++ = 3, *o++ = 8, wire_put32(o, ROUTER_IP), wire_put32(o + 4, SERVER_IP), o += 8;
    *o++ = 51, *o++ = 4, wire_put32(o, 86400), o += 4;
    *o = 255;
    wire_inject(f, wire_udp(f, bcast, server_mac, SERVER_IP, 67, 0xffffffffu, 68, d, sizeof d));
}

/* OFFERs for this transaction that a client must drop: shorter than the 240 fixed bytes, an
 * option running past the end, and no magic cookie (RFC 2131 section 3). */
static void send_damaged(uint32_t xid)
{
    uint8_t d[300] = {0}, f[400];
    d[0] = 2;
    d[1] = 1;
    d[2] = 6;
    wire_put32(d + 4, xid);
    wire_put32(d + 16, OFFERED_IP);
    memcpy(d + 28, wire_mac, 6);
    wire_put32(d + 236, MAGIC);
    d[240] = 53, d[241] = 1, d[242] = 2;
    wire_inject(f, wire_udp(f, bcast, server_mac, SERVER_IP, 67, 0xffffffffu, 68, d, 239));
    d[243] = 54, d[244] = 200; /* 200 bytes of server id: past the end of the message */
    wire_inject(f, wire_udp(f, bcast, server_mac, SERVER_IP, 67, 0xffffffffu, 68, d, 250));
    d[243] = 255;
    wire_put32(d + 236, 0x01020304); /* no cookie */
    wire_inject(f, wire_udp(f, bcast, server_mac, SERVER_IP, 67, 0xffffffffu, 68, d, sizeof d));
}

static void dhcp_server(void)
{
    size_t len;
    for (; srv.next_frame < wire_sent_count(); srv.next_frame++) {
        struct client_msg m;
        if (!parse_client(wire_sent(srv.next_frame, &len), len, &m))
            continue;
        ck_assert_uint_lt(srv.nseen, 64);
        srv.seen[srv.nseen++] = m;
        if (m.type == 1) { /* DISCOVER */
            ck_assert_uint_eq(m.requested_ip, 0);
            if (srv.ignore) {
                srv.ignore--;
                continue;
            }
            if (srv.malformed) {
                srv.malformed = 0;
                send_damaged(m.xid);
            }
            if (srv.offer_wrong_xid)
                server_send(2, m.xid + 1, wire_mac);
            if (srv.offer_wrong_mac) {
                static const uint8_t other[6] = {2, 0, 0, 0, 0, 9};
                server_send(2, m.xid, other);
            }
            server_send(2, m.xid, wire_mac);
        } else if (m.type == 3) { /* REQUEST: for what we offered, from us */
            ck_assert_uint_eq(m.requested_ip, OFFERED_IP);
            ck_assert_uint_eq(m.server_id, SERVER_IP);
            if (srv.silent) {
                srv.silent--;
            } else if (srv.nak) {
                srv.nak--;
                server_send(6, m.xid, wire_mac);
            } else {
                server_send(5, m.xid, wire_mac);
            }
        }
    }
}

static struct tf_net_config config(void)
{
    struct tf_net_config c;
    ck_assert_int_eq(tf_net_config(&c), 0);
    return c;
}

START_TEST(discover_offer_request_ack)
{
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(srv.nseen, 2);
    ck_assert_uint_eq(srv.seen[0].type, 1);
    ck_assert_uint_eq(srv.seen[1].type, 3);
    ck_assert_uint_eq(srv.seen[0].xid, srv.seen[1].xid);
    struct tf_net_config c = config();
    ck_assert_uint_eq(c.ip, OFFERED_IP);
    ck_assert_uint_eq(c.prefix_len, 24);
    ck_assert_uint_eq(c.gateway, ROUTER_IP); /* the first router listed */
    ck_assert_uint_eq(c.dhcp, 1);
    ck_assert_mem_eq(c.mac, wire_mac, 6);
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.rx_frames, 2);
    ck_assert_uint_eq(s.rx_udp_delivered, 2);
    ck_assert_uint_eq(s.tx_udp, 2);

    /* the address works: a ping to it is answered from it */
    uint8_t f[128];
    wire_peer = NULL;
    wire_sent_clear();
    wire_inject(f, wire_ping(f, wire_mac, server_mac, SERVER_IP, OFFERED_IP, 1, 1, "x", 1));
    int sock = tf_udp_bind(1);
    ck_assert_int_eq(tf_udp_recv(sock, f, 1, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    ck_assert_uint_eq(wire_sent_count(), 1);
    size_t len;
    const uint8_t *r = wire_sent(0, &len);
    ck_assert_uint_eq(wire_get32(r + 14 + 12), OFFERED_IP);
}
END_TEST

START_TEST(lost_discovers_are_sent_again_with_back_off)
{
    srv.ignore = 3;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(srv.nseen, 5);
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(srv.seen[i].type, 1);
        ck_assert_uint_eq(srv.seen[i].xid, srv.seen[0].xid); /* one transaction */
    }
    /* wire time between the DISCOVERs: 1 s, then doubling */
    ck_assert_uint_eq(srv.seen[1].at_ns - srv.seen[0].at_ns, 1000000000ull);
    ck_assert_uint_eq(srv.seen[2].at_ns - srv.seen[1].at_ns, 2000000000ull);
    ck_assert_uint_eq(srv.seen[3].at_ns - srv.seen[2].at_ns, 4000000000ull);
    ck_assert_uint_eq(config().ip, OFFERED_IP);
}
END_TEST

START_TEST(no_server_times_out)
{
    uint64_t t0 = wire_now_ns;
    ck_assert_int_eq(tf_net_start(5000000000ull), TF_ETIMEDOUT);
    ck_assert_uint_eq(wire_now_ns - t0, 5000000000ull);
    ck_assert_uint_eq(wire_sent_count(), 3); /* at 0, 1 and 3 s */
    ck_assert_uint_eq(config().ip, 0);
    ck_assert_int_eq(tf_udp_bind(1), TF_ENETDOWN);
}
END_TEST

/* The back-off doubles from 1 s and stops growing at 4 s. */
START_TEST(back_off_is_capped_at_four_seconds)
{
    srv.ignore = 5;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(30000000000ull), 0);
    ck_assert_uint_eq(srv.nseen, 7);
    static const uint64_t gap_s[] = {1, 2, 4, 4, 4};
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(srv.seen[i + 1].at_ns - srv.seen[i].at_ns, gap_s[i] * 1000000000ull);
}
END_TEST

/* tf_net_start(0) waits the documented 10 s. */
START_TEST(default_timeout_is_ten_seconds)
{
    uint64_t t0 = wire_now_ns;
    ck_assert_int_eq(tf_net_start(0), TF_ETIMEDOUT);
    ck_assert_uint_eq(wire_now_ns - t0, 10000000000ull);
}
END_TEST

/* Four REQUESTs without an answer: the client starts again with a new transaction. */
START_TEST(unanswered_requests_start_a_new_transaction)
{
    srv.silent = 4;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(60000000000ull), 0);
    ck_assert_uint_eq(srv.nseen, 7);
    ck_assert_uint_eq(srv.seen[0].type, 1);
    for (int i = 1; i <= 4; i++) {
        ck_assert_uint_eq(srv.seen[i].type, 3);
        ck_assert_uint_eq(srv.seen[i].xid, srv.seen[0].xid);
    }
    ck_assert_uint_eq(srv.seen[5].type, 1);
    ck_assert_uint_ne(srv.seen[5].xid, srv.seen[0].xid);
    ck_assert_uint_eq(srv.seen[6].type, 3);
    ck_assert_uint_eq(config().ip, OFFERED_IP);
}
END_TEST

START_TEST(damaged_offers_are_dropped_and_counted)
{
    srv.malformed = 1;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.drop_bad_length, 2);  /* short; option past the end */
    ck_assert_uint_eq(s.drop_unsupported, 1); /* no magic cookie */
    ck_assert_uint_eq(s.rx_udp_delivered, 2); /* the good OFFER and the ACK */
    ck_assert_uint_eq(config().ip, OFFERED_IP);
}
END_TEST

START_TEST(nak_starts_over_with_a_new_transaction)
{
    srv.nak = 1;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(srv.nseen, 4);
    ck_assert_uint_eq(srv.seen[0].type, 1);
    ck_assert_uint_eq(srv.seen[1].type, 3);
    ck_assert_uint_eq(srv.seen[2].type, 1);
    ck_assert_uint_eq(srv.seen[3].type, 3);
    ck_assert_uint_ne(srv.seen[2].xid, srv.seen[0].xid);
    ck_assert_uint_eq(config().ip, OFFERED_IP);
}
END_TEST

START_TEST(offers_for_others_are_ignored)
{
    srv.offer_wrong_xid = 1;
    srv.offer_wrong_mac = 1;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(srv.nseen, 2);
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.drop_not_for_us, 2);
    ck_assert_uint_eq(s.rx_udp_delivered, 2);
    ck_assert_uint_eq(s.rx_frames, 4);
}
END_TEST

START_TEST(mask_and_router_from_the_ack)
{
    srv.mask = 0xffff0000u;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(config().prefix_len, 16);
}
END_TEST

START_TEST(ack_without_mask_or_router)
{
    srv.mask = 0;
    srv.skip_router = 1;
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    struct tf_net_config c = config();
    ck_assert_uint_eq(c.prefix_len, 24);
    ck_assert_uint_eq(c.gateway, 0);
}
END_TEST

/* A server that first sends traffic a client without an address must not take (a ping, an ARP
 * request), and a datagram it may take only once it has the address and a socket. */
static void noisy_server(void)
{
    static int done;
    if (!done++) {
        uint8_t f[128];
        wire_inject(f, wire_ping(f, wire_mac, server_mac, SERVER_IP, OFFERED_IP, 1, 1, "x", 1));
        wire_inject(f, wire_udp(f, wire_mac, server_mac, SERVER_IP, 5, OFFERED_IP, 7, "u", 1));
        uint8_t a[64];
        static const uint8_t zero[6];
        size_t n = wire_arp(a, bcast, server_mac, 1, SERVER_IP, zero, 0);
        wire_inject(a, n);
    }
    dhcp_server();
}

START_TEST(nothing_but_dhcp_before_the_address)
{
    wire_peer = noisy_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.drop_not_for_us, 2);
    ck_assert_uint_eq(s.rx_held, 1);
    ck_assert_uint_eq(s.icmp_echo_replies_sent, 0);
    ck_assert_uint_eq(s.arp_replies_sent, 0);
    ck_assert_uint_eq(s.rx_frames, 5);
    /* Binding its port releases the held datagram: delivered, as if it had just come */
    int sock = tf_udp_bind(7);
    ck_assert_int_ge(sock, 0);
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.rx_held, 0);
    ck_assert_uint_eq(s.rx_udp_delivered, 3); /* the OFFER, the ACK and the datagram */
    ck_assert_uint_eq(s.rx_frames, 5);
    char buf[8];
    struct tf_udp_peer from;
    ck_assert_int_eq(tf_udp_recv(sock, buf, sizeof buf, &from, TF_UDP_NONBLOCK), 1);
    ck_assert_int_eq(buf[0], 'u');
    ck_assert_uint_eq(from.ip, SERVER_IP);
    ck_assert_uint_eq(from.port, 5);
}
END_TEST

/* Six datagrams before the address: four are held (the newest), the two oldest given up. */
static void flooding_server(void)
{
    static int done;
    if (!done++)
        for (uint16_t port = 1; port <= 6; port++) {
            uint8_t f[128];
            char c = (char)('0' + port);
            wire_inject(f,
                        wire_udp(f, wire_mac, server_mac, SERVER_IP, port, OFFERED_IP, 7, &c, 1));
        }
    dhcp_server();
}

START_TEST(at_most_four_datagrams_held_before_the_address)
{
    wire_peer = flooding_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.rx_held, 4);
    ck_assert_uint_eq(s.drop_not_for_us, 2);
    ck_assert_int_ge(tf_udp_bind(8), 0); /* another port: none leave */
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.rx_held, 4);
    int sock = tf_udp_bind(7);
    ck_assert_int_ge(sock, 0);
    for (char want = '3'; want <= '6'; want++) {
        char c = 0;
        ck_assert_int_eq(tf_udp_recv(sock, &c, 1, NULL, TF_UDP_NONBLOCK), 1);
        ck_assert_int_eq(c, want); /* oldest first */
    }
    char c;
    ck_assert_int_eq(tf_udp_recv(sock, &c, 1, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    ck_assert_int_eq(tf_net_stats(&s), 0);
    ck_assert_uint_eq(s.rx_held, 0);
}
END_TEST

START_TEST(static_options_skip_dhcp)
{
    wire_set_option("ip", "172.16.0.5/12");
    wire_set_option("gw", "172.16.0.1");
    wire_peer = dhcp_server;
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(wire_sent_count(), 1); /* no DHCP, only the ARP announcement */
    size_t len;
    ck_assert_uint_eq(wire_get16(wire_sent(0, &len) + 12), 0x0806);
    struct tf_net_config c = config();
    ck_assert_uint_eq(c.ip, WIRE_IP(172, 16, 0, 5));
    ck_assert_uint_eq(c.prefix_len, 12);
    ck_assert_uint_eq(c.gateway, WIRE_IP(172, 16, 0, 1));
    ck_assert_uint_eq(c.dhcp, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_dhcp");
    TCase *t = tcase_create("dhcp");
    tcase_add_test(t, discover_offer_request_ack);
    tcase_add_test(t, lost_discovers_are_sent_again_with_back_off);
    tcase_add_test(t, no_server_times_out);
    tcase_add_test(t, at_most_four_datagrams_held_before_the_address);
    tcase_add_test(t, nak_starts_over_with_a_new_transaction);
    tcase_add_test(t, back_off_is_capped_at_four_seconds);
    tcase_add_test(t, default_timeout_is_ten_seconds);
    tcase_add_test(t, unanswered_requests_start_a_new_transaction);
    tcase_add_test(t, damaged_offers_are_dropped_and_counted);
    tcase_add_test(t, offers_for_others_are_ignored);
    tcase_add_test(t, mask_and_router_from_the_ack);
    tcase_add_test(t, ack_without_mask_or_router);
    tcase_add_test(t, nothing_but_dhcp_before_the_address);
    tcase_add_test(t, static_options_skip_dhcp);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
