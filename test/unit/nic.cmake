# Unit tests of the NIC driver's portable parts: the core's half of split virtqueues
# (src/core/kvring.c), with the test playing the device's side of the rings.
tf_add_unit_test(NAME kvring
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kvring.c ${PROJECT_SOURCE_DIR}/src/core/kvring.c)
