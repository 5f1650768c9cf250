#include "store/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_dashboard.h"

extern const char store_schema_sql[]; /* generated from schema.sql (CMakeLists.txt) */

/* The migrations' own bookkeeping: the only table not in schema.sql, since it must exist before
 * the file's version can be compared with the database's. */
static const char sql_version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
    " title TEXT NOT NULL, applied_at BIGINT NOT NULL)";
static const char sql_version_get[] = "SELECT MAX(version) FROM schema_version";
static const char sql_version_put[] =
    "INSERT INTO schema_version (version, title, applied_at) VALUES (?, ?, ?)";

/* ---- the file's format (documented at the top of schema.sql) --------------------------------- */

static const char *line_end(const char *p)
{
    const char *e = strchr(p, '\n');
    return e ? e : p + strlen(p);
}

static int starts(const char *p, const char *prefix)
{
    return strncmp(p, prefix, strlen(prefix)) == 0;
}

/* Walks schema.sql: for every statement (text between directives and a line ending in ';'),
 * calls fn with its migration number and title. engine NULL: every statement, whatever its tag. */
typedef int (*walk_fn)(int migration, const char *title, const char *sql, void *ctx);

static int walk(const char *engine, walk_fn fn, void *ctx)
{
    int migration = 0, rc = 0;
    char title[160] = "", tag[32] = "";
    size_t cap = 4096, len = 0;
    char *stmt = malloc(cap);
    if (!stmt)
        return DB_ERR;
    for (const char *p = store_schema_sql; *p && rc == 0;) {
        const char *e = line_end(p);
        size_t n = (size_t)(e - p);
        const char *q = p;
        while (q < e && isspace((unsigned char)*q))
            q++;
        if (starts(q, "-- migration ")) {
            migration = atoi(q + 13);
            const char *t = strchr(q, ':');
            if (t && t + 2 <= e)
                snprintf(title, sizeof title, "%.*s", (int)(e - t - 2), t + 2);
            else
                title[0] = 0;
        } else if (starts(q, "-- engine: ")) {
            snprintf(tag, sizeof tag, "%.*s", (int)(e - q - 11), q + 11);
        } else if (q < e && !starts(q, "--")) {
            if (len + n + 2 > cap) {
                cap = (len + n + 2) * 2;
                char *grown = realloc(stmt, cap);
                if (!grown) {
                    rc = DB_ERR;
                    break;
                }
                stmt = grown;
            }
            memcpy(stmt + len, p, n);
            len += n;
            stmt[len++] = '\n';
            stmt[len] = 0;
            const char *last = e;
            while (last > p && isspace((unsigned char)last[-1]))
                last--;
            if (last > p && last[-1] == ';') {
                if (!engine || !tag[0] || strcmp(tag, engine) == 0)
                    rc = fn(migration, title, stmt, ctx);
                len = 0;
                tag[0] = 0;
            }
        }
        p = *e ? e + 1 : e;
    }
    free(stmt);
    return rc;
}

static int max_migration(int migration, const char *title, const char *sql, void *ctx)
{
    (void)title;
    (void)sql;
    int *m = ctx;
    if (migration > *m)
        *m = migration;
    return 0;
}

int schema_latest(void)
{
    int m = 0;
    walk(NULL, max_migration, &m);
    return m;
}

typedef struct each_ctx {
    schema_stmt_fn fn;
    void *ctx;
} each_ctx;

static int each_one(int migration, const char *title, const char *sql, void *ctx)
{
    (void)title;
    each_ctx *x = ctx;
    return x->fn(migration, sql, x->ctx);
}

int schema_each(const char *engine, schema_stmt_fn fn, void *ctx)
{
    each_ctx x = {fn, ctx};
    return walk(engine, each_one, &x);
}

/* ---- versions and migration ------------------------------------------------------------------ */

int schema_version(db_conn *c, int *out)
{
    *out = 0;
    db_stmt *st = db_prepare(c, sql_version_get);
    if (!st)
        return DB_OK; /* no schema_version table: a database from before versions, or empty */
    int rc = db_step(c, st);
    if (rc == DB_ROW && !db_col_is_null(c, st, 0))
        *out = (int)db_col_int64(c, st, 0);
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? DB_OK : rc;
}

/* Migrations whose rows SQL cannot compute (the documents are packed, store/pack.h): a C step
 * run after the migration's statements, before the next migration's, in the same transaction. */
