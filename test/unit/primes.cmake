# The prime-count example's task kernels and request protocol.
tf_add_unit_test(NAME primes
  SOURCES test_primes.c ${PROJECT_SOURCE_DIR}/examples/primes/primes.c
          ${PROJECT_SOURCE_DIR}/examples/primes/protocol.c)
target_include_directories(test_primes PRIVATE ${PROJECT_SOURCE_DIR}/examples/primes)

# Authentication: SHA-256, HMAC-SHA-256 and the sealed datagrams, once with the guest's HMAC
# (hmac.c) and once with the host tools' (hmac_openssl.c); OpenSSL is the reference in both.
find_package(OpenSSL REQUIRED)
set(primes_dir ${PROJECT_SOURCE_DIR}/examples/primes)
tf_add_unit_test(NAME primes_auth
  SOURCES test_primes_auth.c ${primes_dir}/auth.c ${primes_dir}/hmac.c ${primes_dir}/sha256.c
  LIBS OpenSSL::Crypto)
tf_add_unit_test(NAME primes_auth_openssl
  SOURCES test_primes_auth.c ${primes_dir}/auth.c ${primes_dir}/hmac_openssl.c
          ${primes_dir}/sha256.c
  LIBS OpenSSL::Crypto)
foreach(t test_primes_auth test_primes_auth_openssl)
  target_include_directories(${t} PRIVATE ${primes_dir})
endforeach()
