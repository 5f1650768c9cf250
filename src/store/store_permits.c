/* e-Permit queries (see store_permits.h). */
#include "store/store_permits.h"

#include <stdio.h>
#include <string.h>

int store_agency_bind(db_conn *c, const char *party, const char *agency)
{
    static const char sql[] = "INSERT INTO agency_bindings (party, agency) VALUES (?, ?)"
                              " ON CONFLICT (party, agency) DO NOTHING";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_text(c, st, 2, agency);
    return db_run(c, st);
}

static int exists(db_conn *c, db_stmt *st)
{
    int rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_agency_bound(db_conn *c, const char *party, const char *agency)
{
    static const char sql[] = "SELECT 1 FROM agency_bindings WHERE party = ? AND agency = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_text(c, st, 2, agency);
    return exists(c, st);
}

int store_agency_connected(db_conn *c, const char *agency)
{
    static const char sql[] = "SELECT 1 FROM agency_bindings WHERE agency = ? LIMIT 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, agency);
    return exists(c, st);
}

int store_agencies_connected_send(db_conn *c, const char *const *agency, int n, db_stmt **out)
{
    /* one shape for any count: the slots left over are NULL, which matches no agency */
    static const char sql[] =
        "SELECT v.column1 FROM (VALUES (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)),"
        " (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)),"
        " (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)),"
        " (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)), (CAST(? AS TEXT)),"
        " (CAST(? AS TEXT))) AS v"
        " WHERE EXISTS (SELECT 1 FROM agency_bindings b WHERE b.agency = v.column1)";
    db_stmt *st = db_prepare(c, sql);
    *out = NULL;
    if (!st)
        return DB_ERR;
    for (int i = 0; i < STORE_AGENCY_SLOTS; i++)
        db_bind_text(c, st, i + 1, i < n ? agency[i] : NULL);
    return db_send_into(c, st, out);
}

int store_agencies_connected_read(db_conn *c, db_stmt *st, const char *const *agency, int n,
                                  int *connected)
{
    int rc;
    for (int i = 0; i < n; i++)
        connected[i] = 0;
    while ((rc = db_step(c, st)) == DB_ROW) {
        const char *a = db_col_text(c, st, 0);
        for (int i = 0; a && i < n; i++)
            if (strcmp(agency[i], a) == 0)
                connected[i] = 1;
    }
    db_reset(c, st);
    return rc == DB_DONE ? 0 : rc;
}

int store_permit_insert(db_conn *c, const permit_row *p)
{
    static const char sql[] = "INSERT INTO permits (number, agency, issuer, enterprise, "
                              "procedure_ref, hs_codes, quantity,"
                              " unit, used, valid_from, valid_to, revoked_at, created_at)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, p->number);
    db_bind_text(c, st, 2, p->agency);
    db_bind_text(c, st, 3, p->issuer);
    db_bind_text(c, st, 4, p->enterprise);
    db_bind_text(c, st, 5, p->procedure);
    db_bind_text(c, st, 6, p->hs_codes);
    db_bind_int64(c, st, 7, p->quantity);
    db_bind_text(c, st, 8, p->unit);
    db_bind_int64(c, st, 9, (int64_t)p->valid_from);
    db_bind_int64(c, st, 10, (int64_t)p->valid_to);
    db_bind_int64(c, st, 11, p->created_at);
    return db_run(c, st);
}

static void read_permit(db_conn *c, db_stmt *st, void *row)
{
    permit_row *out = row;
    memset(out, 0, sizeof *out);
    db_col_copy(c, st, 0, out->number, sizeof out->number);
    db_col_copy(c, st, 1, out->agency, sizeof out->agency);
    db_col_copy(c, st, 2, out->issuer, sizeof out->issuer);
    db_col_copy(c, st, 3, out->enterprise, sizeof out->enterprise);
    db_col_copy(c, st, 4, out->procedure, sizeof out->procedure);
    db_col_copy(c, st, 5, out->hs_codes, sizeof out->hs_codes);
    out->quantity = db_col_int64(c, st, 6);
    db_col_copy(c, st, 7, out->unit, sizeof out->unit);
    out->used = db_col_int64(c, st, 8);
    out->valid_from = (date_ymd)db_col_int64(c, st, 9);
    out->valid_to = (date_ymd)db_col_int64(c, st, 10);
    out->revoked_at = db_col_int64(c, st, 11);
    out->created_at = db_col_int64(c, st, 12);
}

int store_permit_get(db_conn *c, const char *number, permit_row *out)
{
    static const char sql[] =
        "SELECT number, agency, issuer, enterprise, procedure_ref, hs_codes, quantity, unit, used,"
        " valid_from, valid_to, revoked_at, created_at FROM permits WHERE number = ?";
    return db_row_by_text(c, sql, number, out, read_permit);
}

int store_permit_revoke(db_conn *c, const char *number, int64_t at)
{
    static const char sql[] =
        "UPDATE permits SET revoked_at = ? WHERE number = ? AND revoked_at = 0";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, at);
    db_bind_text(c, st, 2, number);
    return db_run(c, st);
}

