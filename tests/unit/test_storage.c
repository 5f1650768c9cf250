/* Unit tests for src/store/pack.c (packed text columns) and src/store/schema.c (versions and
 * migrations) on an in-memory SQLite database. */
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

#include "store/db.h"
#include "store/pack.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_dashboard.h"
#include "store/store_users.h"

static char *json_like(size_t n)
{
    char *s = malloc(n + 1);
    size_t k = 0;
    for (int i = 0; k + 80 < n; i++)
        k += (size_t)snprintf(s + k, n + 1 - k,
                              "{\"line\":%d,\"legal_ref\":\"Decree 26/2023\",\"amount\":\"%d\"},",
                              i, i * 7919);
    memset(s + k, 'x', n - k);
    s[n] = 0;
    return s;
}

static void pack_round_trip(void **state)
{
    (void)state;
    char *text = json_like(20000);
    char *p = store_pack(text);
    assert_non_null(p);
    assert_true(strncmp(p, "~y20000:", 8) == 0); /* with dictionary 1 */
    assert_true(strlen(p) < strlen(text) / 3);   /* repetitive JSON shrinks */
    char *back = store_unpack(p);
    assert_non_null(back);
    assert_string_equal(back, text);
    assert_null(store_pack(p)); /* packed already: stored as it is */
    free(back);
    free(p);
    free(text);
}

/* "~z<length>:" + base64 of a zlib stream deflated with dict (NULL: none), as store_pack wrote
 * before dictionary 1 (dict NULL) or as another dictionary would */
static char *pack_with(const char *text, const char *marker, const char *dict)
{
    size_t n = strlen(text);
    unsigned char z[65536];
    z_stream st;
    memset(&st, 0, sizeof st);
    assert_int_equal(deflateInit(&st, 1), Z_OK);
    if (dict)
        assert_int_equal(deflateSetDictionary(&st, (const Bytef *)dict, (uInt)strlen(dict)), Z_OK);
    st.next_in = (Bytef *)text;
    st.avail_in = (uInt)n;
    st.next_out = z;
    st.avail_out = sizeof z;
    assert_int_equal(deflate(&st, Z_FINISH), Z_STREAM_END);
    int zn = (int)st.total_out;
    deflateEnd(&st);
    char *out = malloc(32 + 4 * ((size_t)zn + 2) / 3 + 1);
    int k = snprintf(out, 32, "%s%zu:", marker, n);
    EVP_EncodeBlock((unsigned char *)out + k, z, zn);
    return out;
}

static void unpack_reads_both_formats(void **state)
{
    (void)state;
    char *text = json_like(6000);
    char *old = pack_with(text, "~z", NULL); /* rows written before dictionary 1 */
    char *back = store_unpack(old);
    assert_non_null(back);
    assert_string_equal(back, text);
    free(back);
    char *now = store_pack(text); /* what is written now: dictionary 1 */
    assert_non_null(now);
    assert_true(strncmp(now, "~y6000:", 7) == 0);
    back = store_unpack(now);
    assert_non_null(back);
    assert_string_equal(back, text);
    free(back);
    /* a stream that needs another dictionary than the marker's is refused, not misread */
    char *other = pack_with(text, "~y", "{\"some other\":\"dictionary\"}");
    assert_null(store_unpack(other));
    char *needs = pack_with(text, "~z", "{\"some other\":\"dictionary\"}");
    assert_null(store_unpack(needs));
    free(old);
    free(now);
    free(other);
    free(needs);
    free(text);
}

static void pack_small_and_plain(void **state)
{
    (void)state;
    assert_null(store_pack("{\"a\":1}")); /* not worth it */
    assert_null(store_pack(NULL));
    char *plain = store_unpack("{\"written\":\"before packing\"}"); /* older rows */
    assert_string_equal(plain, "{\"written\":\"before packing\"}");
    free(plain);
    assert_null(store_unpack(NULL));
}

static void unpack_refuses_corrupt_text(void **state)
{
    (void)state;
    char *text = json_like(4000);
    char *p = store_pack(text);
    assert_non_null(p);
    assert_null(store_unpack("~z"));
    assert_null(store_unpack("~zabc:AAAA"));
    assert_null(store_unpack("~z10:AAA"));  /* not base64 (length) */
    assert_null(store_unpack("~z10:AAAA")); /* not a zlib stream */
    assert_null(store_unpack("~y10:AAAA"));
    char *wrong = strdup(p);
    wrong[2] = '5'; /* another length than the stream holds */
    assert_null(store_unpack(wrong));
    p[strlen(p) - 8] = 0; /* truncated */
    assert_null(store_unpack(p));
    free(wrong);
    free(p);
    free(text);
}

