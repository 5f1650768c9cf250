#include "store/pack.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PACK_MIN 512 /* below this, deflate + base64 saves little */

char *store_pack(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n >= 2 && text[0] == '~' && text[1] == 'z')
        return NULL; /* packed already (outside the writer thread, by the caller) */
    if (n < PACK_MIN || n > 0x7fffffff)
        return NULL;
    uLongf zn = compressBound((uLong)n);
    unsigned char *z = malloc(zn);
    char *out = NULL;
    /* level 1: the writer thread packs inside its transaction; the best level saved only a few
     * more percent at several times the CPU */
    if (z && compress2(z, &zn, (const Bytef *)text, (uLong)n, 1) == Z_OK) {
        size_t cap = 24 + 4 * ((zn + 2) / 3) + 1;
        out = malloc(cap);
        if (out) {
            int k = snprintf(out, 24, "~z%zu:", n);
            EVP_EncodeBlock((unsigned char *)out + k, z, (int)zn);
        }
    }
    free(z);
    return out;
}

char *store_unpack(const char *stored)
{
    if (!stored)
        return NULL;
    if (stored[0] != '~' || stored[1] != 'z')
        return strdup(stored);
    char *end = NULL;
    unsigned long long n = strtoull(stored + 2, &end, 10);
    if (!end || *end != ':' || n == 0 || n > 0x7fffffff)
        return NULL;
    const char *b64 = end + 1;
    size_t bl = strlen(b64);
    if (bl % 4)
        return NULL;
    unsigned char *z = malloc(bl / 4 * 3 + 1);
    char *out = malloc((size_t)n + 1);
    int zn = z ? EVP_DecodeBlock(z, (const unsigned char *)b64, (int)bl) : -1;
    if (zn >= 0) /* EVP_DecodeBlock counts the padding as zero bytes */
        zn -= (bl >= 1 && b64[bl - 1] == '=') + (bl >= 2 && b64[bl - 2] == '=');
    uLongf on = (uLongf)n;
    if (zn < 0 || !out || uncompress((Bytef *)out, &on, z, (uLong)zn) != Z_OK || on != n) {
        free(out);
        out = NULL;
    } else {
        out[n] = 0;
    }
    free(z);
    return out;
}
