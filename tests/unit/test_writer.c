/* Unit tests for the group-commit writer (src/store/store.c): jobs queued together run in one
 * transaction, each in its own savepoint, and no job ever runs twice -- a job's context (its
 * reply, its list of errors) is filled by its one run. A real store on a SQLite file in a
 * temporary folder; the batch is made by holding the writer with a first job while the others
 * queue behind it (the store's queue depth says when they have). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    store *st;
} fixture;

static int create_table_job(db_conn *c, void *ctx)
{
    (void)ctx;
    return db_exec(c, "CREATE TABLE marks (who TEXT NOT NULL)");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ecustoms-writer-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/w.sqlite", f->dir);
    assert_int_equal(store_open_ex(f->path, STORE_INIT, &f->st), 0);
    assert_int_equal(store_write(f->st, create_table_job, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    store_close(f->st);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* A job that marks the table with its name and answers rc_first at its first run, rc_then at
 * any later one; it counts its runs. */
typedef struct marking_job {
    const char *who;
    int rc_first, rc_then;
    int runs;
    store *st;
    int rc; /* what store_write answered */
} marking_job;

static int marking_fn(db_conn *c, void *ctx)
{
    marking_job *m = ctx;
    m->runs++;
    char sql[100];
    snprintf(sql, sizeof sql, "INSERT INTO marks (who) VALUES ('%s')", m->who);
    int rc = db_exec(c, sql);
    if (rc != DB_OK)
        return rc;
    return m->runs == 1 ? m->rc_first : m->rc_then;
}

static void *submit(void *arg)
{
    marking_job *m = arg;
    m->rc = store_write(m->st, marking_fn, m);
    return NULL;
}

/* Holds the writer until released: the jobs queued meanwhile form the next batch. */
typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int inside, open;
    store *st;
    int rc;
} gate;

static int gate_fn(db_conn *c, void *ctx)
{
    (void)c;
    gate *g = ctx;
    pthread_mutex_lock(&g->mu);
    g->inside = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return 0;
}

static void *submit_gate(void *arg)
{
    gate *g = arg;
    g->rc = store_write(g->st, gate_fn, g);
    return NULL;
}

static void wait_queued(store *st, uint64_t n)
{
    for (;;) {
        store_stats ss;
        store_get_stats(st, &ss);
        if (ss.queued >= n)
            return;
        usleep(1000);
    }
}

/* Runs jobs[0..n) as one batch, in that order, behind a gate. */
static void run_as_one_batch(store *st, marking_job *jobs, int n)
{
    gate g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .st = st};
    pthread_t tg, t[8];
    assert_true(n <= 8);
    assert_int_equal(pthread_create(&tg, NULL, submit_gate, &g), 0);
    pthread_mutex_lock(&g.mu);
    while (!g.inside)
        pthread_cond_wait(&g.cv, &g.mu);
    pthread_mutex_unlock(&g.mu);
    for (int i = 0; i < n; i++) {
        jobs[i].st = st;
        assert_int_equal(pthread_create(&t[i], NULL, submit, &jobs[i]), 0);
        wait_queued(st, (uint64_t)i + 1); /* in this order */
    }
    pthread_mutex_lock(&g.mu);
    g.open = 1;
    pthread_cond_broadcast(&g.cv);
    pthread_mutex_unlock(&g.mu);
    assert_int_equal(pthread_join(tg, NULL), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    assert_int_equal(g.rc, 0);
}

typedef struct count_ctx {
    const char *who;
    int64_t n;
} count_ctx;

static int count_fn(db_conn *c, void *ctx)
{
    count_ctx *x = ctx;
    db_stmt *st = db_prepare(c, "SELECT COUNT(*) FROM marks WHERE who = ?");
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, x->who);
    int rc = db_row(c, st, &x->n, db_read_int64);
    return rc == 1 ? 0 : rc < 0 ? rc : DB_ERR;
}

static int64_t marks_of(store *st, const char *who)
{
    count_ctx x = {who, -1};
    assert_int_equal(store_read(st, count_fn, &x), 0);
    return x.n;
}

/* The defect: a job that met DB_BUSY made the writer roll the whole batch back and run every
 * job again -- a refused job then reported its errors twice, and jobs whose work had been
 * answered ran a second time on contexts that already held their first answer. Now the busy
 * job alone is rolled back and answered DB_BUSY (the caller answers "retry"); the others run
 * once and commit. */
static void busy_job_is_answered_not_rerun_with_its_batch(void **state)
{
    fixture *f = *state;
    marking_job jobs[] = {
        {.who = "refused", .rc_first = 1, .rc_then = 1},
        {.who = "done-before", .rc_first = 0, .rc_then = 0},
        {.who = "busy", .rc_first = DB_BUSY, .rc_then = 0},
        {.who = "done-after", .rc_first = 0, .rc_then = 0},
    };
    run_as_one_batch(f->st, jobs, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(jobs[i].runs, 1);
    assert_int_equal(jobs[0].rc, 1);
    assert_int_equal(jobs[1].rc, 0);
    assert_int_equal(jobs[2].rc, DB_BUSY);
    assert_int_equal(jobs[3].rc, 0);
    assert_int_equal(marks_of(f->st, "refused"), 0); /* rolled back to its savepoint */
    assert_int_equal(marks_of(f->st, "done-before"), 1);
    assert_int_equal(marks_of(f->st, "busy"), 0);
    assert_int_equal(marks_of(f->st, "done-after"), 1);
}

/* One refused job does not undo the others of its batch (the savepoint per job). */
static void refused_job_undoes_only_itself(void **state)
{
    fixture *f = *state;
    marking_job jobs[] = {
        {.who = "a", .rc_first = 0},
        {.who = "b", .rc_first = DB_CONSTRAINT},
        {.who = "c", .rc_first = 0},
    };
    run_as_one_batch(f->st, jobs, 3);
    assert_int_equal(jobs[1].rc, DB_CONSTRAINT);
    assert_int_equal(marks_of(f->st, "a"), 1);
    assert_int_equal(marks_of(f->st, "b"), 0);
    assert_int_equal(marks_of(f->st, "c"), 1);
    store_stats ss;
    store_get_stats(f->st, &ss);
    assert_int_equal(ss.queued, 0);
    assert_true(ss.max_batch >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(busy_job_is_answered_not_rerun_with_its_batch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_job_undoes_only_itself, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
