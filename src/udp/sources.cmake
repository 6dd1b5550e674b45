# The network stack (portable, CPL3): Ethernet, ARP, IPv4, ICMP echo, UDP, DHCP and the API.
list(APPEND TF_RUNTIME_SOURCES
  udp/checksum.c udp/eth.c udp/arp.c udp/ipv4.c udp/icmp.c udp/udp.c udp/dhcp.c udp/net.c)
list(APPEND TF_RUNTIME_INCLUDES udp)
# The NIC below the stack: PCI and the virtio-net driver at CPL3 (netif.h), and the core's device
# calls at CPL0 (PCI configuration, device ports, mapping BARs, waiting for the NIC). ECAM
# (ACPI MCFG) and the host bridge's windows (DSDT) are read at CPL3.
list(APPEND TF_RUNTIME_SOURCES udp/pci.c udp/pci_acpi.c udp/mcfg.c udp/pcihost.c
  udp/virtio_pci.c udp/virtqueue.c udp/virtio_net.c)
list(APPEND TF_KERNEL_SOURCES udp/kdev.c)
