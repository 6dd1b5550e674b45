/* DHCP client (RFC 2131; options RFC 2132): asks for an address, a subnet mask and a router.
 *
 *   SELECTING --OFFER--> REQUESTING --ACK--> BOUND
 *       ^                    |
 *       +--- NAK, or no ACK after DHCP_REQUEST_TRIES REQUESTs (a new transaction ID)
 *
 * Each phase sends its message (DISCOVER, REQUEST) by broadcast and sends it again when no answer
 * came, waiting DHCP_RETRY_FIRST_NS, then twice as long each time up to DHCP_RETRY_MAX_NS.
 * RFC 2131 4.1 suggests 4 s doubling to 64 s; ours is shorter because tf_net_start waits only a
 * few seconds in all. Replies are asked for by broadcast (the BROADCAST flag): we cannot take
 * unicast IPv4 before we have an address. Messages of other transactions or for another client
 * are dropped as not_for_us. Not done: lease renewal (the address is kept for as long as the
 * program runs), DHCPDECLINE after an address conflict check, DHCPRELEASE, option overload. */
#include "net.h"

#include <string.h>

#define DHCP_RETRY_FIRST_NS 1000000000ull
#define DHCP_RETRY_MAX_NS   4000000000ull
#define DHCP_REQUEST_TRIES  4
#define DHCP_MSG_LEN        300 /* the BOOTP minimum (RFC 1542 2.1); options are padded to it */

enum dhcp_phase { DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND };

static struct {
    enum dhcp_phase phase;
    uint32_t xid;
    uint32_t offered_ip;
    uint32_t server_id; /* 0: the offer named none */
    uint32_t mask;      /* 0: the ACK gave none */
    uint32_t router;
} dhcp;

static uint8_t dhcp_msg[DHCP_MSG_LEN];

/* What we read from a message's options. */
struct dhcp_opts {
    uint8_t type;
    uint32_t mask, router, server_id;
};

static int dhcp_parse_options(const uint8_t *o, size_t len, struct dhcp_opts *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    while (i < len) {
        uint8_t code = o[i++];
        if (code == DHCP_OPT_PAD)
            continue;
        if (code == DHCP_OPT_END)
            return 0;
        if (i == len || o[i] > len - i - 1)
            return -1; /* the option runs past the message */
        size_t n = o[i++];
        const uint8_t *v = o + i;
        i += n;
        if (code == DHCP_OPT_MSG_TYPE && n >= 1)
            out->type = v[0];
        else if (code == DHCP_OPT_SUBNET_MASK && n >= 4)
            out->mask = net_get32(v);
        else if (code == DHCP_OPT_ROUTER && n >= 4)
            out->router = net_get32(v); /* the first router listed */
        else if (code == DHCP_OPT_SERVER_ID && n >= 4)
            out->server_id = net_get32(v);
    }
    return 0; /* no End option: take what was there */
}

enum net_verdict dhcp_input(const uint8_t *msg, size_t len)
{
    if (len < DHCP_MIN_LEN)
        return NET_DROP_BAD_LENGTH;
    if (msg[DHCP_OP] != DHCP_OP_REPLY || net_get32(msg + DHCP_XID) != dhcp.xid ||
        memcmp(msg + DHCP_CHADDR, net_if.mac, ETH_ALEN) != 0)
        return NET_DROP_NOT_FOR_US;
    if (net_get32(msg + DHCP_COOKIE) != DHCP_MAGIC)
        return NET_DROP_UNSUPPORTED;
    struct dhcp_opts o;
    if (dhcp_parse_options(msg + DHCP_OPTIONS, len - DHCP_OPTIONS, &o) != 0)
        return NET_DROP_BAD_LENGTH;
    uint32_t yiaddr = net_get32(msg + DHCP_YIADDR);
    if (dhcp.phase == DHCP_SELECTING && o.type == DHCP_MSG_OFFER && yiaddr != 0) {
        dhcp.offered_ip = yiaddr;
        dhcp.server_id = o.server_id;
        dhcp.phase = DHCP_REQUESTING;
    } else if (dhcp.phase == DHCP_REQUESTING &&
               (!dhcp.server_id || o.server_id == dhcp.server_id)) {
        if (o.type == DHCP_MSG_ACK && yiaddr != 0) {
            dhcp.offered_ip = yiaddr;
            dhcp.mask = o.mask;
            dhcp.router = o.router;
            dhcp.phase = DHCP_BOUND;
        } else if (o.type == DHCP_MSG_NAK) {
            dhcp.phase = DHCP_SELECTING;
        }
    }
    return NET_UDP_DELIVERED; /* ours, even when of no use now (a second offer) */
}

/* Appends option `code` with n bytes of value at *p. */
static uint8_t *dhcp_put_option(uint8_t *p, uint8_t code, const uint8_t *v, uint8_t n)
{
    *p++ = code;
    *p++ = n;
    memcpy(p, v, n);
    return p + n;
}

