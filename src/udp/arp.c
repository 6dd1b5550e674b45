/* ARP for IPv4 over Ethernet (RFC 826): answers requests for our address, resolves next hops
 * through a small cache, and holds outgoing frames while their next hop is asked for.
 *
 * Cache policy: ARP_CACHE_SIZE entries, each good for ARP_CACHE_TTL_NS; a full cache replaces
 * its oldest entry. An entry is made by a reply to a request of ours, and by a request for our
 * address (its sender is about to talk to us; RFC 826). An entry in the cache is refreshed by
 * any ARP packet that gives the same MAC address for it, but never changed to another one except
 * by a reply to a request of ours (we ask again once it is old): an unsolicited reply or a
 * request that claims a cached address for another MAC is a conflict, counted and ignored
 * (in the spirit of RFC 5227), as is any packet claiming our own address. Replies nobody asked
 * for make no entry.
 *
 * Resolution does not block: a frame for a next hop not in the cache is held (ARP_HOLD_MAX
 * frames in all, ARP_HOLD_PER_HOP for one next hop) and a request goes out, again each
 * ARP_RETRY_NS (RFC 1122 2.3.2.1: at most one a second) up to ARP_TRIES times; the answer sends
 * what was held, and no answer drops it. A frame that finds no room is dropped at once. Both are
 * counted in tx_arp_dropped. The sender goes on meanwhile. */
#include "net.h"

#include <string.h>

#define ARP_CACHE_SIZE   8
#define ARP_CACHE_TTL_NS (120 * 1000000000ull)
#define ARP_HOLD_MAX     16
#define ARP_HOLD_PER_HOP 4
#define ARP_QUERIES      ARP_HOLD_MAX /* next hops being asked for: at most one per held frame */

struct arp_entry {
    uint32_t ip; /* 0: free */
    uint8_t mac[ETH_ALEN];
    uint64_t learned_ns;
};

/* A next hop being asked for. */
struct arp_query {
    uint32_t ip;      /* 0: free */
    uint8_t tries;    /* requests sent */
    uint64_t next_ns; /* when to send the next one, or give up after the last */
};

/* A frame waiting for its next hop's MAC address (its destination field is filled in then). */
struct arp_held {
    uint32_t hop; /* 0: free */
    uint16_t len;
    uint8_t frame[NETIF_FRAME_MAX];
};

static struct arp_entry arp_cache[ARP_CACHE_SIZE];
static struct arp_query arp_queries[ARP_QUERIES];
static struct arp_held arp_held[ARP_HOLD_MAX];
static uint8_t arp_txbuf[NETIF_FRAME_MAX];

static struct arp_entry *arp_find(uint32_t ip)
{
    for (int i = 0; i < ARP_CACHE_SIZE; i++)
        if (arp_cache[i].ip == ip)
            return &arp_cache[i];
    return NULL;
}

