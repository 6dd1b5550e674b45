# Guest build: compiler flags for code that runs in a taskfarm image, and taskfarm_add_image().
#
#   taskfarm_add_image(NAME hello SOURCES hello.c [LIBRARIES ...] [DEFINES ...])
#
# builds <NAME> (an ELF64 image with Multiboot1 and Multiboot2 headers) from the user's sources,
# linked with the CPL0 core (taskfarm-kernel.o), libtaskfarm.a, newlib and libgcc.

execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                OUTPUT_VARIABLE TF_GCC_INCLUDE OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-libgcc-file-name
                OUTPUT_VARIABLE TF_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)

# Everything that runs at CPL3 in the guest: the runtime and the user's program.
set(TF_GUEST_FLAGS
  -nostdinc "SHELL:-isystem ${TF_NEWLIB_INCLUDE}" "SHELL:-isystem ${TF_GCC_INCLUDE}"
  -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fcf-protection=none
  -mcmodel=small -D__DYNAMIC_REENT__ -DTF_MAX_CPUS=${TF_MAX_CPUS})
# The CPL0 core, in addition: no red zone (exceptions at CPL0 push onto the same stack), no SSE
# (interrupted code's vector registers are not saved), no jump tables (tables would sit in user
# pages), no libc.
set(TF_KERNEL_FLAGS
  -nostdinc "SHELL:-isystem ${TF_GCC_INCLUDE}" -ffreestanding -mno-red-zone -mgeneral-regs-only
  -fno-jump-tables -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
  -fcf-protection=none -fno-asynchronous-unwind-tables -mcmodel=small -DTF_MAX_CPUS=${TF_MAX_CPUS})
set(TF_WARNINGS -Wall -Wextra -Werror)

set(TF_LINKER_SCRIPT "${PROJECT_SOURCE_DIR}/src/boot/linker.ld")

function(taskfarm_add_image)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBRARIES;DEFINES;INCLUDES" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE ${TF_GUEST_FLAGS} -O2 -g)
  target_compile_definitions(${ARG_NAME} PRIVATE ${ARG_DEFINES})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/include ${ARG_INCLUDES})
  add_dependencies(${ARG_NAME} newlib taskfarm-kernel)
  set_target_properties(${ARG_NAME} PROPERTIES LINKER_LANGUAGE C LINK_DEPENDS "${TF_LINKER_SCRIPT}")
  # -u: newlib's libc.a has do-nothing lock routines of its own (lock.o); asking for ours before
  # any archive is read makes the linker take src/boot/locks.c from libtaskfarm.a, so malloc and
  # stdio really lock when several CPUs call them.
  target_link_options(${ARG_NAME} PRIVATE
    -Wl,-u,__retarget_lock_acquire_recursive
    -nostdlib -static -no-pie -T ${TF_LINKER_SCRIPT} -Wl,-z,max-page-size=0x1000
    -Wl,--build-id=none -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments)
  target_link_libraries(${ARG_NAME} PRIVATE
    ${TF_KERNEL_OBJECT} -Wl,--start-group ${ARG_LIBRARIES} taskfarm
    ${TF_NEWLIB_LIBDIR}/libc.a ${TF_NEWLIB_LIBDIR}/libm.a ${TF_LIBGCC} -Wl,--end-group)
endfunction()