int store_permit_draw(db_conn *c, const char *number, int64_t qty)
{
    /* guarded in SQL so the check and the update are one statement on any backend */
    static const char sql[] = "UPDATE permits SET used = used + ? WHERE number = ?"
                              " AND used + ? <= quantity RETURNING used";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, qty);
    db_bind_text(c, st, 2, number);
    db_bind_int64(c, st, 3, qty);
    int rc = db_step(c, st);
    int drawn = rc == DB_ROW;
    if (rc == DB_ROW)
        rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_DONE ? drawn : rc;
}

int store_permit_usage_add(db_conn *c, const char *permit, const char *decl_id, int line,
                           const char *agency, int64_t qty, int64_t at)
{
    static const char sql[] = "INSERT INTO permit_usages (permit, decl_id, line, agency, quantity,"
                              " at) VALUES (?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, permit);
    db_bind_text(c, st, 2, decl_id);
    db_bind_int64(c, st, 3, line);
    db_bind_text(c, st, 4, agency);
    db_bind_int64(c, st, 5, qty);
    db_bind_int64(c, st, 6, at);
    return db_run(c, st);
}

static void read_usage(db_conn *c, db_stmt *st, void *row)
{
    permit_usage *u = row;
    db_col_copy(c, st, 0, u->permit, sizeof u->permit);
    db_col_copy(c, st, 1, u->agency, sizeof u->agency);
    u->line = (int)db_col_int64(c, st, 2);
    u->quantity = db_col_int64(c, st, 3);
}

int store_permit_usages(db_conn *c, const char *decl_id, permit_usage *out, int max)
{
    static const char sql[] = "SELECT permit, agency, line, quantity FROM permit_usages"
                              " WHERE decl_id = ? ORDER BY line, permit";
    return db_rows_by_text(c, sql, decl_id, out, sizeof *out, max, read_usage);
}

/* ---- e-C/O ----------------------------------------------------------------------------------- */

int store_cert_insert(db_conn *c, const cert_row *r)
{
    static const char sql[] =
        "INSERT INTO certificates_of_origin (number, form, issuing_country, issue_date, exporter,"
        " importer, invoice_number, transport_ref, issuer, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->number);
    db_bind_text(c, st, 2, r->form);
    db_bind_text(c, st, 3, r->issuing_country);
    db_bind_int64(c, st, 4, r->issue_date);
    db_bind_text(c, st, 5, r->exporter);
    db_bind_text(c, st, 6, r->importer);
    db_bind_text(c, st, 7, r->invoice_number);
    db_bind_text(c, st, 8, r->transport_ref);
    db_bind_text(c, st, 9, r->issuer);
    db_bind_int64(c, st, 10, r->created_at);
    return db_run(c, st);
}

int store_cert_item_insert(db_conn *c, const char *number, int idx, const cert_item_row *it)
{
    static const char sql[] =
        "INSERT INTO co_items (co_number, idx, hs6, quantity, used, fob_value, origin_criterion)"
        " VALUES (?, ?, ?, ?, 0, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, number);
    db_bind_int64(c, st, 2, idx);
    db_bind_text(c, st, 3, it->hs6);
    db_bind_int64(c, st, 4, it->quantity);
    db_bind_int64(c, st, 5, it->fob_value);
    db_bind_text(c, st, 6, it->origin_criterion);
    return db_run(c, st);
}

static void read_cert(db_conn *c, db_stmt *st, void *row)
{
    cert_row *out = row;
    memset(out, 0, sizeof *out);
    db_col_copy(c, st, 0, out->number, sizeof out->number);
    db_col_copy(c, st, 1, out->form, sizeof out->form);
    db_col_copy(c, st, 2, out->issuing_country, sizeof out->issuing_country);
    out->issue_date = (date_ymd)db_col_int64(c, st, 3);
    db_col_copy(c, st, 4, out->exporter, sizeof out->exporter);
    db_col_copy(c, st, 5, out->importer, sizeof out->importer);
    db_col_copy(c, st, 6, out->invoice_number, sizeof out->invoice_number);
    db_col_copy(c, st, 7, out->transport_ref, sizeof out->transport_ref);
    db_col_copy(c, st, 8, out->issuer, sizeof out->issuer);
    out->created_at = db_col_int64(c, st, 9);
}

int store_cert_get(db_conn *c, const char *number, cert_row *out)
{
    static const char sql[] =
        "SELECT number, form, issuing_country, issue_date, exporter, importer, invoice_number,"
        " transport_ref, issuer, created_at FROM certificates_of_origin WHERE number = ?";
    return db_row_by_text(c, sql, number, out, read_cert);
}

static void read_cert_item(db_conn *c, db_stmt *st, void *row)
{
    cert_item_row *it = row;
    db_col_copy(c, st, 0, it->hs6, sizeof it->hs6);
    it->quantity = db_col_int64(c, st, 1);
    it->used = db_col_int64(c, st, 2);
    it->fob_value = db_col_int64(c, st, 3);
    db_col_copy(c, st, 4, it->origin_criterion, sizeof it->origin_criterion);
}

