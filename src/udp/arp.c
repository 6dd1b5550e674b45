/* ARP for IPv4 over Ethernet (RFC 826): answers requests for our address and resolves next hops
 * through a small cache.
 *
 * Cache policy: ARP_CACHE_SIZE entries; an entry is written by a reply addressed to us, by a
 * request for our address (its sender is about to talk to us), and refreshed by any ARP packet
 * from an address already cached (RFC 826 "merge"). Entries older than ARP_CACHE_TTL_NS are
 * asked for again; a full cache replaces its oldest entry. */
#include "net.h"

#include <string.h>

#define ARP_CACHE_SIZE   8
#define ARP_CACHE_TTL_NS (120 * 1000000000ull)

struct arp_entry {
    uint32_t ip; /* 0: free */
    uint8_t mac[ETH_ALEN];
    uint64_t learned_ns;
};
static struct arp_entry arp_cache[ARP_CACHE_SIZE];
static uint8_t arp_txbuf[NETIF_FRAME_MAX];

static struct arp_entry *arp_find(uint32_t ip)
{
    for (int i = 0; i < ARP_CACHE_SIZE; i++)
        if (arp_cache[i].ip == ip)
            return &arp_cache[i];
    return NULL;
}

static void arp_learn(uint32_t ip, const uint8_t mac[ETH_ALEN])
{
    struct arp_entry *e = arp_find(ip);
    if (!e)
        e = arp_find(0); /* a free entry */
    if (!e) {            /* else the oldest */
        e = &arp_cache[0];
        for (int i = 1; i < ARP_CACHE_SIZE; i++)
            if (arp_cache[i].learned_ns < e->learned_ns)
                e = &arp_cache[i];
    }
    e->ip = ip;
    memcpy(e->mac, mac, ETH_ALEN);
    e->learned_ns = tf_now_ns();
}

/* Builds an ARP packet in arp_txbuf and sends it to dst_mac. */
static int arp_send(uint16_t oper, const uint8_t dst_mac[ETH_ALEN], const uint8_t tha[ETH_ALEN],
                    uint32_t tpa)
{
    uint8_t *p = arp_txbuf + ETH_HLEN;
    net_put16(p + ARP_HTYPE, ARP_HTYPE_ETHER);
    net_put16(p + ARP_PTYPE, ETH_TYPE_IPV4);
    p[ARP_HLEN_F] = ETH_ALEN;
    p[ARP_PLEN_F] = 4;
    net_put16(p + ARP_OPER, oper);
    memcpy(p + ARP_SHA, net_if.mac, ETH_ALEN);
    net_put32(p + ARP_SPA, net_if.ip);
    memcpy(p + ARP_THA, tha, ETH_ALEN);
    net_put32(p + ARP_TPA, tpa);
    return eth_output(arp_txbuf, ARP_LEN, dst_mac, ETH_TYPE_ARP);
}

enum net_verdict arp_input(const uint8_t *frame, const uint8_t *pkt, size_t len)
{
    (void)frame;
    if (len < ARP_LEN)
        return NET_DROP_BAD_LENGTH;
    if (net_get16(pkt + ARP_HTYPE) != ARP_HTYPE_ETHER ||
        net_get16(pkt + ARP_PTYPE) != ETH_TYPE_IPV4 || pkt[ARP_HLEN_F] != ETH_ALEN ||
        pkt[ARP_PLEN_F] != 4)
        return NET_DROP_UNSUPPORTED;
    uint16_t oper = net_get16(pkt + ARP_OPER);
    if (oper != ARP_OPER_REQUEST && oper != ARP_OPER_REPLY)
        return NET_DROP_UNSUPPORTED;
    uint32_t spa = net_get32(pkt + ARP_SPA), tpa = net_get32(pkt + ARP_TPA);
    if (spa != 0 && arp_find(spa))
        arp_learn(spa, pkt + ARP_SHA); /* merge */
    if (net_if.ip == 0 || tpa != net_if.ip)
        return NET_DROP_NOT_FOR_US;
    if (spa != 0) /* a probe (RFC 5227) has no sender address to remember */
        arp_learn(spa, pkt + ARP_SHA);
    if (oper == ARP_OPER_REPLY)
        return NET_ARP_LEARNED;
    if (arp_send(ARP_OPER_REPLY, pkt + ARP_SHA, pkt + ARP_SHA, spa) != 0)
        return NET_DROP_TX_FULL;
    return NET_ARP_REPLIED;
}

static int arp_lookup(uint32_t ip, uint8_t mac[ETH_ALEN])
{
    struct arp_entry *e = arp_find(ip);
    if (!e || tf_now_ns() - e->learned_ns > ARP_CACHE_TTL_NS)
        return 0;
    memcpy(mac, e->mac, ETH_ALEN);
    return 1;
}

int arp_resolve(uint32_t ip, uint8_t mac[ETH_ALEN])
{
    static const uint8_t unknown[ETH_ALEN];
    if (arp_lookup(ip, mac))
        return 0;
    for (int try = 0; try < ARP_TRIES; try++) {
        uint64_t deadline = tf_now_ns() + ARP_RETRY_NS;
        arp_send(ARP_OPER_REQUEST, eth_broadcast, unknown, ip); /* a lost request is retried */
        for (;;) {
            net_poll();
            if (arp_lookup(ip, mac))
                return 0;
            if (tf_now_ns() >= deadline)
                break;
            netif_wait(deadline);
        }
    }
    return TF_ETIMEDOUT;
}
