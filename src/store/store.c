#include "store/store.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store_audit.h"
#include "store/store_dashboard.h"
#include "store/store_payments.h"
#include "store/store_hit_rates.h"
#include "store/store_risk.h"
#include "util/date.h"
#include "util/log.h"
#include "store/pack.h"
#include "store/store_users.h"
#include "store/schema.h"
#include "util/hex.h"

/* ================================================================================================
 * Store: read pool + group-commit writer
 * ============================================================================================= */

#define READ_POOL_MAX 64
/* Read connections a server engine keeps open at most (`serve --db-readers N`; by default twice
 * this machine's cores, store_default_read_connections). A request that finds them all busy
 * waits for one, and one that has waited READ_SHED_MS is answered 503 database_busy with
 * Retry-After (STORE_FAULT_BUSY): the database is kept at the work it can do, and the client's
 * retry comes when it can. No connection is ever opened beyond the limit:
 * - A new PostgreSQL connection is a process started, its catalog caches filled and its
 *   statements prepared and planned again -- a few ms of the database's CPU each (under load a
 *   bind of the IDC's screening, where it is planned, took ~100 ms). With 256 client
 *   connections that churn was a fifth of the database server's CPU per registration.
 * - Until stop 29 a read that had waited 1 s opened a connection of its own, closed after its
 *   read, and while any such was open a pooled connection coming back was closed too. Under an
 *   overload that is a storm of new processes, each slowing every read further, until reads
 *   wait longer still: at 1,000/s offered the rate fell from ~350 to 20-90/s, with 60-108 CPU-s
 *   of PostgreSQL in a 5-s load (docs/performance.md, stops 28 and 29). Capping those extra
 *   connections at 4 did not stop it: 4 connections churning were enough.
 * - Several ecustoms servers share one max_connections (docs/operations.md).
 * A read made inside another read's callback, or a write job waited for inside one, or a read
 * made by the writer thread, could wait for a connection its own thread holds: there is none in
 * the code (stop 29: the API suite passed with each of them made fatal). */
#define READ_CONNS_MIN 4
#define READ_CONNS_MAX 32
#define READ_SHED_MS 3000
_Static_assert(READ_POOL_MAX >= STORE_READ_CONNS_MAX, "the pool's array holds every connection");
#define BATCH_MAX 512
/* reconnect backoff of the writer while the database is unreachable */
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000

/* The search terms' recent table (schema migration 18, store_users.c store_decl_terms_merge):
 * the writer keeps it near TERMS_RECENT_ROWS rows by moving TERMS_MERGE_ROWS of them (the next
 * slice in term order) into decl_terms after a batch that left it larger. The bound trades the
 * merge's locality against the table's size: a slice of M rows out of R lands on M/R of the big
 * tree's leaves, R/M slices a pass. 65,536 rows is ~1,700 declarations (~3 MB: its pages stay in
 * the writer's cache); a slice of 1,024 rows is a transaction of a few ms at 1,000,000
 * declarations (docs/performance.md, stop 17), which is what a registration queued behind it
 * waits. ECUSTOMS_TERMS_RECENT_ROWS and ECUSTOMS_TERMS_MERGE_ROWS set them (the tests make the
 * merge run after a few declarations; docs/storage.md). */
#define TERMS_RECENT_ROWS 65536
#define TERMS_MERGE_ROWS 1024

typedef struct job {
    store_job_fn fn;
    void *ctx;
    int rc;
    int done;
    int bare;               /* run alone, outside any transaction (store_write_bare) */
    pthread_cond_t done_cv; /* per job: a commit wakes exactly its own callers */
    struct job *next;
} job;

struct store {
    const db_driver *drv;
    char *path;
    db_conn *writer; /* NULL while the database is unreachable */
    pthread_t writer_thread;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* writer waits for jobs */
    job *head, *tail;
    int stopping;
    int db_up; /* last known state, for /healthz (guarded by mu) */
    db_conn *readers[READ_POOL_MAX];
    int n_readers;
    audit_anchor audit; /* key and checkpoint log of the audit trail (writer thread) */
    pthread_mutex_t read_mu;
    pthread_cond_t read_cv; /* a pooled reader came back (server engines wait for one) */
    int read_open;          /* read connections open, pooled or lent (under read_mu) */
    int read_limit;         /* pooled connections of a server engine, 0: no limit */
    uint64_t reads_shed;    /* reads given up at READ_SHED_MS (under read_mu) */
    uint64_t read_connects; /* read connections opened since start (under read_mu) */
    int reads_waiting;      /* reads waiting for a connection now (under read_mu) */
    store_stats stats;
    /* storage faults (store_health): under mu */
    uint64_t faults;
    int64_t fault_ms, ok_ms; /* unix ms of the last fault and of the last good commit */
    char fault_msg[200];
    int64_t logged_at; /* the last fault line written to the log */
    uint64_t unlogged; /* faults since that line */
    /* the recent terms' merge (writer thread): the bound and the slice, the estimate of the
     * table's rows (recounted once a pass: other servers sharing the database write into it and
     * merge too), whether it is counted, and the next slice's cursor */
    long terms_bound, terms_slice, terms_est;
    int terms_counted;
    char terms_cursor[TERM_CURSOR];
};

/* Why the calling thread's last store_write/store_read could not be served (STORE_FAULT_*, 0
 * none): the HTTP layer answers 503 + Retry-After instead of whatever the service built, so
 * nothing is ever answered as done without a COMMIT. One flag for both causes: the storage
 * itself failed (SQLite: disk full, I/O error, read-only or corrupt file) or the connection to
 * the database server is lost (PostgreSQL). */
static _Thread_local int thread_fault;

/* A job's rc inside this file when its batch failed because the writer's connection is lost;
 * store_write turns it into DB_UNAVAILABLE with STORE_FAULT_CONNECTION. */
#define JOB_LOST (-100)

/* A connection that cannot be opened: for a file engine the file is the storage (a storage
 * fault); for a server engine the server is unreachable. */
static int open_fault_kind(const store *s)
{
    return strcmp(s->drv->name, "sqlite") == 0 ? STORE_FAULT_STORAGE : STORE_FAULT_CONNECTION;
}

int store_thread_fault(int clear)
{
    int f = thread_fault;
    if (clear)
        thread_fault = 0;
    return f;
}

static double thread_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t unix_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Records a storage fault: counted for /healthz and logged with its cause, at most one line a
 * second (a full disk under load fails thousands of requests a second; each is still counted and
 * the next line says how many were not logged). */
static void fault(store *s, const char *what, const char *cause, int jobs)
{
    int64_t now = (int64_t)time(NULL);
    pthread_mutex_lock(&s->mu);
    s->faults++;
    s->fault_ms = unix_ms();
    snprintf(s->fault_msg, sizeof s->fault_msg, "%s: %s", what, cause);
    int log_now = now != s->logged_at;
    uint64_t skipped = s->unlogged;
    if (log_now) {
        s->logged_at = now;
        s->unlogged = 0;
    } else
        s->unlogged++;
    pthread_mutex_unlock(&s->mu);
    if (log_now)
        log_error("storage failure: %s: %s (%d request(s) refused with 503; %llu more failure(s) "
                  "in the last second not logged)",
                  what, cause, jobs, (unsigned long long)skipped);
}

void store_health(store *s, store_health_info *out)
{
    pthread_mutex_lock(&s->mu);
    out->faults = s->faults;
    out->fault_at = s->fault_ms / 1000;
    out->ok_at = s->ok_ms / 1000;
    snprintf(out->fault_msg, sizeof out->fault_msg, "%s", s->fault_msg);
    /* failing now: the last fault is newer than the last good commit and recent (a quiet
     * server that failed once an hour ago is not "failing") */
    out->failing = s->fault_ms && s->fault_ms >= s->ok_ms && unix_ms() - s->fault_ms < 60000;
    pthread_mutex_unlock(&s->mu);
}

/* Transaction control through the statement cache: sqlite3_exec would re-parse these on
 * every job, which showed up in profiles of the writer. */
static const char sql_commit[] = "COMMIT";
static const char sql_rollback[] = "ROLLBACK";
static const char sql_savepoint[] = "SAVEPOINT job";
static const char sql_rollback_to[] = "ROLLBACK TO job";
static const char sql_release[] = "RELEASE job";

static int txn(db_conn *c, const char *sql)
{
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return db_exec(c, sql);
    int rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_DONE ? DB_OK : rc;
}

/* Whether a write held back by an earlier job of the batch (db_confirm_later) has failed: that
 * job answered success, and its savepoint is gone, so nothing but the whole batch can be undone. */
static int held_write_failed(db_conn *c, char *cause, size_t n)
{
    return c->drv->failed_before_mark && c->drv->failed_before_mark(c, cause, n);
}

