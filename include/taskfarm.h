/* taskfarm: the public API. */
#ifndef TASKFARM_H
#define TASKFARM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Machine and boot ------------------------------------------------------------------------
 * Any CPU may call these once main() has started. */

/* The value of the boot option "tf.NAME=VALUE" (the last one given), or NULL. Options given this
 * way are taken out of main()'s argv. Example: tf_option("park") for "tf.park=hlt". */
const char *tf_option(const char *name);

/* Bytes of RAM the boot loader's memory map reports as available. */
uint64_t tf_memory_bytes(void);

/* Bytes of RAM the heap (malloc) may still grow into. */
uint64_t tf_heap_free_bytes(void);

/* Nanoseconds from the first instruction of the image to the start of main(), or 0 when the
 * clock could not be calibrated. */
uint64_t tf_boot_ns(void);

#ifdef __cplusplus
}
#endif
#endif
