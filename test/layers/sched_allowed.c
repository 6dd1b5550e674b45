/* Compiles: what the scheduler may see (the control case of the layer tests). */
#include "cpu.h"
#include "scheduler.h"
#include "slot.h"
#include "taskfarm.h"

int sched_allowed_probe(void);
int sched_allowed_probe(void)
{
    cpu_relax();
    return (int)cpu_count();
}
