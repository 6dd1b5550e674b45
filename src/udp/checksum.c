/* The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of the data
 * taken as 16-bit big-endian words. Carries are kept in the upper half of a 32-bit accumulator
 * and folded at the end; callers sum at most a frame (< 64 KiB) at a time, so it cannot
 * overflow between folds. */
#include "net.h"

uint32_t net_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len >= 2) {
        sum += net_get16(p);
        p += 2;
        len -= 2;
    }
    if (len)
        sum += (uint32_t)p[0] << 8; /* an odd last byte is the high byte of a zero-padded word */
    return (sum & 0xffffu) + (sum >> 16);
}

uint16_t net_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t net_checksum(const void *data, size_t len)
{
    return net_csum_fold(net_csum_add(0, data, len));
}
