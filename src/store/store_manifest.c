/* e-Manifest / VASSCM queries (store_manifest.h). */
#include "store/store_manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- locations ---------------------------------------------------------------------------- */

int store_oploc_put(db_conn *c, const char *party, const char *location)
{
    static const char sql[] =
        "INSERT INTO operator_locations (party, location) VALUES (?, ?) ON CONFLICT DO NOTHING";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    db_bind_text(c, st, 2, location);
    return db_run(c, st);
}

int store_oploc_list(db_conn *c, const char *party, char (*out)[24], int max)
{
    static const char sql[] =
        "SELECT location FROM operator_locations WHERE party = ? ORDER BY location";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, party);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max)
            db_col_copy(c, st, 0, out[n++], 24);
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

/* ---- manifests ---------------------------------------------------------------------------- */

static void bind_manifest(db_conn *c, db_stmt *st, const manifest_row *m)
{
    db_bind_text(c, st, 1, m->carrier);
    db_bind_int64(c, st, 2, m->version);
    db_bind_text(c, st, 3, m->mode);
    db_bind_text(c, st, 4, m->port);
    db_bind_int64(c, st, 5, m->eta);
    db_bind_int64(c, st, 6, m->late);
    db_bind_int64(c, st, 7, m->created_at);
    db_bind_int64(c, st, 8, m->updated_at);
    db_bind_text(c, st, 9, m->doc);
    db_bind_text(c, st, 10, m->id);
}

int store_manifest_insert(db_conn *c, const manifest_row *m)
{
    static const char sql[] =
        "INSERT INTO manifests (carrier, version, mode, port, eta, late, created_at, updated_at,"
        " doc, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    bind_manifest(c, st, m);
    return db_run(c, st);
}

int store_manifest_update(db_conn *c, const manifest_row *m)
{
    static const char sql[] =
        "UPDATE manifests SET carrier = ?, version = ?, mode = ?, port = ?, eta = ?, late = ?,"
        " created_at = ?, updated_at = ?, doc = ? WHERE id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    bind_manifest(c, st, m);
    return db_run(c, st);
}

int store_manifest_get(db_conn *c, const char *id, manifest_row *out)
{
    static const char sql[] =
        "SELECT id, carrier, version, mode, port, eta, late, created_at, updated_at, doc"
        " FROM manifests WHERE id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id);
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        db_col_copy(c, st, 0, out->id, sizeof out->id);
        db_col_copy(c, st, 1, out->carrier, sizeof out->carrier);
        out->version = (int)db_col_int64(c, st, 2);
        db_col_copy(c, st, 3, out->mode, sizeof out->mode);
        db_col_copy(c, st, 4, out->port, sizeof out->port);
        out->eta = db_col_int64(c, st, 5);
        out->late = (int)db_col_int64(c, st, 6);
        out->created_at = db_col_int64(c, st, 7);
        out->updated_at = db_col_int64(c, st, 8);
        out->doc = db_col_dup(c, st, 9);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_manifest_version_put(db_conn *c, const char *id, int version, const char *doc, int64_t at)
{
    static const char sql[] = "INSERT INTO manifest_versions (manifest_id, version, doc, "
                              "replaced_at) VALUES (?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id);
    db_bind_int64(c, st, 2, version);
    db_bind_text(c, st, 3, doc);
    db_bind_int64(c, st, 4, at);
    return db_run(c, st);
}

int store_manifest_versions(db_conn *c, const char *id, char **docs, int64_t *at, int max)
{
    static const char sql[] =
        "SELECT doc, replaced_at FROM manifest_versions WHERE manifest_id = ? ORDER BY version";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max) {
            docs[n] = db_col_dup(c, st, 0);
            at[n++] = db_col_int64(c, st, 1);
        }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int store_manifest_clear_lines(db_conn *c, const char *id)
{
    static const char s1[] = "DELETE FROM manifest_bls WHERE manifest_id = ?";
    static const char s2[] = "DELETE FROM manifest_containers WHERE manifest_id = ?";
    db_stmt *st = db_prepare(c, s1);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id);
    int rc = db_run(c, st);
    if (rc)
        return rc;
    st = db_prepare(c, s2);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, id);
    return db_run(c, st);
}

