/* PostgreSQL driver for store/db.h (libpq).
 *
 * The callers' portable SQL uses `?` placeholders; each statement is translated to `$1..$n`
 * once and prepared on the server once per connection (cached by the sql pointer, like the
 * SQLite driver). Parameters are sent as text with no declared type, so the server infers each
 * one from its context (a column, an operator), as SQLite's affinity does; results come back as
 * text and col_int64 parses them.
 *
 * Where PostgreSQL needs its own statement, it is here:
 *  - a write transaction takes a transaction-level advisory lock, so batches of several servers
 *    sharing one database run one at a time, as SQLite's BEGIN IMMEDIATE does: read-then-write
 *    jobs (event chains, status transitions, permit quantities) stay correct under READ
 *    COMMITTED without a lock in every caller;
 *  - a read is one REPEATABLE READ, READ ONLY transaction: one snapshot for all its queries;
 *  - SQLSTATE classes map onto DB_*: 23xxx constraint (like SQLITE_CONSTRAINT), 40001/40P01/
 *    55P03 busy (retried by the writer), 08xxx / 57P0x / 25006 (read-only: we reached a standby
 *    after a failover) or a dropped socket: unavailable, and the connection is marked broken so
 *    the store reopens it (store.c);
 *  - a COMMIT that the server turns into ROLLBACK (the transaction had failed) is an error,
 *    never success;
 *  - round trips are what a server on the network costs -- and on a shared machine each one
 *    also waits for the backend and then the writer thread to get a CPU (~1 ms each measured
 *    under load, docs/performance.md) -- so statements wait in a queue and go in one libpq
 *    pipeline with the next statement that needs an answer: BEGIN, SAVEPOINT, RELEASE and
 *    ROLLBACK TO; writes run with run_nowait (their values taken over by the queue); reads
 *    started with send (their rows kept for the caller's step). A failed statement's error is
 *    returned by the statement that waited (the pipeline skips what follows it) and kept for
 *    flush, which store.c calls after every job. COMMIT is always sent and waited for at once:
 *    a caller is answered only after it.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/hex.h"
#include "util/log.h"

/* must stay equal in every server sharing a database: the key of the writers' lock */
#define PG_WRITER_LOCK_KEY "6009165746368749568"

typedef struct pg_stmt pg_stmt;

/* every round trip of every connection, and the writers' (db.h db_round_trips) */
static _Atomic uint64_t round_trips, writer_round_trips;

uint64_t db_round_trips(void) { return round_trips; }
uint64_t db_writer_round_trips(void) { return writer_round_trips; }

/* A statement waiting to go with the next one that needs an answer (one pipeline, one round
 * trip): transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO), a write sent by
 * run_nowait (its values taken from the statement: owned here), or a read started by send (its
 * rows go to the statement, whose values it borrows until then). */
typedef struct pg_queued {
    const char *name;
    int nparams;
    char **vals;
    int owned;
    pg_stmt *reader;
    uint64_t seq; /* pg_conn seq */
} pg_queued;

/* Where plans are kept (the writer's session, a read transaction of db.h generic_plans), a
 * look-up by key uses its key whatever the statistics say. A kept plan is made once, from the
 * statistics of that moment, and lives until the next ANALYZE of its tables; autovacuum analyzes
 * a new database's tables while they hold a few rows, and a sequential scan is the cheapest read
 * of one page. Kept, that plan read the whole table at every call as the table grew: the ledger
 * five times a registration, until the next ANALYZE a minute later -- benchmark runs at half
 * their rate with twice PostgreSQL's CPU (docs/performance.md, stop 21;
 * tests/api/test_pg.py T30PgYoungStatistics). Disabled, a sequential scan is still the plan of
 * a statement that has no index to use. */
#define PG_KEPT_PLANS(local)                                                                       \
    "SET " local "plan_cache_mode = force_generic_plan", "SET " local "enable_seqscan = off"
/* SET LOCAL: the transaction's end restores the session's settings; queued like BEGIN, they
 * cost no round trip of their own */
static const char *const sql_generic_plans[2] = {PG_KEPT_PLANS("LOCAL ")};
static const char *const sql_writer_session[2] = {PG_KEPT_PLANS("")};

