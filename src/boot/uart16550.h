/* 16550 UART register table (the PC's COM1), offsets from the port base.
 * Reference: National Semiconductor PC16550D data sheet. */
#ifndef TF_BOOT_UART16550_H
#define TF_BOOT_UART16550_H

#define UART_COM1_BASE 0x3F8

#define UART_THR 0 /* transmit holding register (write, DLAB=0) */
#define UART_RBR 0 /* receive buffer register (read, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */

#define UART_FCR_ENABLE   0x01 /* FIFOs on */
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_LCR_8N1      0x03 /* 8 data bits, no parity, 1 stop bit */
#define UART_LCR_DLAB     0x80 /* divisor latch access */
#define UART_MCR_DTR      0x01
#define UART_MCR_RTS      0x02
#define UART_LSR_THRE     0x20 /* transmit holding register empty (with FIFOs on: the FIFO is) */
#define UART_TX_FIFO      16   /* bytes the transmit FIFO holds (16550A) */
#define UART_BAUD_BASE    115200
#define UART_BAUD         115200

#endif
