/* Must not compile: the ACPI parsers see no other folder. */
#include "madt.h"
#include "runtime.h"
