/* SQLite driver for store/db.h.
 *
 * Why these settings: WAL lets readers proceed while the single writer commits; synchronous=FULL
 * makes every commit durable (the group-commit writer in store/store.c amortises the fsync over
 * a batch); BEGIN IMMEDIATE (issued by the writer) avoids the SQLITE_BUSY a deferred transaction
 * gets when it later tries to upgrade to a write lock; busy_timeout covers checkpoints and CLI
 * writers. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/hex.h"

/* Prepared statements, keyed by the address of their SQL text (callers pass static strings).
 * The cache grows with the set of queries a connection runs and lives as long as it: a statement
 * that was not cached would be prepared again on every call and never finalized. */
typedef struct stmt_entry {
    const char *sql;
    sqlite3_stmt *st;
} stmt_entry;

typedef struct sq_conn {
    db_conn base;
    sqlite3 *db;
    stmt_entry *cache;
    int n_cache, cap_cache;
    int fault; /* a storage fault since the last take_fault */
    char fault_msg[200];
} sq_conn;

/* Errors of the storage rather than of the statement: the caller can do nothing about them but
 * report them (503) and an operator must act (free disk, fix permissions, restore a backup). */
static int is_fault(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL: return 1;
    default: return 0;
    }
}

static void note_fault(sq_conn *c, int rc)
{
    if (!is_fault(rc) || c->fault)
        return;
    c->fault = 1;
    snprintf(c->fault_msg, sizeof c->fault_msg, "%s (%s, sqlite %d)", sqlite3_errmsg(c->db),
             sqlite3_errstr(rc), sqlite3_extended_errcode(c->db));
}

/* PostgreSQL's encode(bytes, 'hex') and decode(text, 'hex'), so that the queries joining a
 * declaration id kept as 16 bytes (decl_terms, schema migration 16) to the declarations' text
 * ids are one text for both engines. decode of text that is not hex gives NULL (PostgreSQL: an
 * error); any other format than 'hex' is an error. */
