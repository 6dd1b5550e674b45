/* The legacy 8259A interrupt controllers (master and slave). The runtime uses the LAPIC only;
 * the PICs are moved off the exception vectors and masked at boot, because firmware (SeaBIOS)
 * leaves them at vector 8 with the timer running. Reference: Intel 8259A data sheet. */
#ifndef TF_BOOT_PIC8259_H
#define TF_BOOT_PIC8259_H

#define PIC_MASTER_CMD  0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD   0xA0
#define PIC_SLAVE_DATA  0xA1

#define PIC_ICW1_INIT_ICW4     0x11 /* ICW1: initialise, edge triggered, cascade, ICW4 follows */
#define PIC_ICW3_SLAVE_ON_IRQ2 0x04 /* ICW3 (master): a slave on IRQ2 */
#define PIC_ICW3_SLAVE_ID      0x02 /* ICW3 (slave): its cascade identity */
#define PIC_ICW4_8086          0x01 /* ICW4: 8086 mode */
#define PIC_MASK_ALL           0xFF /* OCW1: every line masked */
#define PIC_MASTER_VECTOR      0x20 /* ICW2: vectors 0x20-0x27, past the exceptions */
#define PIC_SLAVE_VECTOR       0x28 /* ICW2: vectors 0x28-0x2F */

#endif
