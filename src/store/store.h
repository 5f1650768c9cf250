/* The store: durable state of ecustoms behind one interface (store/db.h drivers).
 *
 * Concurrency model. Reads run on a pooled read connection in the caller's thread. Writes are
 * handed to ONE writer thread that batches whatever is queued into a single transaction and
 * commits once (group commit): each job runs inside its own SAVEPOINT so one refused job does
 * not undo the others, and every caller is answered only after the COMMIT is durable. This is
 * what lets a 2-core machine with ~4,000 fsync/s sustain more registrations than fsyncs.
 *
 * All domain queries live in store.c in portable SQL; only the driver differs per backend.
 */
#ifndef ECUSTOMS_STORE_STORE_H
#define ECUSTOMS_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/tax.h"
#include "store/db.h"
#include "util/date.h"

typedef struct store store;

/* Opens (creating if needed) the database at path, applies the schema, starts the writer.
 * Returns 0 or -1 with a message on stderr. */
int store_open(const char *path, store **out);
/* Flags of store_open_ex. STORE_INIT: `db init` (creates the audit key). STORE_CHECK: run the
 * database's integrity check (PRAGMA quick_check) first and refuse a damaged file. */
enum { STORE_INIT = 1, STORE_CHECK = 2 };
int store_open_ex(const char *path, int flags, store **out);
void store_close(store *s);

/* A unit of work. Return 0 to keep its changes, anything else to roll them back (the value
 * is handed back to the caller of store_write). A job runs once, never again: one that meets
 * DB_BUSY (a lock, a deadlock, a serialization failure) is rolled back and store_write answers
 * DB_BUSY, which the caller turns into "retry" (svc_run_write: 409 conflict). */
typedef int (*store_job_fn)(db_conn *c, void *ctx);

int store_write(store *s, store_job_fn fn, void *ctx);
/* fn on the writer's connection outside any transaction, alone (no other job in between): for
 * settings that cannot change inside one (PRAGMA journal_mode, synchronous, wal_checkpoint).
 * fn's changes are not rolled back on failure. */
int store_write_bare(store *s, store_job_fn fn, void *ctx);
/* Closes the read pool's idle connections (SQLite leaves WAL mode only when no other connection
 * has the file open; the next store_read opens a new one). */
void store_close_idle_readers(store *s);
/* The audit key (32 bytes) of the open database: for a writer that MACs events it computed in
 * memory (db seed; store_audit.h). */
const unsigned char *store_audit_key(store *s);
int store_read(store *s, store_job_fn fn, void *ctx);
/* Read connections a server engine keeps (PostgreSQL; a file engine's are not limited): by
 * default store_default_read_connections(), twice this machine's cores within [4, 32]; `serve
 * --db-readers N` sets 1..STORE_READ_CONNS_MAX (-1: out of range, nothing changed). A read
 * that finds them busy waits for one, never opens another; one that waited too long
 * (store.c READ_SHED_MS) fails with STORE_FAULT_BUSY. */
#define STORE_READ_CONNS_MAX 64
int store_default_read_connections(void);
int store_set_read_connections(store *s, int n);

/* The engine ("sqlite", "postgresql") and whether the writer holds a live connection (0 while
 * it reconnects), for /healthz. */
const char *store_engine(store *s);
int store_db_up(store *s);

/* Statistics of the group-commit writer, for /metrics. */
typedef struct store_stats {
    uint64_t commits;
    uint64_t jobs;
    uint64_t max_batch;
    uint64_t queued;      /* jobs waiting for the writer now */
    uint64_t in_batch;    /* jobs of the batch the writer is running now (0: none) */
    uint64_t round_trips; /* to a database server, all connections of the process (SQLite: 0) */
    uint64_t writer_round_trips; /* of which the writer's */
    uint64_t terms_slices;       /* slices of the recent search terms merged (store.c) */
    uint64_t read_connections;   /* read connections open now, pooled or in use */
    uint64_t read_connects;      /* read connections opened since start */
    uint64_t reads_waiting;      /* reads waiting for a read connection now */
    uint64_t reads_shed; /* reads given up because every read connection stayed busy (503) */
    /* Seconds the writer spent on batches (their statements, the waits for a database server's
     * answers, the commit) and on merging search terms, since start: against the wall clock,
     * how busy the one writer is -- near 100 % the writer is the bound, and adding work to the
     * request threads does not lower the rate. */
    double writer_busy_s;
    /* Of which the writer thread's own CPU seconds; the rest it waited for the database server's
     * answers (or for a core). */
    double writer_cpu_s;
} store_stats;
void store_get_stats(store *s, store_stats *out);