static void sq_hex_fn(sqlite3_context *cx, int argc, sqlite3_value **argv, int enc)
{
    const char *fmt = (const char *)sqlite3_value_text(argv[1]);
    (void)argc;
    if (!fmt || strcmp(fmt, "hex") != 0) {
        sqlite3_result_error(cx, "only the 'hex' format", -1);
        return;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return; /* NULL */
    const unsigned char *v = enc ? sqlite3_value_blob(argv[0]) : sqlite3_value_text(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    if (n > 1 << 20) {
        sqlite3_result_error_toobig(cx);
        return;
    }
    /* (hex_encode ends its digits with a NUL) */
    unsigned char buf[256], *out = (enc ? 2 * n + 1 : n / 2) <= (int)sizeof buf
                                       ? buf
                                       : sqlite3_malloc(enc ? 2 * n + 1 : n / 2 + 1);
    if (!out) {
        sqlite3_result_error_nomem(cx);
        return;
    }
    if (enc) {
        hex_encode(v, (size_t)n, (char *)out);
        sqlite3_result_text(cx, (const char *)out, 2 * n, SQLITE_TRANSIENT);
    } else if (n % 2 == 0 && hex_decode((const char *)v, (size_t)n / 2, out)) {
        sqlite3_result_blob(cx, out, n / 2, SQLITE_TRANSIENT);
    }
    if (out != buf)
        sqlite3_free(out);
}

static void sq_encode(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    sq_hex_fn(cx, argc, argv, 1);
}

static void sq_decode(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    sq_hex_fn(cx, argc, argv, 0);
}

/* chain_key(name) and chain_name(value): the events' chain column (schema migration 20) keeps a
 * declaration's id (32 lower-case hex characters) as its 16 bytes (a BLOB) and every other chain's
 * name (audit:users...) as its text: the type tells them apart. chain_key gives what the column
 * holds for a name, chain_name the name a value stands for. (PostgreSQL keeps the names as text:
 * its functions of these names, created by the migration, return their argument.) */
static void sq_chain_key(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    /* (the type first: sqlite3_value_text would turn a BLOB argument into TEXT in place) */
    int ok = sqlite3_value_type(argv[0]) == SQLITE_TEXT;
    const unsigned char *v = ok ? sqlite3_value_text(argv[0]) : NULL;
    unsigned char b[16];
    ok = ok && v && sqlite3_value_bytes(argv[0]) == 32 && hex_decode((const char *)v, 16, b);
    if (ok)
        sqlite3_result_blob(cx, b, 16, SQLITE_TRANSIENT);
    else
        sqlite3_result_value(cx, argv[0]);
}

static void sq_chain_name(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB || sqlite3_value_bytes(argv[0]) != 16) {
        sqlite3_result_value(cx, argv[0]);
        return;
    }
    const unsigned char *b = sqlite3_value_blob(argv[0]);
    char out[33];
    hex_encode(b, 16, out);
    sqlite3_result_text(cx, out, 32, SQLITE_TRANSIENT);
}

/* Statement journals (the pages a statement or a SAVEPOINT changes, kept to roll it back alone)
 * stay in memory up to this size, then spill to a temporary file. Every writer job runs inside a
 * SAVEPOINT of its batch's transaction, and with SQLite's default of 64 KiB a job's journal
 * spilled: at saturation the writer made 14 times as many pwrite calls to temporary files as to
 * the database and its WAL together, and keeping them in memory took 30-40 % off its CPU
 * (docs/performance.md, stop 19). A job's journal is a few hundred KiB; a migration's statement
 * over a large table still spills once past this, instead of growing in memory with the table
 * (which PRAGMA temp_store=MEMORY, measured just as fast for the jobs, would have done). */
#define STMT_JOURNAL_SPILL (16 << 20)

static void sq_configure(void)
{
    /* process-wide and only before SQLite's initialisation, which the first open below makes;
     * if something initialised it earlier this fails (SQLITE_MISUSE) and journals spill at
     * SQLite's default: slower, still right */
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STMT_JOURNAL_SPILL);
}

static int sq_open(const char *target, int writer, db_conn **out)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, sq_configure);
    sq_conn *c = calloc(1, sizeof *c);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (!c)
        return DB_ERR;
    c->base.drv = &db_sqlite_driver;
    if (sqlite3_open_v2(target, &c->db, flags, NULL) != SQLITE_OK) {
        sqlite3_close(c->db);
        free(c);
        return DB_ERR;
    }
    sqlite3_busy_timeout(c->db, 10000);
    int fl = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_create_function(c->db, "encode", 2, fl, NULL, sq_encode, NULL, NULL) ||
        sqlite3_create_function(c->db, "decode", 2, fl, NULL, sq_decode, NULL, NULL) ||
        sqlite3_create_function(c->db, "chain_key", 1, fl, NULL, sq_chain_key, NULL, NULL) ||
        sqlite3_create_function(c->db, "chain_name", 1, fl, NULL, sq_chain_name, NULL, NULL)) {
        sqlite3_close(c->db);
        free(c);
        return DB_ERR;
    }
    sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
                 NULL, NULL, NULL);
    /* The writer's page cache holds the hot right-hand edges and the interior pages of every
     * index (SQLite's default is 2 MB, which a large batch overflowed: PcacheFetchStress in
     * the profile); readers keep SQLite's default and lean on the OS page cache. */
    if (writer)
        sqlite3_exec(c->db, "PRAGMA cache_size=-65536;", NULL, NULL, NULL);
    else
        sqlite3_exec(c->db, "PRAGMA query_only=ON;", NULL, NULL, NULL);
    *out = &c->base;
    return DB_OK;
}

