# libtaskfarm-host.a: the scheduler and the mailbox slots of the guest runtime, built for Linux
# with threads standing in for CPUs (src/host). Same sources as the guest's src/sched and src/shm;
# only the CPU interface (src/sched/cpu.h) is implemented here.
find_package(Threads REQUIRED)
set(TF_HOST_OWN_SOURCES host/cpus.c host/park.c host/fault.c host/option.c)
set(TF_HOST_LIB_SOURCES)
foreach(f ${TF_SHM_SOURCES} ${TF_SCHED_SOURCES} ${TF_HOST_OWN_SOURCES})
  list(APPEND TF_HOST_LIB_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${f})
endforeach()
# For the unit tests, which compile the same files with their sanitizers.
set(TF_HOST_LIB_SOURCES ${TF_HOST_LIB_SOURCES} CACHE INTERNAL "sources of libtaskfarm-host.a")

add_library(taskfarm-host STATIC ${TF_HOST_LIB_SOURCES})
target_compile_options(taskfarm-host PRIVATE ${TF_WARNINGS} -O2 -g)
target_compile_definitions(taskfarm-host PRIVATE TF_MAX_CPUS=${TF_MAX_CPUS})
target_include_directories(taskfarm-host PUBLIC ${PROJECT_SOURCE_DIR}/include
  PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/sched ${CMAKE_CURRENT_SOURCE_DIR}/shm
          ${CMAKE_CURRENT_SOURCE_DIR}/host)
target_link_libraries(taskfarm-host PUBLIC Threads::Threads m) # m: fegetenv, fesetenv
