# The prime-count example's task kernels and request protocol.
tf_add_unit_test(NAME primes
  SOURCES test_primes.c ${PROJECT_SOURCE_DIR}/examples/primes/primes.c
          ${PROJECT_SOURCE_DIR}/examples/primes/protocol.c)
target_include_directories(test_primes PRIVATE ${PROJECT_SOURCE_DIR}/examples/primes)
