# taskfarm_add_image(): a taskfarm program as a bootable image. Part of the installed CMake package
# (taskfarmConfig.cmake includes it) and of the source tree (add_subdirectory), so it reads
# nothing but the target taskfarm::taskfarm:
#
#   taskfarm_add_image(NAME myjob SOURCES myjob.c [LIBRARIES ...] [DEFINES ...] [INCLUDES ...])
#
# builds the executable target <NAME>, an ELF64 image with Multiboot1 and Multiboot2 headers, from
# the sources, linked with taskfarm::taskfarm: the runtime (libtaskfarm.a), the CPL0 core
# (taskfarm-kernel.o), newlib and libgcc, by the linker script of the package. Everything the
# guest build needs travels with that target (compile options, newlib's headers, link options,
# libraries), so target_link_libraries(t PRIVATE taskfarm::taskfarm) on an add_executable() target
# does the same. A static library of the user's linked into an image (LIBRARIES) must itself be
# compiled for the guest: give it taskfarm::taskfarm too.
#
# The compiler is gcc (the one that builds the runtime's objects is fine; so is any later gcc for
# x86-64). Optimization is the build type's (CMAKE_BUILD_TYPE): RelWithDebInfo or Release for
# anything CPU-bound.
include_guard(GLOBAL)

# The directory of gcc's own headers (stddef.h, stdarg.h, ...), which guest code, compiled with
# -nostdinc against newlib's headers, needs as well. CMake leaves it out of include paths (it is
# an implicit directory of the host build), hence a compile option.
function(_taskfarm_compiler_include out)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                  OUTPUT_VARIABLE dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT IS_ABSOLUTE "${dir}" OR NOT EXISTS "${dir}/stddef.h")
    message(FATAL_ERROR "taskfarm: ${CMAKE_C_COMPILER} does not name its own include directory "
                        "(-print-file-name=include gave '${dir}'); the guest build needs gcc")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

function(taskfarm_add_image)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;LIBRARIES;DEFINES;INCLUDES" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_SOURCES)
    message(FATAL_ERROR "taskfarm_add_image: NAME and SOURCES are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "taskfarm_add_image: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET taskfarm::taskfarm)
    message(FATAL_ERROR "taskfarm_add_image: no target taskfarm::taskfarm; call "
                        "find_package(taskfarm) or add_subdirectory(<taskfarm source>) first")
  endif()
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "GNU")
    message(FATAL_ERROR "taskfarm_add_image: guest images are built with gcc, not "
                        "${CMAKE_C_COMPILER_ID} (set CMAKE_C_COMPILER=gcc)")
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_definitions(${ARG_NAME} PRIVATE ${ARG_DEFINES})
  target_include_directories(${ARG_NAME} PRIVATE ${ARG_INCLUDES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_LIBRARIES} taskfarm::taskfarm)
  get_target_property(depends taskfarm::taskfarm TASKFARM_LINK_DEPENDS)
  if(NOT depends)
    set(depends "")
  endif()
  set_target_properties(${ARG_NAME} PROPERTIES
    LINKER_LANGUAGE C POSITION_INDEPENDENT_CODE OFF LINK_DEPENDS "${depends}")
endfunction()
