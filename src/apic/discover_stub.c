/* throwaway: crude MADT walk for testing the start-up mechanism */
#include <stdint.h>
#include <string.h>
#include "percpu.h"
#include "runtime.h"
static int sum(const uint8_t *p, unsigned n)
{
    uint8_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += p[i];
    return s;
}
int smp_discover(uint32_t *ids, unsigned max, uint64_t *lapic_base)
{
    const uint8_t *r = NULL;
    for (uintptr_t a = 0xE0000; a < 0x100000; a += 16)
        if (!memcmp((void *)a, "RSD PTR ", 8) && !sum((void *)a, 20)) {
            r = (void *)a;
            break;
        }
    if (!r && runtime_boot.rsdp_len)
        r = runtime_boot.rsdp;
    if (!r)
        return -1;
    uint32_t rsdt;
    memcpy(&rsdt, r + 16, 4);
    const uint8_t *t = (void *)(uintptr_t)rsdt;
    uint32_t len;
    memcpy(&len, t + 4, 4);
    unsigned n = 0;
    for (uint32_t off = 36; off + 4 <= len; off += 4) {
        uint32_t a;
        memcpy(&a, t + off, 4);
        const uint8_t *h = (void *)(uintptr_t)a;
        if (memcmp(h, "APIC", 4))
            continue;
        uint32_t ml;
        memcpy(&ml, h + 4, 4);
        uint32_t lb;
        memcpy(&lb, h + 36, 4);
        *lapic_base = lb;
        for (uint32_t e = 44; e + 2 <= ml && h[e + 1] >= 2; e += h[e + 1]) {
            if (h[e] == 0 && (h[e + 4] & 1) && n < max)
                ids[n++] = h[e + 3];
            if (h[e] == 9 && (h[e + 8] & 1) && n < max) {
                uint32_t x;
                memcpy(&x, h + e + 4, 4);
                ids[n++] = x;
            }
        }
    }
    return (int)n;
}
void smp_topology(unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        tf_percpus[i].thread = tf_percpus[i].apic_id;
    }
}
