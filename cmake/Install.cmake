# Install rules (TF_INSTALL): cmake --install BUILD --prefix P puts below P
#
#   include/taskfarm.h                         the API
#   LIBDIR/libtaskfarm.a, libtaskfarm-host.a   the guest runtime, the Linux build
#   LIBDIR/taskfarm/taskfarm-kernel.o          the CPL0 core, linked into every image
#   LIBDIR/taskfarm/linker.ld                  the images' linker script
#   LIBDIR/taskfarm/newlib/{include,lib}       the newlib the runtime was built with
#   LIBDIR/cmake/taskfarm/                     find_package(taskfarm): taskfarm::taskfarm,
#                                              taskfarm::host, taskfarm::guest, taskfarm_add_image()
#   LIBDIR/pkgconfig/taskfarm-host.pc          pkg-config for the Linux build
#   bin/tf-run, tf-mkiso, tf-new, tf-client    boot an image, make an ISO, start a project, query
#                                              the prime-count server
#   share/taskfarm/python/tflib.py             tf-run's helpers
#   share/man/man3/taskfarm.3                  the API's manual page (tools/header-man)
#   share/doc/taskfarm/                        README, licences (the project's and newlib's)
#
# Every installed path is relative to the prefix, so the tree may be moved as a whole.
include(CMakePackageConfigHelpers)
set(TF_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/taskfarm")

install(TARGETS taskfarm taskfarm-host taskfarm-guest EXPORT taskfarmTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/taskfarm.h TYPE INCLUDE)
install(FILES ${PROJECT_BINARY_DIR}/src/taskfarm-kernel.o ${PROJECT_SOURCE_DIR}/src/boot/linker.ld
        DESTINATION ${TF_INSTALL_PKGLIBDIR})
install(DIRECTORY ${TF_NEWLIB_INCLUDE}/ DESTINATION ${TF_INSTALL_PKGLIBDIR}/newlib/include)
install(FILES ${TF_NEWLIB_LIBDIR}/libc.a ${TF_NEWLIB_LIBDIR}/libm.a
        DESTINATION ${TF_INSTALL_PKGLIBDIR}/newlib/lib)

install(EXPORT taskfarmTargets NAMESPACE taskfarm:: DESTINATION ${TF_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/taskfarmConfig.cmake.in
  ${PROJECT_BINARY_DIR}/taskfarmConfig.cmake INSTALL_DESTINATION ${TF_INSTALL_CMAKEDIR}
  PATH_VARS TF_INSTALL_PKGLIBDIR)
# 0.x: a minor version may change the API, so 0.2 accepts 0.2.y only
write_basic_package_version_file(${PROJECT_BINARY_DIR}/taskfarmConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/taskfarmConfig.cmake
              ${PROJECT_BINARY_DIR}/taskfarmConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/TaskfarmImage.cmake
        DESTINATION ${TF_INSTALL_CMAKEDIR})

# pkg-config finds the prefix from the .pc file's own place
file(RELATIVE_PATH TF_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" TF_PC_TO_PREFIX "${TF_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/taskfarm-host.pc.in ${PROJECT_BINARY_DIR}/taskfarm-host.pc
               @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/taskfarm-host.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/tf-run ${PROJECT_SOURCE_DIR}/tools/tf-mkiso
                 ${PROJECT_SOURCE_DIR}/tools/tf-new
        TYPE BIN)
# the taskfarm(3) manual page, made from the header
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/taskfarm.3
  COMMAND ${PROJECT_SOURCE_DIR}/tools/header-man ${PROJECT_SOURCE_DIR}/include/taskfarm.h
          ${PROJECT_VERSION} > ${PROJECT_BINARY_DIR}/taskfarm.3
  DEPENDS ${PROJECT_SOURCE_DIR}/tools/header-man ${PROJECT_SOURCE_DIR}/include/taskfarm.h
  COMMENT "Writing the taskfarm(3) manual page" VERBATIM)
add_custom_target(taskfarm-man ALL DEPENDS ${PROJECT_BINARY_DIR}/taskfarm.3)
install(FILES ${PROJECT_BINARY_DIR}/taskfarm.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
install(FILES ${PROJECT_SOURCE_DIR}/tools/tflib.py DESTINATION ${CMAKE_INSTALL_DATADIR}/taskfarm/python)
if(TARGET tf-client)
  install(TARGETS tf-client RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# tf-run(1) and tf-client(1), made from their --help by help2man (so they say what --help says)
find_program(TF_HELP2MAN help2man REQUIRED)
function(tf_man1 name program description)
  set(page ${PROJECT_BINARY_DIR}/${name}.1)
  add_custom_command(OUTPUT ${page}
    COMMAND ${TF_HELP2MAN} --no-info --version-string=${PROJECT_VERSION} --name=${description}
            --output=${page} ${program}
    DEPENDS ${program} COMMENT "Writing the ${name}(1) manual page" VERBATIM)
  add_custom_target(taskfarm-man-${name} ALL DEPENDS ${page})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()
tf_man1(tf-run ${PROJECT_SOURCE_DIR}/tools/tf-run "boot a taskfarm image in QEMU")
if(TARGET tf-client)
  tf_man1(tf-client $<TARGET_FILE:tf-client> "ask prime-count servers for work")
endif()

# newlib's licence, from the source tarball the build used
set(newlib_licence ${PROJECT_BINARY_DIR}/newlib-licence)
if(NOT EXISTS ${newlib_licence}/COPYING.NEWLIB)
  file(ARCHIVE_EXTRACT INPUT ${TF_NEWLIB_TARBALL} DESTINATION ${newlib_licence}/tar
       PATTERNS "*/COPYING.NEWLIB")
  file(GLOB_RECURSE found ${newlib_licence}/tar/*/COPYING.NEWLIB)
  if(NOT found)
    message(FATAL_ERROR "no COPYING.NEWLIB in ${TF_NEWLIB_TARBALL}")
  endif()
  list(GET found 0 found)
  file(COPY ${found} DESTINATION ${newlib_licence})
  file(REMOVE_RECURSE ${newlib_licence}/tar)
endif()
file(WRITE ${PROJECT_BINARY_DIR}/copyright
  "taskfarm ${PROJECT_VERSION}\n\n"
  "The runtime, the core, the tools and the CMake package: MIT licence, see LICENSE.\n\n"
  "LIBDIR/taskfarm/newlib (headers and libraries linked into every image) is newlib,\n"
  "built from Debian's newlib-source: see COPYING.NEWLIB for its licences.\n")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
              ${newlib_licence}/COPYING.NEWLIB ${PROJECT_BINARY_DIR}/copyright
        TYPE DOC)
