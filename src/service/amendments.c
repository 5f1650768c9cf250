/* Amendments under review: the queue, the versions side by side (see service/amendments.h). */
#include "service/amendments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "core/number.h"
#include "service/kernel.h"
#include "store/store_inspection.h"

#define MAX_AMENDS 64 /* per declaration: 9 applied, the rest rejected requests */
#define MAX_QUEUE 2000
#define MAX_CHANGES 200

static const char *const statuses[] = {"amendment_review", "accepted", "rejected", "applied", NULL};

static json_t *money_json(int64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)v);
    return json_string(b);
}

static json_t *risk_of(const char *text)
{
    json_t *r = text ? json_loads(text, 0, NULL) : NULL;
    return r ? r : json_object();
}

int amend_attach(db_conn *c, const char *decl_id, json_t *view)
{
    amend_row *rows = calloc(MAX_AMENDS, sizeof *rows);
    if (!rows)
        return DB_ERR;
    int n = store_amends_of(c, decl_id, rows, MAX_AMENDS);
    for (int i = 0; i < n; i++) {
        if (strcmp(rows[i].status, "amendment_review") == 0)
            json_object_set_new(view, "pending_amendment",
                                json_pack("{s:i,s:s,s:o,s:s,s:o,s:b}", "amendment",
                                          rows[i].amendment, "status", rows[i].status, "total_tax",
                                          money_json(rows[i].total_tax), "requested_by",
                                          rows[i].requested_by, "requested_at",
                                          json_timestamp(rows[i].requested_at), "after_clearance",
                                          rows[i].after_clearance));
        amend_row_release(&rows[i]);
    }
    free(rows);
    return n < 0 ? n : 0;
}

/* ---- GET /amendments ------------------------------------------------------------------------- */

typedef struct queue_ctx {
    const char *status;
    amend_row *rows;
    int n;
} queue_ctx;

static int queue_job(db_conn *c, void *ctx)
{
    queue_ctx *x = ctx;
    x->n = store_amends_by_status(c, x->status, x->rows, MAX_QUEUE);
    return x->n < 0 ? x->n : 0;
}

svc_reply svc_amendments_list(app *a, const svc_req *req, const char *status)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "the amendments queue is for customs");
    const char *st = status ? status : "amendment_review";
    int ok = 0;
    for (const char *const *s = statuses; *s; s++)
        ok |= strcmp(*s, st) == 0;
    if (!ok) {
        errs e;
        errs_init(&e);
        errs_add(&e, "enum", "status", "status is amendment_review, accepted, rejected or applied");
        return svc_errors(&e);
    }
    queue_ctx x = {.status = st, .rows = calloc(MAX_QUEUE, sizeof(amend_row))};
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, queue_job, &x) != 0) {
        free(x.rows);
        return svc_error(SVC_ERROR, "storage", "cannot read the amendments");
    }
    json_t *arr = json_array();
    for (int i = 0; i < x.n; i++) {
        amend_row *r = &x.rows[i];
        json_array_append_new(
            arr,
            json_pack("{s:s,s:i,s:s,s:b,s:o,s:o,s:s,s:o,s:o}", "declaration", r->number,
                      "amendment", r->amendment, "status", r->status, "after_clearance",
                      r->after_clearance, "total_tax", money_json(r->total_tax), "customs_value",
                      money_json(r->customs_value), "requested_by", r->requested_by, "requested_at",
                      json_timestamp(r->requested_at), "risk", risk_of(r->risk)));
        amend_row_release(r);
    }
    free(x.rows);
    svc_reply r = {.code = SVC_OK,
                   .body =
                       json_pack("{s:s,s:o,s:i}", "status", st, "amendments", arr, "count", x.n)};
    return r;
}

/* ---- GET /declarations/{number}/versions ----------------------------------------------------- */

