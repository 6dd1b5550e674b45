/* The stack on the wire and the checks of what it sends, shared by the network unit tests: see
 * net_frames.h. */
#include "net_frames.h"

#include <check.h>
#include <string.h>

const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
const uint8_t host_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x64};
const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t zero_mac[6];

static int pump_sock = -1;

void up(void)
{
    wire_set_option("ip", "10.0.2.15/24");
    wire_set_option("gw", "10.0.2.2");
    ck_assert_int_eq(tf_net_start(0), 0);
    ck_assert_uint_eq(wire_sent_count(), 1); /* the ARP announcement of our address */
    wire_sent_clear();
    pump_sock = tf_udp_bind(PUMP_PORT);
    ck_assert_int_ge(pump_sock, 0);
}

void pump(void)
{
    char b[1];
    ck_assert_int_eq(tf_udp_recv(pump_sock, b, sizeof b, NULL, TF_UDP_NONBLOCK), TF_EAGAIN);
    ck_assert_uint_eq(wire_pending(), 0);
}

struct tf_net_stats stats(void)
{
    struct tf_net_stats s;
    ck_assert_int_eq(tf_net_stats(&s), 0);
    return s;
}

const uint8_t *check_ipv4(const uint8_t *f, size_t len, uint8_t proto, uint32_t dst,
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

const uint8_t *check_udp(size_t i, const uint8_t dst_mac[6], uint32_t dst, uint16_t dport,
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

void check_arp_request(size_t i, uint32_t tpa)
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

/* The other stations: answer ARP requests for the gateway and for HOST_IP (each request once). */
unsigned arp_answers;
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

void answer_arp(void)
{
    arp_responder();
    pump();
}
