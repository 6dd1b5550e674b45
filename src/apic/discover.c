/* CPL3: CPU discovery for smp.c (discover.h) in the guest: the ACPI search and the MADT walk
 * run over the identity map of the low 4 GiB, and the topology over the CPUID instruction. */
#include "discover.h"
#include "acpi.h"
#include "madt.h"
#include "percpu.h"
#include "platform.h"
#include "runtime.h"
#include "taskfarm.h"
#include "topology.h"
#include "x86.h"
#include "x86_ops.h"
#include "usys.h"

#include <errno.h>
#include <stdio.h>

/* What was wrong, in one line on stderr; and the CPUs that were left out. */
static void report(const struct acpi_root *root, const struct madt_info *info)
{
    if (root->notes || madt_damaged(info))
        fprintf(
            stderr, "taskfarm: damaged ACPI tables (%s); using the %u CPU%s that parsed cleanly\n",
            root->notes ? root->error : info->error, info->stored, info->stored == 1 ? "" : "s");
    if (info->problems & MADT_TOO_MANY_CPUS)
        fprintf(stderr,
                "taskfarm: the MADT lists %u CPUs; this build supports %u, the rest are "
                "left out\n",
                info->enabled, info->stored);
    if (info->online_capable && !runtime_option_on("quiet"))
        printf("taskfarm: %u more CPU%s online capable but not enabled by the firmware; not "
               "started\n",
               info->online_capable, info->online_capable == 1 ? "" : "s");
}

int smp_discover(uint32_t *ids, unsigned max)
{
    static struct acpi_root root;
    static struct madt_info info;
    const void *copy = runtime_boot.rsdp_len ? runtime_boot.rsdp : NULL;
    if (acpi_init(&root, copy, runtime_boot.rsdp_len, runtime_map_identity, NULL) < 0) {
        fprintf(stderr, "taskfarm: no usable ACPI tables (%s); running on the bootstrap CPU only\n",
                root.error[0] ? root.error : "no RSDP");
        return 0;
    }
    struct acpi_table madt;
    if (acpi_find(&root, ACPI_MADT_SIGNATURE_TEXT, &madt) < 0) {
        fprintf(stderr, "taskfarm: no ACPI MADT; running on the bootstrap CPU only\n");
        return 0;
    }
    int rc = madt_parse(madt.data, madt.length, ids, max, &info);
    report(&root, &info);
    if (rc == -EINVAL)
        return 0;
    return (int)info.stored;
}

static struct topology_regs cpuid_regs(uint32_t leaf, uint32_t subleaf, void *ctx)
{
    (void)ctx;
    struct x86_cpuid r = usys_cpuid(leaf, subleaf);
    return (struct topology_regs){r.eax, r.ebx, r.ecx, r.edx};
}

void smp_topology(unsigned count)
{
    /* Every CPU reports the same field widths (they describe the package layout, not the CPU
     * asking), so the bootstrap CPU reads them once for all. */
    struct topology_shifts shifts;
    topology_read(cpuid_regs, NULL, &shifts);
    for (unsigned i = 0; i < count; i++) {
        struct topology_place p = topology_decode(&shifts, percpu_table[i].apic_id);
        percpu_table[i].package = p.package;
        percpu_table[i].core = p.core;
        percpu_table[i].thread = p.thread;
    }
}
