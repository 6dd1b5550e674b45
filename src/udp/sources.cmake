# The network stack (portable, CPL3): the frame pump, Ethernet, ARP, IPv4, ICMP echo, UDP, the
# sockets and their API, address configuration and DHCP, and the virtio-net driver below it
# (netif.h), on the PCI layer. Listed in the order a received frame goes up.
tf_layer(udp
  SOURCES udp/pump.c udp/eth.c udp/arp.c udp/ipv4.c udp/icmp.c udp/udp.c udp/early.c
          udp/socket.c udp/config.c udp/dhcp.c udp/checksum.c udp/virtio_net.c
  USES pci boot)
