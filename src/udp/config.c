/* Address configuration: the interface's state (net_if), tf_net_start, which opens the NIC and
 * takes the address from the boot options (tf.ip, tf.gw) or else from DHCP (dhcp.c), and
 * tf_net_config, which reports it. */
#include "net.h"

#include <string.h>

struct net_state net_if;

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
    arp_announce();
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
