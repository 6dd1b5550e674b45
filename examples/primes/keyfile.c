/* Key files (keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int key_file_load(const char *prog, const char *path, struct auth_key *key)
{
    char text[512], why[120];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "%s: key file %s: %s\n", prog, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    ssize_t n = read(fd, text, sizeof(text));
    close(fd);
    if (n < 0) {
        fprintf(stderr, "%s: key file %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    if (auth_key_parse(key, text, (size_t)n, why, sizeof(why))) {
        fprintf(stderr, "%s: key file %s: %s\n", prog, path, why);
        return -1;
    }
    memset(text, 0, sizeof(text));
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        fprintf(stderr, "%s: warning: other users may read the key file %s (chmod 600 it)\n", prog,
                path);
    return 0;
}
