/* Consignment selections (see store_selections.h). */
#include "store/store_selections.h"

int store_selection_put(db_conn *c, const char *importer, const char *ref_kind, const char *ref,
                        const char *decl_id, const char *number, int channel, int64_t at)
{
    static const char sql[] =
        "INSERT INTO consignment_selections (importer, ref_kind, ref, decl_id, number, channel, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (importer, ref_kind, ref, decl_id) DO NOTHING";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, importer);
    db_bind_text(c, st, 2, ref_kind);
    db_bind_text(c, st, 3, ref);
    db_bind_text(c, st, 4, decl_id);
    db_bind_text(c, st, 5, number);
    db_bind_int64(c, st, 6, channel);
    db_bind_int64(c, st, 7, at);
    return db_run(c, st);
}

int store_selection_get(db_conn *c, const char *importer, const char *ref_kind, const char *ref,
                        char number[13])
{
    static const char sql[] =
        "SELECT channel, number FROM consignment_selections WHERE importer = ? AND ref_kind = ?"
        " AND ref = ? ORDER BY channel DESC, at DESC LIMIT 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, importer);
    db_bind_text(c, st, 2, ref_kind);
    db_bind_text(c, st, 3, ref);
    int rc = db_step(c, st);
    int ch = 0;
    if (rc == DB_ROW) {
        ch = (int)db_col_int64(c, st, 0);
        db_col_copy(c, st, 1, number, 13);
    }
    db_reset(c, st);
    return rc == DB_ROW ? ch : rc == DB_DONE ? 0 : rc;
}
