/* Specialised inspection queries (see store_inspection.h). */
#include "store/store_inspection.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pack.h"
#include "store/store.h"
#include "store/store_dashboard.h"

int store_insp_owed_clear(db_conn *c, const char *decl_id)
{
    static const char owed[] = "DELETE FROM inspection_owed WHERE decl_id = ?";
    static const char oblig[] = "DELETE FROM inspection_obligations WHERE decl_id = ?";
    const char *const sql[] = {owed, oblig};
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        db_stmt *st = db_prepare(c, sql[i]);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        rc = db_run_nowait(c, st);
    }
    return rc;
}

/* The encoded list: one line per row, fields separated by tabs (none of them holds a tab or a
 * newline: codes and references of the shipped procedures data). */
static char *owed_encode(const insp_owed_row *rows, int n)
{
    size_t cap = (size_t)n * (sizeof rows->legal_ref + 64) + 1, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%d\t%s\t%s\t%s\t%s\t%s\n", rows[i].line,
                                rows[i].legal_ref, rows[i].agency, rows[i].stage, rows[i].hs_code,
                                rows[i].status);
    return s;
}

static int owed_decode(const char *decl_id, const char *text, int64_t at, insp_owed_row *out,
                       int max)
{
    int n = 0;
    for (const char *p = text; p && *p && n < max;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        char line[256];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
        char *f[6], *save = NULL;
        int k = 0;
        for (char *t = strtok_r(line, "\t", &save); t && k < 6; t = strtok_r(NULL, "\t", &save))
            f[k++] = t;
        if (k == 6) {
            insp_owed_row *r = &out[n++];
            memset(r, 0, sizeof *r);
            snprintf(r->decl_id, sizeof r->decl_id, "%s", decl_id);
            r->line = atoi(f[0]);
            snprintf(r->legal_ref, sizeof r->legal_ref, "%s", f[1]);
            snprintf(r->agency, sizeof r->agency, "%s", f[2]);
            snprintf(r->stage, sizeof r->stage, "%s", f[3]);
            snprintf(r->hs_code, sizeof r->hs_code, "%s", f[4]);
            snprintf(r->status, sizeof r->status, "%s", f[5]);
            r->at = at;
        }
        p = eol ? eol + 1 : NULL;
    }
    return n;
}

int store_insp_owed_write(db_conn *c, const char *decl_id, const insp_owed_row *rows, int n,
                          int64_t at)
{
    static const char sql[] =
        "INSERT INTO inspection_owed (decl_id, owed, at) VALUES (?, ?, ?)"
        " ON CONFLICT (decl_id) DO UPDATE SET owed = excluded.owed, at = excluded.at";
    static const char oblig[] =
        "INSERT INTO inspection_obligations (decl_id, line, legal_ref, agency, hs_code, status, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decl_id, line, legal_ref) DO UPDATE SET"
        " status = excluded.status";
    char *text = owed_encode(rows, n);
    if (!text)
        return DB_ERR;
    db_stmt *st = db_prepare(c, sql);
    if (!st) {
        free(text);
        return DB_ERR;
    }
    db_bind_text(c, st, 1, decl_id);
    db_bind_text(c, st, 2, text);
    db_bind_int64(c, st, 3, at);
    int rc = db_run_nowait(c, st);
    free(text);
    for (int i = 0; i < n && rc == 0; i++) {
        if (strcmp(rows[i].stage, "after_clearance") != 0)
            continue;
        if (!(st = db_prepare(c, oblig)))
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        db_bind_int64(c, st, 2, rows[i].line);
        db_bind_text(c, st, 3, rows[i].legal_ref);
        db_bind_text(c, st, 4, rows[i].agency);
        db_bind_text(c, st, 5, rows[i].hs_code);
        db_bind_text(c, st, 6, rows[i].status);
        db_bind_int64(c, st, 7, rows[i].at ? rows[i].at : at);
        rc = db_run_nowait(c, st);
    }
    return rc;
}

int store_insp_owed_of(db_conn *c, const char *decl_id, insp_owed_row *out, int max)
{
    static const char sql[] = "SELECT owed, at FROM inspection_owed WHERE decl_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st), n = 0;
    if (rc == DB_ROW)
        n = owed_decode(decl_id, db_col_text(c, st, 0), db_col_int64(c, st, 1), out, max);
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? n : rc;
}

