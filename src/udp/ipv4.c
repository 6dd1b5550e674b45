/* IPv4 (RFC 791): header checks on receive, header construction and next-hop choice on send.
 *
 * Not supported, and counted when received: fragments (no reassembly: drop_fragment; we send
 * with Don't Fragment and never more than one frame), header options (drop_ip_options),
 * protocols other than ICMP and UDP (drop_unsupported). Checks run in a fixed order, so each
 * frame gets exactly one reason: lengths, header checksum, options, fragments, destination,
 * protocol. */
#include "net.h"

#include <string.h>

static uint16_t ipv4_next_id;

/* Addresses we take packets for: ours, the limited broadcast and our subnet's broadcast. Before
 * we have an address, only UDP while the DHCP client waits for its answer. */
static int ipv4_for_us(uint32_t dst, uint8_t proto)
{
    if (net_if.ip == 0)
        return net_if.dhcp_active && proto == IPV4_PROTO_UDP;
    if (dst == net_if.ip || dst == IPV4_BROADCAST)
        return 1;
    return net_if.prefix_len < 31 && dst == (net_if.ip | ~net_if.mask);
}

enum net_verdict ipv4_input(const uint8_t *frame, const uint8_t *pkt, size_t len)
{
    if (len < IPV4_HLEN)
        return NET_DROP_BAD_LENGTH;
    if (pkt[IPV4_VER_IHL] >> 4 != IPV4_VERSION)
        return NET_DROP_UNSUPPORTED;
    size_t hlen = (size_t)(pkt[IPV4_VER_IHL] & 0xf) * 4;
    size_t total = net_get16(pkt + IPV4_TOTAL_LEN);
    if (hlen < IPV4_HLEN || total < hlen || total > len) /* len - total: Ethernet padding */
        return NET_DROP_BAD_LENGTH;
    if (net_checksum(pkt, hlen) != 0)
        return NET_DROP_BAD_CHECKSUM;
    if (hlen != IPV4_HLEN)
        return NET_DROP_IP_OPTIONS;
    if (net_get16(pkt + IPV4_FRAG) & (IPV4_FRAG_MF | IPV4_FRAG_OFFSET))
        return NET_DROP_FRAGMENT;
    struct ipv4_rx rx = {
        .frame = frame,
        .src = net_get32(pkt + IPV4_SRC),
        .dst = net_get32(pkt + IPV4_DST),
        .payload = pkt + hlen,
        .payload_len = total - hlen,
    };
    if (!ipv4_for_us(rx.dst, pkt[IPV4_PROTO]))
        return NET_DROP_NOT_FOR_US;
    switch (pkt[IPV4_PROTO]) {
    case IPV4_PROTO_ICMP:
        return icmp_input(&rx);
    case IPV4_PROTO_UDP:
        return udp_input(&rx);
    default:
        return NET_DROP_UNSUPPORTED;
    }
}

int ipv4_output(uint8_t *frame, uint32_t dst, uint8_t proto, size_t payload_len,
                const uint8_t dst_mac[ETH_ALEN])
{
    if (payload_len > IPV4_MAX_PAYLOAD)
        return TF_EMSGSIZE;
    uint8_t *p = frame + ETH_HLEN;
    p[IPV4_VER_IHL] = IPV4_VERSION << 4 | IPV4_IHL_MIN;
    p[IPV4_TOS] = 0;
    net_put16(p + IPV4_TOTAL_LEN, (uint16_t)(IPV4_HLEN + payload_len));
    net_put16(p + IPV4_ID, ipv4_next_id++);
    net_put16(p + IPV4_FRAG, IPV4_FRAG_DF);
    p[IPV4_TTL] = IPV4_TTL_DEFAULT;
    p[IPV4_PROTO] = proto;
    net_put16(p + IPV4_CSUM, 0);
    net_put32(p + IPV4_SRC, net_if.ip);
    net_put32(p + IPV4_DST, dst);
    net_put16(p + IPV4_CSUM, net_checksum(p, IPV4_HLEN));
    return eth_output(frame, IPV4_HLEN + payload_len, dst_mac, ETH_TYPE_IPV4);
}

int ipv4_route(uint32_t dst, uint8_t mac[ETH_ALEN])
{
    int on_link = ((dst ^ net_if.ip) & net_if.mask) == 0;
    if (dst == IPV4_BROADCAST ||
        (on_link && net_if.prefix_len < 31 && dst == (net_if.ip | ~net_if.mask))) {
        memcpy(mac, eth_broadcast, ETH_ALEN);
        return 0;
    }
    /* Off our subnet without a gateway: ask for the destination itself (a router doing proxy
     * ARP may answer). */
    return arp_resolve(on_link || net_if.gateway == 0 ? dst : net_if.gateway, mac);
}
