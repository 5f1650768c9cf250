#include "store/store_audit_cases.h"

#include <stdlib.h>
#include <string.h>

#include "core/decl.h"
#include "store/pack.h"

#define CASE_COLS                                                                                  \
    "id, decl_id, number, party, status, reason, selection, opened_by, opened_at, findings,"       \
    " violation, additional_tax, interest, interest_days, updated_at"

void case_row_release(case_row *r)
{
    free(r->selection);
    free(r->findings);
    r->selection = r->findings = NULL;
}

static void case_from(db_conn *c, db_stmt *st, case_row *r)
{
    memset(r, 0, sizeof *r);
    db_col_copy(c, st, 0, r->id, sizeof r->id);
    db_col_copy(c, st, 1, r->decl_id, sizeof r->decl_id);
    db_col_copy(c, st, 2, r->number, sizeof r->number);
    db_col_copy(c, st, 3, r->party, sizeof r->party);
    db_col_copy(c, st, 4, r->status, sizeof r->status);
    db_col_copy(c, st, 5, r->reason, sizeof r->reason);
    r->selection = db_col_dup(c, st, 6);
    db_col_copy(c, st, 7, r->opened_by, sizeof r->opened_by);
    r->opened_at = db_col_int64(c, st, 8);
    r->findings = db_col_dup(c, st, 9);
    r->violation = (int)db_col_int64(c, st, 10);
    r->additional_tax = db_col_int64(c, st, 11);
    r->interest = db_col_int64(c, st, 12);
    r->interest_days = (int)db_col_int64(c, st, 13);
    r->updated_at = db_col_int64(c, st, 14);
}

int store_case_put(db_conn *c, const case_row *r)
{
    static const char sql[] =
        "INSERT INTO audit_cases (" CASE_COLS
        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET status = excluded.status, findings = excluded.findings,"
        " violation = excluded.violation, additional_tax = excluded.additional_tax,"
        " interest = excluded.interest, interest_days = excluded.interest_days, updated_at = "
        "excluded.updated_at";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->id);
    db_bind_text(c, st, 2, r->decl_id);
    db_bind_text(c, st, 3, r->number);
    db_bind_text(c, st, 4, r->party);
    db_bind_text(c, st, 5, r->status);
    db_bind_text(c, st, 6, r->reason);
    db_bind_text(c, st, 7, r->selection); /* NULL binds NULL */
    db_bind_text(c, st, 8, r->opened_by);
    db_bind_int64(c, st, 9, r->opened_at);
    db_bind_text(c, st, 10, r->findings);
    db_bind_int64(c, st, 11, r->violation);
    db_bind_int64(c, st, 12, r->additional_tax);
    db_bind_int64(c, st, 13, r->interest);
    db_bind_int64(c, st, 14, r->interest_days);
    db_bind_int64(c, st, 15, r->updated_at);
    return db_run(c, st);
}

int store_case_get(db_conn *c, const char *id, case_row *out)
{
    db_stmt *st = db_prepare(c, "SELECT " CASE_COLS " FROM audit_cases WHERE id = ?");
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id);
    int rc = db_step(c, st), found = 0;
    if (rc == DB_ROW) {
        case_from(c, st, out);
        found = 1;
    }
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? found : rc;
}

int store_case_open_for(db_conn *c, const char *decl_id)
{
    db_stmt *st = db_prepare(
        c, "SELECT id FROM audit_cases WHERE decl_id = ? AND status IN ('open', 'findings')");
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_case_each(db_conn *c, const char *status, store_case_fn fn, void *ctx, int max)
{
    static const char all[] = "SELECT " CASE_COLS " FROM audit_cases ORDER BY opened_at DESC, id";
    static const char one[] =
        "SELECT " CASE_COLS " FROM audit_cases WHERE status = ? ORDER BY opened_at DESC, id";
    db_stmt *st = db_prepare(c, status ? one : all);
    int n = 0, rc;
    if (!st)
        return DB_ERR;
    if (status)
        db_bind_text(c, st, 1, status);
    while (n < max && (rc = db_step(c, st)) == DB_ROW) {
        case_row r;
        case_from(c, st, &r);
        fn(&r, ctx);
        case_row_release(&r);
        n++;
    }
    db_reset(c, st);
    return n;
}

int store_decl_cleared_since(db_conn *c, int64_t since, int max, store_decl_fn fn, void *ctx)
{
    static const char sql[] = "SELECT id, number, party, amendment, customs_value, registered_at, "
                              "cleared_at, doc, taxes, risk, status,"
                              " channel FROM declarations WHERE status IN (?, ?) AND registered_at "
                              ">= ? ORDER BY registered_at DESC, id";
    db_stmt *st = db_prepare(c, sql);
    int n = 0, rc = DB_DONE;
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, ST_CLEARED);
    db_bind_int64(c, st, 2, ST_PASSED);
    db_bind_int64(c, st, 3, since);
    while (n < max && (rc = db_step(c, st)) == DB_ROW) {
        decl_row r;
        memset(&r, 0, sizeof r);
        db_col_copy(c, st, 0, r.id, sizeof r.id);
        db_col_copy(c, st, 1, r.number, sizeof r.number);
        db_col_copy(c, st, 2, r.party, sizeof r.party);
        r.amendment = (int)db_col_int64(c, st, 3);
        r.customs_value = db_col_int64(c, st, 4);
        r.registered_at = db_col_int64(c, st, 5);
        r.cleared_at = db_col_int64(c, st, 6);
        r.doc = store_col_unpack(c, st, 7); /* stored deflated (store/pack.h) */
        r.taxes = store_col_unpack(c, st, 8);
        r.risk = db_col_dup(c, st, 9);
        r.status = (int)db_col_int64(c, st, 10);
        r.channel = (int)db_col_int64(c, st, 11);
        fn(&r, ctx);
        decl_row_release(&r);
        n++;
    }
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? n : rc;
}