/* 0 committed; DB_UNAVAILABLE the storage failed (every job of the batch is refused, nothing
 * was written); JOB_LOST the connection is lost (outcome unknown if it broke during COMMIT);
 * DB_BUSY or DB_ERR the COMMIT was refused (nothing was written). *ran = 0 when no job ran (the
 * connection was found lost at BEGIN): the batch can then go to a new connection as it is.
 *
 * No job runs twice. A job's context holds what its one run found (its reply, its list of
 * errors), and a second run would add to it: a refused job reported its errors twice when
 * this function rolled a whole batch back and ran it again because one job met DB_BUSY. So a
 * job that meets DB_BUSY (SQLite's lock, PostgreSQL's deadlock, serialization failure or lock
 * timeout) is rolled back to its savepoint and answered DB_BUSY like any refusal, and its
 * caller answers "retry" (svc_run_write: 409 conflict); the others commit. Only BEGIN is
 * retried on DB_BUSY, before any job ran. Nothing else is retried: a full disk or a read-only
 * file does not get better in the next millisecond, and retrying made every request wait
 * 1.3 s. */
static int run_batch(store *s, job **batch, int n, int *ran)
{
    db_conn *c = s->writer;
    char cause[200];
    *ran = 0;
    db_take_fault(c, NULL, 0);
    int rc = DB_BUSY;
    for (int attempt = 0; attempt < 50 && rc == DB_BUSY; attempt++) {
        if (attempt > 0) {
            struct timespec ts = {0, 1000000L * attempt};
            nanosleep(&ts, NULL);
        }
        rc = c->drv->begin(c, 1);
    }
    if (rc != DB_OK) {
        if (!c->drv->alive(c))
            return JOB_LOST;
        if (db_take_fault(c, cause, sizeof cause)) {
            fault(s, "cannot begin a transaction", cause, n);
            return DB_UNAVAILABLE;
        }
        log_error("store: BEGIN failed: %s", db_errmsg(c));
        return rc == DB_BUSY ? DB_BUSY : DB_ERR;
    }
    int failed = 0;
    /* a job that succeeded and called db_confirm_later left writes held back: they go with the
     * next job's first round trip, and an error from them is one of "earlier" (before the mark) */
    int held = 0;
    *ran = 1;
    audit_heads_reset(c->audit, 1);
    for (int i = 0; i < n && !failed; i++) {
        if (c->drv->mark)
            c->drv->mark(c);
        txn(c, sql_savepoint);
        c->confirm_later = 0;
        batch[i]->rc = batch[i]->fn(c, batch[i]->ctx);
        if (batch[i]->rc == 0) /* the events and the dashboard row it held back */
            batch[i]->rc = audit_job_end(c);
        else
            audit_job_abandon(c);
        if (batch[i]->rc == 0 && c->confirm_later) {
            held = 1;
            txn(c, sql_release);
            continue;
        }
        /* the writes the engine held back (db_run_nowait) go now: the job has not worked
         * until they did, whatever its code saw */
        int frc = db_flush(c);
        if (batch[i]->rc == 0 && frc != 0)
            batch[i]->rc = frc;
        if (held && held_write_failed(c, cause, sizeof cause))
            failed = 2; /* an earlier job's: its code never saw it, its answer is wrong */
        else if (db_take_fault(c, cause, sizeof cause))
            failed = 1; /* the storage refused a statement: the transaction is lost */
        else if (batch[i]->rc != 0) {
            txn(c, sql_rollback_to);
            audit_heads_reset(c->audit, 1); /* its events are undone */
        }
        if (!failed)
            txn(c, sql_release);
        held = 0;
    }
    audit_heads_reset(c->audit, 0);
    if (!failed && held) { /* the last jobs' held-back writes: confirmed before the COMMIT */
        c->drv->mark(c);
        db_flush(c);
        if (held_write_failed(c, cause, sizeof cause))
            failed = 2;
    }
    if (!failed) {
        rc = txn(c, sql_commit);
        if (rc == DB_OK)
            return 0;
        if (db_take_fault(c, cause, sizeof cause))
            failed = 1;
    }
    if (!c->drv->alive(c))
        return JOB_LOST;
    txn(c, sql_rollback);
    db_take_fault(c, NULL, 0);
    if (failed) {
        fault(s,
              failed == 2
                  ? "a write held back by an answered job failed (the batch was rolled back)"
                  : "a write transaction failed",
              cause, n);
        return DB_UNAVAILABLE;
    }
    log_error("store: COMMIT failed: %s", db_errmsg(c));
    return rc == DB_BUSY ? DB_BUSY : DB_ERR;
}

static void fail_queued(store *s, int rc)
{
    while (s->head) {
        job *j = s->head;
        s->head = j->next;
        j->rc = rc;
        j->done = 1;
        pthread_cond_signal(&j->done_cv);
    }
    s->tail = NULL;
    s->stats.queued = 0;
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* One slice of the recent terms into decl_terms, in a transaction of its own: 1 when a slice
 * moved, 0 when the table is within its bound (counted again when the estimate says nothing),
 * -1 on failure. A failure leaves the rows where they were (both tables are searched): nothing
 * to undo but the transaction; the next batch's BEGIN notices a lost connection. */
static int terms_merge_slice(store *s)
{
    db_conn *c = s->writer;
    if (c->drv->begin(c, 1) != DB_OK) {
        db_take_fault(c, NULL, 0);
        return -1;
    }
    int rc = 0, wrapped = 0, moved = 0;
    long n = 0;
    if (!s->terms_counted && (rc = store_decl_terms_recent_count(c, &n)) == 0) {
        s->terms_est = n;
        s->terms_counted = 1;
    }
    if (rc == 0 && s->terms_est > s->terms_bound) {
        n = store_decl_terms_merge(c, (int)s->terms_slice, s->terms_cursor, &wrapped);
        rc = n < 0 ? (int)n : 0;
        moved = rc == 0;
    }
    if (rc == 0)
        rc = db_flush(c);
    if (rc == 0)
        rc = txn(c, sql_commit);
    if (rc != 0) {
        log_error("store: merging the recent search terms failed: %s", db_errmsg(c));
        txn(c, sql_rollback);
        db_take_fault(c, NULL, 0);
        s->terms_counted = 0;
        return -1;
    }
    if (moved) {
        s->terms_est -= n;
        pthread_mutex_lock(&s->mu);
        s->stats.terms_slices++;
        pthread_mutex_unlock(&s->mu);
    }
    if (wrapped) /* a pass ended: count again (the estimate misses other servers' rows) */
        s->terms_counted = 0;
    return moved;
}

/* After a committed batch (its callers have their answers): slices of the recent terms while the
 * table is above its bound. As many slices as the batch added rows, so that the table stays near
 * its bound whatever the batches' size (under load a batch holds a hundred registrations, ~4,000
 * rows: one slice a batch let the table grow without end); but when registrations are queued
 * meanwhile, only one slice per batch as long as the table is within twice its bound, so that a
 * registration waits for at most one slice's transaction. */
static void terms_merge_step(store *s)
{
    s->terms_est += store_decl_terms_recent_take();
    /* (not counted yet: a server started on a database whose recent table is already full) */
    for (int slices = 0; s->writer && (!s->terms_counted || s->terms_est > s->terms_bound);
         slices++) {
        if (slices > 0) {
            pthread_mutex_lock(&s->mu);
            int queued = s->head != NULL || s->stopping;
            pthread_mutex_unlock(&s->mu);
            if (queued && s->terms_est <= 2 * s->terms_bound)
                break;
        }
        if (terms_merge_slice(s) <= 0)
            break;
    }
}

static long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : 0;
    return v && *v && !*end && n >= 1 ? n : dflt;
}

