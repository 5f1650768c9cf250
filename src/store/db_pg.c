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
 *  - round trips are what a server on the network costs (a registration is ~25 statements on
 *    the single writer connection), so BEGIN, SAVEPOINT, RELEASE and ROLLBACK TO are not sent on
 *    their own: they wait and go with the next statement in one libpq pipeline. COMMIT is always
 *    sent and waited for at once: a caller is answered only after it.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/log.h"

/* must stay equal in every server sharing a database: the key of the writers' lock */
#define PG_WRITER_LOCK_KEY "6009165746368749568"

typedef struct pg_stmt pg_stmt;

#define MAX_DEFERRED 8

typedef struct pg_conn {
    db_conn base;
    PGconn *pg;
    int broken;
    char err[512];
    pg_stmt **cache;
    int n_cache, cap_cache;
    /* transaction-control statements not sent yet: they go with the next statement, in one
     * pipeline (one round trip) */
    pg_stmt *deferred[MAX_DEFERRED];
    int n_deferred;
} pg_conn;

struct pg_stmt {
    pg_conn *c;
    const char *key; /* the caller's sql pointer */
    char name[16];
    int nparams;
    char **vals;     /* heap copies, NULL = SQL NULL */
    int is_commit;
    int deferrable;  /* BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO: sent with the next statement */
    PGresult *res;
    int executed, row, nrows;
};

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
    const char *keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", "application_name",
                          "dbname", NULL};
    const char *vals[] = {"5", "5", "2", "3", "10000",
                          writer ? "ecustoms-writer" : "ecustoms-reader", target, NULL};
    pg_conn *c = calloc(1, sizeof *c);
    if (!c)
        return DB_ERR;
    c->base.drv = &db_pg_driver;
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        if (c->pg)
            PQfinish(c->pg);
        free(c);
        return DB_UNAVAILABLE;
    }
    PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
    *out = &c->base;
    return DB_OK;
}

static void stmt_clear(pg_stmt *s)
{
    if (s->res)
        PQclear(s->res);
    s->res = NULL;
    s->executed = s->row = s->nrows = 0;
}