/* Storage faults (disk full, I/O errors, a read-only or corrupt file), for /healthz. */
typedef struct store_health_info {
    uint64_t faults;         /* since start */
    int64_t fault_at, ok_at; /* unix seconds of the last fault and of the last good commit */
    int failing;             /* the last fault is recent and no commit succeeded since */
    char fault_msg[200];     /* the last fault's cause */
} store_health_info;
void store_health(store *s, store_health_info *out);
/* Whether a store_write/store_read of the calling thread failed, since the flag was last
 * cleared, because the database cannot serve now (DB_UNAVAILABLE), and why: the HTTP layer
 * clears it before a request and, when set after, answers 503 with Retry-After (code
 * storage_unavailable, database_unavailable or database_busy). clear resets it. */
enum {
    STORE_FAULT_NONE = 0,
    STORE_FAULT_STORAGE = 1,    /* the storage itself failed: disk full, I/O, read-only, corrupt */
    STORE_FAULT_CONNECTION = 2, /* the database server is unreachable (reconnecting) */
    STORE_FAULT_BUSY = 3        /* every read connection stayed busy (a server engine's overload) */
};
int store_thread_fault(int clear);

/* ---- parties ------------------------------------------------------------------------------ */

typedef struct party {
    char tax_code[14];
    char name[256];
    char status[16];       /* active | suspended | dissolved */
    int aeo;               /* priority (AEO) enterprise */
    int compliance;        /* 1 (high) .. 4 (non-compliant), Circular 81/2019 */
    int overdue_debt_days; /* days of overdue tax debt */
    char kind[16];         /* enterprise | customs | bank | carrier | ... */
} party;

int store_party_put(db_conn *c, const party *p);
/* 1 found, 0 not found, <0 error */
int store_party_get(db_conn *c, const char *tax_code, party *out);
/* The same in two halves: send (db_send, so that other reads go in the same round trip to a
 * database server), then read (1 found, 0 not, <0 error). slot 0..STORE_PARTY_SLOTS-1 tells
 * apart look-ups in flight at once; store_party_get uses slot 0, so a caller that sends one and
 * calls code that may read a party meanwhile uses slot 1. */
#define STORE_PARTY_SLOTS 2
int store_party_send(db_conn *c, int slot, const char *tax_code, db_stmt **st);
int store_party_read(db_conn *c, db_stmt *st, party *out);

/* ---- tokens (only the SHA-256 of the token is stored) --------------------------------------- */

int store_token_put(db_conn *c, const char *hash_hex, const char *party, const char *role);
int store_token_get(db_conn *c, const char *hash_hex, char party[14], char role[24]);

/* ---- customs exchange rates ---------------------------------------------------------------- */

typedef struct fx_row {
    char currency[4];
    int64_t vnd_per_unit; /* DECIMAL_SCALE_FX */
    date_ymd valid_from, valid_to;
    char source[96];
} fx_row;

int store_fx_put(db_conn *c, const fx_row *r);
/* Fills out (up to max) with the rate of every currency valid on date; returns the count. */
int store_fx_on(db_conn *c, date_ymd date, tax_fx *out, int max);
/* All rows, newest first; returns count. */
int store_fx_list(db_conn *c, fx_row *out, int max);

/* ---- settings (key/value, e.g. risk sampling rates) ---------------------------------------- */

int store_setting_put(db_conn *c, const char *key, const char *value);
int store_setting_get(db_conn *c, const char *key, char *out, size_t size); /* 1/0/<0 */
int store_setting_delete(db_conn *c, const char *key);
/* The database path the store was opened with. */
const char *store_path(const store *s);

/* ---- declaration numbers --------------------------------------------------------------------- */

/* Next value of a named counter (e.g. "decl.10"), atomically inside the write transaction. */
int64_t store_sequence_next(db_conn *c, const char *name);
/* The same in two halves: the upsert started ahead (db_send: it goes to a database server with
 * the next statement that waits, a round trip less), then its value read (the statement reset).
 * A job that starts it must read or reset it, and is rolled back if it does not use the number
 * (the sequence would skip one). */
