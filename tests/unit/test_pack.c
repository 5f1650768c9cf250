/* store/pack.c: documents packed (deflate + base64) and unpacked, whatever their size, and
 * what earlier releases packed with zlib's default window still unpacks. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "store/pack.h"

static char *text_of(size_t n, unsigned seed)
{
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i++) { /* JSON-like, partly repetitive, partly not */
        seed = seed * 1103515245u + 12345u;
        t[i] = (i % 7 == 0) ? (char)('a' + (seed >> 16) % 26) : "{\"items\":[0123]}"[i % 16];
    }
    t[n] = 0;
    return t;
}

static void round_trip_sizes(void **state)
{
    (void)state;
    const size_t sizes[] = {511, 512, 600, 4096, 5000, 33000, 200000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        char *t = text_of(sizes[k], (unsigned)k);
        char *p = store_pack(t);
        if (sizes[k] < 512) {
            assert_null(p); /* stored as it is */
        } else {
            assert_non_null(p);
            assert_true(p[0] == '~' && p[1] == 'y'); /* with dictionary 1 */
            assert_null(store_pack(p));              /* packed already */
            char *u = store_unpack(p);
            assert_non_null(u);
            assert_string_equal(u, t);
            free(u);
        }
        free(p);
        free(t);
    }
}

/* Deflate streams are reused (store/pack.c's pool): a text packs to the same bytes whatever the
 * stream packed before, of another content or another window size, and threads packing at once
 * each get a stream of their own. */
static void reused_streams_pack_the_same(void **state)
{
    (void)state;
    char *a = text_of(5000, 21), *b = text_of(5000, 22), *c = text_of(700, 23),
         *d = text_of(33000, 24);
    char *pb = store_pack(b), *pa1 = store_pack(a), *pc = store_pack(c), *pd = store_pack(d),
         *pa2 = store_pack(a);
    assert_non_null(pb);
    assert_non_null(pc);
    assert_non_null(pd);
    assert_non_null(pa1);
    assert_non_null(pa2);
    assert_string_equal(pa1, pa2);
    char *u = store_unpack(pa2);
    assert_string_equal(u, a);
    free(u);
    free(pa1);
    free(pa2);
    free(pb);
    free(pc);
    free(pd);
    free(a);
    free(b);
    free(c);
    free(d);
}

static void *pack_many(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    intptr_t bad = 0;
    for (int i = 0; i < 200; i++) {
        char *t =
            text_of(600 + (seed * 977 + (unsigned)i * 131) % 20000, seed * 1000 + (unsigned)i);
        char *p = store_pack(t), *u = p ? store_unpack(p) : NULL;
        bad += !u || strcmp(u, t) != 0;
        free(u);
        free(p);
        free(t);
    }
    return (void *)bad;
}

static void threads_pack_at_once(void **state)
{
    (void)state;
    pthread_t th[6];
    for (uintptr_t k = 0; k < 6; k++)
        assert_int_equal(pthread_create(&th[k], NULL, pack_many, (void *)(k + 1)), 0);
    for (int k = 0; k < 6; k++) {
        void *bad = NULL;
        pthread_join(th[k], &bad);
        assert_int_equal((intptr_t)bad, 0);
    }
}

/* The stored form of a release that packed with compress2 (32 KiB window, no dictionary: "~z") */
static void unpacks_the_default_window(void **state)
{
    (void)state;
    char *t = text_of(5000, 7);
    uLongf zn = compressBound(5000);
    unsigned char *z = malloc(zn);
    assert_int_equal(compress2(z, &zn, (const Bytef *)t, 5000, 1), Z_OK);
    char *stored = malloc(24 + 4 * ((zn + 2) / 3) + 1);
    int k = snprintf(stored, 24, "~z%d:", 5000);
    EVP_EncodeBlock((unsigned char *)stored + k, z, (int)zn);
    char *u = store_unpack(stored);
    assert_non_null(u);
    assert_string_equal(u, t);
    free(u);
    free(stored);
    free(z);
    free(t);
}

/* Schema migration 16: a packed text stored as bytes (0, marker, "<length>:", the zlib stream)
 * reads back as the very text bound (the audit trail's state digest hashes it), and unpacks;
 * unpacked text is its own bytes; text that only looks packed is kept as it is. */