/* Scalar differences between two JSON documents, as {path, from, to} (JSON Pointer paths). */
static void diff(json_t *from, json_t *to, const char *path, json_t *out)
{
    if (json_array_size(out) >= MAX_CHANGES)
        return;
    char p[256];
    if (json_is_object(from) && json_is_object(to)) {
        const char *k;
        json_t *v;
        json_object_foreach(from, k, v)
        {
            if (snprintf(p, sizeof p, "%s/%s", path, k) >= (int)sizeof p)
                continue; /* deeper than any declaration field: not a change worth showing */
            diff(v, json_object_get(to, k), p, out);
        }
        json_object_foreach(to, k, v)
        {
            if (!json_object_get(from, k) &&
                snprintf(p, sizeof p, "%s/%s", path, k) < (int)sizeof p) {
                diff(NULL, v, p, out);
            }
        }
        return;
    }
    if (json_is_array(from) && json_is_array(to)) {
        size_t n = json_array_size(from) > json_array_size(to) ? json_array_size(from)
                                                               : json_array_size(to);
        for (size_t i = 0; i < n; i++) {
            if (snprintf(p, sizeof p, "%s/%zu", path, i) >= (int)sizeof p)
                break;
            diff(json_array_get(from, i), json_array_get(to, i), p, out);
        }
        return;
    }
    if (from && to && json_equal(from, to))
        return;
    json_array_append_new(out, json_pack("{s:s,s:O,s:O}", "path", path, "from",
                                         from ? from : json_null(), "to", to ? to : json_null()));
}

typedef struct versions_ctx {
    const char *key;
    decl_row row;
    int found;
    version_row *old;
    int n_old;
    amend_row *am;
    int n_am;
} versions_ctx;

static int versions_job(db_conn *c, void *ctx)
{
    versions_ctx *x = ctx;
    x->found = store_decl_get(c, x->key, &x->row);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    x->n_old = store_versions_of(c, x->row.id, x->old, NUMBER_MAX_AMENDMENT + 1);
    x->n_am = store_amends_of(c, x->row.id, x->am, MAX_AMENDS);
    return x->n_old < 0 ? x->n_old : x->n_am < 0 ? x->n_am : 0;
}

static int can_see(const svc_req *req, const decl_row *r)
{
    return svc_is_customs(req) || strcmp(r->declarant, req->party) == 0 ||
           strcmp(r->party, req->party) == 0;
}

static int64_t total_of(const char *taxes)
{
    json_t *t = taxes ? json_loads(taxes, 0, NULL) : NULL;
    const char *s = json_string_value(
        json_object_get(json_object_get(json_object_get(t, "taxes"), "total"), "amount"));
    int64_t v = s ? strtoll(s, NULL, 10) : 0;
    json_decref(t);
    return v;
}

/* One version: its document and taxes, the amendment record that made it (may be NULL). */
static json_t *version_json(int amendment, const char *status, const char *doc, const char *taxes,
                            int64_t total, const amend_row *am, const char *reg_risk, int customs)
{
    json_t *d = json_loads(doc ? doc : "{}", 0, NULL),
           *t = json_loads(taxes ? taxes : "{}", 0, NULL);
    json_t *tt = json_object_get(t, "taxes");
    json_t *v = json_pack("{s:i,s:s,s:o,s:o,s:O}", "amendment", amendment, "status", status,
                          "total_tax", money_json(total), "declaration", d ? d : json_object(),
                          "taxes", tt ? tt : json_null());
    json_decref(t);
    json_t *risk = risk_of(am ? am->risk : reg_risk);
    if (!customs) { /* rule names and scores stay with customs: the channel and reason codes */
        json_t *slim = json_pack("{s:O}", "channel",
                                 json_object_get(risk, "channel") ? json_object_get(risk, "channel")
                                                                  : json_null());
        json_t *codes = json_array(), *it;
        size_t i;
        json_array_foreach(json_object_get(risk, "reasons"), i, it)
        {
            json_array_append_new(codes, json_pack("{s:O}", "code", json_object_get(it, "code")));
        }
        json_object_set_new(slim, "reasons", codes);
        json_decref(risk);
        risk = slim;
    }
    json_object_set_new(v, "risk", risk);
    if (am) {
        json_object_set_new(v, "requested_by", json_string(am->requested_by));
        json_object_set_new(v, "requested_at", json_timestamp(am->requested_at));
        json_object_set_new(v, "after_clearance", json_boolean(am->after_clearance));
        json_object_set_new(v, "decided_by",
                            am->decided_by[0] ? json_string(am->decided_by) : json_null());
        json_object_set_new(v, "decided_at", json_timestamp(am->decided_at));
        json_object_set_new(v, "note", am->note[0] ? json_string(am->note) : json_null());
    }
    return v;
}

