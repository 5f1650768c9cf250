#include "store/store_calendar.h"

#include <string.h>

int store_calendar_put(db_conn *c, const calendar_row *r, int replace)
{
    static const char keep[] =
        "INSERT INTO calendar_days (day, kind, name, basis, status, source, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day) DO NOTHING";
    static const char overwrite[] =
        "INSERT INTO calendar_days (day, kind, name, basis, status, source, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET kind = excluded.kind,"
        " name = excluded.name, basis = excluded.basis, status = excluded.status,"
        " source = excluded.source, updated_at = excluded.updated_at";
    db_stmt *st = db_prepare(c, replace ? overwrite : keep);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, r->day);
    db_bind_text(c, st, 2, r->kind);
    db_bind_text(c, st, 3, r->name);
    db_bind_text(c, st, 4, r->basis);
    db_bind_text(c, st, 5, r->status);
    db_bind_text(c, st, 6, r->source);
    db_bind_int64(c, st, 7, r->updated_at);
    return db_run(c, st);
}

static void row_from(db_conn *c, db_stmt *st, calendar_row *r)
{
    r->day = (date_ymd)db_col_int64(c, st, 0);
    db_col_copy(c, st, 1, r->kind, sizeof r->kind);
    db_col_copy(c, st, 2, r->name, sizeof r->name);
    db_col_copy(c, st, 3, r->basis, sizeof r->basis);
    db_col_copy(c, st, 4, r->status, sizeof r->status);
    db_col_copy(c, st, 5, r->source, sizeof r->source);
    r->updated_at = db_col_int64(c, st, 6);
}

int store_calendar_get(db_conn *c, date_ymd day, calendar_row *out)
{
    static const char sql[] = "SELECT day, kind, name, basis, status, source, updated_at"
                              " FROM calendar_days WHERE day = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, day);
    int rc = db_step(c, st), found = rc == DB_ROW;
    if (found)
        row_from(c, st, out);
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? found : rc;
}

int store_calendar_each(db_conn *c, date_ymd from, date_ymd to, store_calendar_fn fn, void *ctx)
{
    static const char sql[] = "SELECT day, kind, name, basis, status, source, updated_at"
                              " FROM calendar_days WHERE day >= ? AND day <= ? ORDER BY day";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, from);
    db_bind_int64(c, st, 2, to ? to : 99991231);
    int rc, n = 0, stop = 0;
    while (!stop && (rc = db_step(c, st)) == DB_ROW) {
        calendar_row r;
        row_from(c, st, &r);
        stop = fn(&r, ctx);
        n++;
    }
    db_reset(c, st);
    return stop || rc == DB_DONE ? n : rc;
}
