/* Malformed frames through the whole receive path of the network stack (src/udp) on the
 * in-memory wire (net_frames.h): each lands under its own drop counter and nothing else moves,
 * and after a battery of them and of random bytes every frame is counted exactly once and the
 * stack still answers. */
#include "net_frames.h"

#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Every outcome a received frame can have, summed. */
static uint64_t outcomes(const struct tf_net_stats *s)
{
    return s->rx_udp_delivered + s->arp_replies_sent + s->icmp_echo_replies_sent +
           s->rx_arp_replies + s->drop_bad_length + s->drop_bad_checksum + s->drop_not_for_us +
           s->drop_fragment + s->drop_ip_options + s->drop_no_listener + s->drop_queue_full +
           s->drop_unsupported + s->drop_oversize + s->drop_tx_full + s->drop_bad_source +
           s->drop_arp_unsolicited + s->drop_arp_conflict + s->rx_held;
}

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

static Suite *net_malformed_suite(void)
{
    Suite *s = suite_create("net_malformed");
    TCase *t = tcase_create("malformed");
    tcase_add_loop_test(t, malformed_frame_is_counted_under_its_reason, 0, (int)N_BAD_FRAMES);
    tcase_add_test(t, battery_then_the_stack_still_answers);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(net_malformed_suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
