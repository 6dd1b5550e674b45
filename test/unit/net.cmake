# Unit tests of the network stack (src/udp): the real stack sources on an in-memory wire
# (test_net_wire.c stands in for the NIC driver, the clock, the boot options and the CPU number).
set(TF_NET_SRC ${PROJECT_SOURCE_DIR}/src/udp)
set(TF_NET_STACK_SOURCES
  ${TF_NET_SRC}/pump.c ${TF_NET_SRC}/eth.c ${TF_NET_SRC}/arp.c ${TF_NET_SRC}/ipv4.c
  ${TF_NET_SRC}/icmp.c ${TF_NET_SRC}/udp.c ${TF_NET_SRC}/early.c ${TF_NET_SRC}/socket.c
  ${TF_NET_SRC}/config.c ${TF_NET_SRC}/dhcp.c ${TF_NET_SRC}/checksum.c
  ${PROJECT_SOURCE_DIR}/src/boot/api_error.c)
# One test per concern (test_net_<name>.c); all but net_dhcp share net_frames.c.
foreach(name arp ipv4_icmp udp_socket config malformed)
  tf_add_unit_test(NAME net_${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_net_${name}.c ${CMAKE_CURRENT_LIST_DIR}/net_frames.c
            ${CMAKE_CURRENT_LIST_DIR}/test_net_wire.c ${TF_NET_STACK_SOURCES})
endforeach()
tf_add_unit_test(NAME net_dhcp
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_net_dhcp.c ${CMAKE_CURRENT_LIST_DIR}/test_net_wire.c
          ${TF_NET_STACK_SOURCES})
