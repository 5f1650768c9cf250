/* e-Manifest use cases: carriers submit and amend manifests; declarations are linked to and
 * reconciled with the bills of lading. */
#include "service/manifests.h"
#include "service/gate.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "codec/json_manifest.h"
#include "core/codes.h"
#include "core/manifest.h"
#include "service/kernel.h"
#include "store/store_manifest.h"
#include "util/decimal.h"
#include "util/utf8.h"
#include "util/rand.h"

/* ---- views ----------------------------------------------------------------------------------- */

static json_t *manifest_view(const manifest_row *r, char **old, int64_t *old_at, int n_old)
{
    json_t *doc = json_loads(r->doc, 0, NULL);
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(r->id));
    json_object_set_new(v, "carrier", json_string(r->carrier));
    json_object_set_new(v, "version", json_integer(r->version));
    json_object_set_new(v, "mode", json_string(r->mode));
    json_object_set_new(v, "late", json_boolean(r->late));
    json_t *vd = json_object_get(doc, "voyage_days");
    int64_t due = r->eta - manifest_deadline_s(strcmp(r->mode, "air") == 0,
                                               vd ? (int)json_integer_value(vd) : 0);
    json_object_set_new(v, "due_by", json_timestamp(due));
    json_object_set_new(v, "submitted_at", json_timestamp(r->created_at));
    json_object_set_new(v, "updated_at", json_timestamp(r->updated_at));
    json_object_set_new(v, "manifest", doc ? doc : json_object());
    if (old) {
        json_t *h = json_array();
        for (int i = 0; i < n_old; i++) {
            json_t *d = json_loads(old[i], 0, NULL);
            json_array_append_new(h, json_pack("{s:i,s:o,s:o}", "version", i + 1, "replaced_at",
                                               json_timestamp(old_at[i]), "manifest",
                                               d ? d : json_object()));
        }
        json_object_set_new(v, "history", h);
    }
    return v;
}

/* ---- create / amend -------------------------------------------------------------------------- */

typedef struct manifest_write_ctx {
    svc_job job;    /* first: request, now, reply */
    const char *id; /* amend: the addressed manifest */
    manifest_in *m;
    manifest_row row;
    errs *e; /* the request's list (empty once decoded): the containers' conflicts */
} manifest_write_ctx;

#define MAX_OPEN_ROWS 64