static void *writer_main(void *arg)
{
    store *s = arg;
    job *batch[BATCH_MAX];
    int backoff = BACKOFF_MIN_MS;
    /* named, for `top -H`, `ps -L` and perf: the one thread every write waits for
     * (docs/operations.md, "Is the writer the bound?") */
    pthread_setname_np(pthread_self(), "ecustoms-writer");
    pthread_mutex_lock(&s->mu);
    for (;;) {
        if (s->stopping && !s->head)
            break;
        if (!s->writer) {
            /* reconnect; meanwhile every job is failed at once (503 + Retry-After) rather
             * than left waiting, and attempts are spaced by a doubling backoff */
            pthread_mutex_unlock(&s->mu);
            db_conn *c = NULL;
            int rc = s->drv->open(s->path, 1, &c);
            pthread_mutex_lock(&s->mu);
            if (rc == DB_OK) {
                c->audit = &s->audit;
                s->writer = c;
                s->db_up = 1;
                backoff = BACKOFF_MIN_MS;
                log_info("store: database connection restored");
                continue;
            }
            fail_queued(s, JOB_LOST);
            if (s->stopping)
                break;
            struct timespec until;
            deadline_in(&until, backoff);
            while (!s->stopping && pthread_cond_timedwait(&s->work_cv, &s->mu, &until) == 0)
                fail_queued(s, JOB_LOST);
            fail_queued(s, JOB_LOST);
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        if (!s->head) {
            /* idle: a server that went away closes the socket, which a look at the connection
             * (no round trip) notices, so /healthz tells within a second */
            struct timespec until;
            deadline_in(&until, 1000);
            if (pthread_cond_timedwait(&s->work_cv, &s->mu, &until) != 0 && !s->head) {
                if (!s->writer->drv->alive(s->writer)) {
                    log_error("store: database connection lost: %s", db_errmsg(s->writer));
                    db_conn *lost = s->writer;
                    s->writer = NULL;
                    s->db_up = 0;
                    pthread_mutex_unlock(&s->mu);
                    s->drv->close(lost);
                    pthread_mutex_lock(&s->mu);
                } else if (s->audit.dirty) {
                    /* idle with unanchored events: checkpoint them once the interval ends */
                    pthread_mutex_unlock(&s->mu);
                    audit_checkpoint(&s->audit, s->writer, 0);
                    pthread_mutex_lock(&s->mu);
                }
            }
            continue;
        }
        int n = 0;
        /* a bare job runs alone: it is never grouped with transactional jobs */
        while (s->head && n < BATCH_MAX && !(n > 0 && (s->head->bare || batch[0]->bare))) {
            batch[n++] = s->head;
            s->head = s->head->next;
        }
        s->stats.queued -= (uint64_t)n;
        s->stats.in_batch = (uint64_t)n;
        if (!s->head)
            s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        double busy_from = clock_seconds(), cpu_from = thread_cpu_seconds();

        int ran = 1;
        int rc;
        if (batch[0]->bare) { /* runs its own transactions (db seed): nothing to batch */
            rc = batch[0]->rc = batch[0]->fn(s->writer, batch[0]->ctx);
            if (rc != 0 && !s->writer->drv->alive(s->writer))
                rc = JOB_LOST;
        } else {
            rc = run_batch(s, batch, n, &ran);
        }
        if (rc == JOB_LOST && !ran) {
            /* nothing was sent but a BEGIN: one new connection, then the same batch (a server
             * restarted while the writer was idle need not cost anyone a 503) */
            db_conn *c = NULL;
            if (s->drv->open(s->path, 1, &c) == DB_OK) {
                c->audit = &s->audit;
                s->drv->close(s->writer);
                pthread_mutex_lock(&s->mu);
                s->writer = c;
                s->db_up = 1;
                pthread_mutex_unlock(&s->mu);
                rc = run_batch(s, batch, n, &ran);
            }
        }
        db_conn *lost = NULL;
        if (rc == JOB_LOST) {
            log_error("store: database connection lost: %s", db_errmsg(s->writer));
            lost = s->writer;
        } else if (rc ==
                   0) { /* anchors the committed head (a rolled-back batch leaves it as it was) */
            audit_checkpoint(&s->audit, s->writer, 0);
        }

        pthread_mutex_lock(&s->mu);
        if (lost) {
            s->writer = NULL;
            s->db_up = 0;
        }
        if (rc == 0)
            s->ok_ms = unix_ms();
        s->stats.in_batch = 0;
        for (int i = 0; i < n; i++) {
            if (rc != 0)
                batch[i]->rc =
                    rc == DB_UNAVAILABLE || rc == JOB_LOST || rc == DB_BUSY ? rc : DB_ERR;
            batch[i]->done = 1;
            pthread_cond_signal(&batch[i]->done_cv);
        }
        s->stats.commits++;
        s->stats.jobs += (uint64_t)n;
        if ((uint64_t)n > s->stats.max_batch)
            s->stats.max_batch = (uint64_t)n;
        if (lost) {
            pthread_mutex_unlock(&s->mu);
            s->drv->close(lost);
            pthread_mutex_lock(&s->mu);
        } else if (rc == 0 && !batch[0]->bare) {
            pthread_mutex_unlock(&s->mu);
            terms_merge_step(s);
            pthread_mutex_lock(&s->mu);
        }
        s->stats.writer_busy_s += clock_seconds() - busy_from;
        s->stats.writer_cpu_s += thread_cpu_seconds() - cpu_from;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int store_open(const char *path, store **out) { return store_open_ex(path, 0, out); }

int store_default_read_connections(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    long n = cores > 0 ? 2 * cores : READ_CONNS_MIN;
    return n < READ_CONNS_MIN ? READ_CONNS_MIN : n > READ_CONNS_MAX ? READ_CONNS_MAX : (int)n;
}

int store_set_read_connections(store *s, int n)
{
    if (n < 1 || n > STORE_READ_CONNS_MAX)
        return -1;
    pthread_mutex_lock(&s->read_mu);
    if (s->read_limit) /* a file engine's readers are not limited */
        s->read_limit = n;
    pthread_mutex_unlock(&s->read_mu);
    return 0;
}

int store_open_ex(const char *path, int flags, store **out)
{
    store *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->drv = db_driver_for(path);
    s->path = strdup(path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->read_mu, NULL);
    pthread_cond_init(&s->read_cv, NULL);
    s->read_limit = db_is_server(path) ? store_default_read_connections() : 0;
    pthread_cond_init(&s->work_cv, NULL);
    if (s->drv->open(path, 1, &s->writer) != DB_OK) {
        fprintf(stderr, "cannot open database %s\n", path);
        free(s->path);
        free(s);
        return -1;
    }
    if (flags & STORE_CHECK) {
        char msg[256];
        if (store_integrity_check(s->writer, msg, sizeof msg) != 0) {
            fprintf(stderr,
                    "database %s is damaged (integrity check: %s); restore it from a"
                    " backup (ecustoms audit verify --db FILE tells more)\n",
                    path, msg);
            s->drv->close(s->writer);
            free(s->path);
            free(s);
            return -1;
        }
    }
    /* every opener migrates (src/store/schema.sql), so that a command never meets an older
     * schema; a database newer than this binary is refused before anything touches it */
    char err[512];
    int from, to;
    if (schema_migrate(s->writer, &from, &to, err, sizeof err) != 0) {
        fprintf(stderr, "database %s: %s\n", path, err);
        s->drv->close(s->writer);
        free(s->path);
        free(s);
        return -1;
    }
    s->db_up = 1;
    if (from != to) {
        log_info("database %s: schema version %d -> %d", path, from, to);
        /* a fresh connection after the schema changed, as `db migrate` leaves it: SQLite's
         * connection that rebuilt a table (migration 12) later failed `db seed`'s closing
         * wal_checkpoint(TRUNCATE) with SQLITE_LOCKED, with no statement or transaction open */
        s->drv->close(s->writer);
        s->writer = NULL;
        if (s->drv->open(path, 1, &s->writer) != DB_OK) {
            fprintf(stderr, "cannot open database %s\n", path);
            free(s->path);
            free(s);
            return -1;
        }
    }
    if (audit_anchor_open(&s->audit, path, s->writer, (flags & STORE_INIT) != 0) != 0) {
        s->drv->close(s->writer);
        free(s->path);
        free(s);
        return -1;
    }
    s->writer->audit = &s->audit;
    s->terms_bound = env_long("ECUSTOMS_TERMS_RECENT_ROWS", TERMS_RECENT_ROWS);
    s->terms_slice = env_long("ECUSTOMS_TERMS_MERGE_ROWS", TERMS_MERGE_ROWS);
    pthread_create(&s->writer_thread, NULL, writer_main, s);
    *out = s;
    return 0;
}

void store_close(store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = 1;
    pthread_cond_signal(&s->work_cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->writer_thread, NULL);
    if (s->writer) {
        audit_checkpoint(&s->audit, s->writer, 1);
        s->drv->close(s->writer);
    }
    audit_anchor_close(&s->audit);
    for (int i = 0; i < s->n_readers; i++)
        s->drv->close(s->readers[i]);
    free(s->path);
    free(s);
}

static int enqueue(store *s, store_job_fn fn, void *ctx, int bare)
{
    job j = {.fn = fn, .ctx = ctx, .bare = bare};
    pthread_cond_init(&j.done_cv, NULL);
    pthread_mutex_lock(&s->mu);
    if (s->tail)
        s->tail->next = &j;
    else
        s->head = &j;
    s->tail = &j;
    s->stats.queued++;
    pthread_cond_signal(&s->work_cv);
    while (!j.done)
        pthread_cond_wait(&j.done_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&j.done_cv);
    if (j.rc == DB_UNAVAILABLE)
        thread_fault = STORE_FAULT_STORAGE;
    else if (j.rc == JOB_LOST) {
        thread_fault = STORE_FAULT_CONNECTION;
        j.rc = DB_UNAVAILABLE;
    }
    return j.rc;
}

/* A read connection was closed (or could not be opened): one fewer open, and a waiter may open
 * one in its place. */
static void reader_gone(store *s)
{
    pthread_mutex_lock(&s->read_mu);
    s->read_open--;
    pthread_cond_signal(&s->read_cv);
    pthread_mutex_unlock(&s->read_mu);
}

/* Closes every pooled reader: after one is found broken, the others are too (server restart,
 * failover), and each would otherwise fail one request before being dropped. */
static void drop_readers(store *s)
{
    pthread_mutex_lock(&s->read_mu);
    int n = s->n_readers;
    db_conn *old[READ_POOL_MAX];
    memcpy(old, s->readers, (size_t)n * sizeof *old);
    s->n_readers = 0;
    s->read_open -= n;
    pthread_cond_broadcast(&s->read_cv);
    pthread_mutex_unlock(&s->read_mu);
    for (int i = 0; i < n; i++)
        s->drv->close(old[i]);
}

int store_write(store *s, store_job_fn fn, void *ctx) { return enqueue(s, fn, ctx, 0); }

void store_close_idle_readers(store *s) { drop_readers(s); }

int store_write_bare(store *s, store_job_fn fn, void *ctx) { return enqueue(s, fn, ctx, 1); }

const unsigned char *store_audit_key(store *s) { return s->audit.key; }

int store_read(store *s, store_job_fn fn, void *ctx)
{
    int rc = DB_UNAVAILABLE;
    char cause[200];
    /* a read is idempotent: one lost pooled connection is retried once on a fresh one */
    for (int attempt = 0; attempt < 2; attempt++) {
        db_conn *c = NULL;
        pthread_mutex_lock(&s->read_mu);
        if (s->read_limit && !s->n_readers && s->read_open >= s->read_limit) {
            struct timespec shed_at;
            deadline_in(&shed_at, READ_SHED_MS);
            s->reads_waiting++;
            int timed_out = 0;
            while (!s->n_readers && s->read_open >= s->read_limit && !timed_out)
                timed_out = pthread_cond_timedwait(&s->read_cv, &s->read_mu, &shed_at) == ETIMEDOUT;
            s->reads_waiting--;
            if (!s->n_readers && s->read_open >= s->read_limit) {
                s->reads_shed++;
                pthread_mutex_unlock(&s->read_mu);
                thread_fault = STORE_FAULT_BUSY;
                return DB_UNAVAILABLE;
            }
        }
        if (s->n_readers > 0)
            c = s->readers[--s->n_readers];
        else {
            s->read_open++; /* the one about to be opened */
            s->read_connects++;
        }
        pthread_mutex_unlock(&s->read_mu);
        if (!c && s->drv->open(s->path, 0, &c) != DB_OK) {
            reader_gone(s);
            int kind = open_fault_kind(s);
            if (kind == STORE_FAULT_STORAGE)
                fault(s, "cannot open a read connection", s->path, 1);
            thread_fault = kind;
            return DB_UNAVAILABLE;
        }
        /* one read transaction: a consistent snapshot across the queries of fn */
        db_take_fault(c, NULL, 0);
        int brc = c->drv->begin(c, 0);
        if (brc == DB_OK) {
            rc = fn(c, ctx);
            txn(c, sql_commit);
        }
        if (!c->drv->alive(c)) {
            s->drv->close(c);
            reader_gone(s);
            drop_readers(s);
            rc = JOB_LOST; /* told to the caller only if the retry fails too */
            continue;
        }
        if (db_take_fault(c, cause, sizeof cause)) {
            fault(s, "a read failed", cause, 1);
            thread_fault = STORE_FAULT_STORAGE;
            rc = DB_UNAVAILABLE;
        } else if (brc != DB_OK)
            rc = brc;
        pthread_mutex_lock(&s->read_mu);
        /* back to the pool, unless it is full (a file engine's) or the limit was lowered since
         * this one was opened */
        if (s->n_readers < READ_POOL_MAX && (!s->read_limit || s->read_open <= s->read_limit)) {
            s->readers[s->n_readers++] = c;
            c = NULL;
            pthread_cond_signal(&s->read_cv);
        }
        pthread_mutex_unlock(&s->read_mu);
        if (c) {
            s->drv->close(c);
            reader_gone(s);
        }
        break;
    }
    if (rc == JOB_LOST) {
        thread_fault = STORE_FAULT_CONNECTION;
        rc = DB_UNAVAILABLE;
    }
    return rc;
}

const char *store_engine(store *s) { return s->drv->name; }

int store_db_up(store *s)
{
    pthread_mutex_lock(&s->mu);
    int up = s->db_up;
    pthread_mutex_unlock(&s->mu);
    return up;
}

void store_get_stats(store *s, store_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&s->read_mu);
    out->reads_shed = s->reads_shed;
    out->read_connections = (uint64_t)s->read_open;
    out->read_connects = s->read_connects;
    out->reads_waiting = (uint64_t)s->reads_waiting;
    pthread_mutex_unlock(&s->read_mu);
    out->round_trips = db_round_trips();
    out->writer_round_trips = db_writer_round_trips();
}

/* ================================================================================================
 * Parties and tokens
 * ============================================================================================= */

int store_party_put(db_conn *c, const party *p)
{
    static const char sql[] =
        "INSERT INTO parties (tax_code, name, status, aeo, compliance, overdue_debt_days, kind)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tax_code) DO UPDATE SET name = excluded.name,"
        " status = excluded.status, aeo = excluded.aeo, compliance = excluded.compliance,"
        " overdue_debt_days = excluded.overdue_debt_days, kind = excluded.kind";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, p->tax_code);
    db_bind_text(c, st, 2, p->name);
    db_bind_text(c, st, 3, p->status);
    db_bind_int64(c, st, 4, p->aeo);
    db_bind_int64(c, st, 5, p->compliance);
    db_bind_int64(c, st, 6, p->overdue_debt_days);
    db_bind_text(c, st, 7, p->kind[0] ? p->kind : "enterprise");
    return db_run(c, st);
}

#define PARTY_SQL                                                                                  \
    "SELECT tax_code, name, status, aeo, compliance, overdue_debt_days, kind FROM parties"         \
    " WHERE tax_code = ?"
/* one copy of the text per slot: statements are cached by their text's address */
static const char party_sql[STORE_PARTY_SLOTS][sizeof PARTY_SQL] = {PARTY_SQL, PARTY_SQL};

int store_party_send(db_conn *c, int slot, const char *tax_code, db_stmt **out)
{
    db_stmt *st = db_prepare(c, party_sql[slot % STORE_PARTY_SLOTS]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, tax_code);
    return db_send_into(c, st, out);
}

int store_party_read(db_conn *c, db_stmt *st, party *out)
{
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, out->tax_code, sizeof out->tax_code);
        db_col_copy(c, st, 1, out->name, sizeof out->name);
        db_col_copy(c, st, 2, out->status, sizeof out->status);
        out->aeo = (int)db_col_int64(c, st, 3);
        out->compliance = (int)db_col_int64(c, st, 4);
        out->overdue_debt_days = (int)db_col_int64(c, st, 5);
        db_col_copy(c, st, 6, out->kind, sizeof out->kind);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_party_get(db_conn *c, const char *tax_code, party *out)
{
    db_stmt *st;
    int rc = store_party_send(c, 0, tax_code, &st);
    return rc != 0 ? rc : store_party_read(c, st, out);
}

int store_token_put(db_conn *c, const char *hash_hex, const char *party_code, const char *role)
{
    static const char sql[] = "INSERT INTO tokens (token_hash, party, role) VALUES (?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, hash_hex);
    db_bind_text(c, st, 2, party_code);
    db_bind_text(c, st, 3, role);
    return db_run(c, st);
}

int store_token_get(db_conn *c, const char *hash_hex, char party_out[14], char role[24])
{
    static const char sql[] = "SELECT party, role FROM tokens WHERE token_hash = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, hash_hex);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, party_out, 14);
        db_col_copy(c, st, 1, role, 24);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

/* ================================================================================================
 * Exchange rates and settings
 * ============================================================================================= */

int store_fx_put(db_conn *c, const fx_row *r)
{
    static const char sql[] =
        "INSERT INTO exchange_rates (currency, valid_from, valid_to, vnd_per_unit, source)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (currency, valid_from) DO UPDATE SET"
        " valid_to = excluded.valid_to, vnd_per_unit = excluded.vnd_per_unit,"
        " source = excluded.source";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->currency);
    db_bind_int64(c, st, 2, r->valid_from);
    db_bind_int64(c, st, 3, r->valid_to);
    db_bind_int64(c, st, 4, r->vnd_per_unit);
    db_bind_text(c, st, 5, r->source);
    return db_run(c, st);
}

int store_fx_on(db_conn *c, date_ymd date, tax_fx *out, int max)
{
    /* the latest-starting rate covering the date, per currency */
    static const char sql[] =
        "SELECT currency, vnd_per_unit FROM exchange_rates e WHERE valid_from <= ? AND valid_to >= "
        "?"
        " AND valid_from = (SELECT MAX(valid_from) FROM exchange_rates x WHERE"
        " x.currency = e.currency AND x.valid_from <= ? AND x.valid_to >= ?) ORDER BY currency";
    db_stmt *st = db_prepare(c, sql);
    int n = 0;
    if (!st)
        return DB_ERR;
    for (int i = 1; i <= 4; i++)
        db_bind_int64(c, st, i, date);
    while (n < max && db_step(c, st) == DB_ROW) {
        db_col_copy(c, st, 0, out[n].currency, sizeof out[n].currency);
        out[n].vnd_per_unit = db_col_int64(c, st, 1);
        n++;
    }
    db_reset(c, st);
    return n;
}

int store_fx_list(db_conn *c, fx_row *out, int max)
{
    static const char sql[] = "SELECT currency, vnd_per_unit, valid_from, valid_to, source FROM"
                              " exchange_rates ORDER BY valid_from DESC, currency";
    db_stmt *st = db_prepare(c, sql);
    int n = 0;
    if (!st)
        return DB_ERR;
    while (n < max && db_step(c, st) == DB_ROW) {
        db_col_copy(c, st, 0, out[n].currency, sizeof out[n].currency);
        out[n].vnd_per_unit = db_col_int64(c, st, 1);
        out[n].valid_from = (date_ymd)db_col_int64(c, st, 2);
        out[n].valid_to = (date_ymd)db_col_int64(c, st, 3);
        db_col_copy(c, st, 4, out[n].source, sizeof out[n].source);
        n++;
    }
    db_reset(c, st);
    return n;
}

int store_setting_put(db_conn *c, const char *key, const char *value)
{
    static const char sql[] = "INSERT INTO settings (key, value) VALUES (?, ?)"
                              " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, key);
    db_bind_text(c, st, 2, value);
    return db_run(c, st);
}

int store_setting_delete(db_conn *c, const char *key)
{
    static const char sql[] = "DELETE FROM settings WHERE key = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, key);
    return db_run(c, st);
}

const char *store_path(const store *s) { return s->path; }

int store_setting_get(db_conn *c, const char *key, char *out, size_t size)
{
    static const char sql[] = "SELECT value FROM settings WHERE key = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, key);
    int rc = db_step(c, st);
    if (rc == DB_ROW)
        db_col_copy(c, st, 0, out, size);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

/* one statement (an upsert): a sequence's first use creates it; on a database server a
 * statement less per number (docs/performance.md, PostgreSQL). Two copies of the text: the one
 * store_sequence_next_send starts ahead is its own cached statement, which a store_sequence_next
 * in between does not reset. */
#define SEQ_NEXT_SQL                                                                               \
    "INSERT INTO sequences (name, value) VALUES (?, 1)"                                            \
    " ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value"
static const char seq_next_sql[2][sizeof SEQ_NEXT_SQL] = {SEQ_NEXT_SQL, SEQ_NEXT_SQL};

int store_sequence_next_send(db_conn *c, const char *name, db_stmt **out)
{
    db_stmt *st = db_prepare(c, seq_next_sql[1]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, name);
    return db_send_into(c, st, out);
}

int64_t store_sequence_next(db_conn *c, const char *name)
{
    db_stmt *st = db_prepare(c, seq_next_sql[0]);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, name);
    return store_sequence_next_read(c, st);
}

int64_t store_sequence_next_read(db_conn *c, db_stmt *st)
{
    int64_t v = DB_ERR;
    int rc = db_step(c, st);
    if (rc == DB_ROW)
        v = db_col_int64(c, st, 0);
    else if (rc < 0)
        v = rc;
    /* step to completion so the write is finished before the next statement */
    while (rc == DB_ROW)
        rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_DONE ? v : rc < 0 ? rc : DB_ERR;
}

int64_t store_sequence_get(db_conn *c, const char *name)
{
    static const char sql[] = "SELECT value FROM sequences WHERE name = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, name);
    int64_t v = 0; /* a sequence not yet used */
    int rc = db_row(c, st, &v, db_read_int64);
    return rc < 0 ? rc : v;
}

int store_sequence_set(db_conn *c, const char *name, int64_t value)
{
    static const char sql[] = "INSERT INTO sequences (name, value) VALUES (?, ?)"
                              " ON CONFLICT (name) DO UPDATE SET value = excluded.value";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, name);
    db_bind_int64(c, st, 2, value);
    return db_run(c, st);
}

