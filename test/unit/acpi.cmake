# ACPI discovery (RSDP, RSDT/XSDT, MADT) of src/acpi and the CPUID topology decoding of src/apic.
#
# test_acpi checks the MADT parser against the real tables in test/data/acpi/madt (see its
# README.md); TF_ACPI_TESTDATA in the environment, or TF_ACPI_TESTDATA_DIR when configuring, names
# another directory laid out the same way.
set(TF_ACPI_TESTDATA_DIR "${PROJECT_SOURCE_DIR}/test/data/acpi/madt"
    CACHE PATH "Directory of real MADT tables and their INDEX.tsv for test_acpi")
tf_add_unit_test(NAME acpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_acpi.c
          ${PROJECT_SOURCE_DIR}/src/acpi/acpi.c ${PROJECT_SOURCE_DIR}/src/acpi/madt.c
  DEFINES "TF_ACPI_TESTDATA_DEFAULT=\"${TF_ACPI_TESTDATA_DIR}\"")

# The same test on another directory of tables: the sound tables among the first rows of the
# index, copied with their rows (the test may depend on nothing particular to the bundled set).
set(other ${CMAKE_CURRENT_BINARY_DIR}/acpi-other-tables)
file(REMOVE_RECURSE ${other})
file(STRINGS ${TF_ACPI_TESTDATA_DIR}/INDEX.tsv rows)
list(POP_FRONT rows header)
set(index "${header}\n")
set(taken 0)
foreach(row IN LISTS rows)
  string(REPLACE "\t" ";" cols "${row}")
  list(GET cols 0 file)
  list(GET cols 4 checksum)
  if(checksum STREQUAL "yes" AND taken LESS 6)
    file(COPY ${TF_ACPI_TESTDATA_DIR}/${file} DESTINATION ${other})
    string(APPEND index "${row}\n")
    math(EXPR taken "${taken} + 1")
  endif()
endforeach()
file(WRITE ${other}/INDEX.tsv "${index}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${TF_ACPI_TESTDATA_DIR}/INDEX.tsv)
add_test(NAME unit.acpi_other_tables COMMAND test_acpi)
set_tests_properties(unit.acpi_other_tables PROPERTIES LABELS unit TIMEOUT 300
  ENVIRONMENT "TF_ACPI_TESTDATA=${other};CK_DEFAULT_TIMEOUT=120;ASAN_OPTIONS=detect_leaks=1:abort_on_error=0;UBSAN_OPTIONS=print_stacktrace=1")

tf_add_unit_test(NAME topology
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_topology.c ${PROJECT_SOURCE_DIR}/src/apic/topology.c)

# The power-off parsers of src/acpi/sleep.c (\_S5 in the DSDT, PM1 control in the FADT), on
# QEMU's q35 and pc tables (test/data/acpi/qemu) and on crafted bytes.
tf_add_unit_test(NAME acpi_sleep
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_acpi_sleep.c ${PROJECT_SOURCE_DIR}/src/acpi/sleep.c
          ${PROJECT_SOURCE_DIR}/src/acpi/aml.c ${PROJECT_SOURCE_DIR}/src/acpi/acpi.c
  DEFINES "TF_ACPI_QEMU_TABLES=\"${PROJECT_SOURCE_DIR}/test/data/acpi/qemu\"")
