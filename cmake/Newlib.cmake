# newlib for the freestanding x86-64 target, built once from Debian's newlib-source into the build
# tree (about 30 s on two cores) and reused by every later build. Defines the target
# taskfarm-newlib (the build) and, for src/CMakeLists.txt, TF_NEWLIB_INCLUDE and TF_NEWLIB_LIBDIR.
#
# Configuration: no supplied system calls (src/boot/newlib_glue.c provides them), retargetable
# locks (src/boot/locks.c) and a per-CPU reentrancy structure through __getreent() so newlib is
# safe to call from every CPU at once.
include(ExternalProject)

set(TF_NEWLIB_TARBALL "/usr/src/newlib/newlib-3.3.0.tar.xz" CACHE FILEPATH
    "newlib source tarball (Debian package newlib-source)")
if(NOT EXISTS "${TF_NEWLIB_TARBALL}")
  message(FATAL_ERROR "newlib source not found at ${TF_NEWLIB_TARBALL}: install the Debian "
                      "package newlib-source (apt-get install newlib-source)")
endif()

set(TF_NEWLIB_PREBUILT "" CACHE PATH
    "An existing newlib install prefix (from another build tree's newlib/install) to use instead of building one")
if(TF_NEWLIB_PREBUILT)
  set(TF_NEWLIB_PREFIX "${TF_NEWLIB_PREBUILT}")
else()
  set(TF_NEWLIB_PREFIX "${PROJECT_BINARY_DIR}/newlib/install")
endif()
set(TF_NEWLIB_INCLUDE "${TF_NEWLIB_PREFIX}/x86_64-elf/include")
set(TF_NEWLIB_LIBDIR "${TF_NEWLIB_PREFIX}/x86_64-elf/lib")
set(TF_NEWLIB_CFLAGS "-O2 -g -fno-pic -fno-pie -mno-red-zone -fno-stack-protector -fno-omit-frame-pointer -D__DYNAMIC_REENT__")

if(TF_NEWLIB_PREBUILT)
  if(NOT EXISTS "${TF_NEWLIB_LIBDIR}/libc.a")
    message(FATAL_ERROR "TF_NEWLIB_PREBUILT: no ${TF_NEWLIB_LIBDIR}/libc.a")
  endif()
  add_custom_target(taskfarm-newlib)
  return()
endif()

ExternalProject_Add(taskfarm-newlib
  URL "${TF_NEWLIB_TARBALL}"
  PREFIX "${PROJECT_BINARY_DIR}/newlib"
  SOURCE_DIR "${PROJECT_BINARY_DIR}/newlib/src/newlib"
  BINARY_DIR "${PROJECT_BINARY_DIR}/newlib/src/newlib-build"
  DOWNLOAD_EXTRACT_TIMESTAMP TRUE
  CONFIGURE_COMMAND <SOURCE_DIR>/configure --target=x86_64-elf --prefix=${TF_NEWLIB_PREFIX}
      --disable-multilib --disable-newlib-supplied-syscalls --enable-newlib-retargetable-locking
      --disable-libgloss --enable-newlib-io-long-long --enable-newlib-io-c99-formats
      CC_FOR_TARGET=${CMAKE_C_COMPILER} AR_FOR_TARGET=${CMAKE_AR} RANLIB_FOR_TARGET=${CMAKE_RANLIB}
      AS_FOR_TARGET=as LD_FOR_TARGET=${CMAKE_LINKER} NM_FOR_TARGET=nm OBJDUMP_FOR_TARGET=objdump
      READELF_FOR_TARGET=readelf STRIP_FOR_TARGET=strip
      "CFLAGS_FOR_TARGET=${TF_NEWLIB_CFLAGS}"
  BUILD_COMMAND make -j${TF_BUILD_JOBS} all-target-newlib
  INSTALL_COMMAND make install-target-newlib
  BUILD_BYPRODUCTS "${TF_NEWLIB_LIBDIR}/libc.a" "${TF_NEWLIB_LIBDIR}/libm.a"
  LOG_CONFIGURE TRUE LOG_BUILD TRUE LOG_INSTALL TRUE LOG_OUTPUT_ON_FAILURE TRUE)
