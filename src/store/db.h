/* The one storage interface: a tiny SQL driver (connections, prepared statements, rows) that
 * every backend implements — SQLite now (store/db_sqlite.c), PostgreSQL next (store/db_pg.c,
 * translating `?` placeholders to `$n`). All domain queries (store/store.c) are written once, in
 * a portable SQL subset: explicit primary keys, no triggers, no
 * advisory locks, no sequences in hot paths, RETURNING only where PostgreSQL and SQLite agree.
 */
#ifndef ECUSTOMS_STORE_DB_H
#define ECUSTOMS_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

enum {
    DB_OK = 0,
    DB_ROW = 1,          /* db_step: a row is available */
    DB_DONE = 2,         /* db_step: no (more) rows */
    DB_ERR = -1,         /* any other failure; db_errmsg tells */
    DB_CONSTRAINT = -2,  /* unique / primary key violation */
    DB_BUSY = -3,        /* retryable: lock timeout, serialization failure (40001/40P01) */
    DB_UNAVAILABLE = -4, /* the database cannot serve now: the connection to the server is lost
                          * or cannot be made (PostgreSQL; the outcome of an interrupted COMMIT
                          * is unknown), or the storage itself failed (disk full, I/O error,
                          * read-only file, corruption: nothing was written). store_write and
                          * store_read return it; the API answers 503 with Retry-After. */
};

