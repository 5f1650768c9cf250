#include "store/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pack.h"
#include "store/store_dashboard.h"

extern const char store_schema_sql[]; /* generated from schema.sql (CMakeLists.txt) */

/* The migrations' own bookkeeping: the only table not in schema.sql, since it must exist before
 * the file's version can be compared with the database's. */
static const char sql_version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
    " title TEXT NOT NULL, applied_at BIGINT NOT NULL)";
static const char sql_version_get[] = "SELECT MAX(version) FROM schema_version";
static const char sql_versions[] = "SELECT version FROM schema_version";
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

/* Migration 16 on SQLite (PostgreSQL converts with ALTER COLUMN ... USING): the packed columns'
 * and the events' digests' text rows rewritten as bytes (store/pack.h, store/db.h db_bind_hex),
 * by pages of rowids, each page read to its end before its rows are written. */
#define BYTES_PAGE 1000

typedef struct bytes_table {
    const char *select, *update;
    int ncols, hex; /* hex: digests (db_bind_hex), else packed text (store_bind_packed) */
} bytes_table;

/* One value of a page: its bytes (NUL-terminated copy), and whether SQLite held it as TEXT. */
typedef struct bytes_val {
    char *v;
    size_t n;
    int text;
} bytes_val;

static int bytes_convert(db_conn *c, const bytes_table *t)
{
    int64_t after = -1, ids[BYTES_PAGE];
    bytes_val(*vals)[4] = calloc(BYTES_PAGE, sizeof *vals);
    int rc = vals ? 0 : DB_ERR;
    for (int n = BYTES_PAGE; rc == 0 && n == BYTES_PAGE;) {
        db_stmt *st = db_prepare(c, t->select);
        if (!st) {
            rc = DB_ERR;
            break;
        }
        db_bind_int64(c, st, 1, after);
        int step = DB_DONE;
        n = 0;
        while (n < BYTES_PAGE && (step = db_step(c, st)) == DB_ROW) {
            ids[n] = db_col_int64(c, st, 0);
            for (int k = 0; k < t->ncols; k++) {
                bytes_val *b = &vals[n][k];
                const char *v = db_col_blob(c, st, 1 + k, &b->n);
                /* typeof(): a value converted already (the migration run again after its
                 * version row was removed) is written back as it is */
                const char *type = db_col_text(c, st, 1 + t->ncols + k);
                b->text = type && strcmp(type, "text") == 0;
                b->v = v ? malloc(b->n + 1) : NULL;
                if (b->v) {
                    memcpy(b->v, v, b->n);
                    b->v[b->n] = 0;
                } else if (v) {
                    rc = DB_ERR;
                }
            }
            n++;
        }
        if (n < BYTES_PAGE && step != DB_DONE)
            rc = step < 0 ? step : DB_ERR;
        db_reset(c, st);
        for (int i = 0; i < n; i++) {
            if (rc == 0 && (st = db_prepare(c, t->update)) != NULL) {
                for (int k = 0; k < t->ncols && rc == 0; k++) {
                    const bytes_val *b = &vals[i][k];
                    if (!b->text)
                        rc = db_bind_blob(c, st, k + 1, b->v, b->n);
                    else if (t->hex)
                        rc = db_bind_hex(c, st, k + 1, b->v);
                    else
                        rc = store_bind_packed(c, st, k + 1, b->v);
                }
                db_bind_int64(c, st, t->ncols + 1, ids[i]);
                rc = rc ? rc : db_run(c, st);
                if (rc)
                    db_reset(c, st);
            } else if (rc == 0) {
                rc = DB_ERR;
            }
            for (int k = 0; k < t->ncols; k++)
                free(vals[i][k].v);
        }
        if (n)
            after = ids[n - 1];
    }
    free(vals);
    return rc;
}