/* ================================================================================================
 * Declarations
 * ============================================================================================= */

void store_new_id(int64_t at_us, const unsigned char rnd[10], char out[33])
{
    snprintf(out, 13, "%012llx", (unsigned long long)at_us & 0xffffffffffffULL);
    hex_encode(rnd, 10, out + 12);
}

void decl_row_release(decl_row *r)
{
    if (!r)
        return;
    free(r->doc);
    free(r->taxes);
    free(r->risk);
    free(r->decisions);
    r->doc = r->taxes = r->risk = r->decisions = NULL;
}

/* Every column of the row but the document and the tax document (17, 18): the shape of
 * decl_insert_sql (whose 22nd, rev, its callers bind) and of the UPDATE's SET list, id last. */
static void bind_decl_columns(db_conn *c, db_stmt *st, const decl_row *r)
{
    db_bind_text_static(c, st, 1, r->number[0] ? r->number : NULL);
    db_bind_int64(c, st, 2, r->kind);
    db_bind_text_static(c, st, 3, r->type_code);
    db_bind_int64(c, st, 4, r->status);
    db_bind_int64(c, st, 5, r->channel);
    db_bind_int64(c, st, 6, r->amendment);
    db_bind_text_static(c, st, 7, r->declarant);
    db_bind_text_static(c, st, 8, r->party);
    db_bind_text_static(c, st, 9, r->office);
    db_bind_int64(c, st, 10, r->customs_value);
    db_bind_int64(c, st, 11, r->total_tax);
    db_bind_int64(c, st, 12, r->tax_date);
    db_bind_int64(c, st, 13, r->created_at);
    db_bind_int64(c, st, 14, r->updated_at);
    db_bind_int64(c, st, 15, r->registered_at);
    db_bind_int64(c, st, 16, r->cleared_at);
    db_bind_text_static(c, st, 19, r->risk);
    db_bind_text_static(c, st, 20, r->decisions);
    db_bind_text_static(c, st, 21, r->id);
}

