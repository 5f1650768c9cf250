/* The selectivity hit rates: one pass over a period's rows of risk_selections (keyed by
 * registration time: one range), each with its declaration's outcome (risk_outcomes, by primary
 * key); and the rows written with each risk decision. */
#include "store/store_hit_rates.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* one row per declaration and source, in key order (a declaration's rows are together); each
 * declaration's outcome by the primary key of risk_outcomes */
static const char sql_scan[] =
    "SELECT s.decl_id, s.source, s.ref, COALESCE(o.violation, -1) FROM risk_selections s"
    " LEFT JOIN risk_outcomes o ON o.decl_id = s.decl_id"
    " WHERE s.registered_at >= ? AND s.registered_at < ?"
    " ORDER BY s.registered_at, s.decl_id, s.source, s.ref";

int store_hit_rates_scan(db_conn *c, int64_t from, int64_t to, hit_row_fn fn, void *ctx)
{
    db_stmt *st = db_prepare(c, sql_scan);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, from);
    db_bind_int64(c, st, 2, to);
    int rc, ret = 0;
    char last[40] = "";
    while ((rc = db_step(c, st)) == DB_ROW) {
        const char *id = db_col_text(c, st, 0);
        int first = strcmp(id, last) != 0;
        if (first)
            snprintf(last, sizeof last, "%s", id);
        ret = fn(ctx, first, db_col_text(c, st, 1), db_col_int64(c, st, 2),
                 (int)db_col_int64(c, st, 3));
        if (ret)
            break;
    }
    if (!ret && rc != DB_DONE)
        ret = DB_ERR;
    db_reset(c, st);
    return ret;
}

int store_risk_selections_delete(db_conn *c, const char *decl_id, int64_t registered_at)
{
    static const char sql[] = "DELETE FROM risk_selections WHERE registered_at = ? AND decl_id = ?";
    if (registered_at <= 0)
        return 0;
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, registered_at);
    db_bind_text(c, st, 2, decl_id);
    return db_run(c, st);
}

int store_risk_selections_put(db_conn *c, const char *decl_id, int64_t registered_at, int channel,
                              const char *risk)
{
    static const char sql[] =
        "INSERT INTO risk_selections (registered_at, decl_id, source, ref, channel)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (registered_at, decl_id, source, ref) DO NOTHING";
    if (registered_at <= 0 || channel < 2 || !risk)
        return 0;
    json_t *j = json_loads(risk, 0, NULL), *it;
    int64_t version = json_integer_value(json_object_get(json_object_get(j, "model"), "version"));
    size_t i;
    int rc = 0;
    json_array_foreach(json_object_get(j, "reasons"), i, it)
    {
        const char *code = json_string_value(json_object_get(it, "code"));
        const char *ch = json_string_value(json_object_get(it, "channel"));
        if (!code || !ch || (strcmp(ch, "yellow") && strcmp(ch, "red")))
            continue; /* a reason for green (AEO, a green rule) selects nothing */
        int64_t ref = !strcmp(code, "rule") ? json_integer_value(json_object_get(it, "rule_id"))
                      : (!strcmp(code, "model") || !strcmp(code, "exploration")) ? version
                                                                                 : 0;
        db_stmt *st = db_prepare(c, sql);
        if (!st) {
            rc = DB_ERR;
            break;
        }
        db_bind_int64(c, st, 1, registered_at);
        db_bind_text(c, st, 2, decl_id);
        db_bind_text(c, st, 3, code);
        db_bind_int64(c, st, 4, ref);
        db_bind_int64(c, st, 5, strcmp(ch, "red") ? 2 : 3);
        /* nothing read back: on a server engine it goes with the job's next round trip */
        if ((rc = db_run_nowait(c, st)) != 0)
            break;
    }
    json_decref(j);
    return rc;
}

int64_t store_registered_count(db_conn *c, int64_t from, int64_t to)
{
    db_stmt *st = db_prepare(
        c, "SELECT COUNT(*) FROM declarations WHERE registered_at >= ? AND registered_at < ?");
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, from);
    db_bind_int64(c, st, 2, to);
    int64_t n = 0;
    return db_row(c, st, &n, db_read_int64) == 1 ? n : DB_ERR;
}

/* SEL_ROWS rows per statement: a statement's set-up and reset cost about a row's insert */
#define SEL_ROWS 32
#define SEL_INSERT                                                                                 \
    "INSERT INTO risk_selections (registered_at, decl_id, source, ref, channel) VALUES "
#define SEL_CONFLICT " ON CONFLICT (registered_at, decl_id, source, ref) DO NOTHING"
static char sel_many_sql[sizeof SEL_INSERT + SEL_ROWS * 18 + sizeof SEL_CONFLICT];
static pthread_once_t sel_many_once = PTHREAD_ONCE_INIT;

static void sel_many_init(void)
{
    db_values_sql(sel_many_sql, sizeof sel_many_sql, SEL_INSERT, "(?, ?, ?, ?, ?)", SEL_ROWS,
                  SEL_CONFLICT);
}

static void sel_bind(db_conn *c, db_stmt *st, int k, const void *rows, long i)
{
    const risk_selection_row *r = (const risk_selection_row *)rows + i;
    db_bind_int64(c, st, k + 1, r->registered_at);
    db_bind_text_static(c, st, k + 2, r->decl_id);
    db_bind_text_static(c, st, k + 3, r->source);
    db_bind_int64(c, st, k + 4, r->ref);
    db_bind_int64(c, st, k + 5, r->channel);
}

int store_risk_selections_insert_rows(db_conn *c, const risk_selection_row *r, long n)
{
    static const char one[] = SEL_INSERT "(?, ?, ?, ?, ?)" SEL_CONFLICT;
    pthread_once(&sel_many_once, sel_many_init);
    return db_insert_rows(c, sel_many_sql, SEL_ROWS, 5, one, r, n, sel_bind);
}