static int bytes_backfill(db_conn *c)
{
    static const bytes_table tables[] = {
        {"SELECT rowid, doc, taxes, typeof(doc), typeof(taxes) FROM declarations WHERE rowid > ?"
         " ORDER BY rowid LIMIT 1000",
         "UPDATE declarations SET doc = ?, taxes = ? WHERE rowid = ?", 2, 0},
        {"SELECT rowid, doc, taxes, typeof(doc), typeof(taxes) FROM declaration_versions"
         " WHERE rowid > ? ORDER BY rowid LIMIT 1000",
         "UPDATE declaration_versions SET doc = ?, taxes = ? WHERE rowid = ?", 2, 0},
        {"SELECT rowid, facts, typeof(facts) FROM risk_facts WHERE rowid > ? ORDER BY rowid"
         " LIMIT 1000",
         "UPDATE risk_facts SET facts = ? WHERE rowid = ?", 1, 0},
        {"SELECT rowid, prev_hash, hash, gprev, state, typeof(prev_hash), typeof(hash),"
         " typeof(gprev), typeof(state) FROM events WHERE rowid > ? ORDER BY rowid LIMIT 1000",
         "UPDATE events SET prev_hash = ?, hash = ?, gprev = ?, state = ? WHERE rowid = ?", 4, 1},
    };
    /* the events' digests without the links, which migration 20 dropped (a database that
     * records fewer migrations than its tables have: see schema_migrate) */
    static const bytes_table events_hash = {
        "SELECT rowid, hash, state, typeof(hash), typeof(state) FROM events WHERE rowid > ?"
        " ORDER BY rowid LIMIT 1000",
        "UPDATE events SET hash = ?, state = ? WHERE rowid = ?", 2, 1};
    static const char links[] = "SELECT 1 FROM pragma_table_info('events') WHERE name = 'gprev'";
    if (strcmp(c->drv->name, "sqlite") != 0)
        return 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof tables / sizeof *tables; i++) {
        const bytes_table *t = &tables[i];
        if (t->hex) {
            db_stmt *st = db_prepare(c, links);
            int has = st ? db_step(c, st) : DB_ERR;
            if (st)
                db_reset(c, st);
            if (has != DB_ROW && has != DB_DONE)
                return has < 0 ? has : DB_ERR;
            if (has == DB_DONE)
                t = &events_hash;
        }
        rc = bytes_convert(c, t);
    }
    return rc;
}

/* Migrations whose rows SQL cannot compute (the documents are packed, store/pack.h): a C step
 * run after the migration's statements, before the next migration's, in the same transaction. */