/* Binds the row; doc and taxes packed (store/pack.h) into *packed (two heap strings the caller
 * frees after the statement ran). */
static void bind_decl(db_conn *c, db_stmt *st, const decl_row *r, char *packed[2])
{
    packed[0] = store_pack(r->doc);
    packed[1] = store_pack(r->taxes);
    bind_decl_columns(c, st, r);
    store_bind_packed(c, st, 17, packed[0] ? packed[0] : r->doc);
    store_bind_packed(c, st, 18, packed[1] ? packed[1] : r->taxes);
}

static const char decl_insert_sql[] =
    "INSERT INTO declarations (number, kind, type_code, status, channel, amendment,"
    " declarant, party, office, customs_value, total_tax, tax_date, created_at, updated_at,"
    " registered_at, cleared_at, doc, taxes, risk, decisions, id, rev)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* A packed column's text as a read gives it back (store_col_packed of the bytes bound from it):
 * heap; NULL for none (NULL bound) or when out of memory. */
static char *packed_as_read(const char *bound)
{
    size_t n;
    unsigned char *b = bound ? store_packed_blob(bound, &n) : NULL;
    char *t = b ? store_blob_packed(b, n) : NULL;
    free(b);
    return t;
}

/* The state digest (store_audit.c state_read) of row r as bind_decl bound it (packed: its packed
 * document and tax document, or NULL where it bound r's own text), with no ledger entry: what a
 * read of a declaration just inserted would digest. 0 or DB_ERR. */
