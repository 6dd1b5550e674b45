/* The 8254 programmable interval timer. Channel 2 (gated by the keyboard controller's port B) is
 * used only to calibrate the TSC where neither CPUID nor the hypervisor states its rate. Channel 0
 * is stopped at start-up: it comes out of reset as an 18.2 Hz square wave, whose every edge wakes
 * an emulating hypervisor's main loop though the interrupt is masked.
 * Reference: Intel 82C54 data sheet; the PC/AT port B layout. */
#ifndef TF_BOOT_PIT8254_H
#define TF_BOOT_PIT8254_H

#define PIT_HZ                1193182 /* input clock */
#define PIT_CHANNEL0_DATA     0x40
#define PIT_CHANNEL2_DATA     0x42
#define PIT_COMMAND           0x43
#define PIT_CMD_CHANNEL0      0x00 /* select counter 0 */
#define PIT_CMD_CHANNEL2      0x80 /* select counter 2 */
#define PIT_CMD_LOBYTE_HIBYTE 0x30 /* access: low byte, then high byte */
#define PIT_CMD_MODE0         0x00 /* interrupt on terminal count: OUT goes high at zero */
#define PIT_PORT_B            0x61
#define PIT_PORT_B_GATE2      0x01 /* counter 2 gate */
#define PIT_PORT_B_SPEAKER    0x02 /* speaker data enable (kept off) */
#define PIT_PORT_B_OUT2       0x20 /* counter 2 output (read) */

#define PIT_CALIBRATE_TICKS 11932 /* 10 ms */
/* TSC ticks after which a counter that never reaches zero (no PIT) is given up: seconds at any
 * plausible TSC rate */
#define PIT_CALIBRATE_GIVE_UP (1ull << 34)

#endif
