#include "store/store_reference.h"

#include <stdio.h>
#include <string.h>

#include "core/decl.h"

static void office_from(db_conn *c, db_stmt *st, office_row *o)
{
    db_col_copy(c, st, 0, o->code, sizeof o->code);
    db_col_copy(c, st, 1, o->name, sizeof o->name);
    db_col_copy(c, st, 2, o->province, sizeof o->province);
    db_col_copy(c, st, 3, o->kind, sizeof o->kind);
    o->active = (int)db_col_int64(c, st, 4);
    db_col_copy(c, st, 5, o->source, sizeof o->source);
    o->updated_at = db_col_int64(c, st, 6);
}

int store_office_put(db_conn *c, const office_row *o)
{
    static const char sql[] =
        "INSERT INTO customs_offices (code, name, province, kind, active, source, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
        " province = excluded.province, kind = excluded.kind, active = excluded.active,"
        " source = excluded.source, updated_at = excluded.updated_at";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, o->code);
    db_bind_text(c, st, 2, o->name);
    db_bind_text(c, st, 3, o->province);
    db_bind_text(c, st, 4, o->kind);
    db_bind_int64(c, st, 5, o->active);
    db_bind_text(c, st, 6, o->source);
    db_bind_int64(c, st, 7, o->updated_at);
    return db_run(c, st);
}

int store_office_get(db_conn *c, const char *code, office_row *out)
{
    static const char sql[] = "SELECT code, name, province, kind, active, source, updated_at"
                              " FROM customs_offices WHERE code = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, code);
    int rc = db_step(c, st), found = 0;
    if (rc == DB_ROW) {
        office_from(c, st, out);
        found = 1;
    }
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? found : rc;
}

