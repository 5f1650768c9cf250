#include "util/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int keyfile_create(const char *path, EVP_PKEY *k, char *err, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, n, "cannot create %s: %s", path, strerror(errno));
        return errno == EEXIST ? -2 : -1;
    }
    /* mode 0600 whatever the umask, before a byte of the key is written */
    FILE *f = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1 && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        snprintf(err, n, "cannot write %s", path);
        unlink(path);
        return -1;
    }
    return 0;
}

EVP_PKEY *keyfile_load(const char *path, char *err, size_t n)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, n, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, n, "%s is not a regular file", path);
        close(fd);
        return NULL;
    }
    if (sb.st_mode & 077) {
        snprintf(err, n, "%s is readable or writable by others (mode %03o): chmod 600 it", path,
                 (unsigned)(sb.st_mode & 0777));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        snprintf(err, n, "cannot read %s", path);
        close(fd);
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!k)
        snprintf(err, n, "%s holds no PEM private key", path);
    return k;
}
