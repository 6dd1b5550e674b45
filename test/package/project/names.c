/* Names the taskfarm runtime uses for its own functions and variables, given other meanings
 * here. Were they global in libtaskfarm.a or libtaskfarm-host.a, linking would fail (multiple
 * definitions) or, worse, mix the two. */
#include "names.h"

struct sched sched = {.magic = 7};
struct net_if net_if = {.up = 42};

unsigned cpu_count(void)
{
    return 12345;
}

int park_wait(int x)
{
    return 3 * x;
}

int pci_read(int x)
{
    return x + 1;
}

int acpi_init(void)
{
    return -7;
}