static void sq_close(db_conn *bc)
{
    sq_conn *c = (sq_conn *)bc;
    if (!c)
        return;
    for (int i = 0; i < c->n_cache; i++)
        sqlite3_finalize(c->cache[i].st);
    free(c->cache);
    /* sqlite3_close refuses (and frees nothing) while a statement is open; _v2 cannot leak */
    sqlite3_close_v2(c->db);
    free(c);
}

static db_stmt *sq_prepare(db_conn *bc, const char *sql)
{
    sq_conn *c = (sq_conn *)bc;
    sqlite3_stmt *st = NULL;
    for (int i = 0; i < c->n_cache; i++)
        if (c->cache[i].sql == sql) {
            st = c->cache[i].st;
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return (db_stmt *)st;
        }
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        note_fault(c, sqlite3_extended_errcode(c->db));
        return NULL;
    }
    if (c->n_cache == c->cap_cache) {
        int cap = c->cap_cache ? 2 * c->cap_cache : 128;
        stmt_entry *grown = realloc(c->cache, (size_t)cap * sizeof *grown);
        if (!grown) {
            sqlite3_finalize(st);
            note_fault(c, SQLITE_NOMEM);
            return NULL;
        }
        c->cache = grown;
        c->cap_cache = cap;
    }
    c->cache[c->n_cache].sql = sql;
    c->cache[c->n_cache].st = st;
    c->n_cache++;
    return (db_stmt *)st;
}

static int sq_bind_text(db_stmt *s, int i, const char *v)
{
    sqlite3_stmt *st = (sqlite3_stmt *)s;
    int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK ? DB_OK : DB_ERR;
}

static int sq_bind_text_static(db_stmt *s, int i, const char *v)
{
    sqlite3_stmt *st = (sqlite3_stmt *)s;
    int rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK ? DB_OK : DB_ERR;
}

static int sq_bind_int64(db_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64((sqlite3_stmt *)s, i, v) == SQLITE_OK ? DB_OK : DB_ERR;
}