static int write_lines(db_conn *c, manifest_write_ctx *x)
{
    for (int i = 0; i < x->m->n_bl; i++) {
        mbl_row br;
        int rc = store_mbl_get(c, x->m->bl[i].number, &br);
        if (rc < 0)
            return rc;
        if (rc == 1 && strcmp(br.manifest_id, x->row.id) != 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "bill of lading %s is already in another manifest",
                     x->m->bl[i].number);
            svc_reply r = svc_error(SVC_CONFLICT, "duplicate_bill_of_lading", msg);
            char p[64];
            snprintf(p, sizeof p, "/bills_of_lading/%d/number", i);
            json_object_set_new(json_array_get(json_object_get(r.body, "errors"), 0), "path",
                                json_string(p));
            return svc_fail(&x->job, r);
        }
    }
    /* A container still on another carrier's open manifest (not gated out) cannot be put on
     * this one unless an officer allowed it: otherwise a second bill of lading could carry a
     * held container out. Every such container is reported at once. */
    errs *e = x->e;
    mctr_row *rows = malloc(MAX_OPEN_ROWS * sizeof *rows);
    int rc = rows ? 0 : DB_ERR;
    errs_init(e); /* a job may run again after a retried batch */
    for (int i = 0; i < x->m->n_bl && rc == 0; i++)
        for (int j = 0; j < x->m->bl[i].n_ctr && rc == 0; j++) {
            const char *ctr = x->m->bl[i].ctr[j].number;
            int n_all, n = svc_ctr_open_rows(c, ctr, rows, MAX_OPEN_ROWS, &n_all);
            int foreign = 0;
            for (int k = 0; k < n; k++)
                foreign |= strcmp(rows[k].carrier, x->job.req->party) != 0 &&
                           strcmp(rows[k].manifest_id, x->row.id) != 0;
            if (n < 0)
                rc = n;
            else if (foreign &&
                     (rc = store_ctrperm_take(c, ctr, x->job.req->party, x->row.id)) == 0) {
                char p[80];
                snprintf(p, sizeof p, "/bills_of_lading/%d/containers/%d/number", i, j);
                errs_add(e, "container_on_open_manifest", p,
                         "container %s is on another carrier's manifest and has not left the port;"
                         " a customs officer must allow it first",
                         ctr);
            } else if (rc == 1)
                rc = 0;
        }
    free(rows);
    if (rc == 0 && e->n) {
        svc_reply r = svc_errors(e);
        r.code = SVC_CONFLICT;
        return svc_fail(&x->job, r);
    }
    if (rc)
        return rc;
    for (int i = 0; i < x->m->n_bl; i++) {
        mbl *b = &x->m->bl[i];
        mbl_row br = {0};
        snprintf(br.bl, sizeof br.bl, "%s", b->number);
        snprintf(br.manifest_id, sizeof br.manifest_id, "%s", x->row.id);
        snprintf(br.port, sizeof br.port, "%s", x->m->port);
        br.packages = b->packages;
        br.gross_weight = b->gross_weight;
        rc = store_mbl_put(c, &br);
        for (int j = 0; j < b->n_ctr && rc == 0; j++)
            rc = store_mctr_put(c, b->ctr[j].number, b->number, x->row.id, b->ctr[j].seal);
        if (rc == 0 &&
            b->hold_reason[0]) { /* pre-arrival screening: hold until an officer releases */
            int open = store_hold_open_count(c, b->number);
            if (open < 0)
                return open;
            if (open == 0) {
                hold_row h = {0};
                h.id = store_sequence_next(c, "hold");
                if (h.id < 0)
                    return (int)h.id;
                snprintf(h.subject, sizeof h.subject, "%s", b->number);
                utf8_snprintf(h.reason, sizeof h.reason, "%s", b->hold_reason);
                snprintf(h.opened_by, sizeof h.opened_by, "SYSTEM");
                h.opened_at = x->job.now;
                rc = store_hold_put(c, &h);
            }
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int create_job(db_conn *c, void *ctx)
{
    manifest_write_ctx *x = ctx;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = write_lines(c, x);
    if (rc == 0)
        rc = store_manifest_insert(c, &x->row);
    if (rc == 0) {
        x->job.reply.code = SVC_CREATED;
        x->job.reply.body = manifest_view(&x->row, NULL, NULL, 0);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    return rc;
}

static int amend_job(db_conn *c, void *ctx)
{
    manifest_write_ctx *x = ctx;
    manifest_row cur;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = store_manifest_get(c, x->id, &cur);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(cur.carrier, x->job.req->party) != 0) {
        if (rc == 1)
            free(cur.doc);
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such manifest"));
    }
    rc = store_manifest_version_put(c, cur.id, cur.version, cur.doc, x->job.now);
    if (rc == 0)
        rc = store_manifest_clear_lines(c, cur.id);
    snprintf(x->row.id, sizeof x->row.id, "%s", cur.id);
    snprintf(x->row.carrier, sizeof x->row.carrier, "%s", cur.carrier);
    x->row.version = cur.version + 1;
    x->row.created_at = cur.created_at;
    x->row.late = cur.late; /* lateness is that of the first submission */
    free(cur.doc);
    if (rc == 0)
        rc = write_lines(c, x);
    if (rc == 0)
        rc = store_manifest_update(c, &x->row);
    if (rc == 0) {
        x->job.reply.code = SVC_OK;
        x->job.reply.body = manifest_view(&x->row, NULL, NULL, 0);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    }
    return rc;
}

static svc_reply manifest_write(app *a, const svc_req *req, const char *id, manifest_in *m, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "carrier"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only carriers submit manifests");
    if (svc_idempotent_replay(a, req, &r))
        return r;
    char new_id[33] = "";
    if (!id && rand_hex(new_id, 16) != 0)
        return svc_error(SVC_ERROR, "random", "no randomness for an identifier; retry later");
    if (e->n)
        return svc_errors(e);
    /* pre-arrival screening (VCIS decides on inspection in advance) */
    date_ymd today = svc_today();
    pthread_rwlock_rdlock(&a->risk_lock);
    for (int i = 0; i < m->n_bl; i++) {
        int k = manifest_screen(a->rules, a->n_rules, m->bl[i].hs, m->bl[i].consignee_tax,
                                m->bl[i].shipper, m->loading_country, today);
        if (k >= 0)
            utf8_snprintf(m->bl[i].hold_reason, sizeof m->bl[i].hold_reason,
                          "pre-arrival screening: rule %lld (%.96s)", (long long)a->rules[k].id,
                          a->rules[k].name);
    }
    pthread_rwlock_unlock(&a->risk_lock);
    manifest_write_ctx x = {.job = svc_job_start(req), .id = id, .m = m, .e = e};
    if (!id) {
        snprintf(x.row.id, sizeof x.row.id, "%s", new_id);
        snprintf(x.row.carrier, sizeof x.row.carrier, "%s", req->party);
        x.row.version = 1;
        x.row.created_at = x.job.now;
    }
    snprintf(x.row.mode, sizeof x.row.mode, "%s", m->air ? "air" : "sea");
    snprintf(x.row.port, sizeof x.row.port, "%s", m->port);
    x.row.eta = m->eta;
    x.row.late = x.job.now > m->eta - manifest_deadline_s(m->air, m->voyage_days);
    x.row.updated_at = x.job.now;
    x.row.doc = m->doc;
    r = svc_run_write(a, &x.job, id ? amend_job : create_job, &x,
                      "the database refused the manifest");
    return r;
}

svc_reply svc_manifest_create(app *a, const svc_req *req, manifest_in *m, errs *e)
{
    return manifest_write(a, req, NULL, m, e);
}

svc_reply svc_manifest_amend(app *a, const svc_req *req, const char *id, manifest_in *m, errs *e)
{
    return manifest_write(a, req, id, m, e);
}

typedef struct manifest_read_ctx {
    const char *id;
    manifest_row row;
    int found;
    char *old[100];
    int64_t old_at[100];
    int n_old;
} manifest_read_ctx;

static int manifest_read_job(db_conn *c, void *ctx)
{
    manifest_read_ctx *x = ctx;
    x->found = store_manifest_get(c, x->id, &x->row);
    if (x->found == 1) {
        x->n_old = store_manifest_versions(c, x->id, x->old, x->old_at, 100);
        if (x->n_old < 0)
            return x->n_old;
    }
    return x->found < 0 ? x->found : 0;
}

svc_reply svc_manifest_get(app *a, const svc_req *req, const char *id)
{
    manifest_read_ctx x = {.id = id};
    svc_reply r = {0};
    if (store_read(a->st, manifest_read_job, &x) != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the manifest");
    else if (x.found != 1 || (!svc_is_customs(req) && strcmp(x.row.carrier, req->party) != 0))
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such manifest");
    else {
        r.code = SVC_OK;
        r.body = manifest_view(&x.row, x.old, x.old_at, x.n_old);
    }
    if (x.found == 1)
        free(x.row.doc);
    for (int i = 0; i < x.n_old; i++)
        free(x.old[i]);
    return r;
}

/* ---- declarations <-> manifests -------------------------------------------------------------- */

static int applicable(int kind_import, int mode) { return kind_import && mode >= 1 && mode <= 3; }

static json_t *warnings_of(db_conn *c, const decl *d, db_stmt *sent, int *rc);

json_t *svc_manifest_on_register(db_conn *c, const char *decl_id, const decl *d, int *rc)
{
    return svc_manifest_on_register_sent(c, decl_id, d, NULL, 0, rc);
}

int svc_manifest_send(db_conn *c, const decl *d, db_stmt **st)
{
    const decl_transport *t = &d->transport;
    *st = NULL;
    if (!applicable(d->kind == DECL_IMPORT, t->mode) || t->n_bl < 1)
        return 0;
    return store_mbl_send(c, t->bills_of_lading[0], st);
}

json_t *svc_manifest_on_register_sent(db_conn *c, const char *decl_id, const decl *d, db_stmt *sent,
                                      int fresh, int *rc)
{
    const decl_transport *t = &d->transport;
    *rc = store_declbl_set(c, decl_id, (const char(*)[36])t->bills_of_lading, t->n_bl, fresh);
    if (*rc) {
        if (sent)
            db_reset(c, sent);
        return NULL;
    }
    return warnings_of(c, d, sent, rc);
}

json_t *svc_manifest_warnings(db_conn *c, const decl *d, int *rc)
{
    return warnings_of(c, d, NULL, rc);
}

/* sent: the first bill of lading's look-up started by svc_manifest_send (NULL: read here) */
static json_t *warnings_of(db_conn *c, const decl *d, db_stmt *sent, int *rc)
{
    const decl_transport *t = &d->transport;
    json_t *warnings = json_array();
    *rc = 0;
    if (!applicable(d->kind == DECL_IMPORT, t->mode))
        goto out;
    json_t *missing = json_array();
    for (int i = 0; i < t->n_bl; i++) {
        mbl_row br;
        int k = i == 0 && sent ? store_mbl_read(c, sent, &br)
                               : store_mbl_get(c, t->bills_of_lading[i], &br);
        if (i == 0)
            sent = NULL;
        if (k < 0) {
            *rc = k;
            json_decref(missing);
            goto out;
        }
        if (k == 0 || strcmp(br.port, t->port_of_discharge) != 0)
            json_array_append_new(missing, json_string(t->bills_of_lading[i]));
    }
    if (json_array_size(missing)) {
        json_array_append_new(
            warnings,
            json_pack("{s:s,s:s,s:O}", "code", "manifest_missing", "message",
                      "bills of lading not (yet) in a manifest for the port of discharge: "
                      "the goods cannot leave the port until the manifest is received",
                      "bills_of_lading", missing));
    }
    json_decref(missing);
out:
    if (sent) /* not applicable after all: never read */
        db_reset(c, sent);
    if (*rc) {
        json_decref(warnings);
        return NULL;
    }
    return warnings;
}

typedef struct check_ctx {
    json_t *doc; /* the declaration's header (borrowed) */
    json_t *out;
} check_ctx;

static int64_t weight_of(json_t *v)
{
    int64_t w = -1;
    if (json_is_integer(v))
        return json_integer_value(v) * 10000;
    if (json_is_string(v) && decimal_parse(json_string_value(v), DECIMAL_SCALE_QTY, 0, &w) == 0)
        return w;
    return -1;
}

static json_t *weight_json(int64_t w)
{
    char buf[40];
    decimal_format(w, DECIMAL_SCALE_QTY, buf, sizeof buf);
    return json_string(buf);
}

static int check_job(db_conn *c, void *ctx)
{
    check_ctx *x = ctx;
    json_t *tr = json_object_get(x->doc, "transport");
    const char *port = json_string_value(json_object_get(tr, "port_of_discharge"));
    json_t *bls = json_object_get(tr, "bills_of_lading"), *b;
    json_t *missing = json_array(), *manifests = json_array(), *diffs = json_array();
    json_t *mctrs = json_array();
    int64_t pk = 0, gw = 0;
    size_t i;
    int found = 0;
    json_array_foreach(bls, i, b)
    {
        const char *bl = json_string_value(b);
        mbl_row br;
        int k = bl ? store_mbl_get(c, bl, &br) : 0;
        if (k < 0)
            goto err;
        if (k == 0 || (port && strcmp(br.port, port) != 0)) {
            json_array_append_new(missing, json_string(bl ? bl : ""));
            continue;
        }
        found++;
        pk += br.packages;
        gw += br.gross_weight;
        int dup = 0;
        for (size_t j = 0; j < json_array_size(manifests); j++)
            dup |= strcmp(json_string_value(json_array_get(manifests, j)), br.manifest_id) == 0;
        if (!dup)
            json_array_append_new(manifests, json_string(br.manifest_id));
        mctr_row rows[64];
        int n = store_mctr_by_bl(c, bl, rows, 64);
        if (n < 0)
            goto err;
        for (int j = 0; j < n; j++)
            json_array_append_new(mctrs, json_string(rows[j].container));
    }
    if (found) {
        json_t *dp = json_object_get(json_object_get(x->doc, "packages"), "count");
        if (json_is_integer(dp) && json_integer_value(dp) != pk)
            json_array_append_new(
                diffs, json_pack("{s:s,s:I,s:I}", "field", "packages", "declaration",
                                 (json_int_t)json_integer_value(dp), "manifest", (json_int_t)pk));
        int64_t dw = weight_of(json_object_get(x->doc, "gross_weight_kg"));
        if (dw >= 0 && dw != gw)
            json_array_append_new(diffs, json_pack("{s:s,s:o,s:o}", "field", "gross_weight_kg",
                                                   "declaration", weight_json(dw), "manifest",
                                                   weight_json(gw)));
        json_t *dc = json_object_get(tr, "containers"), *v;
        json_t *only_decl = json_array(), *only_man = json_array();
        json_array_foreach(dc, i, v)
        {
            int in = 0;
            for (size_t j = 0; j < json_array_size(mctrs); j++)
                in |= json_equal(v, json_array_get(mctrs, j));
            if (!in)
                json_array_append(only_decl, v);
        }
        json_array_foreach(mctrs, i, v)
        {
            int in = 0;
            for (size_t j = 0; j < json_array_size(dc); j++)
                in |= json_equal(v, json_array_get(dc, j));
            if (!in)
                json_array_append(only_man, v);
        }
        if (json_array_size(only_decl) || json_array_size(only_man))
            json_array_append_new(diffs, json_pack("{s:s,s:o,s:o}", "field", "containers",
                                                   "declaration_only", only_decl, "manifest_only",
                                                   only_man));
        else {
            json_decref(only_decl);
            json_decref(only_man);
        }
    }
    const char *status = json_array_size(missing) ? "manifest_missing"
                         : json_array_size(diffs) ? "differences"
                                                  : "match";
    x->out = json_pack("{s:s,s:o,s:o,s:o}", "status", status, "manifests", manifests,
                       "missing_bills_of_lading", missing, "differences", diffs);
    json_decref(mctrs);
    return 0;
err:
    json_decref(missing);
    json_decref(manifests);
    json_decref(diffs);
    json_decref(mctrs);
    return DB_ERR;
}

json_t *svc_manifest_check(app *a, json_t *decl_header)
{
    check_ctx x = {.doc = decl_header};
    if (!x.doc)
        return NULL;
    json_t *tr = json_object_get(x.doc, "transport");
    const char *kind = json_string_value(json_object_get(x.doc, "kind"));
    if (!kind || !applicable(strcmp(kind, "import") == 0,
                             (int)json_integer_value(json_object_get(tr, "mode"))))
        return NULL;
    if (store_read(a->st, check_job, &x) != 0)
        x.out = NULL;
    return x.out;
}
