/* The tamper-evident audit trail (docs/reliability.md "Audit trail").
 *
 * Every event is MACed (HMAC-SHA-256) with a key that lives in a file beside the database
 * (<db>.audit-key, mode 0600, created by `db init`; for PostgreSQL in the state directory,
 * store/db.h db_state_base), never in the database: someone who can
 * edit the database but not read the key cannot rewrite an event and recompute its hash.
 * Each event MAC covers
 *   - the previous event of the same declaration (per-declaration chain: names the
 *     declaration and sequence number that were touched),
 *   - the previous event of the whole database (global chain, gseq 1, 2, ...: deleting any
 *     event, or a whole declaration with its events, breaks it),
 *   - a digest of the declaration's current state (row columns and every ledger entry), taken
 *     when the event is appended: changing a channel, a status or a ledger amount without an
 *     event no longer matches the last event,
 *   - optional extra fields (a JSON object, e.g. the portal user's name).
 * The newest global MAC is anchored outside the database: the writer appends a MACed,
 * chained checkpoint line (gseq, hash) to <db>.audit-log (O_APPEND) at most every
 * AUDIT_CHECKPOINT_SECONDS and at close, so deleting the newest events is detected too. */
#ifndef ECUSTOMS_STORE_STORE_AUDIT_H
#define ECUSTOMS_STORE_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

#define AUDIT_CHECKPOINT_SECONDS 2

/* A state digest being built (audit_digest_begin, below); here for the anchor's kept state. */
typedef struct audit_digest {
    void *ctx; /* EVP_MD_CTX, kept across begin/end */
    int failed;
    size_t n;
    char buf[1024]; /* framed small fields not hashed yet */
} audit_digest;

/* The key and the checkpoint log of one open database (owned by the store). */
typedef struct audit_anchor {
    unsigned char key[32];
    char key_path[1024];
    char log_path[1024];
    int log_fd;        /* -1 until the first checkpoint */
    int64_t last_gseq; /* of the last checkpoint written or read */
    int64_t last_at;
    char last_mac[65]; /* chains checkpoint lines */
    int dirty;         /* events appended since the last checkpoint */
    /* Chain heads the writer's open transaction appended itself (heads_on: set by store.c while
     * a batch's transaction is open; cleared, with what was known, at its end and when a job is
     * rolled back to its savepoint): the next event of the batch takes them from here instead
     * of reading them back -- the global head (gseq, hash) once per batch instead of once per
     * event, a declaration's head when the same job appends to it twice. The writers' lock
     * (db.h begin) keeps other servers out until the transaction ends. */
    int heads_on;
    int g_known;
    int64_t g_seq;
    char g_hash[65];
    char d_id[33]; /* "" none */
    int64_t d_seq;
    char d_hash[65];
    /* The declaration whose dashboard row (store_dash_fact_sync) the job in progress owes: while
     * a batch is open an event defers it here, and store.c writes it once at the job's end
     * (audit_dash_sync) instead of once per event -- a registration's IDC appends two events
     * (registration, ledger) to one declaration. "" none. */
    char dash_id[33];
    /* Events the job in progress holds back (audit_defer_events): NULL until first needed. */
    int defer;
    struct audit_pending_list *pending;
    /* The state (store_audit.c state_read's digest, not finished) of the declaration st_id as
     * the job in progress left it (audit_state_begin): its next events take their state digest
     * from here instead of reading the row and ledger back. Only where events are deferred (a
     * server engine, one round trip fewer). Forgotten by any other write of the row
     * (audit_state_forget) and at the job's end. "" none. */
    char st_id[33];
    audit_digest st;
} audit_anchor;

/* Forgets the chain heads known (above) and allows (on=1) or stops (on=0) keeping them. */
void audit_heads_reset(audit_anchor *a, int on);
/* For the rest of the job in progress on the writer's open batch, on a server engine: an event's
 * reads (its chain head, the state digest's rows) are sent with the job's next statements and
 * the event is written at the job's end, so that a job appending several events between its
 * writes waits for one round trip for all of them instead of one each (a registration: its
 * registration and assessment events). The reads still see what the job had written when the
 * event was appended (a pipeline runs in order). For jobs that do not read the events table
 * after appending one (the dashboard row is written after them, at the job's end). */
void audit_defer_events(db_conn *c);
/* The job's end: writes the events it held back, then the dashboard row its events deferred (0
 * or the DB_* error; on a server engine queued like the other writes). */
int audit_job_end(db_conn *c);
/* The declaration chain's head of decl_id, sent ahead (audit_head_send, a statement of its own)
 * and taken (audit_head_take) before the job appends to it: its next event then reads no head.
 * A job that appends to a declaration it read the head of before any other write to its chain. */
int audit_head_send(db_conn *c, const char *decl_id, db_stmt **out);
int audit_head_take(db_conn *c, db_stmt *st, const char *decl_id);
/* The state the job in progress left declaration decl_id in, as a digest being built: NULL when
 * none is kept here (no writer's batch, events not deferred). The caller adds the row's fields
 * (store.c) and its ledger entries (audit_state_ledger), then audit_state_keep. */
