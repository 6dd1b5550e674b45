/* ICMP (RFC 792): answers echo requests ("ping") sent to our own address with an echo reply
 * carrying the same identifier, sequence number and data. Every other ICMP message is dropped
 * as unsupported; echo requests to a broadcast address are not answered (RFC 1122 3.2.2.6
 * allows silence). The reply goes back to the Ethernet address the request came from, without
 * an ARP round trip. */
#include "net.h"

#include <string.h>

static uint8_t icmp_txbuf[NETIF_FRAME_MAX];

enum net_verdict icmp_input(const struct ipv4_rx *rx)
{
    const uint8_t *msg = rx->payload;
    size_t len = rx->payload_len;
    if (len < ICMP_HLEN)
        return NET_DROP_BAD_LENGTH;
    if (net_checksum(msg, len) != 0)
        return NET_DROP_BAD_CHECKSUM;
    if (msg[ICMP_TYPE] != ICMP_TYPE_ECHO || msg[ICMP_CODE] != 0)
        return NET_DROP_UNSUPPORTED;
    if (rx->dst != net_if.ip)
        return NET_DROP_NOT_FOR_US;
    uint8_t *reply = icmp_txbuf + ETH_HLEN + IPV4_HLEN;
    memcpy(reply, msg, len); /* fits: the request came in one frame with a 20-byte IPv4 header */
    reply[ICMP_TYPE] = ICMP_TYPE_ECHO_REPLY;
    net_put16(reply + ICMP_CSUM, 0);
    net_put16(reply + ICMP_CSUM, net_checksum(reply, len));
    if (ipv4_output(icmp_txbuf, rx->src, IPV4_PROTO_ICMP, len, rx->frame + ETH_SRC) != 0)
        return NET_DROP_TX_FULL;
    return NET_ECHO_REPLIED;
}