static struct arp_query *arp_query_of(uint32_t ip)
{
    for (int i = 0; i < ARP_QUERIES; i++)
        if (arp_queries[i].ip == ip)
            return &arp_queries[i];
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

void arp_announce(void)
{
    static const uint8_t unknown[ETH_ALEN];
    arp_send(ARP_OPER_REQUEST, eth_broadcast, unknown, net_if.ip);
}

/* Sends what was held for `ip`, now that its MAC address is known, and ends its query. */
static void arp_release(uint32_t ip, const uint8_t mac[ETH_ALEN])
{
    for (int i = 0; i < ARP_HOLD_MAX; i++) {
        struct arp_held *h = &arp_held[i];
        if (h->hop != ip)
            continue;
        memcpy(h->frame + ETH_DST, mac, ETH_ALEN);
        if (net_tx(h->frame, h->len) != 0)
            net_if.stats.tx_arp_dropped++; /* the transmit ring is full: lost all the same */
        h->hop = 0;
    }
    struct arp_query *q = arp_query_of(ip);
    if (q)
        q->ip = 0;
}

/* What an ARP packet from spa/sha may do to the cache: 1 when it gives a cached address another
 * MAC, or claims ours (a conflict); 0 otherwise. A packet that agrees refreshes the entry. */
static int arp_conflict(uint32_t spa, const uint8_t sha[ETH_ALEN])
{
    if (spa == net_if.ip && net_if.ip != 0)
        return memcmp(sha, net_if.mac, ETH_ALEN) != 0;
    struct arp_entry *e = arp_find(spa);
    if (!e)
        return 0;
    if (memcmp(e->mac, sha, ETH_ALEN) != 0)
        return 1;
    e->learned_ns = tf_now_ns();
    return 0;
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
    const uint8_t *sha = pkt + ARP_SHA;
    int asked = spa != 0 && oper == ARP_OPER_REPLY && arp_query_of(spa) != NULL;
    if (spa != 0 && !asked && arp_conflict(spa, sha))
        return NET_DROP_ARP_CONFLICT;
    if (net_if.ip == 0 || tpa != net_if.ip)
        return NET_DROP_NOT_FOR_US;
    if (oper == ARP_OPER_REPLY) {
        if (!asked)
            return arp_find(spa) ? NET_ARP_LEARNED : NET_DROP_ARP_UNSOLICITED;
        arp_learn(spa, sha);
        arp_release(spa, sha);
        return NET_ARP_LEARNED;
    }
    if (spa != 0 && !arp_find(spa)) /* a probe (RFC 5227) has no sender address to remember */
        arp_learn(spa, sha);
    if (arp_send(ARP_OPER_REPLY, sha, sha, spa) != 0)
        return NET_DROP_TX_FULL;
    return NET_ARP_REPLIED;
}

int arp_lookup(uint32_t ip, uint8_t mac[ETH_ALEN])
{
    struct arp_entry *e = arp_find(ip);
    if (!e || tf_now_ns() - e->learned_ns > ARP_CACHE_TTL_NS)
        return 0;
    memcpy(mac, e->mac, ETH_ALEN);
    return 1;
}

/* Starts asking for `ip` unless that is under way: 0, or -ENOSPC when no query is free. */
static int arp_ask(uint32_t ip)
{
    static const uint8_t unknown[ETH_ALEN];
    struct arp_query *q = arp_query_of(ip);
    if (q)
        return 0;
    if (!(q = arp_query_of(0)))
        return -ENOSPC;
    *q = (struct arp_query){ip, 1, tf_now_ns() + ARP_RETRY_NS};
    arp_send(ARP_OPER_REQUEST, eth_broadcast, unknown, ip); /* a lost request is retried */
    return 0;
}

int arp_hold(uint32_t hop, const uint8_t *frame, size_t len)
{
    struct arp_held *free_slot = NULL;
    int for_hop = 0;
    for (int i = 0; i < ARP_HOLD_MAX; i++) {
        for_hop += arp_held[i].hop == hop;
        if (!arp_held[i].hop && !free_slot)
            free_slot = &arp_held[i];
    }
    if (!free_slot || for_hop >= ARP_HOLD_PER_HOP || arp_ask(hop) != 0) {
        net_if.stats.tx_arp_dropped++;
        return 0;
    }
    free_slot->hop = hop;
    free_slot->len = (uint16_t)len;
    memcpy(free_slot->frame, frame, len);
    return 0;
}

/* Drops what was held for a next hop that never answered. */
static void arp_give_up(struct arp_query *q)
{
    for (int i = 0; i < ARP_HOLD_MAX; i++)
        if (arp_held[i].hop == q->ip) {
            arp_held[i].hop = 0;
            net_if.stats.tx_arp_dropped++;
        }
    q->ip = 0;
}

void arp_tick(void)
{
    static const uint8_t unknown[ETH_ALEN];
    uint64_t now = tf_now_ns();
    for (int i = 0; i < ARP_QUERIES; i++) {
        struct arp_query *q = &arp_queries[i];
        if (!q->ip || now < q->next_ns)
            continue;
        if (q->tries == ARP_TRIES) {
            arp_give_up(q);
            continue;
        }
        q->tries++;
        q->next_ns = now + ARP_RETRY_NS;
        arp_send(ARP_OPER_REQUEST, eth_broadcast, unknown, q->ip);
    }
}

uint64_t arp_next_deadline(void)
{
    uint64_t next = 0;
    for (int i = 0; i < ARP_QUERIES; i++)
        if (arp_queries[i].ip && (!next || arp_queries[i].next_ns < next))
            next = arp_queries[i].next_ns;
    return next;
}
