/* Internal interface of the network stack (src/udp): the layers call each other through these.
 * Portable C11: the same sources build for the guest and for the host tests.
 *
 * Receive path (net_poll_one in pump.c, on the bootstrap CPU only), one file per step:
 *   netif_rx_next -> eth_input -> arp_input
 *                              -> ipv4_input -> icmp_input
 *                                            -> udp_input -> net_socket_deliver | dhcp_input
 *                                                                   | net_early_hold
 * Each input function returns what became of the frame (enum net_verdict); the pump counts that
 * verdict into exactly one field of struct tf_net_stats, so every frame is counted exactly once
 * by construction.
 *
 * Transmit path: each layer writes its header into a frame buffer of NETIF_FRAME_MAX bytes at
 * its fixed offset (the payload sits at ETH_HLEN + IPV4_HLEN + UDP_HLEN for UDP) and hands the
 * buffer down: udp_output -> ipv4_output -> eth_output -> netif_tx.
 *
 * Errors: these functions and the driver return negative errno values; only the API functions
 * of net.c return TF_E* codes, converting what they pass on with api_error_from_errno. */
#ifndef TF_UDP_NET_H
#define TF_UDP_NET_H

#include "api_error.h"
#include "net_regs.h"
#include "netif.h"
#include "taskfarm.h"

#include <errno.h>

#include <stddef.h>
#include <stdint.h>

/* What became of one received frame. */
enum net_verdict {
    NET_UDP_DELIVERED,   /* a datagram queued on a socket or taken by the DHCP client */
    NET_ARP_REPLIED,     /* an ARP request for our address, answered */
    NET_ARP_LEARNED,     /* an ARP reply addressed to us, put in the cache */
    NET_ECHO_REPLIED,    /* an ICMP echo request, answered */
    NET_DROP_BAD_LENGTH, /* the tf_net_stats drop reasons, one each */
    NET_DROP_BAD_CHECKSUM,
    NET_DROP_NOT_FOR_US,
    NET_DROP_FRAGMENT,
    NET_DROP_IP_OPTIONS,
    NET_DROP_NO_LISTENER,
    NET_DROP_QUEUE_FULL,
    NET_DROP_UNSUPPORTED,
    NET_DROP_OVERSIZE,
    NET_DROP_TX_FULL,         /* a reply could not be queued for sending */
    NET_DROP_BAD_SOURCE,      /* a source address no packet may come from */
    NET_DROP_ARP_UNSOLICITED, /* an ARP reply nobody asked for */
    NET_DROP_ARP_CONFLICT,    /* ARP claiming another MAC for a cached address, or ours */
    NET_HELD,                 /* a datagram that came before our address: held (early.c) */
};

/* The interface's state (config.c). Written by tf_net_start/DHCP, read by every layer. */
struct net_state {
    uint8_t mac[ETH_ALEN];
    uint8_t nic_open;    /* netif_open succeeded */
    uint8_t up;          /* tf_net_start succeeded */
    uint8_t dhcp;        /* the address came from DHCP */
    uint8_t dhcp_active; /* the DHCP client is running: accept UDP before we have an address */
    uint32_t ip;         /* 0 until configured */
    uint32_t prefix_len;
    uint32_t mask;
    uint32_t gateway; /* 0: none */
    struct tf_net_stats stats;
};
extern struct net_state net_if;

/* The API answers on the bootstrap CPU only (TF_EPERM elsewhere): the stack has no locks. */
static inline int net_on_bsp(void)
{
    return tf_cpu_self() == 0;
}

/* Big-endian (network order) field access. */
static inline uint16_t net_get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t net_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void net_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void net_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* checksum.c: the Internet checksum (RFC 1071). net_csum_add accumulates 16-bit big-endian words
 * of data (an odd last byte is padded with zero) into a running sum; net_csum_fold folds the sum
 * and complements it. A block that carries its own correct checksum sums to 0 after folding. */
uint32_t net_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t net_csum_fold(uint32_t sum);
uint16_t net_checksum(const void *data, size_t len);

/* eth.c */
enum net_verdict eth_input(const uint8_t *frame, size_t len);
/* Fills the Ethernet header of `frame` (ETH_HLEN + payload_len bytes, payload already in place)
 * and pads it to the minimum frame size: the frame's length, or 0 when it is too long. */
size_t eth_frame(uint8_t *frame, size_t payload_len, const uint8_t dst[ETH_ALEN], uint16_t type);
/* eth_frame, then queues the frame on the NIC. 0 or a negative errno value. */
int eth_output(uint8_t *frame, size_t payload_len, const uint8_t dst[ETH_ALEN], uint16_t type);
extern const uint8_t eth_broadcast[ETH_ALEN];