int store_sequence_next_send(db_conn *c, const char *name, db_stmt **st);
int64_t store_sequence_next_read(db_conn *c, db_stmt *st);
/* A sequence's current value (0 when it has none yet), and setting it: for a writer that hands
 * out a run of numbers itself (db seed) and stores where the run ended. */
int64_t store_sequence_get(db_conn *c, const char *name);
int store_sequence_set(db_conn *c, const char *name, int64_t value);

/* ---- declarations ---------------------------------------------------------------------------- */

/* A new declaration id: 32 hex digits, the first 12 the creation instant in microseconds since
 * the epoch, the other 20 random (rnd: 10 bytes). Time-ordered ids put every new row of the
 * tables keyed by declaration at the right-hand edge of their B-trees, so a registration touches
 * the same few hot pages however large the database (random ids touched a random leaf of each
 * index: page-cache misses grew with the database; docs/performance.md). */
void store_new_id(int64_t at_us, const unsigned char rnd[10], char out[33]);

/* A row read by store_decl_get* owns its four strings (heap): release it with decl_row_release.
 * A row built for store_decl_insert/update may borrow them from whoever holds the document (the
 * service's assessed declaration, or the row it was copied from); such a row is never released —
 * its strings are freed by their owner (docs/architecture.md, "Memory"). */
typedef struct decl_row {
    char id[33];     /* provisional id (hex) */
    char number[13]; /* 12 digits once registered, "" before */
    int kind;
    char type_code[4];
    int status;    /* decl_status */
    int channel;   /* decl_channel */
    int amendment; /* 12th digit */
    char declarant[14];
    char party[14]; /* the Vietnamese enterprise (importer / exporter) */
    char office[9];
    int64_t customs_value;
    int64_t total_tax;
    date_ymd tax_date;                                         /* date whose rates the taxes used */
    int64_t created_at, updated_at, registered_at, cleared_at; /* unix seconds, 0 = never */
    /* the row's revision: an insert writes it (0 for a new declaration; db seed's rows count the
     * UPDATEs their live path would have made), every UPDATE adds one to the stored value (and
     * ignores this field). A job that acts on what its request read checks with it that the row
     * did not change since. */
    int64_t rev;
    char *doc;       /* the declaration as submitted (JSON) */
    char *taxes;     /* computed taxes (JSON) */
    char *risk;      /* channel reasons and scores (JSON), may be NULL */
    char *decisions; /* officer decisions so far (JSON array), may be NULL */
    /* Optional, borrowed, read only by store_decl_insert and store_decl_create (NULL: the writer
     * computes them from number and doc): the search terms of number and doc as
     * store_decl_terms_of gives them (n_terms NUL-separated strings), and the item lines per HS
     * chapter as store_decl_chapters_of counts them. A caller that has the document as JSON
     * text computes them on its own thread: the writer would unpack and parse the document
     * again, on the one thread every write waits for (docs/performance.md, stop 27). */
    const char *terms;
    int n_terms;
    const int *chapter_items;
} decl_row;

void decl_row_release(decl_row *r);
int store_decl_insert(db_conn *c, const decl_row *r);
/* A new declaration (store_decl_insert) and its first event, from no status to r->status, whose
 * state digest is computed from the row as it was bound instead of read back (store_audit.h
 * store_event_append_new): no statement of the two waits for an answer. */
int store_decl_create(db_conn *c, const decl_row *r, int64_t at, const char *actor,
                      const char *role, const char *action, const char *detail_json);
/* The row alone, for a bulk writer (db seed), which writes the search terms (store_users.h),
 * chapters and risk selections itself: r->doc and r->taxes are not read, doc and taxes are the
 * packed columns as bytes already (store_packed_blob), bound without copies. */
int store_decl_insert_row(db_conn *c, const decl_row *r, const void *doc, size_t doc_n,
                          const void *taxes, size_t taxes_n);
/* Updates every mutable column of the row with the same id. */
int store_decl_update(db_conn *c, const decl_row *r);
/* A transition that leaves the document alone: status, channel, updated_at, cleared_at and
 * decisions only (rewriting the whole row rewrote its overflow pages on every decision). */
