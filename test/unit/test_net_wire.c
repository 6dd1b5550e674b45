/* The in-memory wire of the network tests: see test_net_wire.h. The frame builders write the
 * header fields at their RFC offsets directly (not through src/udp/net_regs.h), so a wrong
 * offset in the stack's table shows up as a test failure rather than cancelling out. */
#include "test_net_wire.h"

#include "netif.h"
#include "taskfarm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAX_QUEUED 1024
#define WIRE_MAX_WAITS  100000 /* a stack that waits more than this is looping: stop it */
#define WIRE_OPTIONS    8

uint64_t wire_now_ns = 1000000000ull;
unsigned wire_cpu;
int wire_open_err;
int wire_tx_err;
unsigned wire_waits;
void (*wire_peer)(void);
const uint8_t wire_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

struct wire_frame {
    uint8_t *data; /* exactly len bytes on the heap: AddressSanitizer sees any overread */
    size_t len;
};

static struct wire_frame queued[WIRE_MAX_QUEUED], sent[WIRE_MAX_SENT];
static size_t queued_head, queued_count, sent_count;
static int rx_taken;
static struct {
    const char *name, *value;
} options[WIRE_OPTIONS];

static struct wire_frame wire_copy(const void *frame, size_t len)
{
    struct wire_frame f = {malloc(len ? len : 1), len};
    if (!f.data)
        abort();
    memcpy(f.data, frame, len);
    return f;
}

void wire_inject(const void *frame, size_t len)
{
    if (queued_count == WIRE_MAX_QUEUED) {
        fprintf(stderr, "wire: more than %d frames queued\n", WIRE_MAX_QUEUED);
        abort();
    }
    queued[(queued_head + queued_count++) % WIRE_MAX_QUEUED] = wire_copy(frame, len);
}

size_t wire_pending(void)
{
    return queued_count;
}

size_t wire_sent_count(void)
{
    return sent_count;
}

const uint8_t *wire_sent(size_t i, size_t *len)
{
    if (i >= sent_count)
        return NULL;
    *len = sent[i].len;
    return sent[i].data;
}

void wire_sent_clear(void)
{
    for (size_t i = 0; i < sent_count; i++)
        free(sent[i].data);
    sent_count = 0;
}

void wire_set_option(const char *name, const char *value)
{
    for (int i = 0; i < WIRE_OPTIONS; i++) {
        if (!options[i].name || strcmp(options[i].name, name) == 0) {
            options[i].name = name;
            options[i].value = value;
            return;
        }
    }
    abort();
}

/* ---- The platform calls ---- */

const char *tf_option(const char *name)
{
    for (int i = 0; i < WIRE_OPTIONS && options[i].name; i++)
        if (strcmp(options[i].name, name) == 0)
            return options[i].value;
    return NULL;
}

uint64_t tf_now_ns(void)
{
    return wire_now_ns;
}

unsigned tf_cpu_self(void)
{
    return wire_cpu;
}

/* ---- netif.h ---- */

int netif_open(uint8_t mac[6])
{
    if (wire_open_err)
        return wire_open_err;
    memcpy(mac, wire_mac, 6);
    return 0;
}

const uint8_t *netif_rx_next(size_t *len)
{
    if (rx_taken) {
        fprintf(stderr, "wire: netif_rx_next before netif_rx_release\n");
        abort();
    }
    if (queued_count == 0)
        return NULL;
    rx_taken = 1;
    *len = queued[queued_head].len;
    return queued[queued_head].data;
}

void netif_rx_release(void)
{
    if (!rx_taken || queued_count == 0) {
        fprintf(stderr, "wire: netif_rx_release without a frame\n");
        abort();
    }
    free(queued[queued_head].data);
    queued_head = (queued_head + 1) % WIRE_MAX_QUEUED;
    queued_count--;
    rx_taken = 0;
}

