/* Virtio register table: the PCI transport (virtio 1.0 "modern" capabilities and the legacy
 * I/O BAR), device status, feature bits, split virtqueues, the network device's header and
 * configuration, and the console device's queues and features. Reference: Virtual I/O Device
 * (VIRTIO) Version 1.0, OASIS, sections 2.1-2.4 (status, features, virtqueues), 4.1 (PCI), 5.1
 * (network device), 5.3 (console device). All fields little-endian. */
#ifndef TF_PCI_VIRTIO_REGS_H
#define TF_PCI_VIRTIO_REGS_H

#include <stdint.h>

/* PCI identity (4.1.2): transitional devices 0x1000-0x103F carry the type in the subsystem ID;
 * modern-only devices are 0x1040 + type. */
#define VIRTIO_PCI_VENDOR             0x1AF4
#define VIRTIO_PCI_TRANSITIONAL_FIRST 0x1000
#define VIRTIO_PCI_TRANSITIONAL_NET   0x1000
#define VIRTIO_PCI_TRANSITIONAL_LAST  0x103F
#define VIRTIO_PCI_MODERN_BASE        0x1040
/* Device types (5) */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_CONSOLE 3

/* Vendor-specific capability describing where a structure lives (4.1.4) */
#define VIRTIO_PCI_CAP_CFG_TYPE   3  /* 8 bits: one of VIRTIO_PCI_CAP_* */
#define VIRTIO_PCI_CAP_BAR        4  /* 8 bits: BAR index */
#define VIRTIO_PCI_CAP_OFFSET     8  /* 32 bits: offset in the BAR */
#define VIRTIO_PCI_CAP_LENGTH     12 /* 32 bits */
#define VIRTIO_PCI_CAP_NOTIFY_MUL 16 /* 32 bits, notify capability only */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* Common configuration structure (4.1.4.3) */
#define VIRTIO_COMMON_DFSELECT     0x00 /* 32: which 32 feature bits device_feature shows */
#define VIRTIO_COMMON_DF           0x04 /* 32: device features */
#define VIRTIO_COMMON_GFSELECT     0x08 /* 32 */
#define VIRTIO_COMMON_GF           0x0C /* 32: driver (guest) features */
#define VIRTIO_COMMON_MSIX_CONFIG  0x10 /* 16: MSI-X entry for configuration changes */
#define VIRTIO_COMMON_NUM_QUEUES   0x12 /* 16 */
#define VIRTIO_COMMON_STATUS       0x14 /* 8: device status; 0 resets */
#define VIRTIO_COMMON_CFG_GEN      0x15 /* 8 */
#define VIRTIO_COMMON_Q_SELECT     0x16 /* 16: the queue the fields below refer to */
#define VIRTIO_COMMON_Q_SIZE       0x18 /* 16: maximum on reset; the driver may lower it */
#define VIRTIO_COMMON_Q_MSIX       0x1A /* 16: MSI-X entry for this queue */
#define VIRTIO_COMMON_Q_ENABLE     0x1C /* 16 */
#define VIRTIO_COMMON_Q_NOTIFY_OFF 0x1E /* 16: times notify_off_multiplier = doorbell offset */
#define VIRTIO_COMMON_Q_DESC       0x20 /* 64: descriptor table */
#define VIRTIO_COMMON_Q_AVAIL      0x28 /* 64: driver (available) ring */
#define VIRTIO_COMMON_Q_USED       0x30 /* 64: device (used) ring */
#define VIRTIO_MSI_NO_VECTOR       0xFFFF

/* Legacy interface: registers in I/O BAR 0 (4.1.4.8) */
#define VIRTIO_LEGACY_BAR            0
#define VIRTIO_LEGACY_HOST_FEATURES  0x00 /* 32 */
#define VIRTIO_LEGACY_GUEST_FEATURES 0x04 /* 32 */
#define VIRTIO_LEGACY_QUEUE_PFN      0x08 /* 32: queue address / VIRTIO_LEGACY_PFN_SIZE */
#define VIRTIO_LEGACY_QUEUE_SIZE     0x0C /* 16, read-only */
#define VIRTIO_LEGACY_QUEUE_SELECT   0x0E /* 16 */
#define VIRTIO_LEGACY_QUEUE_NOTIFY   0x10 /* 16: write the queue index */
#define VIRTIO_LEGACY_STATUS         0x12 /* 8 */
#define VIRTIO_LEGACY_ISR            0x13 /* 8 */
#define VIRTIO_LEGACY_MSIX_CONFIG    0x14 /* 16, only while MSI-X is enabled */
#define VIRTIO_LEGACY_MSIX_QUEUE     0x16 /* 16, only while MSI-X is enabled */
#define VIRTIO_LEGACY_DEVICE_MSIX    0x18 /* device configuration, MSI-X enabled */
#define VIRTIO_LEGACY_DEVICE_NO_MSIX 0x14 /* device configuration, MSI-X disabled */
#define VIRTIO_LEGACY_PFN_SHIFT      12
#define VIRTIO_LEGACY_ALIGN          4096 /* the used ring starts on this boundary */

