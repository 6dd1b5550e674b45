# Unit tests of the NIC driver's portable parts (src/pci): split virtqueues, with the test
# playing the device's side of the rings.
tf_add_unit_test(NAME virtqueue
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_virtqueue.c ${PROJECT_SOURCE_DIR}/src/pci/virtqueue.c)
