/* The shared key of the host tools (tf-client, primes-linux --key-file PATH): a file holding the
 * key as hex digits, as the guest's tf.key=HEX (auth.h). Linux only. */
#ifndef PRIMES_KEYFILE_H
#define PRIMES_KEYFILE_H

#include "auth.h"

/* Reads the key in `path` into *key: 0, or -1 after a message on standard error that starts with
 * `prog`. Warns (and goes on) when other users may read the file. */
int key_file_load(const char *prog, const char *path, struct auth_key *key);

#endif
