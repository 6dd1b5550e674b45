/* The top of the receive path and the socket API (tf_udp_*): the socket table, where udp.c
 * delivers datagrams (net_socket_deliver), and the calls that bind, read, write and close.
 *
 * Sockets: NET_SOCKETS slots, each bound to one port, each with a ring of TF_UDP_QUEUE_LEN
 * datagrams; a datagram for a full ring is dropped and counted (drop_queue_full). tf_udp_recv
 * takes frames from the NIC (pump.c) only while its socket's ring is empty, so a burst waits in
 * the NIC rather than overflowing the ring. */
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

static struct net_socket net_sockets[NET_SOCKETS];
static uint16_t net_next_ephemeral = NET_EPHEMERAL_LO;

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

/* The earlier of `deadline` (0: none) and the next ARP retry. */
static uint64_t net_wake_at(uint64_t deadline)
{
    uint64_t arp = arp_next_deadline();
    return arp && (!deadline || arp < deadline) ? arp : deadline;
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
    /* Before the socket's check: no socket opens while the network is down, so checking the
     * socket first would answer TF_EINVAL and TF_ENETDOWN could never be seen. */
    if (!net_if.up || net_if.ip == 0)
        return TF_ENETDOWN;
    struct net_socket *s = net_socket(sock);
    if (!s || !to || to->ip == 0 || (!buf && len))
        return TF_EINVAL;
    if (len > TF_UDP_MAX_PAYLOAD)
        return TF_EMSGSIZE;
    int err;
    uint64_t deadline = tf_now_ns() + NET_TX_RETRY_NS;
    while ((err = udp_output(s->port, to->ip, to->port, buf, len)) == -EAGAIN &&
           tf_now_ns() < deadline)
        netif_wait(tf_now_ns() + NET_TX_RETRY_STEP); /* transmit ring full: let it drain */
    return err ? api_error_from_errno(err) : (int)len;
}