int store_insp_owed_set(db_conn *c, const char *decl_id, int line, const char *legal_ref,
                        const char *status)
{
    insp_owed_row *rows = calloc(256, sizeof *rows);
    if (!rows)
        return DB_ERR;
    int n = store_insp_owed_of(c, decl_id, rows, 256), rc = n < 0 ? n : 0;
    int64_t at = n > 0 ? rows[0].at : 0;
    for (int i = 0; i < n; i++)
        if (rows[i].line == line && strcmp(rows[i].legal_ref, legal_ref) == 0)
            snprintf(rows[i].status, sizeof rows[i].status, "%s", status);
    if (n > 0)
        rc = store_insp_owed_write(c, decl_id, rows, n, at);
    free(rows);
    return rc;
}

int store_insp_owed_by_agency(db_conn *c, const char *agency, const char *stage, insp_owed_row *out,
                              int max)
{
    static const char sql[] =
        "SELECT o.decl_id, o.line, o.legal_ref, o.agency, o.hs_code, o.status, o.at, d.number,"
        " d.cleared_at FROM inspection_obligations o JOIN declarations d ON d.id = o.decl_id"
        " WHERE o.agency = ? ORDER BY o.at DESC, o.decl_id, o.line";
    if (strcmp(stage, "after_clearance") != 0)
        return 0; /* only the after-clearance procedures are listed per agency */
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, agency);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW && n < max) {
        insp_owed_row *r = &out[n++];
        memset(r, 0, sizeof *r);
        db_col_copy(c, st, 0, r->decl_id, sizeof r->decl_id);
        r->line = (int)db_col_int64(c, st, 1);
        db_col_copy(c, st, 2, r->legal_ref, sizeof r->legal_ref);
        db_col_copy(c, st, 3, r->agency, sizeof r->agency);
        db_col_copy(c, st, 4, r->hs_code, sizeof r->hs_code);
        db_col_copy(c, st, 5, r->status, sizeof r->status);
        r->at = db_col_int64(c, st, 6);
        snprintf(r->stage, sizeof r->stage, "after_clearance");
        db_col_copy(c, st, 7, r->number, sizeof r->number);
        r->cleared_at = db_col_int64(c, st, 8);
    }
    db_reset(c, st);
    return rc == DB_DONE || rc == DB_ROW ? n : rc;
}

int store_insp_result_put(db_conn *c, insp_result_row *r)
{
    static const char sql[] =
        "INSERT INTO inspection_results (id, decl_id, line, legal_ref, agency, enterprise, hs_code,"
        " result, certificate, issued, recorded_by, role, referenced, note, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    int64_t id = store_sequence_next(c, "inspection_result");
    if (id < 0)
        return (int)id;
    r->id = id;
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, r->id);
    db_bind_text(c, st, 2, r->decl_id);
    db_bind_int64(c, st, 3, r->line);
    db_bind_text(c, st, 4, r->legal_ref);
    db_bind_text(c, st, 5, r->agency);
    db_bind_text(c, st, 6, r->enterprise);
    db_bind_text(c, st, 7, r->hs_code);
    db_bind_text(c, st, 8, r->result);
    db_bind_text(c, st, 9, r->certificate);
    db_bind_int64(c, st, 10, r->issued);
    db_bind_text(c, st, 11, r->recorded_by);
    db_bind_text(c, st, 12, r->role);
    db_bind_int64(c, st, 13, r->referenced);
    db_bind_text(c, st, 14, r->note);
    db_bind_int64(c, st, 15, r->at);
    return db_run(c, st);
}

#define RESULT_COLS                                                                                \
    "id, decl_id, line, legal_ref, agency, enterprise, hs_code, result, certificate,"              \
    " issued, recorded_by, role, referenced, note, at"

