#include "store/pack.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PACK_MIN 512 /* below this, deflate + base64 saves little */

/* zlib's one-call compress2 sizes its window (32 KiB) and hash table (32 Ki entries, cleared on
 * every call: 64 KiB of memset) for large inputs; a declaration's document or tax document is a
 * few KiB. Sized to the text, the same level compresses these to the same bytes (checked on the
 * bench's declaration) at a fraction of the clearing, and the stream is the same zlib format:
 * uncompress reads any window size from its header. 0, or -1. */
static int deflate_sized(const char *text, size_t n, unsigned char *z, uLongf *zn)
{
    int wbits = 9; /* zlib's smallest window */
    while (wbits < 15 && ((size_t)1 << wbits) < n)
        wbits++;
    int mem = wbits - 6 < 1 ? 1 : wbits - 6 > 8 ? 8 : wbits - 6; /* hash of 2^(mem+7) entries */
    z_stream s;
    memset(&s, 0, sizeof s);
    /* level 1: the writer thread packs inside its transaction; the best level saved only a few
     * more percent at several times the CPU */
    if (deflateInit2(&s, 1, Z_DEFLATED, wbits, mem, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    s.next_in = (Bytef *)text;
    s.avail_in = (uInt)n;
    s.next_out = z;
    s.avail_out = (uInt)*zn;
    int rc = deflate(&s, Z_FINISH);
    *zn = s.total_out;
    deflateEnd(&s);
    return rc == Z_STREAM_END ? 0 : -1;
}

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
    if (z && deflate_sized(text, n, z, &zn) == 0) {
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