typedef struct db_driver {
    const char *name;
    int (*open)(const char *target, int writer, db_conn **out);
    void (*close)(db_conn *c);
    /* Returns a prepared statement, cached per connection and keyed by the sql pointer, so
     * callers pass string literals. The statement is reset and its bindings cleared. */
    db_stmt *(*prepare)(db_conn *c, const char *sql);
    int (*bind_text)(db_stmt *s, int i, const char *v); /* 1-based; NULL binds NULL */
    /* Optional (NULL: bind_text): v is not copied and must stay as it is until the statement
     * was stepped and reset (bulk writers whose rows outlive the statement: db seed). */
    int (*bind_text_static)(db_stmt *s, int i, const char *v);
    int (*bind_int64)(db_stmt *s, int i, int64_t v);
    /* Bytes (SQLite BLOB, PostgreSQL bytea), copied; v NULL binds NULL. */
    int (*bind_blob)(db_stmt *s, int i, const void *v, size_t n);
    /* Optional (NULL: bind_blob): v is not copied, as bind_text_static. */
    int (*bind_blob_static)(db_stmt *s, int i, const void *v, size_t n);
    int (*step)(db_stmt *s);
    const char *(*col_text)(db_stmt *s, int i); /* 0-based; NULL for NULL */
    int64_t (*col_int64)(db_stmt *s, int i);
    /* A bytes column: its bytes and *n their count; NULL for NULL (an empty value is not NULL).
     * Valid until the statement steps again or is reset. A TEXT value gives its bytes (rows or
     * columns from before a column held bytes). */
    const void *(*col_blob)(db_stmt *s, int i, size_t *n);
    int (*col_is_null)(db_stmt *s, int i);
    void (*reset)(db_stmt *s);
    int (*exec)(db_conn *c, const char *sql); /* no parameters, no rows */
    const char *(*errmsg)(db_conn *c);
    /* Where the engines need different statements, the driver says so here and nowhere else. */
    /* Opens a transaction: write=1 for the writer (one writer at a time, like SQLite's BEGIN
     * IMMEDIATE: PostgreSQL takes a transaction-level lock so several servers sharing one
     * database serialise their batches), write=0 for a read-only consistent snapshot. */
    int (*begin)(db_conn *c, int write);
    /* 0 when the connection is lost and must be reopened (SQLite: always 1). */
    int (*alive)(db_conn *c);
    /* Optional (NULL: faults are not told apart). note_error records, after a failed step, whether
     * the failure was the storage's own (disk full, I/O error, read-only file, corruption) rather
     * than the query's; take_fault returns 1 if such a fault happened since its last call and
     * writes its cause to msg, clearing the record. */
    void (*note_error)(db_conn *c);
    int (*take_fault)(db_conn *c, char *msg, size_t n);
    /* Bulk loading (db seed) on the writer connection: on=1 trades durability of the last
     * transactions for speed (SQLite: no WAL, synchronous=OFF; PostgreSQL: synchronous_commit
     * off for this session), on=0 restores the normal settings (SQLite: WAL, synchronous=FULL,
     * the file synced once). Called outside a transaction (store_write_bare). */
    int (*bulk_load)(db_conn *c, int on);
    /* The check `serve` and `audit verify` run at start: 0 when the database is sound, else -1
     * with the first problem in msg. SQLite: PRAGMA quick_check (a scan of the file). PostgreSQL:
     * no client-side scan (the server checks each page's checksum as it reads it); 0, with a
     * warning logged when the cluster has no data checksums. */
    int (*integrity_check)(db_conn *c, char *msg, size_t n);
    /* Round trips (optional, all three; NULL: every statement runs when stepped, as in SQLite).
     * A database server costs a network round trip per statement, and a registration runs
     * dozens; these let the driver send many in one (PostgreSQL: a libpq pipeline).
     * run_nowait runs a statement that returns no rows when the caller needs nothing back but
     * its success: the driver takes the bound values and may send it later, with the next
     * statement that waits for an answer; its error, if any, is that statement's, and the
     * caller learns it at the latest from flush.
     * send starts a statement whose rows the caller reads later with step (send several, then
     * step each: one round trip); the statement is neither bound nor reset before that step.
     * flush sends whatever waits and returns 0, or the first error of any statement on the
     * connection since the transaction began or the last flush: on a server engine a failed
     * statement spoils the transaction, so a job whose statements failed has failed even when
     * its code ignored the error (store.c flushes after every job). */
    int (*run_nowait)(db_stmt *s);
    int (*send)(db_stmt *s);
    int (*flush)(db_conn *c);
    /* Optional (NULL: nothing to do). Inside a read transaction: its statements are planned
     * once for any values and that plan kept, as the writer's always are. For a job of point
     * look-ups whose best plan does not depend on the values (a registration's screening):
     * PostgreSQL's default for a prepared statement compares a generic plan's estimate with
     * the custom plans' and, on skewed data, plans every call afresh (docs/performance.md,
     * stops 16 and 17). PostgreSQL: SET LOCAL plan_cache_mode, sent with the next statement;
     * the transaction's end restores the connection's setting (the office's searches keep
     * plans for their values). SQLite plans each statement once. */
    int (*generic_plans)(db_conn *c);
    /* Optional (NULL: a job's writes are confirmed at its end, as flush makes them). Where a
     * job called db_confirm_later, store.c does not flush after it: its held-back writes go with
     * the next job's first round trip. mark records where the next job's statements begin;
     * failed_before_mark returns 1, with the error in msg, when a statement queued before the
     * last mark has failed since the transaction began: an earlier job's write, which that job
     * could not see (store.c then refuses the whole batch: nothing written, every job 503). */
    void (*mark)(db_conn *c);
    int (*failed_before_mark)(db_conn *c, char *msg, size_t n);
} db_driver;

struct audit_anchor;

struct db_conn {
    const db_driver *drv;
    struct audit_anchor *audit; /* set on the connection that appends audit events (writer) */
    int confirm_later;          /* db_confirm_later was called by the job running (store.c) */
};

extern const db_driver db_sqlite_driver;
extern const db_driver db_pg_driver;

/* The engine a database name selects: `postgresql://...` or `postgres://...` (libpq URI, the
 * multi-host form included) is PostgreSQL, anything else a SQLite file path. */
const db_driver *db_driver_for(const char *target);
/* 1 when target names a database server rather than a file (no file checks apply). */
int db_is_server(const char *target);

