# The task farm on Linux (src/sched, src/shm, src/host), with real threads. The library's sources
# are compiled into each test, so that the sanitizer sees inside them.
tf_add_unit_test(NAME shm_queue SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_shm_queue.c
  ${PROJECT_SOURCE_DIR}/src/shm/queue.c SANITIZE thread)
tf_add_unit_test(NAME sched_farm SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_farm.c
  ${TF_HOST_LIB_SOURCES} SANITIZE thread)
# The notice handshake as a litmus test: on the bare hardware (the store-buffering outcome it
# guards against is the processor's, which sanitizer instrumentation hides) and under TSan.
tf_add_unit_test(NAME shm_handshake SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_shm_handshake.c
  ${PROJECT_SOURCE_DIR}/src/shm/task.c ${PROJECT_SOURCE_DIR}/src/shm/notice.c
  ${PROJECT_SOURCE_DIR}/src/shm/slot.c ${PROJECT_SOURCE_DIR}/src/shm/queue.c SANITIZE none)
tf_add_unit_test(NAME shm_handshake_tsan SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_shm_handshake.c
  ${PROJECT_SOURCE_DIR}/src/shm/task.c ${PROJECT_SOURCE_DIR}/src/shm/notice.c
  ${PROJECT_SOURCE_DIR}/src/shm/slot.c ${PROJECT_SOURCE_DIR}/src/shm/queue.c SANITIZE thread
  DEFINES ROUNDS=200000u)
tf_add_unit_test(NAME sched_range SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_range.c
  ${TF_HOST_LIB_SOURCES} SANITIZE thread)
tf_add_unit_test(NAME sched_place SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_place.c
  ${TF_HOST_LIB_SOURCES} SANITIZE thread)
tf_add_unit_test(NAME sched_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_errors.c
  ${TF_HOST_LIB_SOURCES} SANITIZE thread)
# Faulting tasks: signal handlers that leave by siglongjmp do not mix with ThreadSanitizer (it
# defers signals and keeps its own shadow stack), so this one runs under AddressSanitizer and
# UndefinedBehaviorSanitizer, with the faulting functions left uninstrumented by UBSan (it would
# report the division by zero and the null store itself, before the CPU faults).
tf_add_unit_test(NAME sched_faults SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_faults.c
  ${TF_HOST_LIB_SOURCES})
# Placement order alone (src/sched/place.c) on tabled topologies where the BSP is not the first
# CPU of package 0: the topology is the test's, the ordering the scheduler's.
tf_add_unit_test(NAME sched_place_bsp SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sched_place_bsp.c
  ${PROJECT_SOURCE_DIR}/src/sched/place.c)
# The API's remaining documented errors and the tf_cpu_stats figures; a faulting task among them,
# so AddressSanitizer as for sched_faults.
tf_add_unit_test(NAME api_errors SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_api_errors.c
  ${TF_HOST_LIB_SOURCES})