/* The amendment record that produced in-force version k (applied or accepted). */
static const amend_row *made(const versions_ctx *x, int k)
{
    for (int i = x->n_am - 1; i >= 0; i--)
        if (x->am[i].amendment == k &&
            (strcmp(x->am[i].status, "applied") == 0 || strcmp(x->am[i].status, "accepted") == 0))
            return &x->am[i];
    return NULL;
}

svc_reply svc_decl_versions(app *a, const svc_req *req, const char *number)
{
    versions_ctx x = {.key = number};
    x.old = calloc(NUMBER_MAX_AMENDMENT + 1, sizeof *x.old);
    x.am = calloc(MAX_AMENDS, sizeof *x.am);
    svc_reply r = {0};
    if (!x.old || !x.am) {
        r = svc_error(SVC_ERROR, "internal", "out of memory");
        goto out;
    }
    if (store_read(a->st, versions_job, &x) != 0) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the declaration");
        goto out;
    }
    if (x.found != 1 || !x.row.number[0] || !can_see(req, &x.row)) {
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
        goto out;
    }
    int customs = svc_is_customs(req);
    json_t *arr = json_array();
    /* the chain of versions in force one after another, then requests not (yet) applied */
    for (int i = 0; i < x.n_old; i++)
        json_array_append_new(arr, version_json(x.old[i].amendment, "superseded", x.old[i].doc,
                                                x.old[i].taxes, total_of(x.old[i].taxes),
                                                made(&x, x.old[i].amendment), x.row.risk, customs));
    json_array_append_new(arr, version_json(x.row.amendment, "in_force", x.row.doc, x.row.taxes,
                                            x.row.total_tax, made(&x, x.row.amendment), x.row.risk,
                                            customs));
    for (int i = 0; i < x.n_am; i++)
        if (strcmp(x.am[i].status, "amendment_review") == 0 ||
            strcmp(x.am[i].status, "rejected") == 0)
            json_array_append_new(arr, version_json(x.am[i].amendment, x.am[i].status, x.am[i].doc,
                                                    x.am[i].taxes, x.am[i].total_tax, &x.am[i],
                                                    NULL, customs));
    /* what changed: each version against the one in force before it (amendment k - 1) */
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        int k = (int)json_integer_value(json_object_get(v, "amendment"));
        json_t *base = NULL;
        for (size_t j = 0; j < n && k > 0; j++) {
            json_t *w = json_array_get(arr, j);
            const char *st = json_string_value(json_object_get(w, "status"));
            if (json_integer_value(json_object_get(w, "amendment")) == k - 1 &&
                (!strcmp(st, "superseded") || !strcmp(st, "in_force")))
                base = w;
        }
        json_t *changes = json_array();
        if (base)
            diff(json_object_get(base, "declaration"), json_object_get(v, "declaration"), "",
                 changes);
        json_object_set_new(v, "changes", changes);
    }
    r.code = SVC_OK;
    r.body = json_pack("{s:s,s:i,s:o}", "number", x.row.number, "amendment", x.row.amendment,
                       "versions", arr);
out:
    for (int i = 0; x.old && i < x.n_old; i++) {
        free(x.old[i].doc);
        free(x.old[i].taxes);
    }
    for (int i = 0; x.am && i < x.n_am; i++)
        amend_row_release(&x.am[i]);
    free(x.old);
    free(x.am);
    decl_row_release(&x.row);
    return r;
}
