/* echo: a UDP echo server (RFC 862), the smallest use of the network API. Every datagram comes
 * back to its sender unchanged, except the 5-byte datagram "stats", which is answered with the
 * network counters (struct tf_net_stats) as text, one "name value" line each.
 *
 *   tools/tf-run --udp 7007:7 build/examples/echo/echo        # DHCP, port 7
 *   echo hello | nc -u -w1 127.0.0.1 7007
 *
 * Boot options: tf.echo_port=N (default 7); tf.ip=A.B.C.D/PREFIX and tf.gw=A.B.C.D for a static
 * address instead of DHCP. */
#include <taskfarm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_PORT_DEFAULT 7
#define STATS_REQUEST     "stats"

static unsigned format_stats(char *out, size_t size)
{
    struct tf_net_stats s;
    tf_net_stats(&s);
    const struct {
        const char *name;
        uint64_t value;
    } rows[] = {
        {"rx_frames", s.rx_frames},
        {"tx_frames", s.tx_frames},
        {"rx_udp_delivered", s.rx_udp_delivered},
        {"tx_udp", s.tx_udp},
        {"arp_replies_sent", s.arp_replies_sent},
        {"icmp_echo_replies_sent", s.icmp_echo_replies_sent},
        {"drop_bad_length", s.drop_bad_length},
        {"drop_bad_checksum", s.drop_bad_checksum},
        {"drop_not_for_us", s.drop_not_for_us},
        {"drop_fragment", s.drop_fragment},
        {"drop_ip_options", s.drop_ip_options},
        {"drop_no_listener", s.drop_no_listener},
        {"drop_queue_full", s.drop_queue_full},
        {"drop_unsupported", s.drop_unsupported},
        {"drop_oversize", s.drop_oversize},
        {"drop_tx_full", s.drop_tx_full},
        {"drop_bad_source", s.drop_bad_source},
        {"drop_arp_unsolicited", s.drop_arp_unsolicited},
        {"drop_arp_conflict", s.drop_arp_conflict},
        {"rx_held", s.rx_held},
        {"tx_arp_dropped", s.tx_arp_dropped},
    };
    size_t used = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s %llu\n", rows[i].name,
                                 (unsigned long long)rows[i].value);
    return used < size ? (unsigned)used : (unsigned)size;
}

TF_OPTION(echo_port, "1-65535");

static void print_address(const char *what, uint32_t ip)
{
    printf("%s%u.%u.%u.%u", what, ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
}

int main(void)
{
    const char *opt = tf_option("echo_port");
    unsigned long port = opt ? strtoul(opt, NULL, 10) : ECHO_PORT_DEFAULT;
    if (port == 0 || port > UINT16_MAX) {
        fprintf(stderr, "echo: tf.echo_port=%s is not a port number\n", opt);
        return 2;
    }
    int rc = tf_net_start(0);
    if (rc < 0) {
        fprintf(stderr, "echo: no network: %s%s\n", tf_strerror(rc),
                rc == TF_ENODEV ? " (boot with a network card: tf-run --udp or --net)" : "");
        return 1;
    }
    struct tf_net_config config;
    tf_net_config(&config);
    int sock = tf_udp_bind((uint16_t)port);
    if (sock < 0) {
        fprintf(stderr, "echo: port %lu: %s\n", port, tf_strerror(sock));
        return 1;
    }
    print_address("echo: address ", config.ip);
    printf("/%u (%s)", config.prefix_len, config.dhcp ? "dhcp" : "static");
    print_address(", gateway ", config.gateway);
    printf(", port %lu: ready\n", port);
    fflush(stdout);

    static char buf[TF_UDP_MAX_PAYLOAD];
    for (;;) {
        struct tf_udp_peer from;
        int n = tf_udp_recv(sock, buf, sizeof(buf), &from, 0);
        if (n == TF_EMSGSIZE)
            n = sizeof(buf); /* cannot happen: no datagram exceeds TF_UDP_MAX_PAYLOAD */
        if (n < 0)
            continue;
        if ((size_t)n == strlen(STATS_REQUEST) && memcmp(buf, STATS_REQUEST, (size_t)n) == 0)
            n = (int)format_stats(buf, sizeof(buf));
        tf_udp_send(sock, buf, (size_t)n, &from);
    }
}
