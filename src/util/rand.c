#include "util/rand.h"

#include <openssl/err.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "util/log.h"

int rand_fill(void *buf, size_t n)
{
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
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}