static int count_tables(db_conn *c)
{
    static const char sql[] = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'";
    db_stmt *st = db_prepare(c, sql);
    int n = db_step(c, st) == DB_ROW ? (int)db_col_int64(c, st, 0) : -1;
    db_reset(c, st);
    return n;
}

static void migrate_empty_then_up_to_date(void **state)
{
    (void)state;
    db_conn *c = NULL;
    char err[512];
    int from = -1, to = -1, v = -1;
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    assert_int_equal(schema_version(c, &v), DB_OK);
    assert_int_equal(v, 0);
    assert_true(schema_latest() >= 2);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    assert_int_equal(from, 0);
    assert_int_equal(to, schema_latest());
    int tables = count_tables(c);
    assert_true(tables > 30);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    assert_int_equal(from, to);
    assert_int_equal(count_tables(c), tables);
    db_sqlite_driver.close(c);
}

static void migrate_refuses_newer(void **state)
{
    (void)state;
    db_conn *c = NULL;
    char err[512], sql[160];
    int from, to;
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, 'future', 0)",
             schema_latest() + 1);
    assert_int_equal(db_exec(c, sql), DB_OK);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), SCHEMA_NEWER);
    assert_non_null(strstr(err, "newer than this binary's"));
    db_sqlite_driver.close(c);
}

static int count_stmt(int migration, const char *sql, void *ctx)
{
    (void)sql;
    int *n = ctx;
    if (migration >= 1)
        (*n)++;
    return 0;
}

static void engine_tags(void **state)
{
    (void)state;
    int sqlite = 0, other = 0;
    schema_each("sqlite", count_stmt, &sqlite);
    schema_each("no-such-engine", count_stmt, &other);
    /* untagged statements run everywhere; tagged ones only on their engine */
    assert_true(other > 0);
    assert_true(sqlite >= other);
}

static void time_ordered_ids(void **state)
{
    (void)state;
    unsigned char r[10] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88, 0x77, 0x66};
    char a[33], b[33];
    store_new_id(1764480000000000LL, r, a);
    store_new_id(1764480000000001LL, r, b);
    assert_int_equal(strlen(a), 32);
    assert_true(strcmp(a, b) < 0); /* later instant, later key */
    assert_string_equal(a + 12, "ffeeddccbbaa99887766");
}

/* The invalidation sweep's pages (store_decl_ids_by_status_before): every declaration of the
 * status registered before the limit exactly once, ties of instant broken by id, and one that
 * leaves the status between two pages does not make the next page skip another. */
static void sweep_pages_by_cursor(void **state)
{
    (void)state;
    db_conn *c = NULL;
    char err[512], sql[512];
    int from, to;
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    /* d0..d6 registered (status 2) at 100, 100, 100, 200, 200, 300, 900; d7 provisional */
    static const int64_t at[] = {100, 100, 100, 200, 200, 300, 900, 100};
    for (int i = 0; i < 8; i++) {
        int prov = i == 7;
        char number[16] = "NULL";
        if (!prov)
            snprintf(number, sizeof number, "'n%d'", i);
        snprintf(
            sql, sizeof sql,
            "INSERT INTO declarations (id, number, kind, type_code, status, channel, amendment,"
            " declarant, party, office, customs_value, total_tax, tax_date, created_at,"
            " updated_at, registered_at, cleared_at, doc, taxes) VALUES ('d%d', %s, 1, 'A11',"
            " %d, 1, 0, 'x', 'x', '02CI', 0, 0, 0, %lld, %lld, %lld, 0, '{}', '[]')",
            i, number, prov ? 1 : 2, (long long)at[i], (long long)at[i],
            prov ? 0LL : (long long)at[i]);
        assert_int_equal(db_exec(c, sql), DB_OK);
    }
    char ids[2][33], id[33] = "", seen[16] = "";
    int64_t cur = 0;
    int n, pages = 0;
    while ((n = store_decl_ids_by_status_before(c, 2, 500, &cur, id, ids, 2)) > 0) {
        for (int i = 0; i < n; i++)
            strcat(seen, ids[i] + 1); /* the digit */
        if (++pages == 1)             /* d0 (listed) leaves the status: an offset would skip d2 */
            assert_int_equal(db_exec(c, "UPDATE declarations SET status = 5 WHERE id = 'd0'"),
                             DB_OK);
        assert_true(pages < 10);
    }
    assert_int_equal(n, 0);
    assert_string_equal(seen, "012345"); /* d6 is too recent, d7 provisional */
    /* provisional ones by their creation */
    cur = 0;
    id[0] = 0;
    assert_int_equal(store_decl_ids_by_status_before(c, 1, 500, &cur, id, ids, 2), 1);
    assert_string_equal(ids[0], "d7");
    db_sqlite_driver.close(c);
}