int store_mbl_put(db_conn *c, const mbl_row *r)
{
    static const char sql[] = "INSERT INTO manifest_bls (bl, manifest_id, port, packages, "
                              "gross_weight) VALUES (?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, r->bl);
    db_bind_text(c, st, 2, r->manifest_id);
    db_bind_text(c, st, 3, r->port);
    db_bind_int64(c, st, 4, r->packages);
    db_bind_int64(c, st, 5, r->gross_weight);
    return db_run(c, st);
}

/* two copies of the text: the one store_mbl_send starts ahead is its own cached statement */
#define MBL_GET_SQL                                                                                \
    "SELECT bl, manifest_id, port, packages, gross_weight FROM manifest_bls WHERE bl = ?"
static const char mbl_get_sql[2][sizeof MBL_GET_SQL] = {MBL_GET_SQL, MBL_GET_SQL};

int store_mbl_get(db_conn *c, const char *bl, mbl_row *out)
{
    db_stmt *st = db_prepare(c, mbl_get_sql[0]);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bl);
    return store_mbl_read(c, st, out);
}

int store_mbl_send(db_conn *c, const char *bl, db_stmt **out)
{
    db_stmt *st = db_prepare(c, mbl_get_sql[1]);
    *out = NULL;
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bl);
    return db_send_into(c, st, out);
}

int store_mbl_read(db_conn *c, db_stmt *st, mbl_row *out)
{
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        db_col_copy(c, st, 0, out->bl, sizeof out->bl);
        db_col_copy(c, st, 1, out->manifest_id, sizeof out->manifest_id);
        db_col_copy(c, st, 2, out->port, sizeof out->port);
        out->packages = db_col_int64(c, st, 3);
        out->gross_weight = db_col_int64(c, st, 4);
    }
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

int store_mctr_put(db_conn *c, const char *container, const char *bl, const char *manifest_id,
                   const char *seal)
{
    static const char sql[] =
        "INSERT INTO manifest_containers (container, bl, manifest_id, seal) VALUES (?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, container);
    db_bind_text(c, st, 2, bl);
    db_bind_text(c, st, 3, manifest_id);
    db_bind_text(c, st, 4, seal);
    return db_run(c, st);
}

static int mctr_rows(db_conn *c, db_stmt *st, mctr_row *out, int max)
{
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max) {
            mctr_row *r = &out[n++];
            db_col_copy(c, st, 0, r->container, sizeof r->container);
            db_col_copy(c, st, 1, r->bl, sizeof r->bl);
            db_col_copy(c, st, 2, r->manifest_id, sizeof r->manifest_id);
            db_col_copy(c, st, 3, r->seal, sizeof r->seal);
            db_col_copy(c, st, 4, r->port, sizeof r->port);
            db_col_copy(c, st, 5, r->carrier, sizeof r->carrier);
            r->created_at = db_col_int64(c, st, 6);
        }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int store_mctr_by_container(db_conn *c, const char *container, mctr_row *out, int max)
{
    static const char sql[] =
        "SELECT k.container, k.bl, k.manifest_id, k.seal, m.port, m.carrier, m.created_at"
        " FROM manifest_containers k JOIN manifests m ON m.id = k.manifest_id"
        " WHERE k.container = ? ORDER BY m.created_at DESC, k.manifest_id, k.bl";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, container);
    return mctr_rows(c, st, out, max);
}

int store_mctr_by_bl(db_conn *c, const char *bl, mctr_row *out, int max)
{
    static const char sql[] =
        "SELECT k.container, k.bl, k.manifest_id, k.seal, m.port, m.carrier, m.created_at"
        " FROM manifest_containers k JOIN manifests m ON m.id = k.manifest_id"
        " WHERE k.bl = ? ORDER BY k.container";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bl);
    return mctr_rows(c, st, out, max);
}

/* ---- declaration links -------------------------------------------------------------------- */

