#include "store/pack.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PACK_MIN 512 /* below this, deflate + base64 saves little */
#define PACK_LEVEL 3

/* Dictionary 1 (src/store/pack-dict-1.txt, embedded at build time): the tax document, risk facts
 * and declaration document of two small declarations of the load generator, as zlib's preset
 * dictionary: the keys, legal references and structure every such text repeats are then matches
 * from its first byte instead of literals. A packed text names its dictionary ("~y" = 1; zlib's
 * header carries the dictionary's Adler-32, checked when unpacking), so the file is never edited:
 * a better dictionary is a new marker (docs/performance.md has the measurements). */
extern const char store_pack_dict1[];

static const Bytef *dict1(uInt *n)
{
    static size_t len;
    if (!len)
        len = strlen(store_pack_dict1);
    *n = (uInt)len;
    return (const Bytef *)store_pack_dict1;
}

/* zlib's defaults size the window (32 KiB) and hash table (32 Ki entries, cleared on every call:
 * 64 KiB of memset) for large inputs; a declaration's document or tax document is a few KiB.
 * Sized to the text and the dictionary (which must fit in the window to be matched), the stream
 * is the same zlib format: inflate reads any window size from its header. 0, or -1. */
static int deflate_sized(const char *text, size_t n, unsigned char *z, uLong *zn)
{
    uInt dn;
    const Bytef *dict = dict1(&dn);
    int wbits = 9; /* zlib's smallest window */
    while (wbits < 15 && ((size_t)1 << wbits) < n + dn)
        wbits++;
    int mem = wbits - 6 < 1 ? 1 : wbits - 6 > 8 ? 8 : wbits - 6; /* hash of 2^(mem+7) entries */
    z_stream s;
    memset(&s, 0, sizeof s);
    /* level 3 with the dictionary: a 25-item declaration's document and tax document 3.4 KB ->
     * 2.4 KB of stream (level 1 without: 1,048 + 2,366 bytes; level 3 with: 609 + 1,774) for 0.29
     * million more instructions (callgrind: 0.71 -> 1.00 million for both); level 6 would give
     * 519 + 1,534 for 1.9 million (lazy matching), about a tenth of a registration more CPU */
    if (deflateInit2(&s, PACK_LEVEL, Z_DEFLATED, wbits, mem, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    int rc = deflateSetDictionary(&s, dict, dn) == Z_OK ? Z_OK : Z_STREAM_ERROR;
    if (rc == Z_OK) {
        s.next_in = (Bytef *)text;
        s.avail_in = (uInt)n;
        s.next_out = z;
        s.avail_out = (uInt)*zn;
        rc = deflate(&s, Z_FINISH);
        *zn = s.total_out;
    }
    deflateEnd(&s);
    return rc == Z_STREAM_END ? 0 : -1;
}

char *store_pack(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n >= 2 && text[0] == '~' && (text[1] == 'z' || text[1] == 'y'))
        return NULL; /* packed already (outside the writer thread, by the caller) */
    if (n < PACK_MIN || n > 0x7fffffff)
        return NULL;
    uLong zn = compressBound((uLong)n) + 64;
    unsigned char *z = malloc(zn);
    char *out = NULL;
    if (z && deflate_sized(text, n, z, &zn) == 0) {
        size_t cap = 24 + 4 * ((zn + 2) / 3) + 1;
        out = malloc(cap);
        if (out) {
            int k = snprintf(out, 24, "~y%zu:", n);
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
    if (stored[0] != '~' || (stored[1] != 'z' && stored[1] != 'y'))
        return strdup(stored);
    int with_dict = stored[1] == 'y';
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
    z_stream st;
    memset(&st, 0, sizeof st);
    int ok = zn >= 0 && out && inflateInit(&st) == Z_OK;
    if (ok) {
        st.next_in = z;
        st.avail_in = (uInt)zn;
        st.next_out = (Bytef *)out;
        st.avail_out = (uInt)n;
        int rc = inflate(&st, Z_FINISH);
        if (rc == Z_NEED_DICT && with_dict) { /* (Adler-32 of another dictionary: refused) */
            uInt dn;
            const Bytef *dict = dict1(&dn);
            rc =
                inflateSetDictionary(&st, dict, dn) == Z_OK ? inflate(&st, Z_FINISH) : Z_DATA_ERROR;
        }
        ok = rc == Z_STREAM_END && st.total_out == n && st.avail_in == 0;
        inflateEnd(&st);
    }
    if (!ok) {
        free(out);
        out = NULL;
    } else {
        out[n] = 0;
    }
    free(z);
    return out;
}
