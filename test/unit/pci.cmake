# PCI platform discovery of src/udp: the ACPI MCFG (ECAM ranges) and the PCI host bridge's
# windows and _CBA in the DSDT, over tables the test builds (sound and damaged), with ASan
# catching any read past the bytes handed over.
tf_add_unit_test(NAME pci
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pci.c ${PROJECT_SOURCE_DIR}/src/udp/mcfg.c
          ${PROJECT_SOURCE_DIR}/src/udp/pcihost.c ${PROJECT_SOURCE_DIR}/src/apic/acpi.c)