int store_decl_set_state(db_conn *c, const decl_row *r);
/* By provisional id (32 hex) or number (11 or 12 digits). 1 found, 0 not, <0 error. */
int store_decl_get(db_conn *c, const char *id_or_number, decl_row *out);
/* The same, with the document and the tax document also in the text their columns read as
 * (store_col_packed: stored[0], stored[1], heap, NULL for NULL): for a state digest of the row
 * computed without reading it again (store_decl_state_keep). */
int store_decl_get_stored(db_conn *c, const char *id_or_number, decl_row *out, char *stored[2]);
/* Keeps, for the job's next events of r->id, the state digest of row r as the job left it, with
 * those n ledger entries (store_audit.h audit_state_begin): r->doc and r->taxes are the texts the
 * columns read as (store_decl_get_stored) or were bound from. 0, or DB_ERR; 0 and nothing kept
 * where events are not deferred. */
struct ledger_row;
int store_decl_state_keep(db_conn *c, const decl_row *r, const struct ledger_row *ledger, int n);
/* Same with risk and decisions but without the document and the taxes (transitions). */
int store_decl_get_state(db_conn *c, const char *id_or_number, decl_row *out);
/* Same without the heavy columns (doc, taxes, risk, decisions stay NULL). */
int store_decl_get_meta(db_conn *c, const char *id_or_number, decl_row *out);
/* The registration write: number, status, channel, dates, taxes and risk only; r->taxes NULL:
 * the stored tax document is kept as it is (registered the day it was assessed: not rewritten,
 * and on PostgreSQL its TOAST chunks are not written again). */
int store_decl_register(db_conn *c, const decl_row *r);
/* Keeps the previous version of an amended declaration. */
int store_decl_version_put(db_conn *c, const char *id, int amendment, const char *doc,
                           const char *taxes, int64_t at);

/* Declarations in the given status registered (provisional: created) before `before` (unix s),
 * in (instant, id) order after the cursor (*at, id; id "" = from the start), at most max: for
 * invalidation, which pages past the ones it leaves alone (waiting for customs). Moves the cursor
 * to the last one listed. Count or <0. */
int store_decl_ids_by_status_before(db_conn *c, int status, int64_t before, int64_t *at,
                                    char id[33], char (*ids)[33], int max);

/* ---- audit events (append-only, hash-chained per declaration) ------------------------------ */

typedef struct event_row {
    int seq;
    int64_t at;
    char actor[14];
    char role[24];
    char action[40];
    int from_status, to_status;
    char *detail; /* JSON, heap, may be NULL */
    char hash[65];
} event_row;

int store_event_append(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                       const char *role, const char *action, int from_status, int to_status,
                       const char *detail_json);
/* Returns the number of events, fills up to max. Caller frees detail strings. */
int store_event_list(db_conn *c, const char *decl_id, event_row *out, int max);

/* Verifies the whole audit trail (store/store_audit.h): 0 when it could be read to the end
 * (r->n_problems tells whether it is intact), <0 on a read error. */
struct audit_report;
int store_audit_verify(store *s, struct audit_report *r);

/* ---- idempotency ----------------------------------------------------------------------------- */

typedef struct idem_row {
    int status;
    char request_hash[65];
    char *response; /* heap */
} idem_row;

int store_idem_get(db_conn *c, const char *party, const char *key, idem_row *out);
int store_idem_put(db_conn *c, const char *party, const char *key, const char *request_hash,
                   int status, const char *response, int64_t at);
/* Deletes up to max keys recorded before `before`: the retention window (STORE_IDEM_RETENTION_S,
 * docs/storage.md). Returns how many were deleted, or <0. */
#define STORE_IDEM_RETENTION_S (48 * 3600)
int store_idem_purge(db_conn *c, int64_t before, int max);

/* ---- risk rules ------------------------------------------------------------------------------ */

#include "core/risk.h"

int store_rule_put(db_conn *c, const risk_rule *r);       /* insert or replace by id */
int store_rule_delete(db_conn *c, int64_t id);            /* 1 deleted, 0 absent */
int store_rule_list(db_conn *c, risk_rule *out, int max); /* count */
int64_t store_rule_next_id(db_conn *c);

#endif