static const struct {
    int migration;
    int (*fn)(db_conn *c);
} backfills[] = {
    /* the HS chapters: migration 11's decl_chapters rows, since migration 20 one row per
     * declaration in decl_chapter_lists, computed from the documents once that table exists */
    {16, bytes_backfill},
    {20, store_decl_chapters_backfill},
    /* dash_facts (created by 15) filled after 19 added its last column and 20 its chapters'
     * table: the live path's statement needs both (SQL could; one text with the live path's, in
     * C); a table that has rows is current already (kept by every event append) */
    {20, store_dash_facts_backfill},
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

/* "ALTER TABLE t ADD COLUMN IF NOT EXISTS c ..." and "ALTER TABLE t DROP COLUMN IF EXISTS c" are
 * PostgreSQL's; SQLite has no IF [NOT] EXISTS there. So that a migration applied again (a
 * database that records fewer migrations than its tables have: see schema_migrate) stays harmless
 * on both engines with one statement, SQLite's is run without those words, and skipped when the
 * table has the column already (ADD) or has it no more (DROP). 1 when sql is such a statement
 * (then *rc is its outcome), else 0. */
static int sqlite_alter_column(db_conn *c, const char *sql, int *rc)
{
    static const char head[] = "ALTER TABLE ", add[] = " ADD COLUMN IF NOT EXISTS ",
                      drop[] = " DROP COLUMN IF EXISTS ";
    static const char probe[] = "SELECT 1 FROM pragma_table_info(?) WHERE name = ?";
    char table[64], column[64], plain[1024];
    const char *t = sql + sizeof head - 1, *m = strstr(sql, add), *d = strstr(sql, drop);
    int dropping = !m && d;
    if (dropping)
        m = d;
    if (strcmp(c->drv->name, "sqlite") || strncmp(sql, head, sizeof head - 1) || !m ||
        (size_t)(m - t) >= sizeof table || strlen(sql) >= sizeof plain)
        return 0;
    const char *col = m + (dropping ? sizeof drop : sizeof add) - 1;
    size_t tn = (size_t)(m - t), cn = strcspn(col, " ;\n");
    if (cn >= sizeof column)
        return 0;
    memcpy(table, t, tn);
    table[tn] = 0;
    memcpy(column, col, cn);
    column[cn] = 0;
    db_stmt *st = db_prepare(c, probe);
    if (!st) {
        *rc = DB_ERR;
        return 1;
    }
    db_bind_text(c, st, 1, table);
    db_bind_text(c, st, 2, column);
    int has = db_step(c, st);
    db_reset(c, st);
    if (has != DB_ROW && has != DB_DONE) {
        *rc = has < 0 ? has : DB_ERR;
        return 1;
    }
    if ((has == DB_ROW) != dropping) { /* there already, or gone already */
        *rc = DB_OK;
        return 1;
    }
    if (dropping)
        snprintf(plain, sizeof plain, "ALTER TABLE %s DROP COLUMN %s", table, column);
    else
        snprintf(plain, sizeof plain, "ALTER TABLE %s ADD COLUMN %s", table, col);
    *rc = db_exec(c, plain);
    return 1;
}

static int apply_one(int migration, const char *title, const char *sql, void *ctx)
{
    apply_ctx *x = ctx;
    if (migration != x->only)
        return 0;
    int rc;
    if (!sqlite_alter_column(x->c, sql, &rc))
        rc = db_exec(x->c, sql);
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

/* applied[m] = 1 for each migration m <= latest the database records. */
static int versions_applied(db_conn *c, char *applied, int latest)
{
    memset(applied, 0, (size_t)latest + 1);
    db_stmt *st = db_prepare(c, sql_versions);
    if (!st)
        return DB_OK; /* no schema_version table: nothing applied */
    int rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        int64_t m = db_col_int64(c, st, 0);
        if (m >= 1 && m <= latest)
            applied[m] = 1;
    }
    db_reset(c, st);
    return rc == DB_DONE ? DB_OK : rc;
}

static int pending(char (*titles)[160], const char *applied, int latest)
{
    for (int m = 1; m <= latest; m++)
        if (!applied[m] && titles[m - 1][0])
            return 1;
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
    if (v > latest)
        goto newer;
    /* Migrations are numbered by the engineers who write them and may land out of order (16
     * before 15): a database records each one applied, and any of the file's migrations it has
     * not recorded is pending, not only those above its version. */
    char(*titles)[160] = calloc((size_t)latest + 1, sizeof *titles);
    char *applied = calloc((size_t)latest + 1, 1);
    if (!titles || !applied) {
        free(titles);
        free(applied);
        return DB_ERR;
    }
    titles_ctx tc = {titles, latest};
    walk(NULL, collect_title, &tc);
    if ((rc = versions_applied(c, applied, latest)) != DB_OK) {
        snprintf(err, errsz, "cannot read the schema versions: %s", db_errmsg(c));
        goto out;
    }
    if (!pending(titles, applied, latest))
        goto out;
    /* The write lock first, then the version again: of two processes migrating at once, the
     * second finds the work done. */
    if ((rc = c->drv->begin(c, 1)) != DB_OK) { /* the engine's writer lock (db.h) */
        snprintf(err, errsz, "cannot lock the database to migrate it: %s", db_errmsg(c));
        goto out;
    }
    if ((rc = db_exec(c, sql_version_table)) != DB_OK || (rc = schema_version(c, &v)) != DB_OK ||
        (rc = versions_applied(c, applied, latest)) != DB_OK) {
        snprintf(err, errsz, "cannot create schema_version: %s", db_errmsg(c));
        db_exec(c, "ROLLBACK");
        goto out;
    }
    *from = *to = v;
    if (v > latest) {
        db_exec(c, "ROLLBACK");
        free(titles);
        free(applied);
        goto newer;
    }
    apply_ctx x = {.c = c, .err = err, .errsz = errsz};
    rc = 0;
    for (int m = 1; rc == 0 && m <= latest; m++) {
        if (applied[m] || !titles[m - 1][0])
            continue;
        x.only = m;
        rc = walk(c->drv->name, apply_one, &x);
        for (size_t b = 0; rc == 0 && b < sizeof backfills / sizeof *backfills; b++)
            if (backfills[b].migration == m && (rc = backfills[b].fn(c)) != 0)
                snprintf(err, errsz, "migration %d (%s): back-fill failed: %s", m, titles[m - 1],
                         db_errmsg(c));
    }
    /* one row per migration applied (one with no statement for this engine included); a number
     * the file does not have (yet) is not recorded */
    for (int m = 1; rc == 0 && m <= latest; m++)
        if (!applied[m] && titles[m - 1][0])
            rc = record(&x, m, titles[m - 1]);
    if (rc == 0 && (rc = db_exec(c, "COMMIT")) != DB_OK)
        snprintf(err, errsz, "cannot commit the migration: %s", db_errmsg(c));
    if (rc != 0) {
        if (!err[0])
            snprintf(err, errsz, "migration failed: %s", db_errmsg(c));
        db_exec(c, "ROLLBACK");
        goto out;
    }
    *to = latest;
out:
    free(titles);
    free(applied);
    return rc;
newer:
    snprintf(
        err, errsz,
        "the database has schema version %d, newer than this binary's %d: it was upgraded by a "
        "newer ecustoms; run that version (or restore a backup made before the upgrade)",
        v, latest);
    return SCHEMA_NEWER;
}