/* A longer queue is sent at once: bounded memory for a bulk writer's thousands of inserts. */
#define QUEUE_MAX 512

typedef struct pg_conn {
    db_conn base;
    PGconn *pg;
    int broken;
    char err[512];
    pg_stmt **cache;
    int n_cache, cap_cache;
    pg_queued q[QUEUE_MAX];
    int nq;
    /* the first error since the transaction began or the last flush (db.h flush) */
    int first_rc;
    int writer;
    int pending; /* results of a pipeline sent without waiting (commit_async), not read yet */
    /* Each queued statement's number (seq, counted per connection), the last number before the
     * last mark (db.h mark), and whether a statement from before it has failed in this
     * transaction, with its error: an earlier job's held-back write (store.c run_batch). */
    uint64_t seq, mark_seq;
    int failed_before_mark;
    char mark_err[512];
} pg_conn;

struct pg_stmt {
    pg_conn *c;
    const char *key; /* the caller's sql pointer */
    char name[16];
    int nparams;
    char **vals; /* heap copies, NULL = SQL NULL */
    int is_commit;
    int deferrable; /* BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO: sent with the next statement */
    int queued;     /* started by send, its result not received yet */
    int fetched;    /* its result (res, or the error in qrc) was received by a pipeline */
    int qrc;
    PGresult *res;
    int executed, row, nrows;
    /* col_blob's decoded bytea values of the current row, by column (nblobs of them) */
    unsigned char **blobs;
    int nblobs;
};

static void count_round_trip(const pg_conn *c)
{
    round_trips++;
    if (c->writer)
        writer_round_trips++;
}

static void quiet_notices(void *arg, const char *message)
{
    /* CREATE TABLE IF NOT EXISTS and friends: nothing an operator needs on stderr */
    (void)arg, (void)message;
}

static void set_err(pg_conn *c, const char *msg)
{
    snprintf(c->err, sizeof c->err, "%s", msg && *msg ? msg : "unknown PostgreSQL error");
    size_t n = strlen(c->err);
    while (n && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
        c->err[--n] = 0;
}

static int pg_open(const char *target, int writer, db_conn **out)
{
    /* defaults first: the URI (expanded from dbname) may override any of them. Keepalives and
     * a user timeout make a dead server look dead within seconds instead of hanging a batch. */
    const char *keys[] = {"connect_timeout",
                          "keepalives_idle",
                          "keepalives_interval",
                          "keepalives_count",
                          "tcp_user_timeout",
                          "application_name",
                          "dbname",
                          NULL};
    const char *vals[] = {
        "5", "5", "2", "3", "10000", writer ? "ecustoms-writer" : "ecustoms-reader", target, NULL};
    pg_conn *c = calloc(1, sizeof *c);
    if (!c)
        return DB_ERR;
    c->base.drv = &db_pg_driver;
    c->writer = writer;
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (c->pg)
            PQfinish(c->pg);
        free(c);
        return DB_UNAVAILABLE;
    }
    PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
    /* The writer's statements are prepared once per connection and are point look-ups and
     * inserts by key, whose generic plan is the custom one. PostgreSQL's default (auto) compares
     * the generic plan's estimate with the custom plans' and, when the generic one looks dearer
     * (its estimates ignore the values: a new declaration's id is in no statistics), plans every
     * call afresh: at saturation the writer planned the dashboard's upsert (eight subqueries),
     * the ledger and duplicate-document reads at most of their calls -- 1 to 4 ms of planning per
     * registration, from 0.1 below saturation, depending on when autovacuum had analyzed which
     * table. Kept plans use their keys (PG_KEPT_PLANS). The readers keep auto: the office's
     * searches want plans for their values. A server without a setting (plan_cache_mode came
     * with PostgreSQL 12) keeps its default. */
    for (int i = 0; writer && i < 2; i++)
        PQclear(PQexec(c->pg, sql_writer_session[i]));
    *out = &c->base;
    return DB_OK;
}

static void blobs_clear(pg_stmt *s)
{
    for (int i = 0; i < s->nblobs; i++) {
        PQfreemem(s->blobs[i]);
        s->blobs[i] = NULL;
    }
}

static void stmt_clear(pg_stmt *s)
{
    blobs_clear(s);
    if (s->res)
        PQclear(s->res);
    s->res = NULL;
    s->executed = s->row = s->nrows = 0;
    s->fetched = s->qrc = 0;
}