/* Every statement the store prepares stays cached for the connection's life, however many
 * there are: a statement past a fixed cache size used to be prepared afresh on every call and
 * never finalized, so sqlite3_close failed (busy) and the connection leaked at shutdown. */
enum { MANY_STATEMENTS = 400 };

static void statement_cache_has_no_limit(void **state)
{
    (void)state;
    static char sql[MANY_STATEMENTS][32];
    db_stmt *first[MANY_STATEMENTS];
    db_conn *c = NULL;
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    for (int i = 0; i < MANY_STATEMENTS; i++) {
        snprintf(sql[i], sizeof sql[i], "SELECT %d", i);
        first[i] = db_prepare(c, sql[i]);
        assert_non_null(first[i]);
    }
    for (int i = 0; i < MANY_STATEMENTS; i++) {
        db_stmt *again = db_prepare(c, sql[i]);
        assert_ptr_equal(again, first[i]); /* the cached statement, not a new one */
        assert_int_equal(db_step(c, again), DB_ROW);
        assert_int_equal(db_col_int64(c, again, 0), i);
        db_reset(c, again);
    }
    db_sqlite_driver.close(c); /* ASan's leak check: every statement finalized, the file closed */
}

/* The migrations of schema.sql are numbered in order. Gaps are allowed (numbers are handed to
 * branches before they land: 16 may land before 15): the runner applies every migration of the
 * file a database has not recorded, not only those above its version (below). */
typedef struct order_ctx {
    int last, backwards;
} order_ctx;

static int check_order(int migration, const char *sql, void *ctx)
{
    (void)sql;
    order_ctx *x = ctx;
    if (migration < x->last)
        x->backwards++;
    if (migration > x->last)
        x->last = migration;
    return 0;
}

static void migrations_numbered_in_order(void **state)
{
    (void)state;
    order_ctx x = {0, 0};
    assert_int_equal(schema_each(NULL, check_order, &x), 0);
    assert_int_equal(x.backwards, 0);
    assert_int_equal(x.last, schema_latest());
}

/* A database that lacks a migration below its version (as one migrated by a binary without a
 * branch's number that landed later) gets it from the next migrate; only numbers the file has
 * are recorded. (Migration 14 is idempotent: CREATE ... IF NOT EXISTS, ON CONFLICT DO NOTHING.) */