static int decl_state_add(audit_digest *dp, const decl_row *r, char *const packed[2])
{
    const char *bound[2] = {packed[0] ? packed[0] : r->doc, packed[1] ? packed[1] : r->taxes};
    char *read[2] = {NULL, NULL};
    int rc = 0;
    for (int i = 0; rc == 0 && i < 2; i++)
        if (bound[i] && !(read[i] = bound[i][0] ? packed_as_read(bound[i]) : strdup("")))
            rc = DB_ERR;
    if (rc == 0) {
        audit_digest_add(dp, "declaration");
        audit_digest_add(dp, r->number[0] ? r->number : AUDIT_NULL);
        audit_digest_addi(dp, r->kind);
        audit_digest_add(dp, r->type_code);
        audit_digest_addi(dp, r->status);
        audit_digest_addi(dp, r->channel);
        audit_digest_addi(dp, r->amendment);
        audit_digest_add(dp, r->declarant);
        audit_digest_add(dp, r->party);
        audit_digest_add(dp, r->office);
        audit_digest_addi(dp, r->customs_value);
        audit_digest_addi(dp, r->total_tax);
        audit_digest_addi(dp, r->tax_date);
        audit_digest_addi(dp, r->created_at);
        audit_digest_addi(dp, r->registered_at);
        audit_digest_addi(dp, r->cleared_at);
        audit_digest_add(dp, read[0] ? read[0] : AUDIT_NULL);
        audit_digest_add(dp, read[1] ? read[1] : AUDIT_NULL);
        audit_digest_add(dp, r->risk ? r->risk : AUDIT_NULL);
        audit_digest_add(dp, r->decisions ? r->decisions : AUDIT_NULL);
    }
    free(read[0]);
    free(read[1]);
    return rc;
}

static int decl_state_digest(const decl_row *r, char *const packed[2], char out[65])
{
    audit_digest d = {0};
    int rc = audit_digest_begin(&d) == 0 ? decl_state_add(&d, r, packed) : DB_ERR;
    if (rc == 0)
        rc = audit_digest_end(&d, out) == 0 ? 0 : DB_ERR;
    audit_digest_free(&d);
    return rc;
}

int store_decl_state_keep(db_conn *c, const decl_row *r, const ledger_row *ledger, int n)
{
    audit_digest *d = audit_state_begin(c);
    char *none[2] = {NULL, NULL};
    if (!d)
        return 0; /* not kept: the events read the row back */
    int rc = decl_state_add(d, r, none);
    for (int i = 0; rc == 0 && i < n; i++)
        audit_state_digest_ledger(d, ledger[i].seq, &ledger[i]);
    if (rc == 0)
        audit_state_keep(c, r->id);
    return rc;
}

/* state: NULL, or where the row's state digest goes (decl_state_digest) */
static int decl_insert(db_conn *c, const decl_row *r, int terms, char *state)
{
    audit_state_forget(c, r->id); /* a state kept of the row no longer holds */
    db_stmt *st = db_prepare(c, decl_insert_sql);
    if (!st)
        return DB_ERR;
    char *packed[2];
    bind_decl(c, st, r, packed);
    db_bind_int64(c, st, 22, r->rev);
    int rc = state ? decl_state_digest(r, packed, state) : 0;
    if (rc == 0)
        rc = db_run_nowait(c, st);
    else
        db_reset(c, st);
    free(packed[0]);
    free(packed[1]);
    /* the hit rates' selections follow the risk decision (db seed's rows included) */
    if (rc == 0)
        rc = store_risk_selections_put(c, r->id, r->registered_at, r->channel, r->risk);
    /* the search index and the dashboard's HS chapters (e-Office) follow the document in the
     * same transaction */
    if (rc || !terms)
        return rc;
    /* a new id: nothing to replace */
    rc = r->terms ? store_decl_terms_insert(c, r->id, r->terms, r->n_terms)
                  : store_decl_terms_new(c, r->id, r->number, r->doc);
    if (rc)
        return rc;
    return r->chapter_items ? store_decl_chapters_new_items(c, r->id, r->chapter_items)
                            : store_decl_chapters_new(c, r->id, r->doc);
}

int store_decl_insert(db_conn *c, const decl_row *r) { return decl_insert(c, r, 1, NULL); }

int store_decl_create(db_conn *c, const decl_row *r, int64_t at, const char *actor,
                      const char *role, const char *action, const char *detail_json)
{
    char state[65];
    int rc = decl_insert(c, r, 1, state);
    return rc ? rc
              : store_event_append_new(c, r->id, at, actor, role, action, r->status, detail_json,
                                       state);
}

int store_decl_insert_row(db_conn *c, const decl_row *r, const void *doc, size_t doc_n,
                          const void *taxes, size_t taxes_n)
{
    db_stmt *st = db_prepare(c, decl_insert_sql);
    if (!st)
        return DB_ERR;
    bind_decl_columns(c, st, r);
    db_bind_blob_static(c, st, 17, doc, doc_n);
    db_bind_blob_static(c, st, 18, taxes, taxes_n);
    db_bind_int64(c, st, 22, r->rev);
    return db_run_nowait(c, st);
}

int store_decl_update(db_conn *c, const decl_row *r)
{
    audit_state_forget(c, r->id); /* a state kept of the row no longer holds */
    static const char was_sql[] =
        "SELECT number, doc, registered_at, risk FROM declarations WHERE id = ?";
    static const char sql[] =
        "UPDATE declarations SET number = ?, kind = ?, type_code = ?, status = ?, channel = ?,"
        " amendment = ?, declarant = ?, party = ?, office = ?, customs_value = ?, total_tax = ?,"
        " tax_date = ?, created_at = ?, updated_at = ?, registered_at = ?, cleared_at = ?,"
        " doc = ?, taxes = ?, risk = ?, decisions = ?, rev = rev + 1 WHERE id = ?";
    /* the number and document being replaced: their search terms are the ones to take out */
    char *was_number = NULL, *was_doc = NULL, *was_risk = NULL;
    int64_t was_registered = 0;
    db_stmt *st = db_prepare(c, was_sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->id);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        was_number = db_col_dup(c, st, 0);
        was_doc = store_col_packed(c, st, 1);
        was_registered = db_col_int64(c, st, 2);
        was_risk = db_col_dup(c, st, 3);
        rc = DB_OK;
    } else if (rc == DB_DONE) {
        rc = DB_OK;
    }
    db_reset(c, st);
    if (rc == DB_OK && !(st = db_prepare(c, sql)))
        rc = DB_ERR;
    if (rc == DB_OK) {
        char *packed[2];
        bind_decl(c, st, r, packed);
        rc = db_run_nowait(c, st);
        free(packed[0]);
        free(packed[1]);
    }
    if (rc == DB_OK)
        rc = store_decl_terms_replace(c, r->id, was_number, was_doc, r->number, r->doc);
    if (rc == DB_OK)
        rc = store_decl_chapters_update(c, r->id, was_doc, r->doc);
    /* an amendment may change the risk decision: the selections are the new one's (an
     * officer's decision keeps it, and the rows) */
    if (rc == DB_OK && (was_registered != r->registered_at ||
                        strcmp(was_risk ? was_risk : "", r->risk ? r->risk : "") != 0)) {
        rc = store_risk_selections_delete(c, r->id, was_registered);
        if (rc == DB_OK)
            rc = store_risk_selections_put(c, r->id, r->registered_at, r->channel, r->risk);
    }
    free(was_number);
    free(was_doc);
    free(was_risk);
    return rc;
}

int store_decl_set_state(db_conn *c, const decl_row *r)
{
    audit_state_forget(c, r->id); /* a state kept of the row no longer holds */
    static const char sql[] = "UPDATE declarations SET status = ?, channel = ?, updated_at = ?,"
                              " cleared_at = ?, decisions = ?, rev = rev + 1 WHERE id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, r->status);
    db_bind_int64(c, st, 2, r->channel);
    db_bind_int64(c, st, 3, r->updated_at);
    db_bind_int64(c, st, 4, r->cleared_at);
    db_bind_text(c, st, 5, r->decisions);
    db_bind_text(c, st, 6, r->id);
    return db_run_nowait(c, st);
}

#define DECL_META_COLS                                                                             \
    "id, number, kind, type_code, status, channel, amendment, declarant, party, office,"           \
    " customs_value, total_tax, tax_date, created_at, updated_at, registered_at, cleared_at, rev"
#define DECL_COLS DECL_META_COLS ", doc, taxes, risk, decisions"

static int decl_get(db_conn *c, const char *key, decl_row *out, int full, char *stored[2]);

int store_decl_get(db_conn *c, const char *key, decl_row *out)
{
    return decl_get(c, key, out, 1, NULL);
}

int store_decl_get_stored(db_conn *c, const char *key, decl_row *out, char *stored[2])
{
    return decl_get(c, key, out, 1, stored);
}