int store_declbl_set(db_conn *c, const char *decl_id, const char (*bls)[36], int n, int fresh)
{
    static const char del[] = "DELETE FROM declaration_bls WHERE decl_id = ?";
    static const char ins[] =
        "INSERT INTO declaration_bls (bl, decl_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
    db_stmt *st;
    int rc = 0;
    if (!fresh) {
        st = db_prepare(c, del);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, decl_id);
        rc = db_run_nowait(c, st);
    }
    for (int i = 0; i < n && rc == 0; i++) {
        st = db_prepare(c, ins);
        if (!st)
            return DB_ERR;
        db_bind_text(c, st, 1, bls[i]);
        db_bind_text(c, st, 2, decl_id);
        rc = db_run_nowait(c, st);
    }
    return rc;
}

int store_declbl_add(db_conn *c, const char *decl_id, const char *bl)
{
    static const char ins[] =
        "INSERT INTO declaration_bls (bl, decl_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
    db_stmt *st = db_prepare(c, ins);
    if (!st)
        return DB_ERR;
    db_bind_text_static(c, st, 1, bl);
    db_bind_text_static(c, st, 2, decl_id);
    return db_run_nowait(c, st);
}

int store_declbl_decls(db_conn *c, const char *bl, char (*ids)[33], int max)
{
    static const char sql[] = "SELECT decl_id FROM declaration_bls WHERE bl = ? ORDER BY decl_id";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, bl);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max)
            db_col_copy(c, st, 0, ids[n++], 33);
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

/* ---- gate events -------------------------------------------------------------------------- */

int store_gate_put(db_conn *c, const gate_row *g)
{
    static const char sql[] =
        "INSERT INTO gate_events (id, container, type, location, seal, operator, manifest_id, at,"
        " decision, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, g->id);
    db_bind_text(c, st, 2, g->container);
    db_bind_text(c, st, 3, g->type);
    db_bind_text(c, st, 4, g->location);
    db_bind_text(c, st, 5, g->seal);
    db_bind_text(c, st, 6, g->operator_party);
    db_bind_text(c, st, 7, g->manifest_id);
    db_bind_int64(c, st, 8, g->at);
    db_bind_text(c, st, 9, g->decision);
    db_bind_text(c, st, 10, g->reasons ? g->reasons : "[]");
    return db_run(c, st);
}

int store_gate_list(db_conn *c, const char *container, gate_row *out, int max)
{
    static const char sql[] =
        "SELECT id, container, type, location, seal, operator, manifest_id, at, decision, reasons"
        " FROM gate_events WHERE container = ? ORDER BY id";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, container);
    int n = 0, rc;
    while ((rc = db_step(c, st)) == DB_ROW)
        if (n < max) {
            gate_row *g = &out[n++];
            g->id = db_col_int64(c, st, 0);
            db_col_copy(c, st, 1, g->container, sizeof g->container);
            db_col_copy(c, st, 2, g->type, sizeof g->type);
            db_col_copy(c, st, 3, g->location, sizeof g->location);
            db_col_copy(c, st, 4, g->seal, sizeof g->seal);
            db_col_copy(c, st, 5, g->operator_party, sizeof g->operator_party);
            db_col_copy(c, st, 6, g->manifest_id, sizeof g->manifest_id);
            g->at = db_col_int64(c, st, 7);
            db_col_copy(c, st, 8, g->decision, sizeof g->decision);
            g->reasons = db_col_dup(c, st, 9);
        }
    db_reset(c, st);
    return rc == DB_DONE ? n : rc;
}

int store_gate_allowed_exists(db_conn *c, const char *container, const char *manifest_id,
                              const char *type)
{
    static const char sql[] =
        "SELECT 1 FROM gate_events WHERE container = ? AND manifest_id = ? AND type = ?"
        " AND decision = 'allow' LIMIT 1";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, container);
    db_bind_text(c, st, 2, manifest_id);
    db_bind_text(c, st, 3, type);
    int rc = db_step(c, st);
    db_reset(c, st);
    return rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : rc;
}

/* ---- holds ------------------------------------------------------------------------------- */

