#include "store/pack.h"

#include <openssl/evp.h>
#include <pthread.h>
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

/* Deflate streams kept for reuse, by window size (9..15 bits). deflateInit2 allocates a stream's
 * window, hash chains, hash table and output buffer afresh (~50-260 KiB) and deflateEnd frees
 * them, for every document, tax document and risk record; the hash table's clearing was then
 * the first touch of memory the allocator had just taken (perf put 65 % of the server's page
 * faults there). A reused stream is reset (deflateReset) instead: the same zlib output, from
 * warm memory -- 9 % fewer page faults and 1.6 % less server CPU per registration at 250/s
 * (docs/performance.md, stop 28). Bounded: at most POOL_KEEP idle streams of each size, for the
 * threads packing at once. */
#define POOL_WBITS_MIN 9
#define POOL_SIZES 7
#define POOL_KEEP 8
static struct {
    pthread_mutex_t mu;
    z_stream *idle[POOL_SIZES][POOL_KEEP];
    int n[POOL_SIZES];
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER};

static z_stream *stream_take(int wbits, int mem)
{
    int k = wbits - POOL_WBITS_MIN;
    z_stream *s = NULL;
    pthread_mutex_lock(&pool.mu);
    if (pool.n[k] > 0)
        s = pool.idle[k][--pool.n[k]];
    pthread_mutex_unlock(&pool.mu);
    if (s && deflateReset(s) == Z_OK)
        return s;
    if (s) {
        deflateEnd(s);
        free(s);
    }
    if ((s = calloc(1, sizeof *s)) &&
        deflateInit2(s, PACK_LEVEL, Z_DEFLATED, wbits, mem, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(s);
        s = NULL;
    }
    return s;
}

static void stream_give(z_stream *s, int wbits)
{
    int k = wbits - POOL_WBITS_MIN;
    pthread_mutex_lock(&pool.mu);
    if (pool.n[k] < POOL_KEEP) {
        pool.idle[k][pool.n[k]++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&pool.mu);
    if (s) {
        deflateEnd(s);
        free(s);
    }
}

/* zlib's defaults size the window (32 KiB) and hash table (32 Ki entries, cleared on every call:
 * 64 KiB of memset) for large inputs; a declaration's document or tax document is a few KiB.
 * Sized to the text and the dictionary (which must fit in the window to be matched), the stream
 * is the same zlib format: inflate reads any window size from its header. 0, or -1. */
static int deflate_sized(const char *text, size_t n, unsigned char *z, uLong *zn)
{
    uInt dn;
    const Bytef *dict = dict1(&dn);
    int wbits = POOL_WBITS_MIN; /* zlib's smallest window */
    while (wbits < 15 && ((size_t)1 << wbits) < n + dn)
        wbits++;
    int mem = wbits - 6 < 1 ? 1 : wbits - 6 > 8 ? 8 : wbits - 6; /* hash of 2^(mem+7) entries */
    /* level 3 with the dictionary: a 25-item declaration's document and tax document 3.4 KB ->
     * 2.4 KB of stream (level 1 without: 1,048 + 2,366 bytes; level 3 with: 609 + 1,774) for 0.29
     * million more instructions (callgrind: 0.71 -> 1.00 million for both); level 6 would give
     * 519 + 1,534 for 1.9 million (lazy matching), about a tenth of a registration more CPU */
    z_stream *s = stream_take(wbits, mem);
    if (!s)
        return -1;
    int rc = deflateSetDictionary(s, dict, dn) == Z_OK ? Z_OK : Z_STREAM_ERROR;
    if (rc == Z_OK) {
        s->next_in = (Bytef *)text;
        s->avail_in = (uInt)n;
        s->next_out = z;
        s->avail_out = (uInt)*zn;
        rc = deflate(s, Z_FINISH);
        *zn = s->total_out;
    }
    stream_give(s, wbits);
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

/* n bytes of text inflated from the zlib stream z (zn bytes); heap, NULL when corrupt. */
static char *inflate_packed(const unsigned char *z, size_t zn, unsigned long long n, int with_dict)
{
    char *out = malloc((size_t)n + 1);
    z_stream st;
    memset(&st, 0, sizeof st);
    int ok = out && zn <= 0x7fffffff && inflateInit(&st) == Z_OK;
    if (ok) {
        st.next_in = (Bytef *)z;
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
        return NULL;
    }
    out[n] = 0;
    return out;
}

/* "~y<n>:" / "~z<n>:": the marker, n, and where the stream starts; 0 if stored is not packed. */
static int packed_head(const char *stored, size_t len, int *marker, unsigned long long *n,
                       size_t *body)
{
    if (len < 4 || stored[0] != '~' || (stored[1] != 'z' && stored[1] != 'y') || stored[2] < '0' ||
        stored[2] > '9')
        return 0;
    size_t k = 2;
    unsigned long long v = 0;
    while (k < len && k < 14 && stored[k] >= '0' && stored[k] <= '9')
        v = v * 10 + (unsigned long long)(stored[k++] - '0');
    if (k >= len || stored[k] != ':' || v == 0 || v > 0x7fffffff)
        return 0;
    *marker = stored[1];
    *n = v;
    *body = k + 1;
    return 1;
}

char *store_unpack(const char *stored)
{
    if (!stored)
        return NULL;
    int marker;
    unsigned long long n;
    size_t body, len = strlen(stored);
    if (!packed_head(stored, len, &marker, &n, &body))
        return stored[0] == '~' && (stored[1] == 'z' || stored[1] == 'y') ? NULL : strdup(stored);
    const char *b64 = stored + body;
    size_t bl = len - body;
    if (bl % 4 || bl > 0x7fffffff)
        return NULL;
    unsigned char *z = malloc(bl / 4 * 3 + 1);
    int zn = z ? EVP_DecodeBlock(z, (const unsigned char *)b64, (int)bl) : -1;
    if (zn >= 0) /* EVP_DecodeBlock counts the padding as zero bytes */
        zn -= (bl >= 1 && b64[bl - 1] == '=') + (bl >= 2 && b64[bl - 2] == '=');
    char *out = zn >= 0 ? inflate_packed(z, (size_t)zn, n, marker == 'y') : NULL;
    free(z);
    return out;
}

unsigned char *store_packed_blob(const char *stored, size_t *n)
{
    *n = 0;
    if (!stored)
        return NULL;
    int marker;
    unsigned long long len;
    size_t body, sl = strlen(stored);
    if (packed_head(stored, sl, &marker, &len, &body) && (sl - body) % 4 == 0 &&
        sl - body <= 0x7fffffff) {
        /* 0, the marker, "<length>:" (body - 1 bytes from stored + 1), the stream */
        const char *b64 = stored + body;
        size_t bl = sl - body;
        unsigned char *b = malloc(1 + (body - 1) + bl / 4 * 3 + 1);
        if (!b)
            return NULL;
        b[0] = 0;
        memcpy(b + 1, stored + 1, body - 1);
        int zn = EVP_DecodeBlock(b + body, (const unsigned char *)b64, (int)bl);
        if (zn >= 0) {
            zn -= (bl >= 1 && b64[bl - 1] == '=') + (bl >= 2 && b64[bl - 2] == '=');
            *n = body + (size_t)zn;
            return b;
        }
        free(b); /* not base64 after all: kept as the text it is */
    }
    unsigned char *b = malloc(sl ? sl : 1);
    if (b) {
        memcpy(b, stored, sl);
        *n = sl;
    }
    return b;
}

/* Where a stored value's zlib stream starts (0, marker, "<length>:"): 0 if b is plain text. */
static size_t blob_head(const unsigned char *b, size_t n, int *marker, unsigned long long *len)
{
    if (n < 4 || b[0] != 0)
        return 0;
    size_t k = 2;
    unsigned long long v = 0;
    while (k < n && k < 14 && b[k] >= '0' && b[k] <= '9')
        v = v * 10 + (unsigned long long)(b[k++] - '0');
    if (k >= n || b[k] != ':' || (b[1] != 'y' && b[1] != 'z'))
        return 0;
    *marker = b[1];
    *len = v;
    return k + 1;
}

char *store_blob_packed(const void *bv, size_t n)
{
    const unsigned char *b = bv;
    if (!b)
        return NULL;
    int marker;
    unsigned long long len;
    size_t body = blob_head(b, n, &marker, &len);
    if (body && n - body <= 0x3fffffff) {
        size_t zn = n - body;
        char *out = malloc(body + 4 * ((zn + 2) / 3) + 1);
        if (!out)
            return NULL;
        out[0] = '~';
        memcpy(out + 1, b + 1, body - 1);
        EVP_EncodeBlock((unsigned char *)out + body, b + body, (int)zn);
        return out;
    }
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, b, n);
        out[n] = 0;
    }
    return out;
}

int store_bind_packed(db_conn *c, db_stmt *s, int i, const char *stored)
{
    if (!stored)
        return db_bind_blob(c, s, i, NULL, 0);
    size_t n;
    unsigned char *b = store_packed_blob(stored, &n);
    if (!b)
        return DB_ERR;
    int rc = db_bind_blob(c, s, i, b, n);
    free(b);
    return rc;
}

char *store_col_packed(db_conn *c, db_stmt *s, int i)
{
    size_t n;
    const void *b = db_col_blob(c, s, i, &n);
    return b ? store_blob_packed(b, n) : NULL;
}

char *store_col_unpack(db_conn *c, db_stmt *s, int i)
{
    size_t n;
    const unsigned char *b = db_col_blob(c, s, i, &n);
    if (!b)
        return NULL;
    int marker;
    unsigned long long len;
    size_t body = blob_head(b, n, &marker, &len);
    if (body)
        return inflate_packed(b + body, n - body, len, marker == 'y');
    /* text: unpacked, or packed as text by a release before migration 16 (SQLite) */
    char *t = malloc(n + 1);
    if (!t)
        return NULL;
    memcpy(t, b, n);
    t[n] = 0;
    if (n >= 2 && t[0] == '~' && (t[1] == 'y' || t[1] == 'z')) {
        char *plain = store_unpack(t);
        free(t);
        return plain;
    }
    return t;
}
