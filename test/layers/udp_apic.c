/* Must not compile: the network stack does not reach the CPUs' start-up. */
#include "net.h"
#include "smp.h"