static int sq_bind_blob(db_stmt *s, int i, const void *v, size_t n)
{
    sqlite3_stmt *st = (sqlite3_stmt *)s;
    int rc = v ? sqlite3_bind_blob64(st, i, v, n, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK ? DB_OK : DB_ERR;
}

static int sq_bind_blob_static(db_stmt *s, int i, const void *v, size_t n)
{
    sqlite3_stmt *st = (sqlite3_stmt *)s;
    int rc = v ? sqlite3_bind_blob64(st, i, v, n, SQLITE_STATIC) : sqlite3_bind_null(st, i);
    return rc == SQLITE_OK ? DB_OK : DB_ERR;
}

static int sq_step(db_stmt *s)
{
    int rc = sqlite3_step((sqlite3_stmt *)s);
    switch (rc) {
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return DB_BUSY;
    case SQLITE_CONSTRAINT: return DB_CONSTRAINT;
    default: return DB_ERR;
    }
}

static const char *sq_col_text(db_stmt *s, int i)
{
    return (const char *)sqlite3_column_text((sqlite3_stmt *)s, i);
}

static int64_t sq_col_int64(db_stmt *s, int i)
{
    return sqlite3_column_int64((sqlite3_stmt *)s, i);
}

static const void *sq_col_blob(db_stmt *s, int i, size_t *n)
{
    sqlite3_stmt *st = (sqlite3_stmt *)s;
    /* a TEXT value gives its bytes: rows written before the column held bytes */
    const void *p = sqlite3_column_blob(st, i);
    *n = (size_t)sqlite3_column_bytes(st, i);
    if (!p && sqlite3_column_type(st, i) != SQLITE_NULL)
        p = ""; /* an empty value, not NULL */
    return p;
}

static int sq_col_is_null(db_stmt *s, int i)
{
    return sqlite3_column_type((sqlite3_stmt *)s, i) == SQLITE_NULL;
}

static void sq_reset(db_stmt *s) { sqlite3_reset((sqlite3_stmt *)s); }

static int sq_exec(db_conn *bc, const char *sql)
{
    sq_conn *c = (sq_conn *)bc;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        return DB_OK;
    note_fault(c, sqlite3_extended_errcode(c->db));
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return DB_BUSY;
    if (rc == SQLITE_CONSTRAINT)
        return DB_CONSTRAINT;
    return DB_ERR;
}

static const char *sq_errmsg(db_conn *bc) { return sqlite3_errmsg(((sq_conn *)bc)->db); }

/* Through the statement cache: sqlite3_exec would re-parse these on every batch. */
static const char sql_begin_immediate[] = "BEGIN IMMEDIATE";
static const char sql_begin[] = "BEGIN";

static int sq_begin(db_conn *bc, int write)
{
    db_stmt *st = sq_prepare(bc, write ? sql_begin_immediate : sql_begin);
    if (!st)
        return DB_ERR;
    int rc = sq_step(st);
    sq_reset(st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int sq_alive(db_conn *bc)
{
    (void)bc;
    return 1;
}

static void sq_note_error(db_conn *bc)
{
    sq_conn *c = (sq_conn *)bc;
    note_fault(c, sqlite3_extended_errcode(c->db));
}

static int sq_take_fault(db_conn *bc, char *msg, size_t n)
{
    sq_conn *c = (sq_conn *)bc;
    int f = c->fault;
    if (f && msg && n)
        snprintf(msg, n, "%s", c->fault_msg);
    c->fault = 0;
    return f;
}

static int sq_bulk_load(db_conn *c, int on)
{
    if (on) {
        /* if another process has the file open, journal_mode stays WAL (busy): slower, still
         * right */
        sq_exec(c, "PRAGMA journal_mode=MEMORY");
        /* The page cache stays the writer's 64 MB: a bulk load appends, so the pages it revisits
         * are the B-trees' right-hand edges. A 1 GiB cache (until stop 26) kept every page of a
         * batch and of the index rebuilds, but each of its pages was new memory, faulted in
         * once: a seed of 100,000 ran in ~14.5 s with it and ~10 s without
         * (docs/performance.md, stop 26). */
        return sq_exec(c, "PRAGMA synchronous=OFF");
    }
    /* back to the settings every other opener uses (sq_open: WAL, synchronous=FULL), the file
     * synced once */
    int rc = sq_exec(c, "PRAGMA journal_mode=WAL");
    if (rc == DB_OK)
        rc = sq_exec(c, "PRAGMA synchronous=FULL");
    if (rc == DB_OK)
        rc = sq_exec(c, "PRAGMA wal_checkpoint(TRUNCATE)");
    return rc;
}

static int sq_integrity_check(db_conn *c, char *msg, size_t size)
{
    static const char sql[] = "PRAGMA quick_check";
    db_stmt *st = db_prepare(c, sql);
    if (!st) {
        snprintf(msg, size, "%s", db_errmsg(c));
        return -1;
    }
    int rc = db_step(c, st);
    const char *t = rc == DB_ROW ? db_col_text(c, st, 0) : NULL;
    snprintf(msg, size, "%s", t ? t : db_errmsg(c));
    db_reset(c, st);
    return rc == DB_ROW && t && strcmp(msg, "ok") == 0 ? 0 : -1;
}

const db_driver db_sqlite_driver = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_text_static = sq_bind_text_static,
    .bind_int64 = sq_bind_int64,
    .bind_blob = sq_bind_blob,
    .bind_blob_static = sq_bind_blob_static,
    .step = sq_step,
    .col_text = sq_col_text,
    .col_int64 = sq_col_int64,
    .col_blob = sq_col_blob,
    .col_is_null = sq_col_is_null,
    .reset = sq_reset,
    .exec = sq_exec,
    .errmsg = sq_errmsg,
    .begin = sq_begin,
    .alive = sq_alive,
    .note_error = sq_note_error,
    .take_fault = sq_take_fault,
    .bulk_load = sq_bulk_load,
    .integrity_check = sq_integrity_check,
};
