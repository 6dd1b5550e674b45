/* idle: boots, brings every CPU up, prints "idle: ready" and parks the bootstrap CPU for good
 * (there is no timer tick: only an interrupt would end the wait, and none is expected). Used to
 * measure what an idle guest costs the host (bench/idle-cpu); stop it from outside. */
#include "park.h"

#include <stdio.h>

static uint32_t never_changes;

int main(void)
{
    printf("idle: ready\n");
    fflush(stdout);
    for (;;)
        park_wait(&never_changes, 0);
}