/* arp.c */
enum net_verdict arp_input(const uint8_t *frame, const uint8_t *pkt, size_t len);
/* 1 with the MAC address of `ip` when the cache has it (and it is not too old), else 0. */
int arp_lookup(uint32_t ip, uint8_t mac[ETH_ALEN]);
/* Keeps a copy of a whole Ethernet frame for next hop `hop`, whose MAC address is not known,
 * and asks for it; the frame leaves when the answer comes. A frame that finds no room, or whose
 * next hop never answers, is dropped and counted (tx_arp_dropped). Returns 0. */
int arp_hold(uint32_t hop, const uint8_t *frame, size_t len);
/* Asks again for next hops that have not answered, and gives up on those asked ARP_TRIES
 * times; net_poll calls it. */
void arp_tick(void);
/* An ARP announcement (RFC 5227 2.3: a request for our own address, sender and target ours):
 * neighbours that asked for us while the card was not up learn where we are. QEMU's user
 * network, for one, asks once a second and holds what it has for us until it knows. */
void arp_announce(void);
/* When arp_tick has something to do next, in tf_now_ns() time; 0 when nothing waits. */
uint64_t arp_next_deadline(void);

#define ARP_TRIES    3
#define ARP_RETRY_NS 1000000000ull /* RFC 1122 2.3.2.1: at most one request a second */

/* ipv4.c: a received packet, its header checked. */
struct ipv4_rx {
    const uint8_t *frame; /* the Ethernet frame it came in */
    uint32_t src, dst;
    const uint8_t *payload; /* after the IPv4 header */
    size_t payload_len;     /* from the total length field (padding left out) */
};
enum net_verdict ipv4_input(const uint8_t *frame, const uint8_t *pkt, size_t len);
/* Fills the IPv4 header of `frame` (payload_len bytes of payload already at
 * ETH_HLEN + IPV4_HLEN) from our address to `dst` and sends it to `dst_mac`. */
int ipv4_output(uint8_t *frame, uint32_t dst, uint8_t proto, size_t payload_len,
                const uint8_t dst_mac[ETH_ALEN]);
/* The same, to the next hop's MAC address: broadcast for broadcasts, else the destination's on
 * our subnet and the gateway's beyond it, from the ARP cache, or held until ARP answers (the
 * call does not wait). 0 or a negative errno value. */
int ipv4_send(uint8_t *frame, uint32_t dst, uint8_t proto, size_t payload_len);

/* icmp.c */
enum net_verdict icmp_input(const struct ipv4_rx *rx);

/* udp.c */
enum net_verdict udp_input(const struct ipv4_rx *rx);
/* Sends `len` bytes from sport to dst:dport (ipv4_send routes it). The payload may live anywhere
 * (it is copied). 0, -EMSGSIZE or -EAGAIN. */
int udp_output(uint16_t sport, uint32_t dst, uint16_t dport, const void *payload, size_t len);

/* pump.c */
/* Processes one frame waiting in the NIC, counting it: 1, or 0 when none was waiting. */
int net_poll_one(void);
/* Processes every frame waiting in the NIC, counting each, then runs arp_tick. */
void net_poll(void);
/* Queues a whole frame on the NIC and counts it. 0 or a negative errno value. */
int net_tx(const void *frame, size_t len);

/* socket.c: queues a datagram on the socket bound to `port`. */
enum net_verdict net_socket_deliver(uint16_t port, uint32_t src, uint16_t sport,
                                    const uint8_t *data, size_t len);

/* Counts what became of a frame counted in rx_frames already (a held one). */
void net_count_outcome(enum net_verdict v);

/* early.c: a datagram to a port other than the DHCP client's, received while the DHCP client
 * runs, is held (NET_HELD) until a socket binds its port; net_early_release(port) then sends
 * the held frames for that port up the receive path again (tf_udp_bind calls it). */
enum net_verdict net_early_hold(const uint8_t *frame, size_t len);
void net_early_release(uint16_t port);

/* dhcp.c: runs the client until an address is bound or timeout_ns passes (0: DHCP_TIMEOUT_NS).
 * 0, -ETIMEDOUT. Configures net_if on success. */
int dhcp_configure(uint64_t timeout_ns);
#define DHCP_TIMEOUT_NS 10000000000ull
/* A datagram to the client port while the client runs. */
enum net_verdict dhcp_input(const uint8_t *msg, size_t len);

/* config.c: parses a dotted-quad IPv4 address at s; returns the first character after it, or
 * NULL. */
const char *net_parse_ipv4(const char *s, uint32_t *ip);

#endif
