# Unit tests of the boot information parser (memory map, modules, heap choice), the command-line
# splitter and the runtime options (src/boot): pure C, built for the host against crafted
# Multiboot information.
set(TF_BOOT_SRC ${PROJECT_SOURCE_DIR}/src/boot)
# The boot information, one test per concern (test_bootinfo_<name>.c, and the modules below).
foreach(name multiboot mmap acpi cmdline heap)
  tf_add_unit_test(NAME bootinfo_${name}
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bootinfo_${name}.c ${TF_BOOT_SRC}/bootinfo.c
            ${TF_BOOT_SRC}/bootinfo_memory.c)
endforeach()
tf_add_unit_test(NAME bootinfo_modules
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bootinfo_modules.c ${TF_BOOT_SRC}/bootinfo.c
          ${TF_BOOT_SRC}/bootinfo_memory.c)
tf_add_unit_test(NAME cmdline
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cmdline.c ${TF_BOOT_SRC}/cmdline.c)
tf_add_unit_test(NAME options
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_options.c ${TF_BOOT_SRC}/options.c
          ${TF_BOOT_SRC}/option_check.c ${TF_BOOT_SRC}/cmdline.c)
# The runtime's errno values as the public API's error codes (src/boot/api_error.c).
tf_add_unit_test(NAME api_error
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_error.c ${TF_BOOT_SRC}/api_error.c)