int store_hold_put(db_conn *c, const hold_row *h)
{
    static const char sql[] =
        "INSERT INTO holds (id, subject, reason, opened_by, opened_at, released_by, released_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET released_by ="
        " excluded.released_by, released_at = excluded.released_at";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, h->id);
    db_bind_text(c, st, 2, h->subject);
    db_bind_text(c, st, 3, h->reason);
    db_bind_text(c, st, 4, h->opened_by);
    db_bind_int64(c, st, 5, h->opened_at);
    db_bind_text(c, st, 6, h->released_by);
    db_bind_int64(c, st, 7, h->released_at);
    return db_run(c, st);
}

static void hold_cols(db_conn *c, db_stmt *st, void *row)
{
    hold_row *h = row;
    h->id = db_col_int64(c, st, 0);
    db_col_copy(c, st, 1, h->subject, sizeof h->subject);
    db_col_copy(c, st, 2, h->reason, sizeof h->reason);
    db_col_copy(c, st, 3, h->opened_by, sizeof h->opened_by);
    h->opened_at = db_col_int64(c, st, 4);
    db_col_copy(c, st, 5, h->released_by, sizeof h->released_by);
    h->released_at = db_col_int64(c, st, 6);
}

int store_hold_get(db_conn *c, int64_t id, hold_row *out)
{
    static const char sql[] =
        "SELECT id, subject, reason, opened_by, opened_at, released_by, released_at FROM holds"
        " WHERE id = ?";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, id);
    return db_row(c, st, out, hold_cols);
}

int store_hold_open_count(db_conn *c, const char *subject)
{
    static const char sql[] = "SELECT COUNT(*) FROM holds WHERE subject = ? AND released_at = 0";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, subject);
    int rc = db_step(c, st);
    int n = rc == DB_ROW ? (int)db_col_int64(c, st, 0) : 0;
    db_reset(c, st);
    return rc == DB_ROW ? n : rc < 0 ? rc : 0;
}

int store_hold_list(db_conn *c, const char *subject, hold_row *out, int max)
{
    static const char sql[] =
        "SELECT id, subject, reason, opened_by, opened_at, released_by, released_at FROM holds"
        " WHERE subject = ? ORDER BY id";
    return db_rows_by_text(c, sql, subject, out, sizeof *out, max, hold_cols);
}

/* ---- container permissions ---------------------------------------------------------------- */

int store_ctrperm_put(db_conn *c, const ctrperm_row *p)
{
    static const char sql[] =
        "INSERT INTO container_permissions (id, container, carrier, reason, granted_by, granted_at,"
        " used_by_manifest) VALUES (?, ?, ?, ?, ?, ?, ?)";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    db_bind_int64(c, st, 1, p->id);
    db_bind_text(c, st, 2, p->container);
    db_bind_text(c, st, 3, p->carrier);
    db_bind_text(c, st, 4, p->reason);
    db_bind_text(c, st, 5, p->granted_by);
    db_bind_int64(c, st, 6, p->granted_at);
    db_bind_text(c, st, 7, p->used_by_manifest);
    return db_run(c, st);
}

int store_ctrperm_take(db_conn *c, const char *container, const char *carrier,
                       const char *manifest_id)
{
    static const char sel[] =
        "SELECT id FROM container_permissions WHERE container = ? AND carrier = ?"
        " AND (used_by_manifest = '' OR used_by_manifest = ?) ORDER BY id LIMIT 1";
    static const char upd[] = "UPDATE container_permissions SET used_by_manifest = ? WHERE id = ?";
    db_stmt *st = db_prepare(c, sel);
    if (!st)
        return DB_ERR;
    db_bind_text(c, st, 1, container);
    db_bind_text(c, st, 2, carrier);
    db_bind_text(c, st, 3, manifest_id);
    int64_t id = 0;
    int rc = db_row(c, st, &id, db_read_int64);
    if (rc != 1)
        return rc; /* 0: no permission left for the container */
    if (!(st = db_prepare(c, upd)))
        return DB_ERR;
    db_bind_text(c, st, 1, manifest_id);
    db_bind_int64(c, st, 2, id);
    rc = db_run(c, st);
    return rc == 0 ? 1 : rc;
}