static void bytes_round_trip(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 10, 511, 512, 5000, 33000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        char *t = text_of(sizes[k], (unsigned)k + 3);
        char *p = store_pack(t);
        const char *stored = p ? p : t;
        size_t n;
        unsigned char *b = store_packed_blob(stored, &n);
        assert_non_null(b);
        if (p) {
            assert_int_equal(b[0], 0);
            assert_true(n < strlen(p) * 4 / 5); /* no base64: a quarter fewer bytes */
        } else {
            assert_int_equal(n, strlen(t));
            assert_memory_equal(b, t, n);
        }
        char *back = store_blob_packed(b, n);
        assert_non_null(back);
        assert_string_equal(back, stored);
        free(back);
        free(b);
        free(p);
        free(t);
    }
    const char *odd[] = {"~y12:not base64!", "~y:abc", "~yx", "~y5:", "{\"a\":1}", "~"};
    for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
        size_t n;
        unsigned char *b = store_packed_blob(odd[k], &n);
        char *back = store_blob_packed(b, n);
        assert_string_equal(back, odd[k]);
        free(back);
        free(b);
    }
    assert_null(store_packed_blob(NULL, &(size_t){0}));
    assert_null(store_blob_packed(NULL, 0));
}

/* Through a real SQLite statement: bytes bound, read back as the stored text and as plain text;
 * a TEXT value of a release before migration 16 (packed or not) reads the same way; digests
 * as 32 bytes and back. */
static size_t sqlite3_len(db_conn *c, db_stmt *st, int i)
{
    size_t n = 0;
    db_col_blob(c, st, i, &n);
    return n;
}

static void bytes_through_sqlite(void **state)
{
    (void)state;
    db_conn *c = NULL;
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    assert_int_equal(db_exec(c, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT, h TEXT)"), DB_OK);
    char *t = text_of(5000, 11), *p = store_pack(t);
    static const char ins[] = "INSERT INTO t (k, v, h) VALUES (?, ?, ?)";
    static const char ins_text[] = "INSERT INTO t (k, v, h) VALUES (?, ?, ?) ";
    static const char sel[] = "SELECT v, h, typeof(v), typeof(h) FROM t WHERE k = ?";
    const char *hex = "00ff10aa0123456789abcdef00ff10aa0123456789abcdef00ff10aa01234567";
    db_stmt *st = db_prepare(c, ins);
    db_bind_int64(c, st, 1, 1);
    assert_int_equal(store_bind_packed(c, st, 2, p), DB_OK);
    assert_int_equal(db_bind_hex(c, st, 3, hex), DB_OK);
    assert_int_equal(db_run(c, st), DB_OK);
    st = db_prepare(c, ins);
    db_bind_int64(c, st, 1, 2);
    store_bind_packed(c, st, 2, "{\"short\":true}");
    db_bind_hex(c, st, 3, ""); /* a chain's start */
    assert_int_equal(db_run(c, st), DB_OK);
    st = db_prepare(c, ins_text); /* as a release before migration 16 wrote them */
    db_bind_int64(c, st, 1, 3);
    db_bind_text(c, st, 2, p);
    db_bind_text(c, st, 3, hex);
    assert_int_equal(db_run(c, st), DB_OK);
    for (int k = 1; k <= 3; k++) {
        st = db_prepare(c, sel);
        db_bind_int64(c, st, 1, k);
        assert_int_equal(db_step(c, st), DB_ROW);
        assert_string_equal(db_col_text(c, st, 2), k == 3 ? "text" : "blob");
        char *stored = store_col_packed(c, st, 0), *plain = store_col_unpack(c, st, 0), h[65];
        db_col_hex(c, st, 1, h);
        assert_string_equal(stored, k == 2 ? "{\"short\":true}" : p);
        assert_string_equal(plain, k == 2 ? "{\"short\":true}" : t);
        assert_string_equal(h, k == 2 ? "" : hex);
        if (k == 1) /* 32 bytes, not 64 characters */
            assert_int_equal(sqlite3_len(c, st, 1), 32);
        free(stored);
        free(plain);
        db_reset(c, st);
    }
    /* 32 characters that are not a digest would read back as one: refused */
    st = db_prepare(c, ins);
    db_bind_int64(c, st, 1, 4);
    assert_int_equal(db_bind_hex(c, st, 3, "0123456789abcdef0123456789abcdeX"), DB_ERR);
    db_reset(c, st);
    free(p);
    free(t);
    db_sqlite_driver.close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_sizes),
        cmocka_unit_test(unpacks_the_default_window),
        cmocka_unit_test(reused_streams_pack_the_same),
        cmocka_unit_test(threads_pack_at_once),
        cmocka_unit_test(bytes_round_trip),
        cmocka_unit_test(bytes_through_sqlite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
