/* UDP (RFC 768): length and checksum checks on receive (a zero checksum means the sender
 * computed none), delivery by destination port, and datagram construction on send (always with
 * a checksum). No ICMP port-unreachable is sent for a port nobody bound: the datagram is
 * counted as drop_no_listener. */
#include "net.h"

#include <string.h>

static uint8_t udp_txbuf[NETIF_FRAME_MAX];

/* The checksum over the pseudo-header (RFC 768) and the datagram. */
static uint16_t udp_checksum(uint32_t src, uint32_t dst, const uint8_t *dgram, size_t len)
{
    uint8_t pseudo[UDP_PSEUDO_LEN];
    net_put32(pseudo, src);
    net_put32(pseudo + 4, dst);
    pseudo[8] = 0;
    pseudo[9] = IPV4_PROTO_UDP;
    net_put16(pseudo + 10, (uint16_t)len);
    return net_csum_fold(net_csum_add(net_csum_add(0, pseudo, sizeof pseudo), dgram, len));
}

enum net_verdict udp_input(const struct ipv4_rx *rx)
{
    const uint8_t *d = rx->payload;
    if (rx->payload_len < UDP_HLEN)
        return NET_DROP_BAD_LENGTH;
    size_t len = net_get16(d + UDP_LEN);
    if (len < UDP_HLEN || len > rx->payload_len)
        return NET_DROP_BAD_LENGTH;
    if (net_get16(d + UDP_CSUM) != 0 && udp_checksum(rx->src, rx->dst, d, len) != 0)
        return NET_DROP_BAD_CHECKSUM;
    uint16_t dport = net_get16(d + UDP_DPORT);
    if (net_if.dhcp_active && dport == DHCP_CLIENT_PORT)
        return dhcp_input(d + UDP_HLEN, len - UDP_HLEN);
    if (net_if.ip == 0) /* only the DHCP client listens before we have an address */
        return net_if.dhcp_active
                   ? net_early_hold(rx->frame, (size_t)(rx->payload + rx->payload_len - rx->frame))
                   : NET_DROP_NOT_FOR_US;
    return net_socket_deliver(dport, rx->src, net_get16(d + UDP_SPORT), d + UDP_HLEN,
                              len - UDP_HLEN);
}

int udp_output(uint16_t sport, uint32_t dst, uint16_t dport, const void *payload, size_t len)
{
    if (len > TF_UDP_MAX_PAYLOAD)
        return -EMSGSIZE;
    uint8_t *d = udp_txbuf + ETH_HLEN + IPV4_HLEN;
    size_t dlen = UDP_HLEN + len;
    if (len)
        memcpy(d + UDP_HLEN, payload, len);
    net_put16(d + UDP_SPORT, sport);
    net_put16(d + UDP_DPORT, dport);
    net_put16(d + UDP_LEN, (uint16_t)dlen);
    net_put16(d + UDP_CSUM, 0);
    uint16_t sum = udp_checksum(net_if.ip, dst, d, dlen);
    net_put16(d + UDP_CSUM, sum ? sum : 0xffff); /* 0 would mean "no checksum" */
    int err = ipv4_send(udp_txbuf, dst, IPV4_PROTO_UDP, dlen);
    if (err == 0)
        net_if.stats.tx_udp++;
    return err;
}
