/* Datagrams that arrive while the address is being configured (early.c, net.h).
 *
 * A client may send its first request while the guest is still in DHCP: QEMU's user network
 * forwards a port as soon as QEMU starts, and the card hands the frame over once the driver is
 * up, before the stack has an address or the program a socket. Such a datagram used to be
 * dropped as not for us, and the client waited for an answer that never came. It is held
 * instead, as the whole frame: once a socket binds a port, the held frames for that port go up
 * the receive path again, with every check the address now allows (is it for us, is its
 * source possible), as if they had just arrived.
 *
 * At most NET_EARLY_FRAMES are held; a frame that finds them full replaces the oldest, which is
 * dropped and counted as not for us (what it was before this module). A held frame is counted in
 * rx_held until it is processed: then its outcome is counted and rx_held lowered, so the stats'
 * fields still add up to rx_frames. */
#include "net.h"

#include <string.h>

#define NET_EARLY_FRAMES 4

struct net_early {
    uint16_t len; /* 0: free */
    uint8_t frame[NETIF_FRAME_MAX];
};

static struct net_early net_early[NET_EARLY_FRAMES];
static unsigned net_early_next; /* the slot to fill next: the oldest when all are taken */

/* Sends a held frame up the receive path and counts what became of it. */
static void net_early_process(struct net_early *e)
{
    uint16_t len = e->len;
    e->len = 0;
    net_if.stats.rx_held--;
    net_count_outcome(eth_input(e->frame, len));
}

enum net_verdict net_early_hold(const uint8_t *frame, size_t len)
{
    if (len > NETIF_FRAME_MAX)
        return NET_DROP_OVERSIZE;
    struct net_early *e = &net_early[net_early_next];
    net_early_next = (net_early_next + 1) % NET_EARLY_FRAMES;
    if (e->len) { /* given up: before we have an address it is not for us */
        net_if.stats.rx_held--;
        net_count_outcome(NET_DROP_NOT_FOR_US);
    }
    memcpy(e->frame, frame, len);
    e->len = (uint16_t)len;
    return NET_HELD;
}

/* The destination port of a held frame: it passed the IPv4 checks, so it has no options. */
static uint16_t net_early_port(const struct net_early *e)
{
    return net_get16(e->frame + ETH_HLEN + IPV4_HLEN + UDP_DPORT);
}

void net_early_release(uint16_t port)
{
    if (net_if.ip == 0)
        return;
    for (unsigned i = 0; i < NET_EARLY_FRAMES; i++) {
        unsigned at = (net_early_next + i) % NET_EARLY_FRAMES; /* oldest first */
        if (net_early[at].len && net_early_port(&net_early[at]) == port)
            net_early_process(&net_early[at]);
    }
}
