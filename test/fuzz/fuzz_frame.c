/* libFuzzer target: one received frame through the network stack's whole receive path
 * (Ethernet, ARP, IPv4, ICMP, UDP, socket delivery), on the in-memory wire of the unit tests
 * (test/unit/test_net_wire.c) with the stack up at 10.0.2.15/24 and a socket on port 7777.
 *
 * The first input byte is not part of the frame: its bit 0 asks the harness to write a correct
 * IPv4 header checksum, bit 1 a correct UDP or ICMP checksum, so the fuzzer reaches the upper
 * layers instead of stopping at the checksums. Beyond memory errors (AddressSanitizer) and
 * undefined behaviour, it checks the stack's accounting: the frame is counted exactly once, and
 * every frame the stack sends in answer has a legal length.
 *
 * Built by CMake when clang is found (test/fuzz/CMakeLists.txt); ctest runs a short campaign.
 * A longer one, from the build directory:
 *   mkdir -p fuzz-corpus
 *   test/fuzz/fuzz_frame -dict=../test/fuzz/frame.dict -max_total_time=3600 fuzz-corpus
 */
#include "test_net_wire.h"

#include "taskfarm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX_IP_CSUM 0x01
#define FIX_L4_CSUM 0x02
#define ETH_HDR     14
#define OUR_IP      WIRE_IP(10, 0, 2, 15)
#define FUZZ_MAX    9000

static int fuzz_sock = -1;

static void fuzz_start(void)
{
    wire_set_option("ip", "10.0.2.15/24");
    wire_set_option("gw", "10.0.2.2");
    if (tf_net_start(0) != 0 || (fuzz_sock = tf_udp_bind(7777)) < 0)
        abort();
}

/* Writes correct checksums into an IPv4 frame as `flags` ask, where its lengths allow. */
static void fuzz_fix_checksums(uint8_t *f, size_t len, uint8_t flags)
{
    if (len < ETH_HDR + 20 || wire_get16(f + 12) != 0x0800)
        return;
    uint8_t *h = f + ETH_HDR;
    size_t ihl = (size_t)(h[0] & 0xf) * 4, total = wire_get16(h + 2);
    if (ihl < 20 || ETH_HDR + ihl > len)
        return;
    if ((flags & FIX_L4_CSUM) && total >= ihl && ETH_HDR + total <= len) {
        uint8_t *p = h + ihl;
        size_t plen = total - ihl;
        if (h[9] == 1 && plen >= 4) { /* ICMP */
            wire_put16(p + 2, 0);
            wire_put16(p + 2, wire_checksum(p, plen, 0));
        } else if (h[9] == 17 && plen >= 8 && wire_get16(p + 4) >= 8 &&
                   wire_get16(p + 4) <= plen) { /* UDP */
            size_t ulen = wire_get16(p + 4);
            uint32_t src = wire_get32(h + 12), dst = wire_get32(h + 16);
            uint32_t pseudo =
                (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + (uint32_t)ulen;
            wire_put16(p + 6, 0);
            wire_put16(p + 6, wire_checksum(p, ulen, pseudo));
        }
    }
    if (flags & FIX_IP_CSUM) {
        wire_put16(h + 10, 0);
        wire_put16(h + 10, wire_checksum(h, ihl, 0));
    }
}

static uint64_t fuzz_outcomes(const struct tf_net_stats *s)
{
    return s->rx_udp_delivered + s->arp_replies_sent + s->icmp_echo_replies_sent +
           s->rx_arp_replies + s->drop_bad_length + s->drop_bad_checksum + s->drop_not_for_us +
           s->drop_fragment + s->drop_ip_options + s->drop_no_listener + s->drop_queue_full +
           s->drop_unsupported + s->drop_oversize + s->drop_tx_full + s->drop_bad_source +
           s->drop_arp_unsolicited + s->drop_arp_conflict + s->rx_held;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[FUZZ_MAX], buf[TF_UDP_MAX_PAYLOAD];
    if (size == 0 || size - 1 > FUZZ_MAX)
        return 0;
    if (fuzz_sock < 0)
        fuzz_start();
    size_t len = size - 1;
    memcpy(frame, data + 1, len);
    fuzz_fix_checksums(frame, len, data[0]);

    struct tf_net_stats before, after;
    tf_net_stats(&before);
    wire_inject(frame, len);
    while (tf_udp_recv(fuzz_sock, buf, sizeof buf, NULL, TF_UDP_NONBLOCK) != TF_EAGAIN)
        ; /* processes the frame, then takes whatever it queued */
    tf_net_stats(&after);
    if (wire_pending() != 0 || after.rx_frames != before.rx_frames + 1 ||
        fuzz_outcomes(&after) != after.rx_frames) {
        fprintf(stderr, "fuzz_frame: the frame was not counted exactly once\n");
        abort();
    }
    for (size_t i = 0; i < wire_sent_count(); i++) {
        size_t n;
        wire_sent(i, &n);
        if (n < 60 || n > 1514) {
            fprintf(stderr, "fuzz_frame: the stack sent a frame of %zu bytes\n", n);
            abort();
        }
    }
    wire_sent_clear();
    return 0;
}
