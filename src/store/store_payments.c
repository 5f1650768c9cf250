#include "store/store_payments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS bank_keys ("
    " party TEXT PRIMARY KEY REFERENCES parties(tax_code), public_key TEXT NOT NULL,"
    " created_at BIGINT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ledger_entries ("
    " decl_id TEXT NOT NULL, seq INTEGER NOT NULL, at BIGINT NOT NULL, kind TEXT NOT NULL,"
    " amount BIGINT NOT NULL, party TEXT NOT NULL, bank TEXT NOT NULL, bank_txn TEXT NOT NULL,"
    " note TEXT NOT NULL, due INTEGER NOT NULL, PRIMARY KEY (decl_id, seq));"
    "CREATE INDEX IF NOT EXISTS ledger_entries_party ON ledger_entries(party, kind);"
    "CREATE INDEX IF NOT EXISTS ledger_entries_bank ON ledger_entries(bank, kind);"
    "CREATE TABLE IF NOT EXISTS payments ("
    " bank TEXT NOT NULL, bank_txn TEXT NOT NULL, request_hash TEXT NOT NULL,"
    " kind TEXT NOT NULL, payer TEXT NOT NULL, paid_at TEXT NOT NULL, total BIGINT NOT NULL,"
    " status INTEGER NOT NULL,"
    " response TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (bank, bank_txn));"
    "CREATE INDEX IF NOT EXISTS payments_bank_day ON payments(bank, created_at);";

int store_payments_schema(db_conn *c) { return db_exec(c, schema_sql); }

static int done(int rc) { return rc == DB_DONE ? DB_OK : rc; }

int store_bank_key_put(db_conn *c, const char *party, const char *pem, int64_t at)
{
    static const char del[] = "DELETE FROM bank_keys WHERE party = ?";
    static const char ins[] = "INSERT INTO bank_keys (party, public_key, created_at) VALUES (?, ?, ?)";
    db_stmt *st = db_prepare(c, del);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    int rc = db_step(c, st);
    db_reset(c, st);
    if (rc != DB_DONE)
        return rc;
    if (!(st = db_prepare(c, ins)))
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_text(c, st, 2, pem);
    db_bind_int64(c, st, 3, at);
    rc = db_step(c, st);
    db_reset(c, st);
    return done(rc);
}