static void result_read(db_conn *c, db_stmt *st, void *row)
{
    insp_result_row *r = row;
    memset(r, 0, sizeof *r);
    r->id = db_col_int64(c, st, 0);
    db_col_copy(c, st, 1, r->decl_id, sizeof r->decl_id);
    r->line = (int)db_col_int64(c, st, 2);
    db_col_copy(c, st, 3, r->legal_ref, sizeof r->legal_ref);
    db_col_copy(c, st, 4, r->agency, sizeof r->agency);
    db_col_copy(c, st, 5, r->enterprise, sizeof r->enterprise);
    db_col_copy(c, st, 6, r->hs_code, sizeof r->hs_code);
    db_col_copy(c, st, 7, r->result, sizeof r->result);
    db_col_copy(c, st, 8, r->certificate, sizeof r->certificate);
    r->issued = (int)db_col_int64(c, st, 9);
    db_col_copy(c, st, 10, r->recorded_by, sizeof r->recorded_by);
    db_col_copy(c, st, 11, r->role, sizeof r->role);
    r->referenced = (int)db_col_int64(c, st, 12);
    db_col_copy(c, st, 13, r->note, sizeof r->note);
    r->at = db_col_int64(c, st, 14);
}

int store_insp_results_of(db_conn *c, const char *decl_id, insp_result_row *out, int max)
{
    static const char sql[] = "SELECT " RESULT_COLS " FROM inspection_results WHERE decl_id = ?"
                              " ORDER BY line, id";
    return db_rows_by_text(c, sql, decl_id, out, sizeof *out, max, result_read);
}

int store_insp_results_by_cert(db_conn *c, const char *certificate, insp_result_row *out, int max)
{
    static const char sql[] = "SELECT " RESULT_COLS " FROM inspection_results WHERE certificate = ?"
                              " ORDER BY id";
    return db_rows_by_text(c, sql, certificate, out, sizeof *out, max, result_read);
}

int store_storage_release_put(db_conn *c, const char *decl_id, const char *address, const char *by,
                              int64_t at)
{
    static const char sql[] = "INSERT INTO storage_releases (decl_id, address, decided_by, at)"
                              " VALUES (?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    db_bind_text(c, st, 2, address);
    db_bind_text(c, st, 3, by);
    db_bind_int64(c, st, 4, at);
    return db_run(c, st);
}

int store_storage_release_get(db_conn *c, const char *decl_id, char *address, size_t size,
                              int64_t *at)
{
    static const char sql[] = "SELECT address, at FROM storage_releases WHERE decl_id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        if (address)
            db_col_copy(c, st, 0, address, size);
        if (at)
            *at = db_col_int64(c, st, 1);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_agencies_of(db_conn *c, const char *party_code, char (*out)[12], int max)
{
    static const char sql[] = "SELECT agency FROM agency_bindings WHERE party = ? ORDER BY agency";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party_code);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max)
            db_col_copy(c, st, 0, out[n++], 12);
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

/* ---- amendments ------------------------------------------------------------------------------ */

void amend_row_release(amend_row *r)
{
    free(r->doc);
    free(r->taxes);
    free(r->risk);
    r->doc = r->taxes = r->risk = NULL;
}

int store_amend_put(db_conn *c, amend_row *r)
{
    static const char count[] = "SELECT COUNT(*) FROM amendment_requests WHERE decl_id = ?";
    static const char sql[] = "INSERT INTO amendment_requests (decl_id, seq, amendment, status, "
                              "doc, taxes, customs_value,"
                              " total_tax, risk, after_clearance, requested_by, requested_at, "
                              "decided_by, decided_at, note)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, count);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->decl_id);
    int rc = db_step(c, st);
    r->seq = rc == DB_ROW ? (int)db_col_int64(c, st, 0) + 1 : 0;
    db_reset(c, st);
    if (rc != DB_ROW)
        return rc < 0 ? rc : DB_ERR;
    if (!(st = db_prepare(c, sql)))
        return DB_ERR;
    db_bind_text(c, st, 1, r->decl_id);
    db_bind_int64(c, st, 2, r->seq);
    db_bind_int64(c, st, 3, r->amendment);
    db_bind_text(c, st, 4, r->status);
    db_bind_text(c, st, 5, r->doc);
    db_bind_text(c, st, 6, r->taxes);
    db_bind_int64(c, st, 7, r->customs_value);
    db_bind_int64(c, st, 8, r->total_tax);
    db_bind_text(c, st, 9, r->risk ? r->risk : "{}");
    db_bind_int64(c, st, 10, r->after_clearance);
    db_bind_text(c, st, 11, r->requested_by);
    db_bind_int64(c, st, 12, r->requested_at);
    db_bind_text(c, st, 13, r->decided_by);
    db_bind_int64(c, st, 14, r->decided_at);
    db_bind_text(c, st, 15, r->note);
    rc = db_run(c, st);
    /* the dashboard counts the amendments asked for after clearance (its event may come first) */
    return rc || !r->after_clearance ? rc : store_dash_fact_sync(c, r->decl_id);
}