static void drop_queue(pg_conn *c, int rc);

static void pg_close(db_conn *bc)
{
    pg_conn *c = (pg_conn *)bc;
    if (!c)
        return;
    drop_queue(c, DB_UNAVAILABLE);
    for (int i = 0; i < c->n_cache; i++) {
        pg_stmt *s = c->cache[i];
        stmt_clear(s);
        for (int k = 0; k < s->nparams; k++)
            free(s->vals[k]);
        free(s->vals);
        free(s->blobs);
        free(s);
    }
    free(c->cache);
    PQfinish(c->pg);
    free(c);
}

/* `?` -> `$n`, outside quoted strings, quoted identifiers and comments. */
static char *translate(const char *sql, int *nparams)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 4 + 1), *o = out;
    int k = 0;
    if (!out)
        return NULL;
    for (const char *p = sql; *p;) {
        if (*p == '\'' || *p == '"') {
            char q = *p;
            *o++ = *p++;
            while (*p) {
                if (*p == q && p[1] == q) {
                    *o++ = *p++;
                    *o++ = *p++;
                } else if (*p == q) {
                    *o++ = *p++;
                    break;
                } else {
                    *o++ = *p++;
                }
            }
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                *o++ = *p++;
        } else if (*p == '?' && p[1] >= '1' && p[1] <= '9') {
            /* ?NNN (SQLite's numbered parameter, one value used in several places): $NNN */
            char *end;
            long v = strtol(p + 1, &end, 10);
            o += sprintf(o, "$%ld", v);
            if (v > k)
                k = (int)v;
            p = end;
        } else if (*p == '?') {
            o += sprintf(o, "$%d", ++k);
            p++;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    *nparams = k;
    return out;
}

/* SQLSTATE (or the socket) -> DB_*. The first error of a transaction is kept for flush: on
 * PostgreSQL a failed statement spoils the transaction whoever ignores it. */
static int classify(pg_conn *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int rc;
    set_err(c, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
    if (PQstatus(c->pg) != CONNECTION_OK || !state || !strncmp(state, "08", 2) ||
        !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03") ||
        !strcmp(state, "25006")) {
        c->broken = 1;
        rc = DB_UNAVAILABLE;
    } else if (!strncmp(state, "23", 2))
        rc = DB_CONSTRAINT;
    else if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        rc = DB_BUSY;
    else
        rc = DB_ERR;
    if (!c->first_rc)
        c->first_rc = rc;
    return rc;
}

/* Forgets the queue (the connection is lost, or closing): the reads in it fail with rc. */
static void drop_queue(pg_conn *c, int rc)
{
    for (int i = 0; i < c->nq; i++) {
        pg_queued *q = &c->q[i];
        if (q->owned) {
            for (int k = 0; k < q->nparams; k++)
                free(q->vals[k]);
            free(q->vals);
        }
        if (q->reader) {
            q->reader->queued = 0;
            q->reader->fetched = 1;
            q->reader->qrc = rc;
        }
    }
    c->nq = 0;
}

static int lost(pg_conn *c)
{
    c->broken = 1;
    set_err(c, PQerrorMessage(c->pg));
    if (PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(c->pg); /* refused while results are unread: the socket is gone anyway */
    drop_queue(c, DB_UNAVAILABLE);
    if (!c->first_rc)
        c->first_rc = DB_UNAVAILABLE;
    return DB_UNAVAILABLE;
}

/* Reads the answers of a pipeline commit_async sent (they have long arrived by the time the
 * connection is used again): 0, or the connection is lost. */
static int drain(pg_conn *c)
{
    int n = c->pending;
    if (!n)
        return DB_OK;
    c->pending = 0;
    for (int i = 0; i < n; i++) {
        /* a failed read job's COMMIT is a ROLLBACK, and a read-only transaction has nothing to
         * lose: only the connection matters */
        PGresult *r = PQgetResult(c->pg);
        if (!r)
            return lost(c);
        PQclear(r);
        PGresult *end = PQgetResult(c->pg);
        if (end) {
            PQclear(end);
            return lost(c);
        }
    }
    PGresult *sync = PQgetResult(c->pg);
    int ok = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!ok || !PQexitPipelineMode(c->pg))
        return lost(c);
    return DB_OK;
}

/* A read transaction's COMMIT (with what waits in the queue: a BEGIN when the job read
 * nothing) is sent and not waited for: the job's reads were answered, and nothing depends on
 * the COMMIT's answer, which drain reads before the connection's next statement -- a round
 * trip's wait less per read. The server ends the transaction as soon as it gets it, so the
 * connection does not sit idle in a transaction in the pool. */
static int commit_async(pg_conn *c, pg_stmt *s)
{
    if (!PQenterPipelineMode(c->pg))
        return lost(c);
    for (int i = 0; i < c->nq; i++)
        if (!PQsendQueryPrepared(c->pg, c->q[i].name, c->q[i].nparams,
                                 (const char *const *)c->q[i].vals, NULL, NULL, 0))
            return lost(c);
    if (!PQsendQueryPrepared(c->pg, s->name, 0, NULL, NULL, NULL, 0) || !PQpipelineSync(c->pg))
        return lost(c);
    c->pending = c->nq + 1;
    drop_queue(c, DB_OK); /* frees what the writes owned (the values were sent) */
    return DB_OK;
}

static int queue_has_reader(const pg_conn *c)
{
    for (int i = 0; i < c->nq; i++)
        if (c->q[i].reader)
            return 1;
    return 0;
}

/* Sends the queue and then s (NULL: none) in one pipeline, one round trip. The queue's reads
 * get their rows (or the error that stopped them); s's result is returned in *out. Returns 0,
 * or the error of the first statement that failed (*out NULL): the pipeline skips what follows
 * it, which fails with the same error. */
static int flush(pg_conn *c, pg_stmt *s, PGresult **out)
{
    int n = c->nq, rc = DB_OK, first_err_at = -1;
    PGresult *first_err = NULL, *mine = NULL;
    if (out)
        *out = NULL;
    if (!n && !s)
        return DB_OK;
    if (c->pending && drain(c) != DB_OK)
        return DB_UNAVAILABLE;
    if (!PQenterPipelineMode(c->pg))
        return lost(c);
    count_round_trip(c);
    for (int i = 0; i < n; i++)
        if (!PQsendQueryPrepared(c->pg, c->q[i].name, c->q[i].nparams,
                                 (const char *const *)c->q[i].vals, NULL, NULL, 0))
            goto broken;
    if (s && !PQsendQueryPrepared(c->pg, s->name, s->nparams, (const char *const *)s->vals, NULL,
                                  NULL, 0))
        goto broken;
    if (!PQpipelineSync(c->pg))
        goto broken;
    for (int i = 0; i < n + (s != NULL); i++) {
        PGresult *r = PQgetResult(c->pg);
        if (!r)
            goto broken;
        ExecStatusType st = PQresultStatus(r);
        int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
        pg_stmt *reader = i < n ? c->q[i].reader : NULL;
        if (st == PGRES_FATAL_ERROR && !first_err) {
            first_err = r;
            first_err_at = i;
        } else if (ok && reader)
            reader->res = r;
        else if (ok && i == n)
            mine = r;
        else
            PQclear(r);
        PGresult *end = PQgetResult(c->pg); /* NULL after each statement's results */
        if (end) {
            PQclear(end);
            goto broken;
        }
    }
    PGresult *sync = PQgetResult(c->pg);
    if (!sync || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
        PQclear(sync);
        goto broken;
    }
    PQclear(sync);
    if (!PQexitPipelineMode(c->pg))
        goto broken;
    if (first_err) {
        rc = classify(c, first_err);
        if (first_err_at < n && c->q[first_err_at].seq <= c->mark_seq && !c->failed_before_mark) {
            c->failed_before_mark = 1;
            snprintf(c->mark_err, sizeof c->mark_err, "%s", c->err);
        }
        PQclear(first_err);
        PQclear(mine);
        mine = NULL;
    } else if (s && !mine) {
        set_err(c, "no result for the statement");
        rc = DB_ERR;
    }
    for (int i = 0; i < n; i++) {
        pg_stmt *reader = c->q[i].reader;
        if (reader) {
            reader->queued = 0;
            reader->fetched = 1;
            reader->qrc = reader->res ? DB_OK : rc ? rc : DB_ERR;
            c->q[i].reader = NULL;
        }
    }
    drop_queue(c, rc); /* frees what the writes owned */
    if (out)
        *out = mine;
    else
        PQclear(mine);
    return rc;
broken:
    PQclear(first_err);
    PQclear(mine);
    return lost(c);
}

/* A statement started by send and not stepped yet is received before the caller touches it. */
static void unqueue(pg_stmt *s)
{
    if (s->queued)
        flush(s->c, NULL, NULL);
}

static db_stmt *pg_prepare(db_conn *bc, const char *sql)
{
    pg_conn *c = (pg_conn *)bc;
    for (int i = 0; i < c->n_cache; i++)
        if (c->cache[i]->key == sql) {
            pg_stmt *s = c->cache[i];
            unqueue(s);
            stmt_clear(s);
            for (int k = 0; k < s->nparams; k++) {
                free(s->vals[k]);
                s->vals[k] = NULL;
            }
            return (db_stmt *)s;
        }
    if (c->broken)
        return NULL;
    /* a Parse must come after the queue: a queued ROLLBACK TO may be what makes the
     * transaction usable again */
    if (c->nq && flush(c, NULL, NULL) != DB_OK)
        return NULL;
    if (c->n_cache == c->cap_cache) {
        int cap = c->cap_cache ? c->cap_cache * 2 : 64;
        pg_stmt **nc = realloc(c->cache, (size_t)cap * sizeof *nc);
        if (!nc)
            return NULL;
        c->cache = nc;
        c->cap_cache = cap;
    }
    pg_stmt *s = calloc(1, sizeof *s);
    int np = 0;
    char *text = translate(sql, &np);
    if (!s || !text) {
        free(s);
        free(text);
        return NULL;
    }
    s->c = c;
    s->key = sql;
    s->nparams = np;
    s->is_commit = !strcmp(sql, "COMMIT");
    /* Their answer is never read by the caller beyond "it worked"; if one fails, the statement
     * sent with it fails too (the pipeline is aborted) and reports the first error. */
    s->deferrable = !np && (!strncmp(sql, "BEGIN", 5) || !strncmp(sql, "SAVEPOINT ", 10) ||
                            !strncmp(sql, "RELEASE ", 8) || !strncmp(sql, "ROLLBACK TO ", 12) ||
                            sql == sql_generic_plans[0] || sql == sql_generic_plans[1]);
    snprintf(s->name, sizeof s->name, "e%d", c->n_cache + 1);
    s->vals = np ? calloc((size_t)np, sizeof *s->vals) : NULL;
    count_round_trip(c);
    if (c->pending && drain(c) != DB_OK) {
        free(s->vals);
        free(s);
        return NULL;
    }
    PGresult *res = (np && !s->vals) ? NULL : PQprepare(c->pg, s->name, text, 0, NULL);
    free(text);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        classify(c, res);
        PQclear(res);
        free(s->vals);
        free(s);
        return NULL;
    }
    PQclear(res);
    c->cache[c->n_cache++] = s;
    return (db_stmt *)s;
}

/* The emptied slot of parameter i (1-based) for a new value, or NULL when there is no such
 * parameter: a statement bound anew is taken off the queue and its last result dropped. */
static char **bind_slot(pg_stmt *s, int i)
{
    if (i < 1 || i > s->nparams)
        return NULL;
    unqueue(s);
    stmt_clear(s);
    free(s->vals[i - 1]);
    s->vals[i - 1] = NULL;
    return &s->vals[i - 1];
}

static int pg_bind_text(db_stmt *bs, int i, const char *v)
{
    char **slot = bind_slot((pg_stmt *)bs, i);
    if (!slot)
        return DB_ERR;
    if (v && !(*slot = strdup(v)))
        return DB_ERR;
    return DB_OK;
}

/* bytea in its text input form, `\x` and two hex digits a byte: the values travel as text like
 * every other parameter (one format for the queue of pipelined statements) */
static int pg_bind_blob(db_stmt *bs, int i, const void *v, size_t n)
{
    char **slot = bind_slot((pg_stmt *)bs, i);
    if (!slot)
        return DB_ERR;
    if (!v)
        return DB_OK;
    char *t = malloc(2 * n + 3);
    if (!t)
        return DB_ERR;
    t[0] = '\\';
    t[1] = 'x';
    hex_encode(v, n, t + 2);
    *slot = t;
    return DB_OK;
}

static int pg_bind_int64(db_stmt *bs, int i, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return pg_bind_text(bs, i, buf);
}

/* Appends to the queue; a full queue is sent first. */
static int enqueue(pg_conn *c, pg_stmt *s, char **vals, int owned, pg_stmt *reader)
{
    if (c->nq == QUEUE_MAX) {
        int rc = flush(c, NULL, NULL);
        if (rc != DB_OK) {
            if (owned) {
                for (int k = 0; k < s->nparams; k++)
                    free(vals[k]);
                free(vals);
            }
            return rc;
        }
    }
    c->q[c->nq++] = (pg_queued){s->name, s->nparams, vals, owned, reader, ++c->seq};
    return DB_OK;
}

/* What a received result means for the caller's step. */
static int finish(pg_stmt *s)
{
    pg_conn *c = s->c;
    ExecStatusType st = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK) {
        s->executed = 1;
        s->nrows = 0;
        if (s->is_commit && !strcmp(PQcmdStatus(s->res), "ROLLBACK")) {
            set_err(c, "the transaction had failed: COMMIT rolled it back");
            if (!c->first_rc)
                c->first_rc = DB_ERR;
            return DB_ERR;
        }
        return DB_DONE;
    }
    if (st == PGRES_TUPLES_OK) {
        s->executed = 1;
        s->nrows = PQntuples(s->res);
        s->row = 0;
        return s->nrows > 0 ? DB_ROW : DB_DONE;
    }
    int rc = classify(c, s->res);
    stmt_clear(s);
    return rc;
}

