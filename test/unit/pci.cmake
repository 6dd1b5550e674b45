# PCI platform discovery of src/acpi: the ACPI MCFG (ECAM ranges) and the PCI host bridge's
# windows and _CBA in the DSDT, over tables the test builds (sound and damaged), with ASan
# catching any read past the bytes handed over.
tf_add_unit_test(NAME pci
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pci.c ${PROJECT_SOURCE_DIR}/src/acpi/mcfg.c
          ${PROJECT_SOURCE_DIR}/src/acpi/pcihost.c ${PROJECT_SOURCE_DIR}/src/acpi/aml.c
          ${PROJECT_SOURCE_DIR}/src/acpi/acpi.c)
