/* Wire formats of the protocols the stack speaks: one table per protocol, every field with its
 * byte offset within its header and a one-line meaning, constants beneath their field. All
 * multi-byte fields are big-endian (network order); net_get16/net_put16 and friends (net.h) read
 * and write them. No other file uses a raw offset. */
#ifndef TF_UDP_NET_REGS_H
#define TF_UDP_NET_REGS_H

/* ---- Ethernet II (IEEE 802.3 with an EtherType; the FCS is not part of our frames) ---------- */
#define ETH_DST       0    /* 6 bytes: destination MAC */
#define ETH_SRC       6    /* 6 bytes: source MAC */
#define ETH_GROUP_BIT 0x01 /* in a MAC's first byte: a group (multicast, broadcast) address */
#define ETH_TYPE      12   /* 2 bytes: EtherType of the payload */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP  0x0806
#define ETH_HLEN      14 /* header length; the payload follows */
#define ETH_ALEN      6  /* MAC address length */
#define ETH_MIN_FRAME 60 /* shortest frame on the wire without FCS: shorter ones are padded */
#define ETH_MTU       1500

/* ---- ARP for IPv4 over Ethernet (RFC 826) --------------------------------------------------- */
#define ARP_HTYPE        0 /* 2 bytes: hardware type */
#define ARP_HTYPE_ETHER  1
#define ARP_PTYPE        2 /* 2 bytes: protocol type (an EtherType) */
#define ARP_HLEN_F       4 /* 1 byte: hardware address length (6) */
#define ARP_PLEN_F       5 /* 1 byte: protocol address length (4) */
#define ARP_OPER         6 /* 2 bytes: operation */
#define ARP_OPER_REQUEST 1
#define ARP_OPER_REPLY   2
#define ARP_SHA          8  /* 6 bytes: sender hardware address */
#define ARP_SPA          14 /* 4 bytes: sender protocol address */
#define ARP_THA          18 /* 6 bytes: target hardware address */
#define ARP_TPA          24 /* 4 bytes: target protocol address */
#define ARP_LEN          28 /* packet length */

/* ---- IPv4 (RFC 791) ------------------------------------------------------------------------- */
#define IPV4_VER_IHL     0 /* 1 byte: version (high nibble) and header length in words */
#define IPV4_VERSION     4
#define IPV4_IHL_MIN     5      /* 20 bytes: a header without options */
#define IPV4_TOS         1      /* 1 byte: DSCP and ECN */
#define IPV4_TOTAL_LEN   2      /* 2 bytes: header plus payload, in bytes */
#define IPV4_ID          4      /* 2 bytes: identification (for fragments) */
#define IPV4_FRAG        6      /* 2 bytes: flags (high 3 bits) and fragment offset */
#define IPV4_FRAG_DF     0x4000 /* don't fragment */
#define IPV4_FRAG_MF     0x2000 /* more fragments follow */
#define IPV4_FRAG_OFFSET 0x1fff /* offset of this fragment, in 8-byte units */
#define IPV4_TTL         8      /* 1 byte: time to live */
#define IPV4_TTL_DEFAULT 64
#define IPV4_PROTO       9 /* 1 byte: payload protocol */
#define IPV4_PROTO_ICMP  1
#define IPV4_PROTO_UDP   17
#define IPV4_CSUM        10          /* 2 bytes: header checksum (ones' complement) */
#define IPV4_SRC         12          /* 4 bytes: source address */
#define IPV4_DST         16          /* 4 bytes: destination address */
#define IPV4_HLEN        20          /* header length without options */
#define IPV4_BROADCAST   0xffffffffu /* 255.255.255.255: limited broadcast */
/* Address blocks no packet may come from (RFC 1122 3.2.1.3, RFC 6890): this network (0/8),
 * loopback (127/8), multicast (224/4) and reserved (240/4, with the limited broadcast) */
#define IPV4_NET_THIS      0x00000000u /* 0.0.0.0/8 */
#define IPV4_NET_LOOPBACK  0x7f000000u /* 127.0.0.0/8 */
#define IPV4_MASK_8        0xff000000u
#define IPV4_NET_MULTICAST 0xe0000000u /* 224.0.0.0/4 */
#define IPV4_NET_RESERVED  0xf0000000u /* 240.0.0.0/4 */
#define IPV4_MASK_4        0xf0000000u
#define IPV4_MAX_PAYLOAD   (ETH_MTU - IPV4_HLEN)

