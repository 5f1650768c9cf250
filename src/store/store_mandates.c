/* Mandate queries (see store_mandates.h). */
#include "store/store_mandates.h"

#include <string.h>

static void row_of(db_conn *c, db_stmt *st, void *row)
{
    mandate_row *m = row;
    m->id = db_col_int64(c, st, 0);
    db_col_copy(c, st, 1, m->enterprise, sizeof m->enterprise);
    db_col_copy(c, st, 2, m->declarant, sizeof m->declarant);
    m->valid_from = (int32_t)db_col_int64(c, st, 3);
    m->valid_to = (int32_t)db_col_int64(c, st, 4);
    db_col_copy(c, st, 5, m->granted_by, sizeof m->granted_by);
    m->granted_at = db_col_int64(c, st, 6);
    db_col_copy(c, st, 7, m->revoked_by, sizeof m->revoked_by);
    m->revoked_at = db_col_int64(c, st, 8);
}

int store_mandate_put(db_conn *c, const mandate_row *m)
{
    static const char sql[] =
        "INSERT INTO mandates (id, enterprise, declarant, valid_from, valid_to, granted_by,"
        " granted_at, revoked_by, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET revoked_by = excluded.revoked_by,"
        " revoked_at = excluded.revoked_at";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, m->id);
    db_bind_text(c, st, 2, m->enterprise);
    db_bind_text(c, st, 3, m->declarant);
    db_bind_int64(c, st, 4, m->valid_from);
    db_bind_int64(c, st, 5, m->valid_to);
    db_bind_text(c, st, 6, m->granted_by);
    db_bind_int64(c, st, 7, m->granted_at);
    db_bind_text(c, st, 8, m->revoked_by);
    db_bind_int64(c, st, 9, m->revoked_at);
    return db_run(c, st);
}

int store_mandate_get(db_conn *c, int64_t id, mandate_row *out)
{
    static const char sql[] =
        "SELECT id, enterprise, declarant, valid_from, valid_to, granted_by, granted_at,"
        " revoked_by, revoked_at FROM mandates WHERE id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, id);
    return db_row(c, st, out, row_of);
}

int store_mandate_valid(db_conn *c, const char *enterprise, const char *declarant, int32_t date)
{
    static const char sql[] =
        "SELECT 1 FROM mandates WHERE enterprise = ? AND declarant = ? AND revoked_at = 0"
        " AND valid_from <= ? AND valid_to >= ? LIMIT 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, enterprise);
    db_bind_text(c, st, 2, declarant);
    db_bind_int64(c, st, 3, date);
    db_bind_int64(c, st, 4, date);
    int rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_mandate_list(db_conn *c, const char *enterprise, const char *declarant, mandate_row *out,
                       int max)
{
    static const char all[] =
        "SELECT id, enterprise, declarant, valid_from, valid_to, granted_by, granted_at,"
        " revoked_by, revoked_at FROM mandates WHERE enterprise = ? ORDER BY id DESC";
    static const char pair[] =
        "SELECT id, enterprise, declarant, valid_from, valid_to, granted_by, granted_at,"
        " revoked_by, revoked_at FROM mandates WHERE enterprise = ? AND declarant = ?"
        " ORDER BY id DESC";
    db_stmt *st = db_prepare(c, declarant ? pair : all);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, enterprise);
    if (declarant)
        db_bind_text(c, st, 2, declarant);
    return db_rows(c, st, out, sizeof *out, max, row_of);
}

int store_bank_linked(db_conn *c, const char *decl_id, const char *enterprise, const char *bank,
                      int32_t date)
{
    static const char paid[] =
        "SELECT 1 FROM ledger_entries WHERE decl_id = ? AND bank = ? LIMIT 1";
    static const char guar[] =
        "SELECT 1 FROM guarantee_declarations WHERE decl_id = ? AND bank = ? LIMIT 1";
    const char *const sqls[] = {paid, guar};
    for (int i = 0; i < 2; i++) {
        db_stmt *st = db_prepare(c, sqls[i]);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        db_bind_text(c, st, 2, bank);
        int rc = db_step(c, st);
        db_reset(c, st);
        if (rc == DB_ROW)
            return 1;
        if (rc != DB_DONE)
            return rc < 0 ? rc : DB_ERR;
    }
    return store_mandate_valid(c, enterprise, bank, date);
}