static int pg_step(db_stmt *bs)
{
    pg_stmt *s = (pg_stmt *)bs;
    pg_conn *c = s->c;
    if (s->executed) {
        blobs_clear(s);
        return ++s->row < s->nrows ? DB_ROW : DB_DONE;
    }
    unqueue(s);
    if (s->fetched) { /* started by send: its rows (or error) came with a pipeline */
        int rc = s->qrc;
        s->fetched = s->qrc = 0;
        if (rc != DB_OK) {
            stmt_clear(s);
            return rc;
        }
        return finish(s);
    }
    if (c->broken) {
        set_err(c, "the connection to the database server was lost");
        return DB_UNAVAILABLE;
    }
    if (s->deferrable) {
        int rc = enqueue(c, s, NULL, 0, NULL);
        if (rc != DB_OK)
            return rc;
        s->executed = 1;
        s->nrows = 0;
        return DB_DONE;
    }
    if (s->is_commit && !c->writer && !queue_has_reader(c)) {
        int rc = commit_async(c, s);
        if (rc != DB_OK)
            return rc;
        s->executed = 1;
        s->nrows = 0;
        return DB_DONE;
    }
    if (c->nq) {
        int rc = flush(c, s, &s->res);
        if (rc != DB_OK)
            return rc;
    } else {
        if (c->pending && drain(c) != DB_OK)
            return DB_UNAVAILABLE;
        count_round_trip(c);
        s->res =
            PQexecPrepared(c->pg, s->name, s->nparams, (const char *const *)s->vals, NULL, NULL, 0);
    }
    return finish(s);
}