static const struct {
    int migration;
    int (*fn)(db_conn *c);
} backfills[] = {
    {11, store_decl_chapters_backfill},
    {15, store_dash_facts_backfill}, /* (SQL could; one text with the live path's, in C) */
};

typedef struct apply_ctx {
    db_conn *c;
    int only; /* the migration being applied */
    char *err;
    size_t errsz;
} apply_ctx;

static int record(apply_ctx *x, int migration, const char *title)
{
    db_stmt *st = db_prepare(x->c, sql_version_put);
    if (!st)
        return DB_ERR;
    db_bind_int64(x->c, st, 1, migration);
    db_bind_text(x->c, st, 2, title);
    db_bind_int64(x->c, st, 3, (int64_t)time(NULL));
    return db_run(x->c, st);
}

static int apply_one(int migration, const char *title, const char *sql, void *ctx)
{
    apply_ctx *x = ctx;
    if (migration != x->only)
        return 0;
    int rc = db_exec(x->c, sql);
    if (rc != DB_OK)
        snprintf(x->err, x->errsz, "migration %d (%s) failed: %s\n  in: %.200s", migration, title,
                 db_errmsg(x->c), sql);
    return rc;
}

/* Titles by migration, for the schema_version rows. */
typedef struct titles_ctx {
    char (*titles)[160];
    int n;
} titles_ctx;

static int collect_title(int migration, const char *title, const char *sql, void *ctx)
{
    (void)sql;
    titles_ctx *t = ctx;
    if (migration > 0 && migration <= t->n)
        snprintf(t->titles[migration - 1], 160, "%s", title);
    return 0;
}

int schema_migrate(db_conn *c, int *from, int *to, char *err, size_t errsz)
{
    int latest = schema_latest(), v = 0, rc;
    err[0] = 0;
    *from = *to = 0;
    if ((rc = schema_version(c, &v)) != DB_OK) {
        snprintf(err, errsz, "cannot read the schema version: %s", db_errmsg(c));
        return rc;
    }
    *from = *to = v;
    if (v == latest)
        return 0;
    if (v > latest)
        goto newer;
    /* The write lock first, then the version again: of two processes migrating at once, the
     * second finds the work done. */
    if ((rc = c->drv->begin(c, 1)) != DB_OK) { /* the engine's writer lock (db.h) */
        snprintf(err, errsz, "cannot lock the database to migrate it: %s", db_errmsg(c));
        return rc;
    }
    if ((rc = db_exec(c, sql_version_table)) != DB_OK || (rc = schema_version(c, &v)) != DB_OK) {
        snprintf(err, errsz, "cannot create schema_version: %s", db_errmsg(c));
        db_exec(c, "ROLLBACK");
        return rc;
    }
    *from = *to = v;
    if (v > latest) {
        db_exec(c, "ROLLBACK");
        goto newer;
    }
    char(*titles)[160] = calloc((size_t)latest + 1, sizeof *titles);
    if (!titles) {
        db_exec(c, "ROLLBACK");
        return DB_ERR;
    }
    titles_ctx tc = {titles, latest};
    walk(NULL, collect_title, &tc);
    apply_ctx x = {.c = c, .err = err, .errsz = errsz};
    rc = 0;
    for (int m = v + 1; rc == 0 && m <= latest; m++) {
        x.only = m;
        rc = walk(c->drv->name, apply_one, &x);
        for (size_t b = 0; rc == 0 && b < sizeof backfills / sizeof *backfills; b++)
            if (backfills[b].migration == m && (rc = backfills[b].fn(c)) != 0)
                snprintf(err, errsz, "migration %d (%s): back-fill failed: %s", m, titles[m - 1],
                         db_errmsg(c));
    }
    /* one row per migration applied (one with no statement for this engine included) */
    for (int m = v + 1; rc == 0 && m <= latest; m++)
        rc = record(&x, m, titles[m - 1]);
    free(titles);
    if (rc == 0 && (rc = db_exec(c, "COMMIT")) != DB_OK)
        snprintf(err, errsz, "cannot commit the migration: %s", db_errmsg(c));
    if (rc != 0) {
        if (!err[0])
            snprintf(err, errsz, "migration failed: %s", db_errmsg(c));
        db_exec(c, "ROLLBACK");
        return rc;
    }
    *to = latest;
    return 0;
newer:
    snprintf(
        err, errsz,
        "the database has schema version %d, newer than this binary's %d: it was upgraded by a "
        "newer ecustoms; run that version (or restore a backup made before the upgrade)",
        v, latest);
    return SCHEMA_NEWER;
}
