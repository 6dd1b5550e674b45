/* The link between the network stack (src/udp, portable: Ethernet, ARP, IPv4, ICMP, UDP, DHCP)
 * and the network interface driver (src/udp/virtio_net.c on the guest). The stack calls these;
 * only the bootstrap CPU does. Frames are whole Ethernet frames without the FCS and without any
 * device header. */
#ifndef TF_UDP_NETIF_H
#define TF_UDP_NETIF_H

#include <stddef.h>
#include <stdint.h>

#define NETIF_MTU       1500
#define NETIF_FRAME_MAX 1514 /* Ethernet header + MTU */

/* Finds and starts the first NIC; fills its MAC address. 0, or a negative errno value (-ENODEV
 * when there is none or it cannot be used, -ENOMEM). */
int netif_open(uint8_t mac[6]);

/* The next received frame, or NULL when none is waiting. The frame stays valid until
 * netif_rx_release(); one frame at a time. *len may exceed NETIF_FRAME_MAX for an oversize frame
 * the device delivered whole (the stack drops and counts it). */
const uint8_t *netif_rx_next(size_t *len);
void netif_rx_release(void);

/* Queues one frame for sending (copied; the caller's buffer is free on return). 0, -EMSGSIZE,
 * or -EAGAIN when the transmit queue is full even after reclaiming completions (-ENODEV: not
 * open). */
int netif_tx(const void *frame, size_t len);

/* Sleeps (the CPU halts: no polling) until a frame may have arrived or tf_now_ns() reaches
 * deadline_ns (0: no deadline). May return early. */
void netif_wait(uint64_t deadline_ns);

#endif
