/* The managers' dashboard (issue 16): one pass over a period's declarations. Literal SQL only
 * (the statement cache is keyed by the string's address): one statement per shape, the office's
 * one driven by declarations_office_at (office, registered_at). */
#include "store/store_dashboard.h"

#include <stdlib.h>
#include <string.h>

#include "store/pack.h"

/* the checks' instants come from the audit events (the lifecycle's action names), the money
 * from the ledger; each subquery reads one declaration's rows by its primary key prefix */
#define DASH_COLS                                                                                 \
    "SELECT d.channel, d.type_code, d.registered_at, d.cleared_at,"                               \
    " (SELECT MIN(e.at) FROM events e WHERE e.decl_id = d.id AND e.action IN"                     \
    "  ('documents_passed', 'documents_failed')),"                                                \
    " (SELECT MIN(e.at) FROM events e WHERE e.decl_id = d.id AND e.action = 'documents_passed'),"  \
    " (SELECT MIN(e.at) FROM events e WHERE e.decl_id = d.id AND e.action = 'inspection_completed')," \
    " (SELECT MIN(e.at) FROM events e WHERE e.decl_id = d.id AND e.action = 'pass_supervision'),"  \
    " (SELECT COALESCE(SUM(l.amount), 0) FROM ledger_entries l WHERE l.decl_id = d.id"            \
    "  AND l.kind = 'assessed'),"                                                                 \
    " (SELECT COALESCE(SUM(l.amount), 0) FROM ledger_entries l WHERE l.decl_id = d.id"            \
    "  AND l.kind = 'paid'),"                                                                     \
    " (SELECT COUNT(*) FROM amendment_requests a WHERE a.decl_id = d.id AND a.after_clearance = 1)," \
    " (SELECT MAX(e.detail) FROM events e WHERE e.decl_id = d.id AND e.action = 'inspection_completed')," \
    " d.doc FROM declarations d"

static const char dash_office[] = DASH_COLS " WHERE d.office = ? AND d.registered_at >= ?"
                                  " AND d.registered_at < ? AND d.registered_at > 0";
static const char dash_all[] = DASH_COLS " WHERE d.registered_at >= ? AND d.registered_at < ?"
                               " AND d.registered_at > 0";

int store_dashboard_scan(db_conn *c, const char *office, int64_t from, int64_t to, dash_row_fn fn,
                         void *ctx)
{
    db_stmt *st = db_prepare(c, office[0] ? dash_office : dash_all);
    if (!st)
        return DB_ERR;
    int i = 1;
    if (office[0])
        db_bind_text(c, st, i++, office);
    db_bind_int64(c, st, i++, from);
    db_bind_int64(c, st, i, to);
    int rc, ret = 0;
    while ((rc = db_step(c, st)) == DB_ROW) {
        dash_row r;
        memset(&r, 0, sizeof r);
        r.channel = (int)db_col_int64(c, st, 0);
        db_col_copy(c, st, 1, r.type_code, sizeof r.type_code);
        r.registered_at = db_col_int64(c, st, 2);
        r.cleared_at = db_col_int64(c, st, 3);
        r.docs_at = db_col_is_null(c, st, 4) ? 0 : db_col_int64(c, st, 4);
        r.docs_passed_at = db_col_is_null(c, st, 5) ? 0 : db_col_int64(c, st, 5);
        r.inspected_at = db_col_is_null(c, st, 6) ? 0 : db_col_int64(c, st, 6);
        r.gate_out_at = db_col_is_null(c, st, 7) ? 0 : db_col_int64(c, st, 7);
        r.assessed = db_col_int64(c, st, 8);
        r.collected = db_col_int64(c, st, 9);
        r.amendments_after_clearance = db_col_int64(c, st, 10);
        r.inspection_detail = db_col_is_null(c, st, 11) ? NULL : db_col_text(c, st, 11);
        char *doc = store_unpack(db_col_text(c, st, 12));
        r.doc = doc;
        ret = fn(ctx, &r);
        free(doc);
        if (ret)
            break;
    }
    if (!ret && rc != DB_DONE)
        ret = DB_ERR;
    db_reset(c, st);
    return ret;
}
