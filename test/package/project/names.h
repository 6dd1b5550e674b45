#ifndef CLASH_NAMES_H
#define CLASH_NAMES_H

struct sched {
    int magic;
};
struct net_if {
    int up;
};
extern struct sched sched;
extern struct net_if net_if;
unsigned cpu_count(void);
int park_wait(int x);
int pci_read(int x);
int acpi_init(void);

#endif
