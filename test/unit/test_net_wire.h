/* The wire for the network stack's host tests and fuzzer: an in-memory implementation of the NIC
 * interface (src/udp/netif.h) and of the platform calls the stack uses (tf_now_ns, tf_option,
 * tf_cpu_self). Tests inject frames the stack will receive and read back the frames it sent.
 *
 * Time is the wire's: wire_now_ns moves only when the stack waits (netif_wait with nothing to
 * receive jumps to the deadline), so timeouts and retries run instantly and deterministically.
 * Before netif_wait looks for frames it calls wire_peer (when set): the test playing the other
 * stations (an ARP responder, a DHCP server) answers what the stack sent there. */
#ifndef TEST_NET_WIRE_H
#define TEST_NET_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX_SENT 512

extern uint64_t wire_now_ns;
extern unsigned wire_cpu;   /* what tf_cpu_self returns */
extern int wire_open_err;   /* what netif_open returns (0 or a negative errno value) */
extern int wire_tx_err;     /* when nonzero (a negative errno value), netif_tx fails with it */
extern unsigned wire_waits; /* netif_wait calls */
extern void (*wire_peer)(void);
extern const uint8_t wire_mac[6]; /* the stack's MAC (from netif_open) */

/* Sets the value tf_option(name) returns (NULL: none). name and value must stay valid. */
void wire_set_option(const char *name, const char *value);

/* Queues a copy of a frame for the stack to receive. */
void wire_inject(const void *frame, size_t len);
/* Frames queued and not yet taken by the stack. */
size_t wire_pending(void);

/* Frames the stack sent, oldest first; wire_sent_clear forgets them. */
size_t wire_sent_count(void);
const uint8_t *wire_sent(size_t i, size_t *len);
void wire_sent_clear(void);

/* ---- Frame construction for tests (an implementation of the wire formats independent of the
 * stack's own) ---- */
uint16_t wire_checksum(const void *data, size_t len, uint32_t initial);
/* An Ethernet header; returns the offset of the payload (14). */
size_t wire_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
/* An ARP packet after an Ethernet header; returns the frame length. */
size_t wire_arp(uint8_t *f, const uint8_t eth_dst[6], const uint8_t sha[6], uint16_t oper,
                uint32_t spa, const uint8_t tha[6], uint32_t tpa);
/* An IPv4 header (no options, correct checksum) at f + 14 for payload_len bytes of payload;
 * returns the frame length. */
size_t wire_ipv4(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, size_t payload_len);
/* A whole UDP frame with a correct UDP checksum; returns its length. */
size_t wire_udp(uint8_t *f, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint32_t src,
                uint16_t sport, uint32_t dst, uint16_t dport, const void *data, size_t len);
/* A whole ICMP echo request frame; returns its length. */
size_t wire_ping(uint8_t *f, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint32_t src,
                 uint32_t dst, uint16_t id, uint16_t seq, const void *data, size_t len);

/* Big-endian helpers */
uint16_t wire_get16(const uint8_t *p);
uint32_t wire_get32(const uint8_t *p);
void wire_put16(uint8_t *p, uint16_t v);
void wire_put32(uint8_t *p, uint32_t v);

#define WIRE_IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

#endif
