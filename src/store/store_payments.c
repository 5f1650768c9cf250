#include "store/store_payments.h"

#include "store/store_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tables: src/store/schema.sql */

static int done(int rc) { return rc == DB_DONE ? DB_OK : rc; }

int store_bank_key_put(db_conn *c, const char *party, const char *pem, int64_t at)
{
    static const char del[] = "DELETE FROM bank_keys WHERE party = ?";
    static const char ins[] =
        "INSERT INTO bank_keys (party, public_key, created_at) VALUES (?, ?, ?)";
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

/* assessed + interest - paid - paid_by_credit + credit: the tax not paid (core/ledger.h) */
#define UNPAID_SUM                                                                                 \
    "SUM(CASE WHEN l.kind IN ('assessed', 'interest', 'credit') THEN l.amount"                     \
    " WHEN l.kind IN ('paid', 'paid_by_credit') THEN -l.amount ELSE 0 END)"

/* A declaration's ledger balance, kept in ledger_unpaid (schema migration 7): the row is there
 * while the balance is above zero. Recomputed from the declaration's own entries (a handful,
 * by primary key) after each entry, in the entry's transaction: two writes that need no answer
 * (db_run_nowait), so on a database server they travel with the next statement that waits
 * instead of a read-then-write pair costing a round trip of its own. */
#define UNPAID_OF                                                                                  \
    "(SELECT " UNPAID_SUM " AS s, MIN(CASE WHEN l.kind = 'assessed' THEN l.party END) AS p,"       \
    " MIN(l.party) AS f, MIN(CASE WHEN l.kind = 'assessed' THEN l.at END) AS a"                    \
    " FROM ledger_entries l WHERE l.decl_id = ?1) x WHERE x.s > 0 AND x.a IS NOT NULL"
static int unpaid_sync(db_conn *c, const char *decl_id)
{
    static const char del[] = "DELETE FROM ledger_unpaid WHERE decl_id = ?1 AND NOT EXISTS"
                              " (SELECT 1 FROM " UNPAID_OF ")";
    static const char put[] =
        "INSERT INTO ledger_unpaid (decl_id, party, first_party, assessed_at)"
        " SELECT CAST(?1 AS TEXT), x.p, x.f, x.a FROM " UNPAID_OF
        " ON CONFLICT (decl_id) DO UPDATE SET party = excluded.party,"
        " first_party = excluded.first_party, assessed_at = excluded.assessed_at";
    db_stmt *st = db_prepare(c, del);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_run_nowait(c, st);
    if (rc != 0)
        return rc;
    if (!(st = db_prepare(c, put)))
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    return db_run_nowait(c, st);
}

int store_ledger_append(db_conn *c, const char *decl_id, const ledger_row *r)
{
    return store_ledger_append_seq(c, decl_id, r, 0);
}

int store_ledger_append_seq(db_conn *c, const char *decl_id, const ledger_row *r, int seq)
{
    static const char next[] =
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM ledger_entries WHERE decl_id = ?";
    static const char ins[] = "INSERT INTO ledger_entries (decl_id, seq, at, kind, amount, party,"
                              " bank, bank_txn, note, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st;
    int rc;
    if (seq <= 0) {
        if (!(st = db_prepare(c, next)))
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        rc = db_step(c, st);
        seq = rc == DB_ROW ? (int)db_col_int64(c, st, 0) : 0;
        db_reset(c, st);
        if (rc != DB_ROW)
            return rc < 0 ? rc : DB_ERR;
    }
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
    if ((rc = db_run_nowait(c, st)) != 0)
        return rc;
    audit_state_ledger(c, decl_id, seq, r); /* a state the job keeps of it (store_audit.h) */
    rc = unpaid_sync(c, decl_id);
    return rc == 0 ? (int)seq : rc;
}

int store_ledger_insert(db_conn *c, const char *decl_id, const ledger_row *r)
{
    static const char ins[] = "INSERT INTO ledger_entries (decl_id, seq, at, kind, amount, party,"
                              " bank, bank_txn, note, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, ins);
    if (!st)
        return DB_ERR;
    audit_state_forget(c, decl_id);
    db_bind_text_static(c, st, 1, decl_id);
    db_bind_int64(c, st, 2, r->seq);
    db_bind_int64(c, st, 3, r->at);
    db_bind_text_static(c, st, 4, r->kind);
    db_bind_int64(c, st, 5, r->amount);
    db_bind_text_static(c, st, 6, r->party);
    db_bind_text_static(c, st, 7, r->bank);
    db_bind_text_static(c, st, 8, r->bank_txn);
    db_bind_text_static(c, st, 9, r->note);
    db_bind_int64(c, st, 10, r->due);
    return db_run_nowait(c, st);
}

int store_ledger_unpaid_put(db_conn *c, const char *decl_id, const char *party,
                            const char *first_party, int64_t assessed_at)
{
    static const char put[] = "INSERT INTO ledger_unpaid (decl_id, party, first_party, assessed_at)"
                              " VALUES (?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, put);
    if (!st)
        return DB_ERR;
    db_bind_text_static(c, st, 1, decl_id);
    db_bind_text_static(c, st, 2, party);
    db_bind_text_static(c, st, 3, first_party);
    db_bind_int64(c, st, 4, assessed_at);
    return db_run_nowait(c, st);
}

/* two copies of the text: the one store_ledger_list_send starts ahead is its own cached
 * statement, which a store_ledger_list in between does not reset */
#define LEDGER_LIST_SQL                                                                            \
    "SELECT seq, at, kind, amount, party, bank, bank_txn, note, due FROM ledger_entries"           \
    " WHERE decl_id = ? ORDER BY seq"
static const char ledger_list_sql[2][sizeof LEDGER_LIST_SQL] = {LEDGER_LIST_SQL, LEDGER_LIST_SQL};

int store_ledger_list(db_conn *c, const char *decl_id, ledger_row *out, int max)
{
    db_stmt *st = db_prepare(c, ledger_list_sql[0]);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    return store_ledger_list_read(c, st, out, max);
}

int store_ledger_list_send(db_conn *c, const char *decl_id, db_stmt **out)
{
    db_stmt *st = db_prepare(c, ledger_list_sql[1]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    return db_send_into(c, st, out);
}

int store_ledger_list_read(db_conn *c, db_stmt *st, ledger_row *out, int max)
{
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
    int64_t v = 0;
    int rc = db_row(c, st, &v, db_read_int64);
    return rc == 1 ? v : rc < 0 ? rc : DB_ERR;
}

/* from ledger_unpaid (schema migration 7), which holds only what is owed: the registration
 * check reads what the enterprise owes, not every declaration it was ever assessed for. A second
 * copy of the one-enterprise text for store_ledger_unpaid_send (its own cached statement). */
#define UNPAID_ONE_SQL                                                                             \
    "SELECT decl_id, first_party FROM ledger_unpaid WHERE party = ? AND assessed_at < ?"           \
    " ORDER BY decl_id"
static const char unpaid_one_sql[2][sizeof UNPAID_ONE_SQL] = {UNPAID_ONE_SQL, UNPAID_ONE_SQL};

int store_ledger_unpaid(db_conn *c, const char *party, int64_t before, unpaid_row *out, int max)
{
    static const char all[] = "SELECT decl_id, first_party FROM ledger_unpaid"
                              " WHERE assessed_at < ? ORDER BY first_party, decl_id";
    db_stmt *st = db_prepare(c, party ? unpaid_one_sql[0] : all);
    if (!st)
        return DB_ERR;
    if (party) {
        db_bind_text(c, st, 1, party);
        db_bind_int64(c, st, 2, before);
    } else {
        db_bind_int64(c, st, 1, before);
    }
    return store_ledger_unpaid_read(c, st, out, max);
}

int store_ledger_unpaid_send(db_conn *c, const char *party, int64_t before, db_stmt **out)
{
    db_stmt *st = db_prepare(c, unpaid_one_sql[1]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_int64(c, st, 2, before);
    return db_send_into(c, st, out);
}

int store_ledger_unpaid_read(db_conn *c, db_stmt *st, unpaid_row *out, int max)
{
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max) {
            db_col_copy(c, st, 0, out[n].decl_id, sizeof out[n].decl_id);
            db_col_copy(c, st, 1, out[n].party, sizeof out[n].party);
        }
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

/* Steps a bound statement whose first column is a declaration id: the count (fills up to max). */
static int read_decl_ids(db_conn *c, db_stmt *st, char (*decl_ids)[33], int max)
{
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max)
            db_col_copy(c, st, 0, decl_ids[n], sizeof decl_ids[n]);
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int store_ledger_decls_of(db_conn *c, const char *party, int64_t before, char (*decl_ids)[33],
                          int max)
{
    static const char sql[] = "SELECT decl_id FROM ledger_entries WHERE party = ?"
                              " GROUP BY decl_id HAVING MIN(at) < ? ORDER BY MIN(at), decl_id";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_int64(c, st, 2, before);
    return read_decl_ids(c, st, decl_ids, max);
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
    db_bind_text_static(c, st, 1, r->bank);
    db_bind_text_static(c, st, 2, r->bank_txn);
    db_bind_text_static(c, st, 3, r->request_hash);
    db_bind_text_static(c, st, 4, r->payer);
    db_bind_text_static(c, st, 5, r->paid_at);
    db_bind_int64(c, st, 6, r->total);
    db_bind_int64(c, st, 7, r->status);
    db_bind_text_static(c, st, 8, r->response);
    db_bind_int64(c, st, 9, r->created_at);
    db_bind_text_static(c, st, 10, r->kind[0] ? r->kind : "payment");
    int rc = db_step(c, st);
    db_reset(c, st);
    return done(rc);
}

int store_payments_of_bank(db_conn *c, const char *bank, int64_t from, int64_t to, payment_row *out,
                           int max)
{
    static const char sql[] =
        "SELECT bank_txn, payer, paid_at, total, status, created_at"
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

/* ---- guarantees ------------------------------------------------------------------------------ */

int store_guarantee_put(db_conn *c, const guarantee_row *g, const char (*decl_ids)[33], int n)
{
    static const char ins[] =
        "INSERT INTO guarantees (bank, guarantee_id, type, enterprise, amount,"
        " valid_until, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
    static const char decl[] =
        "INSERT INTO guarantee_declarations (bank, guarantee_id, seq, decl_id)"
        " VALUES (?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, ins);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, g->bank);
    db_bind_text(c, st, 2, g->id);
    db_bind_text(c, st, 3, g->type);
    db_bind_text(c, st, 4, g->enterprise);
    db_bind_int64(c, st, 5, g->amount);
    db_bind_int64(c, st, 6, g->valid_until);
    db_bind_int64(c, st, 7, g->created_at);
    int rc = db_run(c, st);
    for (int i = 0; i < n && rc == 0; i++) {
        if (!(st = db_prepare(c, decl)))
            return DB_ERR;
        db_bind_text(c, st, 1, g->bank);
        db_bind_text(c, st, 2, g->id);
        db_bind_int64(c, st, 3, i + 1);
        db_bind_text(c, st, 4, decl_ids[i]);
        rc = db_run(c, st);
    }
    return rc;
}

int store_guarantee_get(db_conn *c, const char *bank, const char *id, guarantee_row *out)
{
    static const char sql[] =
        "SELECT type, enterprise, amount, valid_until, created_at FROM guarantees"
        " WHERE bank = ? AND guarantee_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bank);
    db_bind_text(c, st, 2, id);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        snprintf(out->bank, sizeof out->bank, "%s", bank);
        snprintf(out->id, sizeof out->id, "%s", id);
        db_col_copy(c, st, 0, out->type, sizeof out->type);
        db_col_copy(c, st, 1, out->enterprise, sizeof out->enterprise);
        out->amount = db_col_int64(c, st, 2);
        out->valid_until = (int32_t)db_col_int64(c, st, 3);
        out->created_at = db_col_int64(c, st, 4);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_guarantee_decls(db_conn *c, const char *bank, const char *id, char (*decl_ids)[33],
                          int max)
{
    static const char sql[] = "SELECT decl_id FROM guarantee_declarations"
                              " WHERE bank = ? AND guarantee_id = ? ORDER BY seq";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bank);
    db_bind_text(c, st, 2, id);
    return read_decl_ids(c, st, decl_ids, max);
}

int64_t store_guarantee_used(db_conn *c, const char *bank, const char *id)
{
    static const char sql[] = "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries"
                              " WHERE bank = ? AND kind = 'guaranteed' AND bank_txn = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bank);
    db_bind_text(c, st, 2, id);
    int64_t v = 0;
    int rc = db_row(c, st, &v, db_read_int64);
    return rc == 1 ? v : rc < 0 ? rc : DB_ERR;
}

/* ---- enterprise credit ----------------------------------------------------------------------- */

int store_credit_sources(db_conn *c, const char *party, int only_available, credit_row *out,
                         int max)
{
#define CREDIT_SELECT                                                                              \
    "SELECT decl_id, SUM(CASE WHEN kind = 'credit' THEN amount ELSE 0 END),"                       \
    " SUM(CASE WHEN kind = 'credit_used' THEN amount ELSE 0 END),"                                 \
    " SUM(CASE WHEN kind = 'refunded' THEN amount ELSE 0 END), MIN(at) FROM ledger_entries"        \
    " WHERE party = ? AND kind IN ('credit', 'credit_used', 'refunded') GROUP BY decl_id"
    static const char all[] = CREDIT_SELECT " ORDER BY MIN(at), decl_id";
    static const char avail[] =
        CREDIT_SELECT " HAVING SUM(CASE WHEN kind = 'credit' THEN amount ELSE -amount END) > 0"
                      " ORDER BY MIN(at), decl_id";
#undef CREDIT_SELECT
    db_stmt *st = db_prepare(c, only_available ? avail : all);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max) {
            credit_row *r = &out[n];
            db_col_copy(c, st, 0, r->decl_id, sizeof r->decl_id);
            r->credited = db_col_int64(c, st, 1);
            r->used = db_col_int64(c, st, 2);
            r->refunded = db_col_int64(c, st, 3);
            r->first_at = db_col_int64(c, st, 4);
        }
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

#define REFUND_COLS                                                                                \
    "id, party, amount, status, reason, requested_by, requested_at, decided_by, decided_at, note," \
    " declaration"

static void refund_read(db_conn *c, db_stmt *st, void *row)
{
    refund_row *r = row;
    memset(r, 0, sizeof *r);
    r->id = db_col_int64(c, st, 0);
    db_col_copy(c, st, 1, r->party, sizeof r->party);
    r->amount = db_col_int64(c, st, 2);
    db_col_copy(c, st, 3, r->status, sizeof r->status);
    db_col_copy(c, st, 4, r->reason, sizeof r->reason);
    db_col_copy(c, st, 5, r->requested_by, sizeof r->requested_by);
    r->requested_at = db_col_int64(c, st, 6);
    db_col_copy(c, st, 7, r->decided_by, sizeof r->decided_by);
    r->decided_at = db_col_int64(c, st, 8);
    db_col_copy(c, st, 9, r->note, sizeof r->note);
    db_col_copy(c, st, 10, r->declaration, sizeof r->declaration);
}

int store_refund_put(db_conn *c, const refund_row *r)
{
    static const char ins[] =
        "INSERT INTO credit_refunds (id, party, amount, status, reason,"
        " requested_by, requested_at, decided_by, decided_at, note, declaration)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    static const char upd[] =
        "UPDATE credit_refunds SET status = ?, decided_by = ?, decided_at = ?,"
        " note = ? WHERE id = ?";
    int exists = 0;
    refund_row cur;
    int rc = store_refund_get(c, r->id, &cur);
    if (rc < 0)
        return rc;
    exists = rc == 1;
    db_stmt *st = db_prepare(c, exists ? upd : ins);
    if (!st)
        return DB_ERR;
    if (exists) {
        db_bind_text(c, st, 1, r->status);
        db_bind_text(c, st, 2, r->decided_by);
        db_bind_int64(c, st, 3, r->decided_at);
        db_bind_text(c, st, 4, r->note);
        db_bind_int64(c, st, 5, r->id);
    } else {
        db_bind_int64(c, st, 1, r->id);
        db_bind_text(c, st, 2, r->party);
        db_bind_int64(c, st, 3, r->amount);
        db_bind_text(c, st, 4, r->status);
        db_bind_text(c, st, 5, r->reason);
        db_bind_text(c, st, 6, r->requested_by);
        db_bind_int64(c, st, 7, r->requested_at);
        db_bind_text(c, st, 8, r->decided_by);
        db_bind_int64(c, st, 9, r->decided_at);
        db_bind_text(c, st, 10, r->note);
        db_bind_text(c, st, 11, r->declaration);
    }
    return db_run(c, st);
}

int store_refund_get(db_conn *c, int64_t id, refund_row *out)
{
    static const char sql[] = "SELECT " REFUND_COLS " FROM credit_refunds WHERE id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, id);
    return db_row(c, st, out, refund_read);
}

int store_refunds_of(db_conn *c, const char *party, refund_row *out, int max)
{
    static const char sql[] =
        "SELECT " REFUND_COLS " FROM credit_refunds WHERE party = ? ORDER BY id";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        if (n < max)
            refund_read(c, st, &out[n]);
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}
