/* IPv4 (RFC 791): header checks on receive, header construction and next-hop choice on send.
 *
 * Not supported, and counted when received: fragments (no reassembly: drop_fragment; we send
 * with Don't Fragment and never more than one frame), header options (drop_ip_options),
 * protocols other than ICMP and UDP (drop_unsupported). Packets from an address no packet may
 * come from (RFC 1122 3.2.1.3: a broadcast, multicast, loopback or "this network" address, or
 * our own) are dropped as drop_bad_source: answering them would reflect replies onto a whole
 * network or onto ourselves. Checks run in a fixed order, so each frame gets exactly one
 * reason: lengths, header checksum, options, fragments, destination, source, protocol. */
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

static int ipv4_bad_source(uint32_t src)
{
    if ((src & IPV4_MASK_8) == IPV4_NET_THIS || (src & IPV4_MASK_8) == IPV4_NET_LOOPBACK ||
        (src & IPV4_MASK_4) == IPV4_NET_MULTICAST || (src & IPV4_MASK_4) == IPV4_NET_RESERVED)
        return 1;
    if (net_if.ip == 0) /* no address yet: only the DHCP client listens, and servers are unicast */
        return 0;
    return src == net_if.ip ||
           (net_if.prefix_len < 31 && src == (net_if.ip | ~net_if.mask)); /* our broadcast */
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
    if (ipv4_bad_source(rx.src))
        return NET_DROP_BAD_SOURCE;
    switch (pkt[IPV4_PROTO]) {
    case IPV4_PROTO_ICMP:
        return icmp_input(&rx);
    case IPV4_PROTO_UDP:
        return udp_input(&rx);
    default:
        return NET_DROP_UNSUPPORTED;
    }
}

/* The IPv4 header at p for payload_len bytes of `proto` from our address to dst. */
static void ipv4_header(uint8_t *p, uint32_t dst, uint8_t proto, size_t payload_len)
{
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
}

int ipv4_output(uint8_t *frame, uint32_t dst, uint8_t proto, size_t payload_len,
                const uint8_t dst_mac[ETH_ALEN])
{
    if (payload_len > IPV4_MAX_PAYLOAD)
        return -EMSGSIZE;
    ipv4_header(frame + ETH_HLEN, dst, proto, payload_len);
    return eth_output(frame, IPV4_HLEN + payload_len, dst_mac, ETH_TYPE_IPV4);
}

int ipv4_send(uint8_t *frame, uint32_t dst, uint8_t proto, size_t payload_len)
{
    static const uint8_t unknown[ETH_ALEN];
    if (payload_len > IPV4_MAX_PAYLOAD)
        return -EMSGSIZE;
    int on_link = ((dst ^ net_if.ip) & net_if.mask) == 0;
    if (dst == IPV4_BROADCAST ||
        (on_link && net_if.prefix_len < 31 && dst == (net_if.ip | ~net_if.mask)))
        return ipv4_output(frame, dst, proto, payload_len, eth_broadcast);
    /* Off our subnet without a gateway: ask for the destination itself (a router doing proxy
     * ARP may answer). */
    uint32_t hop = on_link || net_if.gateway == 0 ? dst : net_if.gateway;
    uint8_t mac[ETH_ALEN];
    if (arp_lookup(hop, mac))
        return ipv4_output(frame, dst, proto, payload_len, mac);
    ipv4_header(frame + ETH_HLEN, dst, proto, payload_len);
    size_t len = eth_frame(frame, IPV4_HLEN + payload_len, unknown, ETH_TYPE_IPV4);
    return len ? arp_hold(hop, frame, len) : -EMSGSIZE;
}