static int pg_run_nowait(db_stmt *bs)
{
    pg_stmt *s = (pg_stmt *)bs;
    pg_conn *c = s->c;
    unqueue(s);
    if (c->broken) {
        set_err(c, "the connection to the database server was lost");
        return DB_UNAVAILABLE;
    }
    /* the queue takes the values; the statement gets empty ones for its next use */
    char **fresh = s->nparams ? calloc((size_t)s->nparams, sizeof *fresh) : NULL;
    if (s->nparams && !fresh)
        return DB_ERR;
    char **vals = s->vals;
    s->vals = fresh;
    stmt_clear(s);
    return enqueue(c, s, vals, s->nparams > 0, NULL);
}

static int pg_send(db_stmt *bs)
{
    pg_stmt *s = (pg_stmt *)bs;
    pg_conn *c = s->c;
    if (s->queued || s->executed || s->fetched)
        return DB_ERR; /* already started */
    if (c->broken) {
        set_err(c, "the connection to the database server was lost");
        return DB_UNAVAILABLE;
    }
    int rc = enqueue(c, s, s->vals, 0, s);
    if (rc == DB_OK)
        s->queued = 1;
    return rc;
}

static int pg_flush(db_conn *bc)
{
    pg_conn *c = (pg_conn *)bc;
    int rc = c->nq && !c->broken ? flush(c, NULL, NULL) : DB_OK;
    if (c->broken && rc == DB_OK)
        rc = DB_UNAVAILABLE;
    if (c->first_rc)
        rc = c->first_rc;
    c->first_rc = 0;
    return rc;
}