int store_bank_key_get(db_conn *c, const char *party, char **pem)
{
    static const char sql[] = "SELECT public_key FROM bank_keys WHERE party = ?";
    db_stmt *st = db_prepare(c, sql);
    *pem = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        const char *v = db_col_text(c, st, 0);
        *pem = strdup(v ? v : "");
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_ledger_append(db_conn *c, const char *decl_id, const ledger_row *r)
{
    static const char next[] = "SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger_entries WHERE decl_id = ?";
    static const char ins[] = "INSERT INTO ledger_entries (decl_id, seq, at, kind, amount, party,"
                              " bank, bank_txn, note, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, next);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    int64_t seq = rc == DB_ROW ? db_col_int64(c, st, 0) : 0;
    db_reset(c, st);
    if (rc != DB_ROW)
        return rc < 0 ? rc : DB_ERR;
    if (!(st = db_prepare(c, ins)))
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_int64(c, st, 2, seq);
    db_bind_int64(c, st, 3, r->at);
    db_bind_text(c, st, 4, r->kind);
    db_bind_int64(c, st, 5, r->amount);
    db_bind_text(c, st, 6, r->party);
    db_bind_text(c, st, 7, r->bank);
    db_bind_text(c, st, 8, r->bank_txn);
    db_bind_text(c, st, 9, r->note);
    db_bind_int64(c, st, 10, r->due);
    rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_DONE ? (int)seq : rc;
}

int store_ledger_list(db_conn *c, const char *decl_id, ledger_row *out, int max)
{
    static const char sql[] = "SELECT seq, at, kind, amount, party, bank, bank_txn, note, due"
                              " FROM ledger_entries WHERE decl_id = ? ORDER BY seq";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max) {
            ledger_row *r = &out[n];
            r->seq = (int)db_col_int64(c, st, 0);
            r->at = db_col_int64(c, st, 1);
            db_col_copy(c, st, 2, r->kind, sizeof r->kind);
            r->amount = db_col_int64(c, st, 3);
            db_col_copy(c, st, 4, r->party, sizeof r->party);
            db_col_copy(c, st, 5, r->bank, sizeof r->bank);
            db_col_copy(c, st, 6, r->bank_txn, sizeof r->bank_txn);
            db_col_copy(c, st, 7, r->note, sizeof r->note);
            r->due = (int32_t)db_col_int64(c, st, 8);
        }
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int64_t store_ledger_party_sum(db_conn *c, const char *party, const char *kind)
{
    static const char sql[] =
        "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE party = ? AND kind = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_text(c, st, 2, kind);
    int rc = db_step(c, st);
    int64_t v = rc == DB_ROW ? db_col_int64(c, st, 0) : rc;
    db_reset(c, st);
    return v;
}

int store_payment_get(db_conn *c, const char *bank, const char *bank_txn, payment_row *out)
{
    static const char sql[] = "SELECT request_hash, payer, paid_at, total, status, response,"
                              " created_at, kind FROM payments WHERE bank = ? AND bank_txn = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bank);
    db_bind_text(c, st, 2, bank_txn);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        snprintf(out->bank, sizeof out->bank, "%s", bank);
        snprintf(out->bank_txn, sizeof out->bank_txn, "%s", bank_txn);
        db_col_copy(c, st, 0, out->request_hash, sizeof out->request_hash);
        db_col_copy(c, st, 1, out->payer, sizeof out->payer);
        db_col_copy(c, st, 2, out->paid_at, sizeof out->paid_at);
        out->total = db_col_int64(c, st, 3);
        out->status = (int)db_col_int64(c, st, 4);
        const char *v = db_col_text(c, st, 5);
        out->response = strdup(v ? v : "");
        out->created_at = db_col_int64(c, st, 6);
        db_col_copy(c, st, 7, out->kind, sizeof out->kind);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_payment_put(db_conn *c, const payment_row *r)
{
    static const char sql[] = "INSERT INTO payments (bank, bank_txn, request_hash, payer, paid_at,"
                              " total, status, response, created_at, kind)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->bank);
    db_bind_text(c, st, 2, r->bank_txn);
    db_bind_text(c, st, 3, r->request_hash);
    db_bind_text(c, st, 4, r->payer);
    db_bind_text(c, st, 5, r->paid_at);
    db_bind_int64(c, st, 6, r->total);
    db_bind_int64(c, st, 7, r->status);
    db_bind_text(c, st, 8, r->response);
    db_bind_int64(c, st, 9, r->created_at);
    db_bind_text(c, st, 10, r->kind[0] ? r->kind : "payment");
    int rc = db_step(c, st);
    db_reset(c, st);
    return done(rc);
}

int store_payments_of_bank(db_conn *c, const char *bank, int64_t from, int64_t to,
                           payment_row *out, int max)
{
    static const char sql[] = "SELECT bank_txn, payer, paid_at, total, status, created_at"
                              " FROM payments WHERE bank = ? AND kind = 'payment' AND created_at >= ?"
                              " AND created_at < ?"
                              " ORDER BY created_at, bank_txn";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bank);
    db_bind_int64(c, st, 2, from);
    db_bind_int64(c, st, 3, to);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max) {
            payment_row *r = &out[n];
            memset(r, 0, sizeof *r);
            snprintf(r->bank, sizeof r->bank, "%s", bank);
            db_col_copy(c, st, 0, r->bank_txn, sizeof r->bank_txn);
            db_col_copy(c, st, 1, r->payer, sizeof r->payer);
            db_col_copy(c, st, 2, r->paid_at, sizeof r->paid_at);
            r->total = db_col_int64(c, st, 3);
            r->status = (int)db_col_int64(c, st, 4);
            r->created_at = db_col_int64(c, st, 5);
        }
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int store_ledger_guaranteed_by(db_conn *c, const char *bank, due_row *out, int max)
{
    static const char sql[] = "SELECT decl_id, SUM(amount), MAX(due) FROM ledger_entries"
                              " WHERE bank = ? AND kind = 'guaranteed' GROUP BY decl_id"
                              " HAVING SUM(amount) > 0 ORDER BY MAX(due), decl_id";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bank);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max) {
            db_col_copy(c, st, 0, out[n].decl_id, sizeof out[n].decl_id);
            out[n].guaranteed = db_col_int64(c, st, 1);
            out[n].due = (int32_t)db_col_int64(c, st, 2);
        }
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}
