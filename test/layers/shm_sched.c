/* Must not compile: the mailbox slots sit below the scheduler. */
#include "slot.h"
#include "scheduler.h"