static const char *pg_col_text(db_stmt *bs, int i)
{
    pg_stmt *s = (pg_stmt *)bs;
    if (!s->res || s->row >= s->nrows || i >= PQnfields(s->res) || PQgetisnull(s->res, s->row, i))
        return NULL;
    return PQgetvalue(s->res, s->row, i);
}

static int64_t pg_col_int64(db_stmt *bs, int i)
{
    const char *v = pg_col_text(bs, i);
    if (!v)
        return 0;
    if (v[0] == 't' && !v[1]) /* booleans come back as t / f */
        return 1;
    return strtoll(v, NULL, 10);
}

static int pg_col_is_null(db_stmt *bs, int i) { return pg_col_text(bs, i) == NULL; }

/* bytea comes back in its text output form (`\x` + hex), decoded here once per row and column;
 * a column of another type gives its text's bytes (a migration's C step may read a column that
 * is not bytea yet) */
static const void *pg_col_blob(db_stmt *bs, int i, size_t *n)
{
    pg_stmt *s = (pg_stmt *)bs;
    const char *v = pg_col_text(bs, i);
    *n = 0;
    if (!v || i < 0)
        return NULL;
    if (PQftype(s->res, i) != 17) { /* not bytea (BYTEAOID): a text column's bytes, as SQLite */
        *n = (size_t)PQgetlength(s->res, s->row, i);
        return v;
    }
    if (i >= s->nblobs) {
        int nf = PQnfields(s->res);
        unsigned char **grown = realloc(s->blobs, (size_t)nf * sizeof *grown);
        if (!grown)
            return NULL;
        for (int k = s->nblobs; k < nf; k++)
            grown[k] = NULL;
        s->blobs = grown;
        s->nblobs = nf;
    }
    PQfreemem(s->blobs[i]);
    s->blobs[i] = PQunescapeBytea((const unsigned char *)v, n);
    return s->blobs[i];
}