/* Device status (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED      128u

/* Feature bits (2.2, 5.1.3, 6) */
#define VIRTIO_NET_F_CSUM       0  /* device checksums partial packets we send */
#define VIRTIO_NET_F_GUEST_CSUM 1  /* we accept partially checksummed packets */
#define VIRTIO_NET_F_MAC        5  /* the device configuration has a MAC address */
#define VIRTIO_NET_F_MRG_RXBUF  15 /* received packets may span several buffers */
#define VIRTIO_NET_F_STATUS     16
#define VIRTIO_F_ANY_LAYOUT     27 /* legacy: header and data may share a descriptor */
#define VIRTIO_F_EVENT_IDX      29
#define VIRTIO_F_VERSION_1      32 /* modern interface (little-endian, 12-byte net header) */
#define VIRTIO_FEATURE(bit)     (1ull << (bit))

/* Split virtqueue (2.4) */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_NEXT  1 /* continues in `next` */
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer (receive) */

struct virtq_avail {
    uint16_t flags;
    uint16_t idx; /* where the driver puts the next entry (free-running) */
    uint16_t ring[];
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1 /* the driver needs no interrupt for used buffers now */

struct virtq_used_elem {
    uint32_t id;  /* head descriptor */
    uint32_t len; /* bytes the device wrote */
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[];
};
#define VIRTQ_USED_F_NO_NOTIFY 1 /* the device needs no doorbell now */

#define VIRTQ_DESC_ALIGN  16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN  4
#define VIRTQ_SIZE_MAX    32768

/* Network device (5.1) */
#define VIRTIO_NET_Q_RX 0
#define VIRTIO_NET_Q_TX 1
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type; /* VIRTIO_NET_HDR_GSO_NONE */
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers; /* present with VIRTIO_F_VERSION_1 or MRG_RXBUF */
};
#define VIRTIO_NET_HDR_GSO_NONE   0
#define VIRTIO_NET_HDR_LEN        12 /* with VIRTIO_F_VERSION_1 */
#define VIRTIO_NET_HDR_LEN_LEGACY 10 /* legacy without MRG_RXBUF: no num_buffers */
#define VIRTIO_NET_CFG_MAC        0  /* 6 bytes, with VIRTIO_NET_F_MAC */
#define VIRTIO_NET_CFG_STATUS     6  /* 16 */

/* Console device (5.3). Queues (5.3.2): port 0's receiveq and transmitq, then, with
 * VIRTIO_CONSOLE_F_MULTIPORT, the control receiveq and transmitq, then port 1's pair, and so on.
 * A receiveq carries data from the host, a transmitq data to it. */
#define VIRTIO_CONSOLE_Q_CONTROL_RX  2
#define VIRTIO_CONSOLE_Q_CONTROL_TX  3
#define VIRTIO_CONSOLE_Q_RX(port)    ((port) == 0 ? 0u : 2u + 2u * (port))
#define VIRTIO_CONSOLE_Q_TX(port)    (VIRTIO_CONSOLE_Q_RX(port) + 1u)
#define VIRTIO_CONSOLE_F_SIZE        0 /* the configuration has the console's columns and rows */
#define VIRTIO_CONSOLE_F_MULTIPORT   1 /* several ports and the control queues */
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2 /* emergency writes through the configuration */
/* Control message (5.3.6.2), on the control queues; some events carry data after it (a port's
 * name) */
struct virtio_console_control {
    uint32_t id;    /* the port it is about */
    uint16_t event; /* VIRTIO_CONSOLE_* below */
    uint16_t value;
};
#define VIRTIO_CONSOLE_DEVICE_READY  0 /* driver: ready for ports (value 1) */
#define VIRTIO_CONSOLE_DEVICE_ADD    1 /* device: port `id` exists */
#define VIRTIO_CONSOLE_DEVICE_REMOVE 2 /* device: port `id` is gone */
#define VIRTIO_CONSOLE_PORT_READY    3 /* driver: port `id` added (value 1) or not (0) */
#define VIRTIO_CONSOLE_CONSOLE_PORT  4 /* device: port `id` is a console */
#define VIRTIO_CONSOLE_RESIZE        5 /* device: a console's new size */
#define VIRTIO_CONSOLE_PORT_OPEN     6 /* either side: it opened (value 1) or closed (0) `id` */
#define VIRTIO_CONSOLE_PORT_NAME     7 /* device: port `id`'s name follows */

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq descriptor");
_Static_assert(sizeof(struct virtio_net_hdr) == VIRTIO_NET_HDR_LEN, "virtio-net header");
_Static_assert(sizeof(struct virtio_console_control) == 8, "virtio console control message");

#endif