int store_decl_get_state(db_conn *c, const char *key, decl_row *out)
{
    return decl_get(c, key, out, 2, NULL);
}

int store_decl_get_meta(db_conn *c, const char *key, decl_row *out)
{
    return decl_get(c, key, out, 0, NULL);
}

int store_decl_register(db_conn *c, const decl_row *r)
{
    audit_state_forget(c, r->id); /* a state kept of the row no longer holds */
    static const char sql[] =
        "UPDATE declarations SET number = ?, status = ?, channel = ?, registered_at = ?,"
        " updated_at = ?, customs_value = ?, total_tax = ?, tax_date = ?, risk = ?9, taxes = ?11,"
        " rev = rev + 1 WHERE id = ?10";
    static const char keep[] =
        "UPDATE declarations SET number = ?, status = ?, channel = ?, registered_at = ?,"
        " updated_at = ?, customs_value = ?, total_tax = ?, tax_date = ?, risk = ?9,"
        " rev = rev + 1 WHERE id = ?10";
    db_stmt *st = db_prepare(c, r->taxes ? sql : keep);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->number);
    db_bind_int64(c, st, 2, r->status);
    db_bind_int64(c, st, 3, r->channel);
    db_bind_int64(c, st, 4, r->registered_at);
    db_bind_int64(c, st, 5, r->updated_at);
    db_bind_int64(c, st, 6, r->customs_value);
    db_bind_int64(c, st, 7, r->total_tax);
    db_bind_int64(c, st, 8, r->tax_date);
    char *taxes = r->taxes ? store_pack(r->taxes) : NULL;
    db_bind_text(c, st, 9, r->risk);
    db_bind_text(c, st, 10, r->id);
    if (r->taxes)
        store_bind_packed(c, st, 11, taxes ? taxes : r->taxes);
    int rc = db_run_nowait(c, st);
    free(taxes);
    if (rc == 0)
        rc = store_risk_selections_put(c, r->id, r->registered_at, r->channel, r->risk);
    return rc ? rc : store_decl_terms_add_number(c, r->id, r->number);
}

static int decl_get(db_conn *c, const char *key, decl_row *out, int full, char *stored[2])
{
    static const char by_id[] = "SELECT " DECL_COLS " FROM declarations WHERE id = ?";
    static const char by_number[] =
        "SELECT " DECL_COLS " FROM declarations WHERE number >= ? AND number <= ?";
    static const char meta_by_id[] = "SELECT " DECL_META_COLS " FROM declarations WHERE id = ?";
    static const char meta_by_number[] =
        "SELECT " DECL_META_COLS " FROM declarations WHERE number >= ? AND number <= ?";
    static const char state_by_id[] =
        "SELECT " DECL_META_COLS ", risk, decisions FROM declarations WHERE id = ?";
    static const char state_by_number[] = "SELECT " DECL_META_COLS ", risk, decisions"
                                          " FROM declarations WHERE number >= ? AND number <= ?";
    size_t n = strlen(key);
    db_stmt *st;

    memset(out, 0, sizeof *out);
    if (n == 11 || n == 12) {
        /* The first 11 digits identify a declaration across amendments (Official Letter
         * 5992/TCHQ-GSQL); the stored number carries the current 12th digit, so match on the
         * 11-digit prefix with a range that uses the unique index. */
        char lo[16], hi[16];
        snprintf(lo, sizeof lo, "%.11s0", key);
        snprintf(hi, sizeof hi, "%.11s9", key);
        st = db_prepare(c, full == 1 ? by_number : full ? state_by_number : meta_by_number);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, lo);
        db_bind_text(c, st, 2, hi);
    } else {
        st = db_prepare(c, full == 1 ? by_id : full ? state_by_id : meta_by_id);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, key);
    }
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, out->id, sizeof out->id);
        db_col_copy(c, st, 1, out->number, sizeof out->number);
        out->kind = (int)db_col_int64(c, st, 2);
        db_col_copy(c, st, 3, out->type_code, sizeof out->type_code);
        out->status = (int)db_col_int64(c, st, 4);
        out->channel = (int)db_col_int64(c, st, 5);
        out->amendment = (int)db_col_int64(c, st, 6);
        db_col_copy(c, st, 7, out->declarant, sizeof out->declarant);
        db_col_copy(c, st, 8, out->party, sizeof out->party);
        db_col_copy(c, st, 9, out->office, sizeof out->office);
        out->customs_value = db_col_int64(c, st, 10);
        out->total_tax = db_col_int64(c, st, 11);
        out->tax_date = (date_ymd)db_col_int64(c, st, 12);
        out->created_at = db_col_int64(c, st, 13);
        out->updated_at = db_col_int64(c, st, 14);
        out->registered_at = db_col_int64(c, st, 15);
        out->cleared_at = db_col_int64(c, st, 16);
        out->rev = db_col_int64(c, st, 17);
        if (full == 2) {
            out->risk = db_col_dup(c, st, 18);
            out->decisions = db_col_dup(c, st, 19);
        } else if (full) {
            out->doc = store_col_unpack(c, st, 18);
            out->taxes = store_col_unpack(c, st, 19);
            if (stored) { /* as a read of the row for its state digest gives them */
                free(stored[0]);
                free(stored[1]);
                stored[0] = store_col_packed(c, st, 18);
                stored[1] = store_col_packed(c, st, 19);
            }
            out->risk = db_col_dup(c, st, 20);
            out->decisions = db_col_dup(c, st, 21);
        }
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_decl_version_put(db_conn *c, const char *id, int amendment, const char *doc,
                           const char *taxes, int64_t at)
{
    static const char sql[] = "INSERT INTO declaration_versions (decl_id, amendment, doc, taxes,"
                              " replaced_at) VALUES (?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    char *pd = store_pack(doc), *pt = store_pack(taxes);
    db_bind_text(c, st, 1, id);
    db_bind_int64(c, st, 2, amendment);
    store_bind_packed(c, st, 3, pd ? pd : doc);
    store_bind_packed(c, st, 4, pt ? pt : taxes);
    db_bind_int64(c, st, 5, at);
    int rc = db_run(c, st);
    free(pd);
    free(pt);
    return rc;
}

int store_decl_ids_by_status_before(db_conn *c, int status, int64_t before, int64_t *at,
                                    char id[33], char (*ids)[33], int max)
{
    /* a cursor rather than an offset: declarations that leave the status meanwhile (cleared,
     * cancelled) cannot make the next page skip others */
    static const char reg[] =
        "SELECT id, registered_at FROM declarations WHERE status = ? AND registered_at < ?"
        " AND (registered_at > ? OR (registered_at = ? AND id > ?)) ORDER BY registered_at, id "
        "LIMIT ?";
    static const char prov[] =
        "SELECT id, created_at FROM declarations WHERE status = ? AND created_at < ?"
        " AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?";
    db_stmt *st = db_prepare(c, status == 1 ? prov : reg);
    int n = 0, rc = DB_DONE;
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, status);
    db_bind_int64(c, st, 2, before);
    db_bind_int64(c, st, 3, id[0] ? *at : INT64_MIN);
    db_bind_int64(c, st, 4, *at);
    db_bind_text(c, st, 5, id);
    db_bind_int64(c, st, 6, max);
    while (n < max && (rc = db_step(c, st)) == DB_ROW) {
        db_col_copy(c, st, 0, ids[n], 33);
        *at = db_col_int64(c, st, 1);
        snprintf(id, 33, "%s", ids[n++]);
    }
    db_reset(c, st);
    if (rc != DB_ROW && rc != DB_DONE) /* a read error is not "no more declarations" */
        return rc < 0 ? rc : DB_ERR;
    return n;
}

/* ================================================================================================
 * Events: keyed, chained per declaration and globally, anchored outside the database
 * (store_audit.c).
 * ============================================================================================= */

int store_event_append(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                       const char *role, const char *action, int from_status, int to_status,
                       const char *detail_json)
{
    return store_event_append_x(c, decl_id, at, actor, role, action, from_status, to_status,
                                detail_json, NULL);
}

typedef struct verify_ctx {
    const audit_anchor *a;
    audit_report *r;
} verify_ctx;

static int verify_job(db_conn *c, void *ctx)
{
    verify_ctx *x = ctx;
    return audit_verify(c, x->a, x->r);
}

int store_audit_verify(store *s, audit_report *r)
{
    verify_ctx x = {&s->audit, r};
    return store_read(s, verify_job, &x);
}

