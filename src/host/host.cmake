# libtaskfarm-host.a: the scheduler and the mailbox slots of the guest runtime, built for Linux
# with threads standing in for CPUs (src/host). Same sources as the guest's src/sched and src/shm;
# only the CPU interface (src/cpu/cpu.h) is implemented here. Like libtaskfarm.a it is one
# object whose only global symbols are those of exports/taskfarm-host.syms.
find_package(Threads REQUIRED)
# The CPU interface on Linux (and tf_host_start/stop, which drive the scheduler)
tf_layer(host SOURCES host/cpus.c host/park.c host/fault.c host/option.c USES sched cpu)
set(TF_HOST_LIB_SOURCES)
foreach(f ${TF_LAYER_shm_SOURCES} ${TF_LAYER_sched_SOURCES} ${TF_LAYER_host_SOURCES})
  list(APPEND TF_HOST_LIB_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${f})
endforeach()
# For the unit tests, which compile the same files with their sanitizers.
set(TF_HOST_LIB_SOURCES ${TF_HOST_LIB_SOURCES} CACHE INTERNAL "sources of libtaskfarm-host.a")

tf_layer_targets(taskfarm-linux- cpu shm sched host)
set(host_layers ${TF_LAYER_OBJECT_LIBRARIES})
foreach(layer ${host_layers})
  set_target_properties(${layer} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_options(${layer} PRIVATE ${TF_WARNINGS} -O2 -g)
  target_compile_definitions(${layer} PRIVATE TF_MAX_CPUS=${TF_MAX_CPUS})
endforeach()

set(host_object ${CMAKE_CURRENT_BINARY_DIR}/taskfarm-host.o)
tf_prelink(OUTPUT ${host_object} ALL ${CMAKE_CURRENT_BINARY_DIR}/taskfarm-host-all.o
  EXPORTS ${CMAKE_CURRENT_SOURCE_DIR}/exports/taskfarm-host.syms
  OBJECT_LIBRARIES ${host_layers})
add_library(taskfarm-host STATIC ${host_object})
set_target_properties(taskfarm-host PROPERTIES LINKER_LANGUAGE C EXPORT_NAME host)
target_include_directories(taskfarm-host INTERFACE ${public_include})
target_link_libraries(taskfarm-host INTERFACE Threads::Threads m) # m: fegetenv, fesetenv
add_library(taskfarm::host ALIAS taskfarm-host)
