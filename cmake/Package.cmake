# The Debian package: cpack -G DEB (in the build tree) writes taskfarm_VERSION_ARCH.deb with
# everything cmake/Install.cmake installs, below /usr. Depends: what building and booting an image
# takes (gcc and binutils for the guest build, libc6-dev for programs on libtaskfarm-host.a,
# QEMU and Python for tf-run and tf-new), and what dpkg-shlibdeps finds for tf-client.
set(TF_PACKAGE_MAINTAINER "taskfarm maintainers <taskfarm@invalid>" CACHE STRING
    "Maintainer field of the Debian package (Name <address>)")

set(CPACK_PACKAGE_NAME taskfarm)
set(CPACK_PACKAGE_VENDOR taskfarm)
set(CPACK_PACKAGE_CONTACT "${TF_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "bare-metal SMP task-farm runtime: a C program as a bootable x86-64 KVM guest")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "Link libtaskfarm.a into a CPU-bound C program and the result is a bootable\n"
  "x86-64 Multiboot kernel image that runs as a QEMU/KVM guest and uses every\n"
  "vCPU it is given: the bootstrap CPU runs main() and hands tasks to the\n"
  "others. newlib provides the C library. libtaskfarm-host.a offers the same\n"
  "API on Linux, with threads for CPUs.\n"
  "\n"
  "Includes the CMake package (find_package(taskfarm), taskfarm_add_image),\n"
  "pkg-config for the Linux build, tf-run (boots an image in QEMU), tf-mkiso\n"
  "(GRUB ISO), tf-new (starts a project) and tf-client.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "gcc, binutils, libc6-dev, qemu-system-x86, python3")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cmake (>= 3.25), pkg-config")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "ninja-build, grub-pc-bin, grub-common, xorriso, mtools")
include(CPack)
