# The network stack (portable, CPL3): Ethernet, ARP, IPv4, ICMP echo, UDP, DHCP and the API, and
# the virtio-net driver below it (netif.h), on the PCI layer.
tf_layer(udp
  SOURCES udp/checksum.c udp/eth.c udp/arp.c udp/ipv4.c udp/icmp.c udp/udp.c udp/dhcp.c
          udp/net.c udp/early.c udp/virtio_net.c
  USES pci boot)
