/* The network API (tf_net_*, tf_udp_*): bring-up, the socket table, frame accounting.
 *
 * Everything runs on the bootstrap CPU, inside the API calls: there is no network thread and no
 * interrupt-time processing. Received frames wait in the NIC until a call processes them
 * (tf_udp_recv, or tf_udp_send while it resolves an address): a program that serves UDP sits in
 * tf_udp_recv, which halts the CPU in netif_wait until a frame arrives.
 *
 * Sockets: NET_SOCKETS slots, each bound to one port, each with a ring of TF_UDP_QUEUE_LEN
 * datagrams; a datagram for a full ring is dropped and counted (drop_queue_full). tf_udp_recv
 * takes frames from the NIC only while its socket's ring is empty, so a burst waits in the NIC
 * rather than overflowing the ring. */
#include "net.h"

#include <string.h>

#define NET_SOCKETS       8
#define NET_EPHEMERAL_LO  49152        /* RFC 6335 dynamic ports, for tf_udp_bind(0) */
#define NET_TX_RETRY_NS   100000000ull /* tf_udp_send waits this long for transmit room */
#define NET_TX_RETRY_STEP 1000000ull

struct net_dgram {
    uint32_t src;
    uint16_t sport;
    uint16_t len;
    uint8_t data[TF_UDP_MAX_PAYLOAD];
};

struct net_socket {
    uint16_t port;
    uint8_t open;
    uint8_t head, count; /* ring: the oldest datagram at q[head] */
    struct net_dgram q[TF_UDP_QUEUE_LEN];
};

struct net_state net_if;
static struct net_socket net_sockets[NET_SOCKETS];
static uint16_t net_next_ephemeral = NET_EPHEMERAL_LO;

/* ---- Frame accounting ---------------------------------------------------------------------- */

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

/* Processes one frame waiting in the NIC: 1, or 0 when none was waiting. */
static int net_poll_one(void)
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

/* The earlier of `deadline` (0: none) and the next ARP retry. */
static uint64_t net_wake_at(uint64_t deadline)
{
    uint64_t arp = arp_next_deadline();
    return arp && (!deadline || arp < deadline) ? arp : deadline;
}

int net_tx(const void *frame, size_t len)
{
    int err = netif_tx(frame, len);
    if (err == 0)
        net_if.stats.tx_frames++;
    return err;
}

/* ---- Sockets -------------------------------------------------------------------------------- */

static struct net_socket *net_socket_of_port(uint16_t port)
{
    for (int i = 0; i < NET_SOCKETS; i++)
        if (net_sockets[i].open && net_sockets[i].port == port)
            return &net_sockets[i];
    return NULL;
}

enum net_verdict net_socket_deliver(uint16_t port, uint32_t src, uint16_t sport,
                                    const uint8_t *data, size_t len)
{
    struct net_socket *s = net_socket_of_port(port);
    if (!s)
        return NET_DROP_NO_LISTENER;
    if (s->count == TF_UDP_QUEUE_LEN)
        return NET_DROP_QUEUE_FULL;
    struct net_dgram *d = &s->q[(s->head + s->count) % TF_UDP_QUEUE_LEN];
    d->src = src;
    d->sport = sport;
    d->len = (uint16_t)len; /* <= TF_UDP_MAX_PAYLOAD: the frame was at most NETIF_FRAME_MAX */
    memcpy(d->data, data, len);
    s->count++;
    return NET_UDP_DELIVERED;
}

static struct net_socket *net_socket(int sock)
{
    if (sock < 0 || sock >= NET_SOCKETS || !net_sockets[sock].open)
        return NULL;
    return &net_sockets[sock];
}

static int net_on_bsp(void)
{
    return tf_cpu_self() == 0;
}

/* A free port for tf_udp_bind(0). */
static uint16_t net_ephemeral_port(void)
{
    for (;;) {
        uint16_t p = net_next_ephemeral;
        net_next_ephemeral = p == UINT16_MAX ? NET_EPHEMERAL_LO : (uint16_t)(p + 1);
        if (!net_socket_of_port(p))
            return p; /* at most NET_SOCKETS ports are taken: this ends */
    }
}

int tf_udp_bind(uint16_t port)
{
    if (!net_on_bsp())
        return TF_EPERM;
    if (!net_if.up)
        return TF_ENETDOWN;
    if (port == 0)
        port = net_ephemeral_port();
    else if (net_socket_of_port(port))
        return TF_EADDRINUSE;
    for (int i = 0; i < NET_SOCKETS; i++) {
        if (!net_sockets[i].open) {
            net_sockets[i].port = port;
            net_sockets[i].head = net_sockets[i].count = 0;
            net_sockets[i].open = 1;
            net_early_release(port);
            return i;
        }
    }
    return TF_ENOSPC;
}

int tf_udp_close(int sock)
{
    if (!net_on_bsp())
        return TF_EPERM;
    struct net_socket *s = net_socket(sock);
    if (!s)
        return TF_EINVAL;
    s->open = 0;
    return 0;
}

