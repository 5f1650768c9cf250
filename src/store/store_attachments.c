/* Attachments: rows in `attachments`, bytes in `attachment_blobs` keyed by their SHA-256. */
#include "store/store_attachments.h"

#include <stdlib.h>
#include <string.h>

#define COLS                                                                                       \
    "id, decl_id, kind, filename, content_type, size, sha256, party, role, username, at, seq"

static int blob_put(db_conn *c, const attach_row *r, const char *b64)
{
    static const char blob_sql[] =
        "INSERT INTO attachment_blobs (sha256, size, data) VALUES (?, ?, ?)"
        " ON CONFLICT (sha256) DO NOTHING";
    db_stmt *st = db_prepare(c, blob_sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->sha256);
    db_bind_int64(c, st, 2, r->size);
    db_bind_text(c, st, 3, b64);
    return db_run(c, st);
}

int store_attach_put(db_conn *c, const attach_row *r, const char *b64)
{
    static const char row_sql[] =
        "INSERT INTO attachments (" COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    int rc = blob_put(c, r, b64);
    if (rc != 0)
        return rc;
    db_stmt *st = db_prepare(c, row_sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->id);
    db_bind_text(c, st, 2, r->decl_id);
    db_bind_text(c, st, 3, r->kind);
    db_bind_text(c, st, 4, r->filename);
    db_bind_text(c, st, 5, r->content_type);
    db_bind_int64(c, st, 6, r->size);
    db_bind_text(c, st, 7, r->sha256);
    db_bind_text(c, st, 8, r->party);
    db_bind_text(c, st, 9, r->role);
    db_bind_text(c, st, 10, r->username);
    db_bind_int64(c, st, 11, r->at);
    db_bind_int64(c, st, 12, r->seq);
    return db_run(c, st);
}

static void read_row(db_conn *c, db_stmt *st, void *row)
{
    attach_row *r = row;
    db_col_copy(c, st, 0, r->id, sizeof r->id);
    db_col_copy(c, st, 1, r->decl_id, sizeof r->decl_id);
    db_col_copy(c, st, 2, r->kind, sizeof r->kind);
    db_col_copy(c, st, 3, r->filename, sizeof r->filename);
    db_col_copy(c, st, 4, r->content_type, sizeof r->content_type);
    r->size = db_col_int64(c, st, 5);
    db_col_copy(c, st, 6, r->sha256, sizeof r->sha256);
    db_col_copy(c, st, 7, r->party, sizeof r->party);
    db_col_copy(c, st, 8, r->role, sizeof r->role);
    db_col_copy(c, st, 9, r->username, sizeof r->username);
    r->at = db_col_int64(c, st, 10);
    r->seq = (int)db_col_int64(c, st, 11);
}

int store_attach_list(db_conn *c, const char *decl_id, attach_row *out, int max)
{
    static const char sql[] = "SELECT " COLS " FROM attachments WHERE decl_id = ? ORDER BY seq";
    return db_rows_by_text(c, sql, decl_id, out, sizeof *out, max, read_row);
}

int store_attach_totals(db_conn *c, const char *decl_id, int64_t *count, int64_t *bytes,
                        int *max_seq)
{
    static const char sql[] = "SELECT COUNT(*), COALESCE(SUM(size), 0), COALESCE(MAX(seq), 0) FROM "
                              "attachments WHERE decl_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        *count = db_col_int64(c, st, 0);
        *bytes = db_col_int64(c, st, 1);
        *max_seq = (int)db_col_int64(c, st, 2);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 0 : rc == DB_DONE ? DB_ERR : rc;
}

int store_attach_get(db_conn *c, const char *decl_id, const char *id, attach_row *out, char **b64)
{
    static const char sql[] = "SELECT a.id, a.decl_id, a.kind, a.filename, a.content_type, a.size, "
                              "a.sha256, a.party, a.role,"
                              " a.username, a.at, a.seq, b.data FROM attachments a LEFT JOIN "
                              "attachment_blobs b ON b.sha256 = a.sha256"
                              " WHERE a.decl_id = ? AND a.id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_text(c, st, 2, id);
    *b64 = NULL;
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        read_row(c, st, out);
        *b64 = db_col_is_null(c, st, 12) ? NULL : db_col_dup(c, st, 12);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_attach_delete(db_conn *c, const char *decl_id, const char *id)
{
    static const char sql[] = "DELETE FROM attachments WHERE decl_id = ? AND id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_text(c, st, 2, id);
    return db_run(c, st);
}

int store_attach_replace(db_conn *c, const attach_row *r, const char *b64)
{
    static const char sql[] = "UPDATE attachments SET kind = ?, filename = ?, content_type = ?, "
                              "size = ?, sha256 = ?, party = ?,"
                              " role = ?, username = ?, at = ? WHERE decl_id = ? AND id = ?";
    int rc = blob_put(c, r, b64);
    if (rc != 0)
        return rc;
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->kind);
    db_bind_text(c, st, 2, r->filename);
    db_bind_text(c, st, 3, r->content_type);
    db_bind_int64(c, st, 4, r->size);
    db_bind_text(c, st, 5, r->sha256);
    db_bind_text(c, st, 6, r->party);
    db_bind_text(c, st, 7, r->role);
    db_bind_text(c, st, 8, r->username);
    db_bind_int64(c, st, 9, r->at);
    db_bind_text(c, st, 10, r->decl_id);
    db_bind_text(c, st, 11, r->id);
    return db_run(c, st);
}
