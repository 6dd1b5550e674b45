/* Must not compile: the scheduler sees no hardware header (test/layers/CMakeLists.txt). */
#include "scheduler.h"
#include "x86.h"