static int dhcp_send(uint8_t type)
{
    static const uint8_t params[] = {DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER};
    uint8_t *m = dhcp_msg, v[4];
    memset(m, 0, sizeof dhcp_msg);
    m[DHCP_OP] = DHCP_OP_REQUEST;
    m[DHCP_HTYPE] = ARP_HTYPE_ETHER;
    m[DHCP_HLEN_F] = ETH_ALEN;
    net_put32(m + DHCP_XID, dhcp.xid);
    net_put16(m + DHCP_FLAGS, DHCP_FLAG_BROADCAST);
    memcpy(m + DHCP_CHADDR, net_if.mac, ETH_ALEN);
    net_put32(m + DHCP_COOKIE, DHCP_MAGIC);
    uint8_t *p = dhcp_put_option(m + DHCP_OPTIONS, DHCP_OPT_MSG_TYPE, &type, 1);
    if (type == DHCP_MSG_REQUEST) {
        net_put32(v, dhcp.offered_ip);
        p = dhcp_put_option(p, DHCP_OPT_REQUESTED_IP, v, 4);
        if (dhcp.server_id) {
            net_put32(v, dhcp.server_id);
            p = dhcp_put_option(p, DHCP_OPT_SERVER_ID, v, 4);
        }
    }
    p = dhcp_put_option(p, DHCP_OPT_PARAM_LIST, params, sizeof params);
    *p = DHCP_OPT_END;
    return udp_output(DHCP_CLIENT_PORT, IPV4_BROADCAST, DHCP_SERVER_PORT, m, sizeof dhcp_msg);
}

/* A transaction ID that differs between clients (the MAC) and between runs (the clock). */
static uint32_t dhcp_new_xid(void)
{
    uint64_t x = tf_now_ns() ^ dhcp.xid;
    for (int i = 0; i < ETH_ALEN; i++)
        x = x * 0x100000001b3ull ^ net_if.mac[i]; /* FNV-1a prime: spreads the bits */
    return (uint32_t)(x ^ x >> 32);
}

/* Sends the message of the current phase and waits until the phase changes, `backoff` passes or
 * the deadline comes. Returns 1 when the phase changed. */
static int dhcp_exchange(uint64_t backoff, uint64_t deadline)
{
    enum dhcp_phase phase = dhcp.phase;
    dhcp_send(phase == DHCP_SELECTING ? DHCP_MSG_DISCOVER : DHCP_MSG_REQUEST);
    uint64_t wake = tf_now_ns() + backoff;
    if (wake > deadline)
        wake = deadline;
    for (;;) {
        net_poll();
        if (dhcp.phase != phase)
            return 1;
        if (tf_now_ns() >= wake)
            return 0;
        netif_wait(wake);
    }
}

static void dhcp_take_address(void)
{
    uint32_t prefix = 0;
    uint32_t mask = dhcp.mask ? dhcp.mask : 0xffffff00u; /* none given: a /24 */
    while (prefix < 32 && (mask & (0x80000000u >> prefix)))
        prefix++;
    net_if.ip = dhcp.offered_ip;
    net_if.prefix_len = prefix;
    net_if.mask = prefix ? ~0u << (32 - prefix) : 0;
    net_if.gateway = dhcp.router;
    net_if.dhcp = 1;
}

int dhcp_configure(uint64_t timeout_ns)
{
    uint64_t now = tf_now_ns(), wait = timeout_ns ? timeout_ns : DHCP_TIMEOUT_NS;
    uint64_t deadline = wait > UINT64_MAX - now ? UINT64_MAX : now + wait; /* no wrap-around */
    uint64_t backoff = DHCP_RETRY_FIRST_NS;
    int requests = 0;
    memset(&dhcp, 0, sizeof dhcp);
    dhcp.xid = dhcp_new_xid();
    net_if.dhcp_active = 1;
    while (dhcp.phase != DHCP_BOUND && tf_now_ns() < deadline) {
        enum dhcp_phase phase = dhcp.phase;
        if (dhcp_exchange(backoff, deadline)) {
            backoff = DHCP_RETRY_FIRST_NS;
            requests = 0;
        } else if (backoff < DHCP_RETRY_MAX_NS) {
            backoff *= 2;
        }
        if (phase == DHCP_REQUESTING && dhcp.phase == DHCP_REQUESTING &&
            ++requests >= DHCP_REQUEST_TRIES)
            dhcp.phase = DHCP_SELECTING;
        if (dhcp.phase == DHCP_SELECTING && phase != DHCP_SELECTING)
            dhcp.xid = dhcp_new_xid(); /* start over: a new transaction */
    }
    net_if.dhcp_active = 0;
    if (dhcp.phase != DHCP_BOUND)
        return -ETIMEDOUT;
    dhcp_take_address();
    return 0;
}
