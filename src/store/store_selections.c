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

#define SELECTION_SQL                                                                              \
    "SELECT channel, number FROM consignment_selections WHERE importer = ? AND ref_kind = ?"       \
    " AND ref = ? ORDER BY channel DESC, at DESC LIMIT 1"
/* one copy of the text per slot: statements are cached by their text's address */
static const char selection_sql[STORE_SELECTION_SLOTS][sizeof SELECTION_SQL] = {SELECTION_SQL,
                                                                                SELECTION_SQL};

int store_selection_send(db_conn *c, int slot, const char *importer, const char *ref_kind,
                         const char *ref, db_stmt **out)
{
    db_stmt *st = db_prepare(c, selection_sql[slot % STORE_SELECTION_SLOTS]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, importer);
    db_bind_text(c, st, 2, ref_kind);
    db_bind_text(c, st, 3, ref);
    return db_send_into(c, st, out);
}

int store_selection_read(db_conn *c, db_stmt *st, char number[13])
{
    int rc = db_step(c, st);
    int ch = 0;
    if (rc == DB_ROW) {
        ch = (int)db_col_int64(c, st, 0);
        db_col_copy(c, st, 1, number, 13);
    }
    db_reset(c, st);
    return rc == DB_ROW ? ch : rc == DB_DONE ? 0 : rc;
}

int store_selection_get(db_conn *c, const char *importer, const char *ref_kind, const char *ref,
                        char number[13])
{
    db_stmt *st;
    int rc = store_selection_send(c, 0, importer, ref_kind, ref, &st);
    return rc != 0 ? rc : store_selection_read(c, st, number);
}

/* Two look-ups in one statement (one bind and one executor start-up on a database server, where
 * a registration's screening made one for its invoice and one for its first bill of lading): a
 * row (k, channel, number) per look-up k (0, 1) that found one. Each half is SELECTION_SQL as a
 * subquery, with its own LIMIT. */
#define SELECTION_HALF                                                                             \
    " channel, number FROM (SELECT channel, number FROM consignment_selections WHERE importer = ?" \
    " AND ref_kind = ? AND ref = ? ORDER BY channel DESC, at DESC LIMIT 1)"

int store_selection_send2(db_conn *c, const char *importer, const char *kind0, const char *ref0,
                          const char *kind1, const char *ref1, db_stmt **out)
{
    static const char sql[] =
        "SELECT 0," SELECTION_HALF " s0 UNION ALL SELECT 1," SELECTION_HALF " s1";
    db_stmt *st = db_prepare(c, sql);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, importer);
    db_bind_text(c, st, 2, kind0);
    db_bind_text(c, st, 3, ref0);
    db_bind_text(c, st, 4, importer);
    db_bind_text(c, st, 5, kind1);
    db_bind_text(c, st, 6, ref1);
    return db_send_into(c, st, out);
}

int store_selection_read2(db_conn *c, db_stmt *st, int channel[2], char number[2][13])
{
    int rc;
    channel[0] = channel[1] = 0;
    number[0][0] = number[1][0] = 0;
    while ((rc = db_step(c, st)) == DB_ROW) {
        int64_t k = db_col_int64(c, st, 0);
        if (k == 0 || k == 1) {
            channel[k] = (int)db_col_int64(c, st, 1);
            db_col_copy(c, st, 2, number[k], 13);
        }
    }
    db_reset(c, st);
    return rc == DB_DONE ? 0 : rc;
}
