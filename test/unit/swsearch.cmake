# The Smith-Waterman search example (examples/swsearch): parsers, kernels against the scalar
# reference, the task plan and the whole search on the Linux farm. The example's sources and the
# farm's (which its search calls) are compiled once, with the unit tests' sanitizers, so that
# they see inside them.
set(sw_san -fsanitize=address,undefined -fno-sanitize-recover=all)
if(TF_COVERAGE)
  list(APPEND sw_san --coverage)
endif()
add_library(sw_test_objects OBJECT ${SW_SOURCES} ${SW_SOURCE_DIR}/isa_linux.c
  ${TF_HOST_LIB_SOURCES})
target_include_directories(sw_test_objects PRIVATE ${PROJECT_SOURCE_DIR}/include
  ${PROJECT_SOURCE_DIR}/src/cpu ${PROJECT_SOURCE_DIR}/src/sched ${PROJECT_SOURCE_DIR}/src/shm
  ${PROJECT_SOURCE_DIR}/src/host)
target_compile_definitions(sw_test_objects PRIVATE TF_MAX_CPUS=${TF_MAX_CPUS})
target_compile_options(sw_test_objects PRIVATE ${TF_WARNINGS} -g -O1 -fno-omit-frame-pointer
  ${sw_san})
add_dependencies(sw_test_objects swsearch-matrices)
foreach(t sw_parse sw_kernels sw_search)
  tf_add_unit_test(NAME ${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c LIBS sw_test_objects)
  target_include_directories(test_${t} PRIVATE ${SW_SOURCE_DIR})
endforeach()
