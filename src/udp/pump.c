/* The frame pump, where every received frame starts: it takes frames from the NIC, hands each to
 * eth_input, which passes it up (eth.c -> arp.c | ipv4.c -> icmp.c | udp.c -> socket.c or
 * dhcp.c), and counts the verdict that comes back in exactly one field of struct tf_net_stats.
 * It also holds net_tx, the one place frames go down to the NIC, and tf_net_stats.
 *
 * Everything runs on the bootstrap CPU, inside the API calls: there is no network thread and no
 * interrupt-time processing. Received frames wait in the NIC until a call processes them
 * (tf_udp_recv, or tf_udp_send while it resolves an address): a program that serves UDP sits in
 * tf_udp_recv, which halts the CPU in netif_wait until a frame arrives. */
#include "net.h"

void net_count_outcome(enum net_verdict v)
{
    struct tf_net_stats *s = &net_if.stats;
    switch (v) {
    case NET_UDP_DELIVERED:
        s->rx_udp_delivered++;
        break;
    case NET_ARP_REPLIED:
        s->arp_replies_sent++;
        break;
    case NET_ARP_LEARNED:
        s->rx_arp_replies++;
        break;
    case NET_ECHO_REPLIED:
        s->icmp_echo_replies_sent++;
        break;
    case NET_DROP_BAD_LENGTH:
        s->drop_bad_length++;
        break;
    case NET_DROP_BAD_CHECKSUM:
        s->drop_bad_checksum++;
        break;
    case NET_DROP_NOT_FOR_US:
        s->drop_not_for_us++;
        break;
    case NET_DROP_FRAGMENT:
        s->drop_fragment++;
        break;
    case NET_DROP_IP_OPTIONS:
        s->drop_ip_options++;
        break;
    case NET_DROP_NO_LISTENER:
        s->drop_no_listener++;
        break;
    case NET_DROP_QUEUE_FULL:
        s->drop_queue_full++;
        break;
    case NET_DROP_UNSUPPORTED:
        s->drop_unsupported++;
        break;
    case NET_DROP_OVERSIZE:
        s->drop_oversize++;
        break;
    case NET_DROP_TX_FULL:
        s->drop_tx_full++;
        break;
    case NET_DROP_BAD_SOURCE:
        s->drop_bad_source++;
        break;
    case NET_DROP_ARP_UNSOLICITED:
        s->drop_arp_unsolicited++;
        break;
    case NET_DROP_ARP_CONFLICT:
        s->drop_arp_conflict++;
        break;
    case NET_HELD:
        s->rx_held++;
        break;
    }
}

static void net_count(enum net_verdict v)
{
    net_if.stats.rx_frames++;
    net_count_outcome(v);
}

int net_poll_one(void)
{
    size_t len;
    const uint8_t *frame = netif_rx_next(&len);
    if (!frame)
        return 0;
    net_count(eth_input(frame, len));
    netif_rx_release();
    return 1;
}

void net_poll(void)
{
    while (net_poll_one())
        ;
    arp_tick();
}

int net_tx(const void *frame, size_t len)
{
    int err = netif_tx(frame, len);
    if (err == 0)
        net_if.stats.tx_frames++;
    return err;
}

int tf_net_stats(struct tf_net_stats *stats)
{
    if (!net_on_bsp())
        return TF_EPERM;
    if (!stats)
        return TF_EINVAL;
    *stats = net_if.stats;
    return 0;
}