int store_cert_items(db_conn *c, const char *number, cert_item_row *out, int max)
{
    static const char sql[] =
        "SELECT hs6, quantity, used, fob_value, origin_criterion FROM co_items"
        " WHERE co_number = ? ORDER BY idx";
    return db_rows_by_text(c, sql, number, out, sizeof *out, max, read_cert_item);
}

int store_cert_draw(db_conn *c, const char *number, const char *hs6, int64_t qty,
                    const char *decl_id, int line)
{
    static const char use[] = "INSERT INTO co_usages (decl_id, line, co_number, idx, quantity)"
                              " VALUES (?, ?, ?, ?, ?)";
    static const char sel[] = "SELECT idx FROM co_items WHERE co_number = ? AND hs6 = ?"
                              " AND used + ? <= quantity ORDER BY idx LIMIT 1";
    static const char upd[] = "UPDATE co_items SET used = used + ? WHERE co_number = ? AND idx = ?";
    db_stmt *st = db_prepare(c, sel);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, number);
    db_bind_text(c, st, 2, hs6);
    db_bind_int64(c, st, 3, qty);
    int64_t idx = -1;
    int rc = db_row(c, st, &idx, db_read_int64);
    if (rc != 1)
        return rc; /* 0: no item has the quantity left */
    st = db_prepare(c, upd);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, qty);
    db_bind_text(c, st, 2, number);
    db_bind_int64(c, st, 3, idx);
    rc = db_run(c, st);
    if (rc == 0 && decl_id) {
        st = db_prepare(c, use);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        db_bind_int64(c, st, 2, line);
        db_bind_text(c, st, 3, number);
        db_bind_int64(c, st, 4, idx);
        db_bind_int64(c, st, 5, qty);
        rc = db_run(c, st);
    }
    return rc == DB_OK ? 1 : rc;
}

/* ---- giving quantities back (amendment, cancellation, invalidation) -------------------------- */

int store_cert_own_usage(db_conn *c, const char *decl_id, const char *number, int idx, int64_t *qty)
{
    static const char sql[] = "SELECT COALESCE(SUM(quantity), 0) FROM co_usages"
                              " WHERE decl_id = ? AND co_number = ? AND idx = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_text(c, st, 2, number);
    db_bind_int64(c, st, 3, idx);
    *qty = 0;
    int rc = db_row(c, st, qty, db_read_int64);
    return rc == 1 ? 0 : rc < 0 ? rc : DB_ERR;
}

int store_release_decl_usages(db_conn *c, const char *decl_id, int64_t *cert_released,
                              int64_t *permit_released)
{
    static const char cert_back[] =
        "UPDATE co_items SET used = used - (SELECT COALESCE(SUM(u.quantity), 0) FROM co_usages u"
        " WHERE u.decl_id = ? AND u.co_number = co_items.co_number AND u.idx = co_items.idx)"
        " WHERE EXISTS (SELECT 1 FROM co_usages u WHERE u.decl_id = ? AND"
        " u.co_number = co_items.co_number AND u.idx = co_items.idx)";
    static const char permit_back[] =
        "UPDATE permits SET used = used - (SELECT COALESCE(SUM(u.quantity), 0) FROM permit_usages u"
        " WHERE u.decl_id = ? AND u.permit = permits.number)"
        " WHERE EXISTS (SELECT 1 FROM permit_usages u WHERE u.decl_id = ? AND u.permit = "
        "permits.number)";
    static const char cert_sum[] =
        "SELECT COALESCE(SUM(quantity), 0) FROM co_usages WHERE decl_id = ?";
    static const char permit_sum[] =
        "SELECT COALESCE(SUM(quantity), 0) FROM permit_usages WHERE decl_id = ?";
    static const char cert_del[] = "DELETE FROM co_usages WHERE decl_id = ?";
    static const char permit_del[] = "DELETE FROM permit_usages WHERE decl_id = ?";
    const char *sums[2] = {cert_sum, permit_sum};
    int64_t *outs[2] = {cert_released, permit_released};
    for (int k = 0; k < 2; k++) {
        db_stmt *st = db_prepare(c, sums[k]);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        *outs[k] = 0;
        int rc = db_row(c, st, outs[k], db_read_int64);
        if (rc != 1)
            return rc < 0 ? rc : DB_ERR;
    }
    const char *backs[2] = {cert_back, permit_back}, *dels[2] = {cert_del, permit_del};
    for (int k = 0; k < 2; k++) {
        db_stmt *st = db_prepare(c, backs[k]);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        db_bind_text(c, st, 2, decl_id);
        int rc = db_run(c, st);
        if (rc)
            return rc;
        st = db_prepare(c, dels[k]);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        if ((rc = db_run(c, st)))
            return rc;
    }
    return 0;
}