/* Takes the oldest datagram of s. */
static int net_socket_take(struct net_socket *s, void *buf, size_t len, struct tf_udp_peer *from)
{
    struct net_dgram *d = &s->q[s->head];
    s->head = (uint8_t)((s->head + 1) % TF_UDP_QUEUE_LEN);
    s->count--;
    if (from) {
        from->ip = d->src;
        from->port = d->sport;
    }
    size_t n = d->len < len ? d->len : len;
    if (n)
        memcpy(buf, d->data, n);
    return d->len > len ? TF_EMSGSIZE : (int)d->len;
}

int tf_udp_recv(int sock, void *buf, size_t len, struct tf_udp_peer *from, uint64_t timeout_ns)
{
    if (!net_on_bsp())
        return TF_EPERM;
    struct net_socket *s = net_socket(sock);
    if (!s || (!buf && len))
        return TF_EINVAL;
    uint64_t deadline = 0;
    if (timeout_ns != 0 && timeout_ns != TF_UDP_NONBLOCK) {
        deadline = tf_now_ns() + timeout_ns;
        if (deadline < timeout_ns)
            deadline = 0; /* past the end of time: forever */
    }
    for (;;) {
        /* Frames are taken from the NIC only until this socket has a datagram: a burst waits in
         * the NIC's receive ring (NET_QUEUE_SIZE frames, virtio_net.c) rather than overflowing
         * the socket's queue while the program works through it. */
        while (!s->count && net_poll_one())
            ;
        arp_tick();
        if (s->count)
            return net_socket_take(s, buf, len, from);
        if (timeout_ns == TF_UDP_NONBLOCK)
            return TF_EAGAIN;
        if (deadline && tf_now_ns() >= deadline)
            return TF_ETIMEDOUT;
        netif_wait(net_wake_at(deadline));
    }
}

int tf_udp_send(int sock, const void *buf, size_t len, const struct tf_udp_peer *to)
{
    if (!net_on_bsp())
        return TF_EPERM;
    struct net_socket *s = net_socket(sock);
    if (!s || !to || to->ip == 0 || (!buf && len))
        return TF_EINVAL;
    if (len > TF_UDP_MAX_PAYLOAD)
        return TF_EMSGSIZE;
    if (!net_if.up || net_if.ip == 0)
        return TF_ENETDOWN;
    int err;
    uint64_t deadline = tf_now_ns() + NET_TX_RETRY_NS;
    while ((err = udp_output(s->port, to->ip, to->port, buf, len)) == -EAGAIN &&
           tf_now_ns() < deadline)
        netif_wait(tf_now_ns() + NET_TX_RETRY_STEP); /* transmit ring full: let it drain */
    return err ? api_error_from_errno(err) : (int)len;
}

/* ---- Configuration -------------------------------------------------------------------------- */

const char *net_parse_ipv4(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        if (i && *s++ != '.')
            return NULL;
        unsigned octet = 0, digits = 0;
        for (; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
            octet = octet * 10 + (unsigned)(*s - '0');
        if (digits == 0 || digits > 3 || octet > 255)
            return NULL;
        v = v << 8 | octet;
    }
    *ip = v;
    return s;
}

static uint32_t net_prefix_mask(uint32_t prefix_len)
{
    return prefix_len == 0 ? 0 : ~0u << (32 - prefix_len);
}

/* tf.ip=A.B.C.D[/PREFIX] (prefix 24 when left out) and tf.gw=A.B.C.D. */
static int net_static_config(const char *ip_opt, const char *gw_opt)
{
    uint32_t ip, gw = 0, prefix = 24;
    const char *end = net_parse_ipv4(ip_opt, &ip);
    if (!end || ip == 0)
        return -EINVAL;
    if (*end == '/') {
        prefix = 0;
        int digits = 0;
        for (end++; *end >= '0' && *end <= '9' && digits < 3; end++, digits++)
            prefix = prefix * 10 + (uint32_t)(*end - '0');
        if (digits == 0 || prefix > 32)
            return -EINVAL;
    }
    if (*end != '\0')
        return -EINVAL;
    if (gw_opt && ((end = net_parse_ipv4(gw_opt, &gw)) == NULL || *end != '\0'))
        return -EINVAL;
    net_if.ip = ip;
    net_if.prefix_len = prefix;
    net_if.mask = net_prefix_mask(prefix);
    net_if.gateway = gw;
    net_if.dhcp = 0;
    return 0;
}

int tf_net_start(uint64_t timeout_ns)
{
    if (!net_on_bsp())
        return TF_EPERM;
    if (net_if.up)
        return 0;
    if (!net_if.nic_open) {
        int err = netif_open(net_if.mac);
        if (err)
            return api_error_from_errno(err);
        net_if.nic_open = 1;
    }
    memset(&net_if.stats, 0, sizeof net_if.stats);
    const char *ip = tf_option("ip");
    int err = ip ? net_static_config(ip, tf_option("gw")) : dhcp_configure(timeout_ns);
    if (err)
        return api_error_from_errno(err);
    net_if.up = 1;
    return 0;
}

int tf_net_config(struct tf_net_config *config)
{
    if (!net_on_bsp())
        return TF_EPERM;
    if (!config)
        return TF_EINVAL;
    memset(config, 0, sizeof *config);
    if (!net_if.up)
        return 0;
    config->ip = net_if.ip;
    config->prefix_len = net_if.prefix_len;
    config->gateway = net_if.gateway;
    memcpy(config->mac, net_if.mac, ETH_ALEN);
    config->dhcp = net_if.dhcp;
    return 0;
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
