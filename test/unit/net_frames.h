/* What the network stack's unit tests (test_net_*.c but test_net_dhcp.c) share: the stack
 * brought up with a static address on the in-memory wire (test_net_wire.h), the other stations
 * on its link, and checks of the frames the stack sends. The checks and the builders in
 * test_net_wire.c implement the wire formats apart from the stack's own. Each test runs in its
 * own process (Check's fork mode), so each starts with a stack that has never run. */
#ifndef TEST_NET_FRAMES_H
#define TEST_NET_FRAMES_H

#include "test_net_wire.h"

#include "taskfarm.h"

#include <stddef.h>
#include <stdint.h>

#define OUR_IP    WIRE_IP(10, 0, 2, 15)
#define GW_IP     WIRE_IP(10, 0, 2, 2)
#define HOST_IP   WIRE_IP(10, 0, 2, 100) /* another station on our subnet */
#define FAR_IP    WIRE_IP(192, 0, 2, 7)  /* beyond the gateway */
#define APP_PORT  7777
#define PUMP_PORT 9999 /* a socket no test sends to: receiving on it processes frames */

/* The gateway's and HOST_IP's MAC addresses, the broadcast address, and all zeros. */
extern const uint8_t gw_mac[6];
extern const uint8_t host_mac[6];
extern const uint8_t bcast[6];
extern const uint8_t zero_mac[6];

/* Brings the stack up with tf.ip=10.0.2.15/24 and tf.gw=10.0.2.2, and binds PUMP_PORT. */
void up(void);
/* Lets the stack process every injected frame. */
void pump(void);
/* tf_net_stats, checked to succeed. */
struct tf_net_stats stats(void);

/* Checks the IPv4 header of a sent frame; returns its payload. */
const uint8_t *check_ipv4(const uint8_t *f, size_t len, uint8_t proto, uint32_t dst,
                          size_t *payload_len);
/* Checks a sent UDP frame to (dst, dport) via dst_mac; returns its payload. */
const uint8_t *check_udp(size_t i, const uint8_t dst_mac[6], uint32_t dst, uint16_t dport,
                         uint16_t *sport, size_t *len);
/* Checks that sent frame i is an ARP request for tpa. */
void check_arp_request(size_t i, uint32_t tpa);

/* The other stations answer the ARP requests sent for the gateway and for HOST_IP (each request
 * once), and the stack takes the answers in. arp_answers counts the answers given. */
void answer_arp(void);
extern unsigned arp_answers;

#endif