static void missing_migration_below_the_version_is_applied(void **state)
{
    (void)state;
    db_conn *c = NULL;
    char err[512];
    int from, to, latest = schema_latest();
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    assert_int_equal(db_exec(c, "DELETE FROM schema_version WHERE version = 14"), DB_OK);
    assert_int_equal(db_exec(c, "DROP INDEX declarations_office_status"), DB_OK);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    assert_int_equal(from, latest);
    assert_int_equal(to, latest);
    db_stmt *st = db_prepare(c, "SELECT COUNT(*) FROM schema_version WHERE version = 14");
    assert_int_equal(db_step(c, st), DB_ROW);
    assert_int_equal(db_col_int64(c, st, 0), 1);
    db_reset(c, st);
    st = db_prepare(c,
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'declarations_office_status'");
    assert_int_equal(db_step(c, st), DB_ROW);
    assert_int_equal(db_col_int64(c, st, 0), 1); /* 14's statements ran again */
    db_reset(c, st);
    /* every recorded number is one the file has */
    order_ctx x = {0, 0};
    schema_each(NULL, check_order, &x);
    st = db_prepare(c, "SELECT version FROM schema_version ORDER BY version");
    int rc, n = 0;
    while ((rc = db_step(c, st)) == DB_ROW) {
        int v = (int)db_col_int64(c, st, 0);
        assert_true(v >= 1 && v <= x.last);
        n++;
    }
    db_reset(c, st);
    assert_true(n <= latest);
    db_sqlite_driver.close(c);
}

/* The rows of one declaration in a table keyed by decl_id, as one text (ordered). */
static void rows_of(db_conn *c, const char *sql, const char *id, char *out, size_t n)
{
    db_stmt *st = db_prepare(c, sql);
    size_t k = 0;
    out[0] = 0;
    assert_non_null(st);
    db_bind_id16(c, st, 1, id);
    while (db_step(c, st) == DB_ROW && k + 1 < n)
        k += (size_t)snprintf(out + k, n - k, "%s|", db_col_text(c, st, 0));
    db_reset(c, st);
}

/* decl_row's terms and chapter_items, computed by the caller (the IDA, off the writer thread),
 * write what the writer computes from the document itself: the same search terms and chapters. */
static void caller_terms_equal_the_writers(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"importer\":{\"tax_code\":\"0101234567\",\"name\":\"Công ty Điện tử Hà Nội\"},"
        "\"exporter\":{\"name\":\"Shenzhen Mobile Devices Ltd\"},"
        "\"invoice\":{\"number\":\"SZ-2026-1101\"},"
        "\"transport\":{\"bills_of_lading\":[\"COSU6123456780\"],\"containers\":[\"MSCU1234566\"]},"
        "\"items\":[{\"hs_code\":\"85171300\",\"description\":\"Điện thoại di động\"},"
        "{\"hs_code\":\"85076090\",\"description\":\"Pin lithium\"},"
        "{\"hs_code\":\"39269099\",\"description\":\"Ốp lưng nhựa\"}]}";
    db_conn *c = NULL;
    char err[512], a[4096], b[4096];
    int from, to;
    assert_int_equal(db_sqlite_driver.open(":memory:", 1, &c), DB_OK);
    assert_int_equal(schema_migrate(c, &from, &to, err, sizeof err), 0);
    char *packed = store_pack(doc); /* (NULL: too small to pack, stored as it is) */
    if (!packed)
        packed = strdup(doc);
    assert_non_null(packed);
    decl_row w = {.status = 1, .created_at = 1, .updated_at = 1, .doc = packed, .taxes = "{}"};
    decl_row r = w;
    snprintf(w.id, sizeof w.id, "%032x", 1);
    snprintf(r.id, sizeof r.id, "%032x", 2);
    int chapters[100] = {0};
    char *terms = store_decl_terms_of(r.number, doc, &r.n_terms);
    assert_non_null(terms);
    assert_true(r.n_terms > 10);
    store_decl_chapters_of(doc, chapters);
    r.terms = terms;
    r.chapter_items = chapters;
    assert_int_equal(store_decl_insert(c, &w), DB_OK); /* the writer computes them */
    assert_int_equal(store_decl_insert(c, &r), DB_OK); /* the caller did */
    static const char *const sql[] = {
        "SELECT term FROM decl_terms_recent WHERE decl_id = ? ORDER BY term",
        "SELECT chapters FROM decl_chapter_lists WHERE decl_id = ?"};
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        rows_of(c, sql[i], w.id, a, sizeof a);
        rows_of(c, sql[i], r.id, b, sizeof b);
        assert_true(strlen(a) > 3);
        assert_string_equal(a, b);
    }
    assert_non_null(strstr(a, "39:1,85:2"));
    free(terms);
    free(packed);
    db_sqlite_driver.close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pack_round_trip),
        cmocka_unit_test(pack_small_and_plain),
        cmocka_unit_test(unpack_reads_both_formats),
        cmocka_unit_test(unpack_refuses_corrupt_text),
        cmocka_unit_test(migrate_empty_then_up_to_date),
        cmocka_unit_test(migrate_refuses_newer),
        cmocka_unit_test(engine_tags),
        cmocka_unit_test(migrations_numbered_in_order),
        cmocka_unit_test(missing_migration_below_the_version_is_applied),
        cmocka_unit_test(time_ordered_ids),
        cmocka_unit_test(sweep_pages_by_cursor),
        cmocka_unit_test(statement_cache_has_no_limit),
        cmocka_unit_test(caller_terms_equal_the_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