int store_office_each(db_conn *c, store_office_fn fn, void *ctx)
{
    static const char sql[] = "SELECT code, name, province, kind, active, source, updated_at"
                              " FROM customs_offices ORDER BY code";
    db_stmt *st = db_prepare(c, sql);
    int n = 0, rc;
    if (!st)
        return DB_ERR;
    while ((rc = db_step(c, st)) == DB_ROW) {
        office_row o;
        office_from(c, st, &o);
        fn(&o, ctx);
        n++;
    }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int64_t store_office_count(db_conn *c)
{
    db_stmt *st = db_prepare(c, "SELECT COUNT(*) FROM customs_offices");
    if (!st)
        return DB_ERR;
    int64_t n = 0;
    return db_row(c, st, &n, db_read_int64) == 1 ? n : DB_ERR;
}

int store_document_add(db_conn *c, const char *party, const char *kind, const char *ref,
                       const char *decl_id, int64_t at)
{
    return store_documents_add(c, party, decl_id, at, 1, &kind, &ref);
}

/* A declaration's documents in one statement of up to STORE_DOCS_PER_INSERT rows: on a database
 * server each statement is a bind and an executor start-up of its own (with the table's three
 * indexes opened), and a registration records an invoice and a bill of lading at least. One
 * text per row count: statements are cached by their text's address. ON CONFLICT stays: a
 * declaration may list one bill of lading twice. */
#define DOC_ROW "(?, ?, ?, ?, ?)"
#define DOC_INS "INSERT INTO declared_documents (party, kind, ref, decl_id, at) VALUES "
#define DOC_END " ON CONFLICT (party, kind, ref, decl_id) DO NOTHING"
static const char *const docs_sql[STORE_DOCS_PER_INSERT] = {
    DOC_INS DOC_ROW DOC_END,
    DOC_INS DOC_ROW ", " DOC_ROW DOC_END,
    DOC_INS DOC_ROW ", " DOC_ROW ", " DOC_ROW DOC_END,
    DOC_INS DOC_ROW ", " DOC_ROW ", " DOC_ROW ", " DOC_ROW DOC_END,
};

int store_documents_add(db_conn *c, const char *party, const char *decl_id, int64_t at, int n,
                        const char *const *kinds, const char *const *refs)
{
    for (int i = 0; i < n;) {
        int k = n - i < STORE_DOCS_PER_INSERT ? n - i : STORE_DOCS_PER_INSERT;
        db_stmt *st = db_prepare(c, docs_sql[k - 1]);
        if (!st)
            return DB_ERR;
        for (int j = 0; j < k; j++) {
            db_bind_text(c, st, 5 * j + 1, party);
            db_bind_text(c, st, 5 * j + 2, kinds[i + j]);
            db_bind_text(c, st, 5 * j + 3, refs[i + j]);
            db_bind_text(c, st, 5 * j + 4, decl_id);
            db_bind_int64(c, st, 5 * j + 5, at);
        }
        int rc = db_run_nowait(c, st);
        if (rc != 0)
            return rc;
        i += k;
    }
    return 0;
}

/* only declarations that still stand: a cancelled, invalidated, expired or rejected one (or a
 * provisional one, which has no number) did not declare the document. Bounded by a constant
 * LIMIT (an enterprise that declares one invoice thousands of times -- a load test -- must not
 * make each registration read them all): with `LIMIT ?` PostgreSQL planned the statement afresh
 * at every call. The declaration's number is a scalar subquery, not a join: as a join,
 * PostgreSQL's generic plan (a merge join over the declarations' primary key) looked dearer than
 * the custom plans, so it planned a two-table join at every call (0.5 ms each, twice per
 * registration: the largest single cost of a registration's statements at saturation); with one
 * table and a subplan there is one plan shape, and the generic one is kept. One copy of the text
 * per slot (store_reference.h): statements are cached by their text's address. */
#define DOC_OTHERS_SQL                                                                             \
    "SELECT n FROM (SELECT (SELECT d.number FROM declarations d WHERE d.id = x.decl_id"            \
    " AND d.number IS NOT NULL AND d.number <> '' AND d.status NOT IN (?, ?, ?, ?)) AS n"          \
    " FROM declared_documents x WHERE x.party = ? AND x.kind = ? AND x.ref = ?"                    \
    " AND x.decl_id <> ?) s WHERE n IS NOT NULL LIMIT 20"
static const char doc_others_sql[STORE_DOC_SLOTS][sizeof DOC_OTHERS_SQL] = {DOC_OTHERS_SQL,
                                                                            DOC_OTHERS_SQL};

int store_document_others_send(db_conn *c, int slot, const char *party, const char *kind,
                               const char *ref, const char *decl_id, db_stmt **out)
{
    db_stmt *st = db_prepare(c, doc_others_sql[slot % STORE_DOC_SLOTS]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, ST_CANCELLED);
    db_bind_int64(c, st, 2, ST_INVALIDATED);
    db_bind_int64(c, st, 3, ST_EXPIRED);
    db_bind_int64(c, st, 4, ST_REJECTED);
    db_bind_text(c, st, 5, party);
    db_bind_text(c, st, 6, kind);
    db_bind_text(c, st, 7, ref);
    db_bind_text(c, st, 8, decl_id);
    return db_send_into(c, st, out);
}

int store_document_others_read(db_conn *c, db_stmt *st, char (*numbers)[13], int max)
{
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max)
            db_col_copy(c, st, 0, numbers[n++], 13);
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

/* Two documents' look-ups in one statement (one bind and one executor start-up on a database
 * server: a registration's screening looks up its invoice and its first bill of lading): rows
 * (k, number), k 0 or 1, each half DOC_OTHERS_SQL's subquery with its own LIMIT 20 -- one plan
 * shape per half, as above. */
#define DOC_OTHERS_HALF                                                                            \
    " n FROM (SELECT (SELECT d.number FROM declarations d WHERE d.id = x.decl_id"                  \
    " AND d.number IS NOT NULL AND d.number <> '' AND d.status NOT IN (?, ?, ?, ?)) AS n"          \
    " FROM declared_documents x WHERE x.party = ? AND x.kind = ? AND x.ref = ?"                    \
    " AND x.decl_id <> ?) s WHERE n IS NOT NULL LIMIT 20"

int store_document_others_send2(db_conn *c, const char *party, const char *kind0, const char *ref0,
                                const char *kind1, const char *ref1, const char *decl_id,
                                db_stmt **out)
{
    static const char sql[] = "SELECT k, n FROM (SELECT 0 AS k," DOC_OTHERS_HALF ") h0"
                              " UNION ALL SELECT k, n FROM (SELECT 1 AS k," DOC_OTHERS_HALF ") h1";
    const char *kind[2] = {kind0, kind1}, *ref[2] = {ref0, ref1};
    db_stmt *st = db_prepare(c, sql);
    *out = NULL;
    if (!st)
        return DB_ERR;
    for (int h = 0; h < 2; h++) {
        db_bind_int64(c, st, 8 * h + 1, ST_CANCELLED);
        db_bind_int64(c, st, 8 * h + 2, ST_INVALIDATED);
        db_bind_int64(c, st, 8 * h + 3, ST_EXPIRED);
        db_bind_int64(c, st, 8 * h + 4, ST_REJECTED);
        db_bind_text(c, st, 8 * h + 5, party);
        db_bind_text(c, st, 8 * h + 6, kind[h]);
        db_bind_text(c, st, 8 * h + 7, ref[h]);
        db_bind_text(c, st, 8 * h + 8, decl_id);
    }
    return db_send_into(c, st, out);
}

int store_document_others_read2(db_conn *c, db_stmt *st, char (*numbers[2])[13], int n[2], int max)
{
    int rc;
    n[0] = n[1] = 0;
    while ((rc = db_step(c, st)) == DB_ROW) {
        int64_t k = db_col_int64(c, st, 0);
        if ((k == 0 || k == 1) && n[k] < max) {
            db_col_copy(c, st, 1, numbers[k][n[k]], 13);
            n[k]++;
        }
    }
    db_reset(c, st);
    return rc == DB_DONE ? 0 : rc;
}

int store_document_others(db_conn *c, const char *party, const char *kind, const char *ref,
                          const char *decl_id, char (*numbers)[13], int max)
{
    db_stmt *st;
    int rc = store_document_others_send(c, 0, party, kind, ref, decl_id, &st);
    return rc != 0 ? rc : store_document_others_read(c, st, numbers, max);
}

int store_document_clear(db_conn *c, const char *decl_id)
{
    db_stmt *st = db_prepare(c, "DELETE FROM declared_documents WHERE decl_id = ?");
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, decl_id);
    return db_run_nowait(c, st);
}

int store_fx_previous(db_conn *c, const char *currency, int32_t before, int64_t *vnd_per_unit,
                      int32_t *valid_from)
{
    static const char sql[] =
        "SELECT vnd_per_unit, valid_from FROM exchange_rates WHERE currency = ?"
        " AND valid_from < ? ORDER BY valid_from DESC LIMIT 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, currency);
    db_bind_int64(c, st, 2, before);
    int rc = db_step(c, st), found = 0;
    if (rc == DB_ROW) {
        *vnd_per_unit = db_col_int64(c, st, 0);
        *valid_from = (int32_t)db_col_int64(c, st, 1);
        found = 1;
    }
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? found : rc;
}

int store_decl_exports_by_container(db_conn *c, const char *container, char (*ids)[33], int max)
{
    /* recorded at registration (service/duplicates.c dup_record), indexed by (kind, ref) */
    static const char sql[] =
        "SELECT decl_id FROM declared_documents WHERE kind = 'export_container' AND ref = ?"
        " ORDER BY at LIMIT ?";
    db_stmt *st = db_prepare(c, sql);
    int n = 0, rc;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, container);
    db_bind_int64(c, st, 2, max);
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max)
            db_col_copy(c, st, 0, ids[n++], 33);
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}
