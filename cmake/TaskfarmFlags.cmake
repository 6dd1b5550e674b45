# Compiler flags of the runtime's own build (not installed: users get theirs from the target
# taskfarm::taskfarm, see src/CMakeLists.txt), and tf_prelink().
include(${CMAKE_CURRENT_LIST_DIR}/TaskfarmImage.cmake)
_taskfarm_compiler_include(TF_GCC_INCLUDE)

# Code generation of everything that runs at CPL3 in the guest, the runtime and the user's
# program alike (src/CMakeLists.txt puts them on taskfarm::guest for users).
set(TF_GUEST_CODEGEN_FLAGS
  -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
  -fcf-protection=none -mcmodel=small)
# The CPL0 core: no red zone (exceptions at CPL0 push onto the same stack), no SSE (interrupted
# code's vector registers are not saved), no jump tables (tables would sit in user pages), no libc.
set(TF_KERNEL_FLAGS
  -nostdinc "SHELL:-isystem ${TF_GCC_INCLUDE}" -ffreestanding -mno-red-zone -mgeneral-regs-only
  -fno-jump-tables -fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
  -fcf-protection=none -fno-asynchronous-unwind-tables -mcmodel=small -DTF_MAX_CPUS=${TF_MAX_CPUS})
set(TF_WARNINGS -Wall -Wextra -Werror)

# tf_prelink(OUTPUT out.o ALL all.o EXPORTS list.syms OBJECT_LIBRARIES libs... [SCRIPT ld-script])
#
# Links the objects of the object libraries into one relocatable object, all.o (ld -r, with the
# linker script when given), then writes out.o, the same with every global symbol that is not in
# the export list made local (objcopy --keep-global-symbols). The static libraries users link are
# made from out.o: their internal names (sched, net_if, cpu_count, ...) cannot clash with the
# user's. all.o keeps every symbol, for the white-box test images.
function(tf_prelink)
  cmake_parse_arguments(ARG "" "OUTPUT;ALL;EXPORTS;SCRIPT" "OBJECT_LIBRARIES" ${ARGN})
  set(objects)
  foreach(lib ${ARG_OBJECT_LIBRARIES})
    list(APPEND objects $<TARGET_OBJECTS:${lib}>)
  endforeach()
  set(script_args)
  if(ARG_SCRIPT)
    set(script_args -T ${ARG_SCRIPT})
  endif()
  get_filename_component(name ${ARG_OUTPUT} NAME)
  file(RELATIVE_PATH exports ${PROJECT_SOURCE_DIR} ${ARG_EXPORTS})
  add_custom_command(OUTPUT ${ARG_ALL} ${ARG_OUTPUT}
    COMMAND ${CMAKE_LINKER} -r ${script_args} -o ${ARG_ALL} ${objects}
    COMMAND ${CMAKE_OBJCOPY} --keep-global-symbols=${ARG_EXPORTS} ${ARG_ALL} ${ARG_OUTPUT}
    DEPENDS ${ARG_OBJECT_LIBRARIES} ${objects} ${ARG_EXPORTS} ${ARG_SCRIPT}
    COMMENT "Linking ${name}: one object, global only what ${exports} lists"
    COMMAND_EXPAND_LISTS VERBATIM)
endfunction()

# tf_add_internal_image(NAME name SOURCES files...)
#
# An image of the source tree's own that reaches inside the runtime (test images, benchmarks): it
# is linked with the runtime's objects and the core with every symbol (taskfarm-internal) and
# sees every internal header.
function(tf_add_internal_image)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE -O2 -g)
  target_link_libraries(${ARG_NAME} PRIVATE taskfarm-internal)
  set_target_properties(${ARG_NAME} PROPERTIES LINKER_LANGUAGE C POSITION_INDEPENDENT_CODE OFF
    LINK_DEPENDS ${PROJECT_SOURCE_DIR}/src/boot/linker.ld)
endfunction()