/* Files that belong to a database but must stay outside it (the audit key and checkpoint log,
 * the QR signing key: docs/operations.md "Files beside the database") are named BASE.audit-key,
 * BASE.audit-log, BASE.signing-key.pem. For a SQLite file BASE is the file's path. A database
 * server's database has no such place: BASE is DIR/NAME, DIR the state directory (`--state-dir
 * DIR` on any command, else $ECUSTOMS_STATE_DIR) and NAME the database's name in the URI.
 * db_state_base returns 0, or -1 (out = "") for a server database when no directory is set. */
void db_state_dir_set(const char *dir);
int db_state_base(const char *target, char *out, size_t n);

/* Thin wrappers so call sites read like SQL code. */
static inline db_stmt *db_prepare(db_conn *c, const char *sql) { return c->drv->prepare(c, sql); }
int db_bind_text(db_conn *c, db_stmt *s, int i, const char *v);
int db_bind_text_static(db_conn *c, db_stmt *s, int i, const char *v);
int db_bind_int64(db_conn *c, db_stmt *s, int i, int64_t v);
int db_bind_blob(db_conn *c, db_stmt *s, int i, const void *v, size_t n);
int db_bind_blob_static(db_conn *c, db_stmt *s, int i, const void *v, size_t n);
int db_step(db_conn *c, db_stmt *s);
const char *db_col_text(db_conn *c, db_stmt *s, int i);
int64_t db_col_int64(db_conn *c, db_stmt *s, int i);
const void *db_col_blob(db_conn *c, db_stmt *s, int i, size_t *n);
int db_col_is_null(db_conn *c, db_stmt *s, int i);
void db_reset(db_conn *c, db_stmt *s);
int db_exec(db_conn *c, const char *sql);
const char *db_errmsg(db_conn *c);
int db_take_fault(db_conn *c, char *msg, size_t n);
/* db_driver's run_nowait (then reset, like db_run), send and flush; without them: db_run, 0, 0. */
int db_run_nowait(db_conn *c, db_stmt *s);
int db_send(db_conn *c, db_stmt *s);
/* The tail of every *_send query function: sends s and hands it to the caller in *out (who reads
 * its rows later with db_step, then resets it), or, when the send fails, resets s, leaves *out
 * NULL and returns the error. */
int db_send_into(db_conn *c, db_stmt *s, db_stmt **out);
int db_flush(db_conn *c);
/* Called by a write job whose code never looks at its own writes' errors (it learns nothing from
 * them but "the job failed"): if it succeeds, its held-back writes need not be confirmed before
 * the next job of the batch runs (one round trip less per job on a database server). Should one
 * of them fail after all, the batch is refused as a whole (store.c run_batch). A no-op where the
 * driver has no mark (SQLite runs each statement when stepped). */
static inline void db_confirm_later(db_conn *c) { c->confirm_later = c->drv->mark != NULL; }
/* db_driver's generic_plans; 0 without it. */
int db_generic_plans(db_conn *c);
/* Round trips to a database server made by this process so far, every connection (PostgreSQL:
 * each pipeline, prepare and single statement; SQLite: 0), for /metrics and the profiles in
 * docs/performance.md. */
uint64_t db_round_trips(void);
/* Of which those of writer connections (the group-commit writer's: one at a time per process). */
uint64_t db_writer_round_trips(void);
static inline int db_bulk_load(db_conn *c, int on) { return c->drv->bulk_load(c, on); }

/* Helpers shared by every query module. */
/* Copies a text column into dst (empty string for NULL). */
void db_col_copy(db_conn *c, db_stmt *s, int i, char *dst, size_t size);
/* A heap copy of a text column, NULL for NULL. */
char *db_col_dup(db_conn *c, db_stmt *s, int i);
/* SHA-256 digests (64 lower-case hex characters) stored as their 32 bytes: db_bind_hex binds
 * such a text as the bytes, anything else (the empty text of a chain's start) as its own bytes;
 * db_col_hex turns a 32-byte value back into the hex text and any other into the text it was
 * (out: 65 bytes, "" for NULL). The texts the audit trail hashes stay the hex ones. */
