#include "util/rand.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "util/hex.h"
#include "util/log.h"

int rand_fill(void *buf, size_t n)
{
    /* The kernel's generator first: OpenSSL keeps a generator per thread, and seeding one cost
     * ~100,000 instructions on each connection's new thread (measured with callgrind). */
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(p + got, n - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    if (got == n)
        return 0;
    if (n > 0x7fffffff || RAND_bytes(buf, (int)n) != 1) {
        memset(buf, 0, n);
        log_error("the random number generator failed (%s); refusing to go on with predictable "
                  "values",
                  ERR_reason_error_string(ERR_get_error()));
        return -1;
    }
    return 0;
}

int rand_hex(char *out, size_t nbytes)
{
    unsigned char b[32];
    out[0] = '\0';
    if (nbytes > sizeof b || rand_fill(b, nbytes) != 0)
        return -1;
    hex_encode(b, nbytes, out);
    return 0;
}
