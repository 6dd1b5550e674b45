/* CPL3: the ACPI power-off, read from the tables over the identity map (poweroff.h). The core
 * claims it once: after start-up no task can point it at another port (kabi.h). */
#include "poweroff.h"
#include "acpi.h"
#include "acpi_tables.h"
#include "runtime.h"
#include "sleep.h"
#include "usys.h"

#include <errno.h>

int poweroff_init(void)
{
    static struct acpi_root root;
    struct acpi_table fadt, dsdt;
    struct acpi_pm1_control pm1;
    struct acpi_sleep_type s5;
    const void *copy = runtime_boot.rsdp_len ? runtime_boot.rsdp : NULL;
    if (acpi_init(&root, copy, runtime_boot.rsdp_len, runtime_map_identity, NULL) < 0 ||
        acpi_find(&root, ACPI_FADT_SIGNATURE_TEXT, &fadt) < 0 ||
        acpi_fadt_pm1_control(fadt.data, fadt.length, &pm1) < 0 ||
        acpi_find_dsdt(&root, &dsdt) < 0 ||
        acpi_s5_find(dsdt.data + ACPI_SDT_HEADER_SIZE, dsdt.length - ACPI_SDT_HEADER_SIZE, &s5) < 0)
        return -ENOENT;
    long rc = usys_call(KABI_SYS_SET_POWEROFF, pm1.a, s5.a, pm1.b, s5.b);
    return rc < 0 ? (int)rc : 0;
}
