# ACPI discovery (RSDP, RSDT/XSDT, MADT) of src/acpi and the CPUID topology decoding of src/apic.
#
# test_acpi checks the MADT parser against the real tables in shared/testdata/acpi/madt beside
# the source tree; TF_ACPI_TESTDATA in the environment names another directory at run time.
set(TF_ACPI_TESTDATA_DEFAULT "${PROJECT_SOURCE_DIR}/../shared/testdata/acpi/madt"
    CACHE PATH "Directory of real MADT tables and their INDEX.tsv for test_acpi")
tf_add_unit_test(NAME acpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_acpi.c
          ${PROJECT_SOURCE_DIR}/src/acpi/acpi.c ${PROJECT_SOURCE_DIR}/src/acpi/madt.c
  DEFINES "TF_ACPI_TESTDATA_DEFAULT=\"${TF_ACPI_TESTDATA_DEFAULT}\"")
tf_add_unit_test(NAME topology
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_topology.c ${PROJECT_SOURCE_DIR}/src/apic/topology.c)
