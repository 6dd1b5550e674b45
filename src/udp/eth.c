/* Ethernet II: accepts frames to our MAC address and to broadcast, hands IPv4 and ARP up,
 * drops everything else (multicast, other stations' unicast, other EtherTypes, 802.1Q tags,
 * frames from a group address). */
#include "net.h"

#include <string.h>

const uint8_t eth_broadcast[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

enum net_verdict eth_input(const uint8_t *frame, size_t len)
{
    if (len > NETIF_FRAME_MAX)
        return NET_DROP_OVERSIZE;
    if (len < ETH_HLEN)
        return NET_DROP_BAD_LENGTH;
    if (memcmp(frame + ETH_DST, net_if.mac, ETH_ALEN) != 0 &&
        memcmp(frame + ETH_DST, eth_broadcast, ETH_ALEN) != 0)
        return NET_DROP_NOT_FOR_US;
    if (frame[ETH_SRC] & ETH_GROUP_BIT) /* no station sends from a group address (802.3 3.2.3) */
        return NET_DROP_BAD_SOURCE;
    switch (net_get16(frame + ETH_TYPE)) {
    case ETH_TYPE_IPV4:
        return ipv4_input(frame, frame + ETH_HLEN, len - ETH_HLEN);
    case ETH_TYPE_ARP:
        return arp_input(frame, frame + ETH_HLEN, len - ETH_HLEN);
    default:
        return NET_DROP_UNSUPPORTED;
    }
}

size_t eth_frame(uint8_t *frame, size_t payload_len, const uint8_t dst[ETH_ALEN], uint16_t type)
{
    size_t len = ETH_HLEN + payload_len;
    if (len > NETIF_FRAME_MAX)
        return 0;
    memcpy(frame + ETH_DST, dst, ETH_ALEN);
    memcpy(frame + ETH_SRC, net_if.mac, ETH_ALEN);
    net_put16(frame + ETH_TYPE, type);
    if (len < ETH_MIN_FRAME) { /* pad: the buffer is NETIF_FRAME_MAX long */
        memset(frame + len, 0, ETH_MIN_FRAME - len);
        len = ETH_MIN_FRAME;
    }
    return len;
}

int eth_output(uint8_t *frame, size_t payload_len, const uint8_t dst[ETH_ALEN], uint16_t type)
{
    size_t len = eth_frame(frame, payload_len, dst, type);
    return len ? net_tx(frame, len) : -EMSGSIZE;
}