int netif_tx(const void *frame, size_t len)
{
    if (len > NETIF_FRAME_MAX)
        return -EMSGSIZE;
    if (wire_tx_err)
        return wire_tx_err;
    if (sent_count == WIRE_MAX_SENT) {
        fprintf(stderr, "wire: more than %d frames sent\n", WIRE_MAX_SENT);
        abort();
    }
    sent[sent_count++] = wire_copy(frame, len);
    return 0;
}

void netif_wait(uint64_t deadline_ns)
{
    if (++wire_waits > WIRE_MAX_WAITS) {
        fprintf(stderr, "wire: the stack waited %d times: looping?\n", WIRE_MAX_WAITS);
        abort();
    }
    if (wire_peer)
        wire_peer();
    if (queued_count)
        return;
    if (deadline_ns == 0) {
        fprintf(stderr, "wire: the stack waits forever and nothing will come\n");
        abort();
    }
    if (wire_now_ns < deadline_ns)
        wire_now_ns = deadline_ns;
}

/* ---- Frame construction ---- */

uint16_t wire_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t wire_get32(const uint8_t *p)
{
    return (uint32_t)wire_get16(p) << 16 | wire_get16(p + 2);
}

void wire_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void wire_put32(uint8_t *p, uint32_t v)
{
    wire_put16(p, (uint16_t)(v >> 16));
    wire_put16(p + 2, (uint16_t)v);
}

uint16_t wire_checksum(const void *data, size_t len, uint32_t initial)
{
    const uint8_t *p = data;
    uint64_t sum = initial;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += wire_get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t wire_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    wire_put16(f + 12, type);
    return 14;
}

size_t wire_arp(uint8_t *f, const uint8_t eth_dst[6], const uint8_t sha[6], uint16_t oper,
                uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
    uint8_t *a = f + wire_eth(f, eth_dst, sha, 0x0806);
    wire_put16(a, 1);          /* hardware type: Ethernet */
    wire_put16(a + 2, 0x0800); /* protocol type: IPv4 */
    a[4] = 6;
    a[5] = 4;
    wire_put16(a + 6, oper);
    memcpy(a + 8, sha, 6);
    wire_put32(a + 14, spa);
    memcpy(a + 18, tha, 6);
    wire_put32(a + 24, tpa);
    return 14 + 28;
}

size_t wire_ipv4(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, size_t payload_len)
{
    uint8_t *h = f + 14;
    memset(h, 0, 20);
    h[0] = 0x45; /* version 4, 5 words */
    wire_put16(h + 2, (uint16_t)(20 + payload_len));
    wire_put16(h + 4, 0x1234);
    h[8] = 64;
    h[9] = proto;
    wire_put32(h + 12, src);
    wire_put32(h + 16, dst);
    wire_put16(h + 10, wire_checksum(h, 20, 0));
    return 14 + 20 + payload_len;
}

size_t wire_udp(uint8_t *f, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint32_t src,
                uint16_t sport, uint32_t dst, uint16_t dport, const void *data, size_t len)
{
    wire_eth(f, eth_dst, eth_src, 0x0800);
    uint8_t *u = f + 14 + 20;
    wire_put16(u, sport);
    wire_put16(u + 2, dport);
    wire_put16(u + 4, (uint16_t)(8 + len));
    wire_put16(u + 6, 0);
    memcpy(u + 8, data, len);
    uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + 8 + len;
    uint16_t sum = wire_checksum(u, 8 + len, pseudo);
    wire_put16(u + 6, sum ? sum : 0xffff);
    return wire_ipv4(f, 17, src, dst, 8 + len);
}

size_t wire_ping(uint8_t *f, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint32_t src,
                 uint32_t dst, uint16_t id, uint16_t seq, const void *data, size_t len)
{
    wire_eth(f, eth_dst, eth_src, 0x0800);
    uint8_t *m = f + 14 + 20;
    m[0] = 8; /* echo request */
    m[1] = 0;
    wire_put16(m + 2, 0);
    wire_put16(m + 4, id);
    wire_put16(m + 6, seq);
    memcpy(m + 8, data, len);
    wire_put16(m + 2, wire_checksum(m, 8 + len, 0));
    return wire_ipv4(f, 1, src, dst, 8 + len);
}