int db_bind_hex(db_conn *c, db_stmt *s, int i, const char *hex);
/* A declaration id (32 lower-case hex characters) as its 16 bytes where a table keeps it so
 * (decl_terms: SQL compares it with encode(decl_id, 'hex') / decode(d.id, 'hex'), which the
 * SQLite driver provides as PostgreSQL does); another text as its own bytes. */
int db_bind_id16(db_conn *c, db_stmt *s, int i, const char *id);
/* The same, decoded into buf and bound without a copy (bulk writers: buf must stay as it is
 * until the statement ran). */
int db_bind_hex_buf(db_conn *c, db_stmt *s, int i, const char *hex, unsigned char buf[32]);
int db_bind_id16_buf(db_conn *c, db_stmt *s, int i, const char *id, unsigned char buf[16]);
void db_col_hex(db_conn *c, db_stmt *s, int i, char out[65]);
/* An audit chain's name in events.decl_id (schema migration 20): on SQLite a declaration id (32
 * lower-case hex characters) as its 16 bytes (a BLOB) and any other name (audit:users,
 * exchange_rates...) as its text, the value's type telling them apart; PostgreSQL keeps the text.
 * SQL compares with chain_key(text) and reads with chain_name(column) (store/db_sqlite.c; on
 * PostgreSQL functions that return their argument). buf: the id's bytes, bound without a copy
 * (must outlive the run), or NULL (copied). */
int db_bind_chain(db_conn *c, db_stmt *s, int i, const char *name, unsigned char buf[16]);
/* Runs a statement that returns no rows: 0, or the DB_* error. */
int db_run(db_conn *c, db_stmt *s);
/* Reads one result row into *row (a query module's row reader). */
typedef void (*db_row_reader)(db_conn *c, db_stmt *s, void *row);
/* Steps a prepared, bound statement to its end, reading each row with read into out[0..max-1]
 * (rows of `size` bytes); rows beyond max are stepped over. Resets the statement. Returns the
 * number of rows read, or the DB_* error. */
int db_rows(db_conn *c, db_stmt *s, void *out, size_t size, int max, db_row_reader read);
/* db_row and db_rows of the query sql whose one parameter is the text key (most look-ups: by a
 * number, an id, a declaration): prepared, bound, read. DB_ERR when it cannot be prepared. */
int db_row_by_text(db_conn *c, const char *sql, const char *key, void *out, db_row_reader read);
int db_rows_by_text(db_conn *c, const char *sql, const char *key, void *out, size_t size, int max,
                    db_row_reader read);
/* A bulk writer's statement of many rows: head, then row (the parameters of one row, "(?, ?)")
 * rows times separated by commas, then tail (may be ""), into out (built once: a static
 * buffer of the writer's, large enough). */
void db_values_sql(char *out, size_t size, const char *head, const char *row, int rows,
                   const char *tail);
/* Binds row i of a bulk writer's rows at the parameters first + 1 .. first + its count. */
typedef void (*db_row_binder)(db_conn *c, db_stmt *s, int first, const void *rows, long i);
/* Inserts rows 0 .. n - 1: rows_per at a time by the statement many (db_values_sql's, with
 * params_per_row parameters a row) while that many are left, the rest one at a time by one: a
 * statement's set-up and reset cost about as much as a row's insert, so the bulk writers
 * (db seed) share them. 0 or the DB_* error (the rows before it are written). */
int db_insert_rows(db_conn *c, const char *many, int rows_per, int params_per_row, const char *one,
                   const void *rows, long n, db_row_binder bind);
/* The single-row read: steps a prepared, bound statement once, reads the row (if any) into *out
 * with read, resets the statement. 1 when a row was read, 0 when there was none, or the DB_*
 * error. */
int db_row(db_conn *c, db_stmt *s, void *out, db_row_reader read);
/* The row reader of a single integer (a count, a sum, an id): column 0 into *(int64_t *)row. */
void db_read_int64(db_conn *c, db_stmt *s, void *row);

#endif