static void pg_reset(db_stmt *bs)
{
    unqueue((pg_stmt *)bs);
    stmt_clear((pg_stmt *)bs);
}

static int pg_exec(db_conn *bc, const char *sql)
{
    pg_conn *c = (pg_conn *)bc;
    if (c->broken)
        return DB_UNAVAILABLE;
    if (c->nq) {
        int rc = flush(c, NULL, NULL);
        if (rc != DB_OK)
            return rc;
    }
    if (c->pending && drain(c) != DB_OK)
        return DB_UNAVAILABLE;
    count_round_trip(c);
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY
                 ? DB_OK
                 : classify(c, res);
    if (rc == DB_OK && !strcmp(sql, "COMMIT") && !strcmp(PQcmdStatus(res), "ROLLBACK")) {
        set_err(c, "the transaction had failed: COMMIT rolled it back");
        rc = DB_ERR;
    }
    PQclear(res);
    return rc;
}

static const char *pg_errmsg(db_conn *bc) { return ((pg_conn *)bc)->err; }

static const char sql_begin[] = "BEGIN";
static const char sql_writer_lock[] = "SELECT pg_advisory_xact_lock(" PG_WRITER_LOCK_KEY ")";
static const char sql_begin_read[] = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

static int run_simple(db_conn *bc, const char *sql)
{
    db_stmt *st = pg_prepare(bc, sql);
    if (!st)
        return ((pg_conn *)bc)->broken ? DB_UNAVAILABLE : DB_ERR;
    int rc = pg_step(st);
    pg_reset(st);
    return rc == DB_DONE || rc == DB_ROW ? DB_OK : rc;
}