int store_event_list(db_conn *c, const char *decl_id, event_row *out, int max)
{
    static const char sql[] = "SELECT seq, at, actor, role, action, from_status, to_status,"
                              " detail, hash FROM events WHERE decl_id = ? ORDER BY seq";
    db_stmt *st = db_prepare(c, sql);
    int n = 0;
    if (!st)
        return DB_ERR;
    if (db_bind_chain(c, st, 1, decl_id, NULL) != 0) { /* (16 bytes: migration 20) */
        db_reset(c, st);
        return DB_ERR;
    }
    int rc;
    /* every read error is an error: a damaged page must not shorten the history silently */
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n == max)
            continue;
        event_row *e = &out[n++];
        e->seq = (int)db_col_int64(c, st, 0);
        e->at = db_col_int64(c, st, 1);
        db_col_copy(c, st, 2, e->actor, sizeof e->actor);
        db_col_copy(c, st, 3, e->role, sizeof e->role);
        db_col_copy(c, st, 4, e->action, sizeof e->action);
        e->from_status = (int)db_col_int64(c, st, 5);
        e->to_status = (int)db_col_int64(c, st, 6);
        e->detail = db_col_dup(c, st, 7);
        db_col_hex(c, st, 8, e->hash); /* stored as 32 bytes (store/db.h) */
    }
    db_reset(c, st);
    if (rc != DB_DONE) {
        for (int i = 0; i < n; i++) {
            free(out[i].detail);
            out[i].detail = NULL;
        }
        return rc < 0 ? rc : DB_ERR;
    }
    return n;
}

/* ================================================================================================
 * Idempotency
 * ============================================================================================= */

int store_idem_get(db_conn *c, const char *party_code, const char *key, idem_row *out)
{
    static const char sql[] =
        "SELECT status, request_hash, response FROM idempotency WHERE party = ? AND key = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party_code);
    db_bind_text(c, st, 2, key);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        out->status = (int)db_col_int64(c, st, 0);
        db_col_copy(c, st, 1, out->request_hash, sizeof out->request_hash);
        out->response = db_col_dup(c, st, 2);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_idem_put(db_conn *c, const char *party_code, const char *key, const char *request_hash,
                   int status, const char *response, int64_t at)
{
    static const char sql[] = "INSERT INTO idempotency (party, key, request_hash, status,"
                              " response, created_at) VALUES (?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party_code);
    db_bind_text(c, st, 2, key);
    db_bind_text(c, st, 3, request_hash);
    db_bind_int64(c, st, 4, status);
    db_bind_text(c, st, 5, response);
    db_bind_int64(c, st, 6, at);
    return db_run(c, st);
}

int store_idem_purge(db_conn *c, int64_t before, int max)
{
    /* a bounded chunk per call: one long DELETE would hold the single writer for seconds */
    static const char sql[] =
        "DELETE FROM idempotency WHERE (party, key) IN (SELECT party, key FROM idempotency"
        " WHERE created_at < ? ORDER BY created_at LIMIT ?)";
    static const char count[] = "SELECT COUNT(*) FROM (SELECT 1 FROM idempotency"
                                " WHERE created_at < ? ORDER BY created_at LIMIT ?) x";
    db_stmt *st = db_prepare(c, count);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, before);
    db_bind_int64(c, st, 2, max);
    int n = db_step(c, st) == DB_ROW ? (int)db_col_int64(c, st, 0) : 0;
    db_reset(c, st);
    if (n == 0)
        return 0;
    st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, before);
    db_bind_int64(c, st, 2, max);
    int rc = db_run(c, st);
    return rc == 0 ? n : rc;
}

/* ================================================================================================
 * Risk rules
 * ============================================================================================= */

int store_rule_put(db_conn *c, const risk_rule *r)
{
    static const char sql[] =
        "INSERT INTO risk_rules (id, name, hs_prefix, origin, importer, declarant, type_code,"
        " office, min_value_vnd, max_unit_value_vnd, valid_from, valid_to, action, priority,"
        " active, shipper, duplicate_document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE"
        " SET name = excluded.name, hs_prefix = excluded.hs_prefix, origin = excluded.origin,"
        " importer = excluded.importer, declarant = excluded.declarant,"
        " type_code = excluded.type_code, office = excluded.office,"
        " min_value_vnd = excluded.min_value_vnd, max_unit_value_vnd = excluded.max_unit_value_vnd,"
        " valid_from = excluded.valid_from, valid_to = excluded.valid_to,"
        " action = excluded.action, priority = excluded.priority, active = excluded.active,"
        " shipper = excluded.shipper, duplicate_document = excluded.duplicate_document";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, r->id);
    db_bind_text(c, st, 2, r->name);
    db_bind_text(c, st, 3, r->hs_prefix);
    db_bind_text(c, st, 4, r->origin);
    db_bind_text(c, st, 5, r->importer);
    db_bind_text(c, st, 6, r->declarant);
    db_bind_text(c, st, 7, r->type_code);
    db_bind_text(c, st, 8, r->office);
    db_bind_int64(c, st, 9, r->min_value_vnd);
    db_bind_int64(c, st, 10, r->max_unit_value_vnd);
    db_bind_int64(c, st, 11, r->valid_from);
    db_bind_int64(c, st, 12, r->valid_to);
    db_bind_int64(c, st, 13, r->action);
    db_bind_int64(c, st, 14, r->priority);
    db_bind_int64(c, st, 15, r->active);
    db_bind_text(c, st, 16, r->shipper);
    db_bind_int64(c, st, 17, r->duplicate_document);
    return db_run(c, st);
}

int store_rule_delete(db_conn *c, int64_t id)
{
    static const char sel[] = "SELECT id FROM risk_rules WHERE id = ?";
    static const char del[] = "DELETE FROM risk_rules WHERE id = ?";
    db_stmt *st = db_prepare(c, sel);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, id);
    int found = db_step(c, st) == DB_ROW;
    db_reset(c, st);
    if (!found)
        return 0;
    st = db_prepare(c, del);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, id);
    int rc = db_run(c, st);
    return rc == 0 ? 1 : rc;
}

int store_rule_list(db_conn *c, risk_rule *out, int max)
{
    static const char sql[] =
        "SELECT id, name, hs_prefix, origin, importer, declarant, type_code, office,"
        " min_value_vnd, max_unit_value_vnd, valid_from, valid_to, action, priority, active,"
        " shipper, duplicate_document FROM risk_rules ORDER BY priority DESC, id";
    db_stmt *st = db_prepare(c, sql);
    int n = 0;
    if (!st)
        return DB_ERR;
    while (n < max && db_step(c, st) == DB_ROW) {
        risk_rule *r = &out[n++];
        memset(r, 0, sizeof *r);
        r->id = db_col_int64(c, st, 0);
        db_col_copy(c, st, 1, r->name, sizeof r->name);
        db_col_copy(c, st, 2, r->hs_prefix, sizeof r->hs_prefix);
        db_col_copy(c, st, 3, r->origin, sizeof r->origin);
        db_col_copy(c, st, 4, r->importer, sizeof r->importer);
        db_col_copy(c, st, 5, r->declarant, sizeof r->declarant);
        db_col_copy(c, st, 6, r->type_code, sizeof r->type_code);
        db_col_copy(c, st, 7, r->office, sizeof r->office);
        r->min_value_vnd = db_col_int64(c, st, 8);
        r->max_unit_value_vnd = db_col_int64(c, st, 9);
        r->valid_from = (date_ymd)db_col_int64(c, st, 10);
        r->valid_to = (date_ymd)db_col_int64(c, st, 11);
        r->action = (int)db_col_int64(c, st, 12);
        r->priority = (int)db_col_int64(c, st, 13);
        r->active = (int)db_col_int64(c, st, 14);
        db_col_copy(c, st, 15, r->shipper, sizeof r->shipper);
        r->duplicate_document = (int)db_col_int64(c, st, 16);
    }
    db_reset(c, st);
    return n;
}

int64_t store_rule_next_id(db_conn *c)
{
    /* From a sequence, not MAX(id) + 1: the id of a retired (deleted) rule is never given again,
     * so an id in an old declaration's reasons names one rule forever. The sequence starts above
     * the rules made with explicit ids (db init --demo). */
    static const char sql[] = "SELECT COALESCE(MAX(id), 0) + 1 FROM risk_rules";
    static const char bump[] = "UPDATE sequences SET value = ? WHERE name = 'risk_rule'";
    int64_t seq = store_sequence_next(c, "risk_rule");
    db_stmt *st = db_prepare(c, sql);
    if (seq < 0 || !st)
        return DB_ERR;
    int64_t v = 0;
    if (db_row(c, st, &v, db_read_int64) != 1)
        v = DB_ERR;
    if (v < 0 || seq >= v)
        return v < 0 ? v : seq;
    if (!(st = db_prepare(c, bump)))
        return DB_ERR;
    db_bind_int64(c, st, 1, v);
    return db_run(c, st) == DB_OK ? v : DB_ERR;
}