/* ---- ICMP echo (RFC 792) -------------------------------------------------------------------- */
#define ICMP_TYPE            0 /* 1 byte: message type */
#define ICMP_TYPE_ECHO_REPLY 0
#define ICMP_TYPE_ECHO       8
#define ICMP_CODE            1 /* 1 byte: 0 for echo */
#define ICMP_CSUM            2 /* 2 bytes: checksum over the whole ICMP message */
#define ICMP_ECHO_ID         4 /* 2 bytes: identifier (echoed back) */
#define ICMP_ECHO_SEQ        6 /* 2 bytes: sequence number (echoed back) */
#define ICMP_HLEN            8 /* echo header length; the data follows */

/* ---- UDP (RFC 768) -------------------------------------------------------------------------- */
#define UDP_SPORT 0 /* 2 bytes: source port */
#define UDP_DPORT 2 /* 2 bytes: destination port */
#define UDP_LEN   4 /* 2 bytes: header plus payload, in bytes */
#define UDP_CSUM  6 /* 2 bytes: checksum over pseudo-header and datagram; 0: none sent */
#define UDP_HLEN  8
/* The pseudo-header the checksum covers (RFC 768): source and destination addresses, a zero
 * byte, the protocol and the UDP length. */
#define UDP_PSEUDO_LEN 12

/* ---- DHCP (RFC 2131, options RFC 2132) over UDP ----------------------------------------------
 * The BOOTP layout, then the magic cookie, then options (code, length, value; Pad and End are
 * single bytes). */
#define DHCP_OP         0  /* 1 byte: message op code */
#define DHCP_OP_REQUEST 1  /* BOOTREQUEST: client to server */
#define DHCP_OP_REPLY   2  /* BOOTREPLY: server to client */
#define DHCP_HTYPE      1  /* 1 byte: hardware type (ARP_HTYPE_ETHER) */
#define DHCP_HLEN_F     2  /* 1 byte: hardware address length */
#define DHCP_HOPS       3  /* 1 byte: relay hops */
#define DHCP_XID        4  /* 4 bytes: transaction ID, chosen by the client */
#define DHCP_SECS       8  /* 2 bytes: seconds since the client began */
#define DHCP_FLAGS      10 /* 2 bytes: flags */
#define DHCP_FLAG_BROADCAST                                                                        \
    0x8000                   /* reply by broadcast: we cannot take unicast before an address */
#define DHCP_CIADDR      12  /* 4 bytes: client's current address */
#define DHCP_YIADDR      16  /* 4 bytes: 'your' (client) address offered */
#define DHCP_SIADDR      20  /* 4 bytes: next server (boot) */
#define DHCP_GIADDR      24  /* 4 bytes: relay agent */
#define DHCP_CHADDR      28  /* 16 bytes: client hardware address */
#define DHCP_SNAME       44  /* 64 bytes: server host name */
#define DHCP_FILE        108 /* 128 bytes: boot file name */
#define DHCP_COOKIE      236 /* 4 bytes: magic cookie */
#define DHCP_MAGIC       0x63825363u
#define DHCP_OPTIONS     240 /* options start here */
#define DHCP_MIN_LEN     DHCP_OPTIONS
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
/* Options (RFC 2132) */
#define DHCP_OPT_PAD          0
#define DHCP_OPT_SUBNET_MASK  1  /* 4 bytes */
#define DHCP_OPT_ROUTER       3  /* 4n bytes: the first is the default gateway */
#define DHCP_OPT_REQUESTED_IP 50 /* 4 bytes: the address the client asks for */
#define DHCP_OPT_LEASE_TIME   51 /* 4 bytes: seconds */
#define DHCP_OPT_MSG_TYPE     53 /* 1 byte: one of DHCP_MSG_* */
#define DHCP_OPT_SERVER_ID    54 /* 4 bytes: the server's address */
#define DHCP_OPT_PARAM_LIST   55 /* n bytes: options the client wants */
#define DHCP_OPT_END          255
#define DHCP_MSG_DISCOVER     1
#define DHCP_MSG_OFFER        2
#define DHCP_MSG_REQUEST      3
#define DHCP_MSG_DECLINE      4
#define DHCP_MSG_ACK          5
#define DHCP_MSG_NAK          6

#endif