static int pg_begin(db_conn *bc, int write)
{
    pg_conn *c = (pg_conn *)bc;
    c->first_rc = 0;
    c->failed_before_mark = 0;
    c->mark_seq = c->seq;
    if (!write)
        return run_simple(bc, sql_begin_read);
    int rc = run_simple(bc, sql_begin);
    if (rc == DB_OK && (rc = run_simple(bc, sql_writer_lock)) != DB_OK)
        run_simple(bc, "ROLLBACK");
    return rc;
}

/* What waits in the queue (and every statement before) belongs to an earlier job. Sending
 * those writes here without waiting, so that the server ran them while the writer's thread
 * prepared the next job, made no difference on 2 cores (docs/performance.md, stop 23): they go
 * with the next job's first round trip. */
static void pg_mark(db_conn *bc)
{
    pg_conn *c = (pg_conn *)bc;
    c->mark_seq = c->seq;
}

static int pg_failed_before_mark(db_conn *bc, char *msg, size_t n)
{
    pg_conn *c = (pg_conn *)bc;
    if (c->failed_before_mark && msg && n)
        snprintf(msg, n, "%s", c->mark_err);
    return c->failed_before_mark;
}

static int pg_generic_plans(db_conn *bc)
{
    pg_conn *c = (pg_conn *)bc;
    if (c->writer) /* the writer's session has it already (pg_open) */
        return DB_OK;
    int rc = DB_DONE;
    for (int i = 0; i < 2 && rc == DB_DONE; i++) {
        db_stmt *st = pg_prepare(bc, sql_generic_plans[i]);
        if (!st)
            return c->broken ? DB_UNAVAILABLE : DB_ERR;
        rc = pg_step(st);
        pg_reset(st);
    }
    return rc == DB_DONE ? DB_OK : rc;
}

static int pg_alive(db_conn *bc)
{
    pg_conn *c = (pg_conn *)bc;
    /* reads what the server sent meanwhile without blocking (libpq's socket is non-blocking):
     * a closed socket or a termination message turns the connection bad */
    if (!c->broken && (PQconsumeInput(c->pg) == 0 || PQstatus(c->pg) != CONNECTION_OK)) {
        set_err(c, PQerrorMessage(c->pg));
        c->broken = 1;
    }
    return !c->broken;
}

/* A crash while loading loses at most the last transactions, never consistency: the seed is
 * re-run. SET is per session: other connections keep synchronous_commit on. */
static int pg_bulk_load(db_conn *c, int on)
{
    return pg_exec(c, on ? "SET synchronous_commit = off" : "SET synchronous_commit = on");
}

/* No scan from the client (it would read the whole database over the network): the server
 * verifies each page's checksum when it reads it, so a damaged page read live is an error (a
 * 503, never a wrong answer) -- when the cluster was made with data checksums; say so when it
 * was not. A full check is pg_amcheck's (docs/operations.md). */
static int pg_integrity_check(db_conn *c, char *msg, size_t size)
{
    static const char sql[] = "SELECT current_setting('data_checksums')";
    db_stmt *st = db_prepare(c, sql);
    int rc = st ? db_step(c, st) : DB_ERR;
    const char *t = rc == DB_ROW ? db_col_text(c, st, 0) : NULL;
    if (t && strcmp(t, "on") != 0)
        log_warn("the PostgreSQL cluster has no data checksums: a damaged page would go"
                 " unnoticed (initdb --data-checksums, or pg_checksums --enable while stopped)");
    if (st)
        db_reset(c, st);
    snprintf(msg, size, "ok");
    return 0;
}

const db_driver db_pg_driver = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int64 = pg_bind_int64,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int64 = pg_col_int64,
    .col_blob = pg_col_blob,
    .col_is_null = pg_col_is_null,
    .reset = pg_reset,
    .exec = pg_exec,
    .errmsg = pg_errmsg,
    .begin = pg_begin,
    .alive = pg_alive,
    .bulk_load = pg_bulk_load,
    .integrity_check = pg_integrity_check,
    .run_nowait = pg_run_nowait,
    .send = pg_send,
    .flush = pg_flush,
    .generic_plans = pg_generic_plans,
    .mark = pg_mark,
    .failed_before_mark = pg_failed_before_mark,
};