audit_digest *audit_state_begin(db_conn *c);
void audit_state_keep(db_conn *c, const char *decl_id);
/* A ledger entry the job wrote (store_ledger_append_seq): added to a kept state of decl_id. */
struct ledger_row;
void audit_state_ledger(db_conn *c, const char *decl_id, int seq, const struct ledger_row *r);
void audit_state_digest_ledger(audit_digest *d, int seq, const struct ledger_row *r);
/* Any other write of decl_id's row (NULL: of any): the kept state no longer holds. */
void audit_state_forget(db_conn *c, const char *decl_id);
/* 1 when a state of decl_id is kept */
int audit_state_kept(db_conn *c, const char *decl_id);
/* The job is rolled back: forgets both (the reads sent are reset). */
void audit_job_abandon(db_conn *c);

/* Loads BASE.audit-key (BASE: db_state_base of db_path, store/db.h), or creates it (32 random
 * bytes, hex, mode 0600) when `create` is set or when the database holds no keyed event yet. 0, or
 * -1 with a message on stderr. */
int audit_anchor_open(audit_anchor *a, const char *db_path, db_conn *c, int create);
void audit_anchor_close(audit_anchor *a);
/* Appends a checkpoint line when events were appended and (force or) the interval elapsed.
 * Runs in the writer thread after a COMMIT (or at close). */
void audit_checkpoint(audit_anchor *a, db_conn *c, int force);

/* Appends an event (see store.h store_event_append); extra_json is a JSON object or NULL. */
int store_event_append_x(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                         const char *role, const char *action, int from_status, int to_status,
                         const char *detail_json, const char *extra_json);
/* The first event of a declaration this job has just inserted (from no status to to_status), its
 * state digest computed from the row as bound (store_decl_create): nothing is read. */
int store_event_append_new(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                           const char *role, const char *action, int to_status,
                           const char *detail_json, const char *state);

/* ---- events computed in memory (db seed writes rows in their final state) ---------------- */

/* The state digest of a declaration as a stream of fields, framed as state_digest frames the
 * columns it reads: "declaration", its 19 columns (AUDIT_NULL for SQL NULL; integers as SQLite
 * prints them, audit_digest_addi), then "ledger" and the 9 columns of each ledger entry. A
 * caller that knows the row need not read it back. */
#define AUDIT_NULL "\x01null"
int audit_digest_begin(audit_digest *d);
void audit_digest_add(audit_digest *d, const char *s); /* NULL adds "" */
void audit_digest_addn(audit_digest *d, const char *s, size_t len);
void audit_digest_addi(audit_digest *d, int64_t v);
int audit_digest_copy(audit_digest *to, const audit_digest *from); /* the stream so far */
int audit_digest_end(audit_digest *d, char out[65]);               /* 0 or -1 */
void audit_digest_free(audit_digest *d);

/* Every field of an event row (prev, gprev, hash: 64 hex or ""). */
typedef struct audit_event {
    const char *decl_id;
    int64_t seq, gseq, at;
    const char *actor, *role, *action;
    int from_status, to_status;
    const char *detail, *extra; /* NULL for none */
    const char *prev, *gprev, *state, *hash;
    int64_t feed; /* commit order (not MACed): store_event_append_x's MAX + 1 */
} audit_event;

/* The audit key with HMAC's padded keys absorbed once (one per thread: not shareable). */
typedef struct audit_mac_key {
    void *inner, *outer, *work;
} audit_mac_key;
int audit_mac_key_init(audit_mac_key *k, const unsigned char key[32]);
void audit_mac_key_free(audit_mac_key *k);
/* The event's MAC, as store_event_append_x computes it (e->hash is not read). 0 or -1. */
int audit_event_mac_k(audit_mac_key *k, const audit_event *e, char out[65]);
/* Inserts an event whose chain links, state and MAC the caller computed (marks the anchor
 * dirty, so the commit is checkpointed). */
int store_event_insert(db_conn *c, const audit_event *e);
/* The same for n events, several rows per statement, with each event's four digests (prev, hash,
 * gprev, state) decoded by the caller to 32 bytes each (dig[i][0..3]; a digest whose text is "" is
 * bound as it is): db seed's builder thread decodes them, off the writer thread. */
int store_event_insert_many_bin(db_conn *c, const audit_event *const *e,
                                const unsigned char (*const *dig)[32], long n);
/* The newest event of the global chain (0 and "" when there is none). 0 or <0. */
int store_event_last_global(db_conn *c, int64_t *gseq, char hash[65]);
/* The highest feed position of any event (0 when none), or <0. */
int64_t store_event_last_feed(db_conn *c);

/* The result of a verification. */
#define AUDIT_MAX_PROBLEMS 20
typedef struct audit_report {
    int64_t events, declarations, checkpoints, legacy_events;
    int n_problems;                         /* problems found (all counted) */
    char problems[AUDIT_MAX_PROBLEMS][256]; /* the first ones, one sentence each */
} audit_report;

/* Verifies the whole trail inside one read transaction. Returns 0 when it could be read to
 * the end (r->n_problems tells whether it is intact) or <0 on a read error (never "ok" on an
 * error: a problem is recorded too). */
int audit_verify(db_conn *c, const audit_anchor *a, audit_report *r);

/* The engine's integrity check (db_driver.integrity_check: PRAGMA quick_check on SQLite, the
 * data checksums' setting on PostgreSQL): 0 when "ok", else -1 with the first message in msg. */
int store_integrity_check(db_conn *c, char *msg, size_t size);

#endif