static void pg_close(db_conn *bc)
{
    pg_conn *c = (pg_conn *)bc;
    if (!c)
        return;
    for (int i = 0; i < c->n_cache; i++) {
        pg_stmt *s = c->cache[i];
        stmt_clear(s);
        for (int k = 0; k < s->nparams; k++)
            free(s->vals[k]);
        free(s->vals);
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

/* SQLSTATE (or the socket) -> DB_* */
static int classify(pg_conn *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    set_err(c, res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg));
    if (PQstatus(c->pg) != CONNECTION_OK || !state || !strncmp(state, "08", 2) ||
        !strcmp(state, "57P01") || !strcmp(state, "57P02") || !strcmp(state, "57P03") ||
        !strcmp(state, "25006")) {
        c->broken = 1;
        return DB_UNAVAILABLE;
    }
    if (!strncmp(state, "23", 2))
        return DB_CONSTRAINT;
    if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03"))
        return DB_BUSY;
    return DB_ERR;
}

static int pipeline(pg_conn *c, pg_stmt *s, PGresult **out);

static db_stmt *pg_prepare(db_conn *bc, const char *sql)
{
    pg_conn *c = (pg_conn *)bc;
    for (int i = 0; i < c->n_cache; i++)
        if (c->cache[i]->key == sql) {
            pg_stmt *s = c->cache[i];
            stmt_clear(s);
            for (int k = 0; k < s->nparams; k++) {
                free(s->vals[k]);
                s->vals[k] = NULL;
            }
            return (db_stmt *)s;
        }
    if (c->broken)
        return NULL;
    if (c->n_deferred) {
        /* a Parse must come after them: a deferred ROLLBACK TO may be what makes the
         * transaction usable again */
        PGresult *none;
        if (pipeline(c, NULL, &none) != DB_OK)
            return NULL;
    }
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
                            !strncmp(sql, "RELEASE ", 8) || !strncmp(sql, "ROLLBACK TO ", 12));
    snprintf(s->name, sizeof s->name, "e%d", c->n_cache + 1);
    s->vals = np ? calloc((size_t)np, sizeof *s->vals) : NULL;
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

static int pg_bind_text(db_stmt *bs, int i, const char *v)
{
    pg_stmt *s = (pg_stmt *)bs;
    if (i < 1 || i > s->nparams)
        return DB_ERR;
    stmt_clear(s);
    free(s->vals[i - 1]);
    s->vals[i - 1] = NULL;
    if (v && !(s->vals[i - 1] = strdup(v)))
        return DB_ERR;
    return DB_OK;
}

static int pg_bind_int64(db_stmt *bs, int i, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return pg_bind_text(bs, i, buf);
}

static int lost(pg_conn *c)
{
    c->broken = 1;
    c->n_deferred = 0;
    set_err(c, PQerrorMessage(c->pg));
    return DB_UNAVAILABLE;
}

/* Sends the deferred statements and then s (NULL: none) in one pipeline, one round trip.
 * Returns s's result in *out (NULL if s is NULL), or the error of the first statement that
 * failed (DB_* code, *out NULL). */
static int pipeline(pg_conn *c, pg_stmt *s, PGresult **out)
{
    int n = c->n_deferred, rc = DB_OK;
    PGresult *first_err = NULL;
    *out = NULL;
    c->n_deferred = 0;
    if (!PQenterPipelineMode(c->pg))
        return lost(c);
    for (int i = 0; i < n; i++)
        if (!PQsendQueryPrepared(c->pg, c->deferred[i]->name, 0, NULL, NULL, NULL, 0))
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
        if (st == PGRES_FATAL_ERROR && !first_err)
            first_err = r;
        else if (i == n && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
            *out = r;
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
        PQclear(first_err);
        PQclear(*out);
        *out = NULL;
    } else if (s && !*out) {
        set_err(c, "no result for the statement");
        rc = DB_ERR;
    }
    return rc;
broken:
    PQclear(first_err);
    PQclear(*out);
    *out = NULL;
    return lost(c);
}

static int pg_step(db_stmt *bs)
{
    pg_stmt *s = (pg_stmt *)bs;
    pg_conn *c = s->c;
    if (s->executed)
        return ++s->row < s->nrows ? DB_ROW : DB_DONE;
    if (c->broken) {
        set_err(c, "the connection to the database server was lost");
        return DB_UNAVAILABLE;
    }
    if (s->deferrable && c->n_deferred < MAX_DEFERRED) {
        c->deferred[c->n_deferred++] = s;
        s->executed = 1;
        s->nrows = 0;
        return DB_DONE;
    }
    if (c->n_deferred) {
        int rc = pipeline(c, s, &s->res);
        if (rc != DB_OK)
            return rc;
    } else {
        s->res = PQexecPrepared(c->pg, s->name, s->nparams, (const char *const *)s->vals, NULL,
                                NULL, 0);
    }
    ExecStatusType st = s->res ? PQresultStatus(s->res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK) {
        s->executed = 1;
        s->nrows = 0;
        if (s->is_commit && !strcmp(PQcmdStatus(s->res), "ROLLBACK")) {
            set_err(c, "the transaction had failed: COMMIT rolled it back");
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

static void pg_reset(db_stmt *bs) { stmt_clear((pg_stmt *)bs); }

static int pg_exec(db_conn *bc, const char *sql)
{
    pg_conn *c = (pg_conn *)bc;
    if (c->broken)
        return DB_UNAVAILABLE;
    if (c->n_deferred) {
        PGresult *none;
        int rc = pipeline(c, NULL, &none);
        if (rc != DB_OK)
            return rc;
    }
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
    if (!write)
        return run_simple(bc, sql_begin_read);
    int rc = run_simple(bc, sql_begin);
    if (rc == DB_OK && (rc = run_simple(bc, sql_writer_lock)) != DB_OK)
        run_simple(bc, "ROLLBACK");
    return rc;
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
    .step = pg_step,
    .col_text = pg_col_text,
    .col_int64 = pg_col_int64,
    .col_is_null = pg_col_is_null,
    .reset = pg_reset,
    .exec = pg_exec,
    .errmsg = pg_errmsg,
    .begin = pg_begin,
    .alive = pg_alive,
    .bulk_load = pg_bulk_load,
    .integrity_check = pg_integrity_check,
};