int store_amend_decide(db_conn *c, const char *decl_id, int seq, const char *status, const char *by,
                       int64_t at, const char *note)
{
    static const char sql[] =
        "UPDATE amendment_requests SET status = ?, decided_by = ?, decided_at = ?,"
        " note = ? WHERE decl_id = ? AND seq = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, status);
    db_bind_text(c, st, 2, by);
    db_bind_int64(c, st, 3, at);
    db_bind_text(c, st, 4, note);
    db_bind_text(c, st, 5, decl_id);
    db_bind_int64(c, st, 6, seq);
    return db_run(c, st);
}

#define AMEND_COLS                                                                                 \
    "a.decl_id, a.seq, a.amendment, a.status, a.doc, a.taxes, a.customs_value,"                    \
    " a.total_tax, a.risk, a.after_clearance, a.requested_by, a.requested_at,"                     \
    " a.decided_by, a.decided_at, a.note"

static void amend_read(db_conn *c, db_stmt *st, void *row)
{
    amend_row *r = row;
    memset(r, 0, sizeof *r);
    db_col_copy(c, st, 0, r->decl_id, sizeof r->decl_id);
    r->seq = (int)db_col_int64(c, st, 1);
    r->amendment = (int)db_col_int64(c, st, 2);
    db_col_copy(c, st, 3, r->status, sizeof r->status);
    r->doc = db_col_dup(c, st, 4);
    r->taxes = db_col_dup(c, st, 5);
    r->customs_value = db_col_int64(c, st, 6);
    r->total_tax = db_col_int64(c, st, 7);
    r->risk = db_col_dup(c, st, 8);
    r->after_clearance = (int)db_col_int64(c, st, 9);
    db_col_copy(c, st, 10, r->requested_by, sizeof r->requested_by);
    r->requested_at = db_col_int64(c, st, 11);
    db_col_copy(c, st, 12, r->decided_by, sizeof r->decided_by);
    r->decided_at = db_col_int64(c, st, 13);
    db_col_copy(c, st, 14, r->note, sizeof r->note);
}

int store_amends_of(db_conn *c, const char *decl_id, amend_row *out, int max)
{
    static const char sql[] = "SELECT " AMEND_COLS " FROM amendment_requests a WHERE a.decl_id = ?"
                              " ORDER BY a.seq";
    return db_rows_by_text(c, sql, decl_id, out, sizeof *out, max, amend_read);
}

int store_amend_pending(db_conn *c, const char *decl_id, amend_row *out)
{
    static const char sql[] = "SELECT " AMEND_COLS " FROM amendment_requests a WHERE a.decl_id = ?"
                              " AND a.status = 'amendment_review' ORDER BY a.seq";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int rc = db_step(c, st);
    if (rc == DB_ROW && out)
        amend_read(c, st, out);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_amends_by_status(db_conn *c, const char *status, amend_row *out, int max)
{
    static const char sql[] = "SELECT " AMEND_COLS ", d.number FROM amendment_requests a"
                              " JOIN declarations d ON d.id = a.decl_id WHERE a.status = ?"
                              " ORDER BY a.requested_at, a.decl_id";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, status);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW && n < max) {
        amend_read(c, st, &out[n]);
        db_col_copy(c, st, 15, out[n].number, sizeof out[n].number);
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE || rc == DB_ROW ? n : rc;
}

int store_versions_of(db_conn *c, const char *decl_id, version_row *out, int max)
{
    static const char sql[] = "SELECT amendment, doc, taxes, replaced_at FROM declaration_versions"
                              " WHERE decl_id = ? ORDER BY amendment";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max) {
            out[n].amendment = (int)db_col_int64(c, st, 0);
            /* stored packed (store/pack.h) */
            out[n].doc = store_col_unpack(c, st, 1);
            out[n].taxes = store_col_unpack(c, st, 2);
            out[n].replaced_at = db_col_int64(c, st, 3);
            n++;
        }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}
