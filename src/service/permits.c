/* e-Permit use cases (see service/permits.h).
 *
 * An agency party (tokens of role agency) is bound to agency codes of data/tariff/procedures.tsv
 * (`ecustoms agency bind`). It issues permits only for HS codes whose lines list a procedure of
 * one of its agencies. A procedure of stage before_registration is enforced at IDC once its
 * agency is connected (at least one party bound to it): ministries join the single window one
 * by one, and until then their licences are checked on paper. */
#include "service/permits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_permit.h"
#include "service/kernel.h"
#include "store/store_permits.h"
#include "util/decimal.h"

/* ---- views ---------------------------------------------------------------------------------- */

static json_t *qty_json(int64_t q)
{
    char buf[40];
    decimal_format(q, DECIMAL_SCALE_QTY, buf, sizeof buf);
    return json_string(buf);
}

static json_t *date_json(date_ymd d)
{
    char buf[16];
    date_format(d, buf);
    return json_string(buf);
}

static json_t *permit_view(const permit_row *p)
{
    json_t *hs = json_array();
    char tmp[sizeof p->hs_codes];
    snprintf(tmp, sizeof tmp, "%s", p->hs_codes);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(hs, json_string(t));
    json_t *v = json_object();
    json_object_set_new(v, "number", json_string(p->number));
    json_object_set_new(v, "agency", json_string(p->agency));
    json_object_set_new(v, "issuer", json_string(p->issuer));
    json_object_set_new(v, "enterprise", json_string(p->enterprise));
    json_object_set_new(v, "procedure", p->procedure[0] ? json_string(p->procedure) : json_null());
    json_object_set_new(v, "hs_codes", hs);
    json_object_set_new(v, "quantity", qty_json(p->quantity));
    json_object_set_new(v, "unit", json_string(p->unit));
    json_object_set_new(v, "used", qty_json(p->used));
    json_object_set_new(v, "remaining", qty_json(p->quantity - p->used));
    json_object_set_new(v, "valid_from", date_json(p->valid_from));
    json_object_set_new(v, "valid_to", date_json(p->valid_to));
    json_object_set_new(v, "status", json_string(p->revoked_at ? "revoked" : "issued"));
    if (p->revoked_at) {
        char ts[24];
        date_format_timestamp((time_t)p->revoked_at, ts);
        json_object_set_new(v, "revoked_at", json_string(ts));
    }
    return v;
}

/* ---- procedures of an agency ----------------------------------------------------------------- */

static int line_has_procedure(const tariff_line *l, const char *agency, const char *legal_ref)
{
    for (int i = 0; i < l->n_procedures; i++) {
        const tariff_procedure *p = &l->procedures[i];
        if (strcmp(p->agency, agency) == 0 && strcmp(p->stage, "info") != 0 &&
            strcmp(p->stage, "prohibited") != 0 &&
            (!legal_ref || strcmp(p->legal_ref, legal_ref) == 0))
            return 1;
    }
    return 0;
}

/* 1 when some tariff line under the HS prefix lists a licensing procedure of agency. */
static int agency_covers(const tariff *t, const char *prefix, const char *agency,
                         const char *legal_ref)
{
    size_t n = strlen(prefix);
    if (n == 8) {
        const tariff_line *l = tariff_find(t, (uint32_t)strtoul(prefix, NULL, 10));
        return l && line_has_procedure(l, agency, legal_ref);
    }
    size_t count = tariff_count(t);
    for (size_t i = 0; i < count; i++) {
        const tariff_line *l = tariff_at(t, i);
        char code[12];
        snprintf(code, sizeof code, "%08u", l->hs8);
        if (strncmp(code, prefix, n) == 0 && line_has_procedure(l, agency, legal_ref))
            return 1;
    }
    return 0;
}

static int hs_covered(const char *list, const char *hs8)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strncmp(hs8, t, strlen(t)) == 0)
            return 1;
    return 0;
}

/* ---- POST /permits --------------------------------------------------------------------------- */

typedef struct permit_ctx {
    svc_job job; /* first: request, now, reply */
    permit_row row;
    const char *key;
    int forbidden_checked;
} permit_ctx;

static const svc_unknown_party unknown_enterprise = {
    SVC_INVALID, "enterprise_unknown", "/enterprise",
    "enterprise %s is not registered with customs"};

static int create_job(db_conn *c, void *ctx)
{
    permit_ctx *x = ctx;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = store_agency_bound(c, x->job.req->party, x->row.agency);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "party %s is not bound to agency %s", x->job.req->party,
                 x->row.agency);
        return svc_fail(&x->job, svc_error(SVC_FORBIDDEN, "agency_not_bound", msg));
    }
    if ((rc = svc_job_party(c, &x->job, x->row.enterprise, &unknown_enterprise, NULL)) != 0)
        return rc;
    rc = store_permit_insert(c, &x->row);
    if (rc == DB_CONSTRAINT)
        return svc_fail(&x->job,
                        svc_error(SVC_CONFLICT, "duplicate", "a permit with this number exists"));
    if (rc != 0)
        return rc;
    x->job.reply.code = SVC_CREATED;
    x->job.reply.body = permit_view(&x->row);
    return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
}

svc_reply svc_permit_create(app *a, const svc_req *req, const permit_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "agency"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only licensing agencies issue permits");
    if (svc_write_answered(a, req, e, &r))
        return r;
    permit_ctx x = {.job = svc_job_start(req)};
    permit_row *p = &x.row;
    snprintf(p->number, sizeof p->number, "%s", in->number);
    snprintf(p->enterprise, sizeof p->enterprise, "%s", in->enterprise);
    snprintf(p->agency, sizeof p->agency, "%s", in->agency);
    snprintf(p->procedure, sizeof p->procedure, "%s", in->procedure);
    snprintf(p->hs_codes, sizeof p->hs_codes, "%s", in->hs_codes);
    snprintf(p->unit, sizeof p->unit, "%s", in->unit);
    snprintf(p->issuer, sizeof p->issuer, "%s", req->party);
    p->quantity = in->quantity;
    p->valid_from = in->valid_from;
    p->valid_to = in->valid_to;
    p->created_at = x.job.now;
    /* the agency issues only within its procedures */
    const char *proc = in->has_procedure ? in->procedure : NULL;
    for (int i = 0; i < in->n_hs; i++) {
        if (!agency_covers(a->tariff, in->hs[i], in->agency, proc)) {
            char msg[200];
            snprintf(msg, sizeof msg, "agency %s has no %sprocedure for HS %s", in->agency,
                     proc ? "such " : "", in->hs[i]);
            return svc_error(SVC_FORBIDDEN, "outside_procedures", msg);
        }
    }
    return svc_run_write(a, &x.job, create_job, &x, "the database refused the change");
}

/* ---- GET /permits/{number} ------------------------------------------------------------------- */

typedef struct get_ctx {
    const char *number;
    permit_row row;
    int found;
} get_ctx;

static int get_job(db_conn *c, void *ctx)
{
    get_ctx *x = ctx;
    x->found = store_permit_get(c, x->number, &x->row);
    return x->found < 0 ? x->found : 0;
}

static int can_see(const svc_req *req, const permit_row *p)
{
    return svc_is_customs(req) ||
           (svc_role_is(req, "agency") && strcmp(req->party, p->issuer) == 0) ||
           (svc_role_is(req, "declarant") && strcmp(req->party, p->enterprise) == 0);
}

svc_reply svc_permit_get(app *a, const svc_req *req, const char *number)
{
    get_ctx x = {.number = number};
    if (store_read(a->st, get_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the permit");
    if (x.found != 1 || !can_see(req, &x.row))
        return svc_error(SVC_NOT_FOUND, "not_found", "no such permit");
    svc_reply r = {.code = SVC_OK, .body = permit_view(&x.row)};
    return r;
}

/* ---- POST /permits/{number}/revocation ------------------------------------------------------- */

static int revoke_job(db_conn *c, void *ctx)
{
    permit_ctx *x = ctx;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = store_permit_get(c, x->key, &x->row);
    if (rc < 0)
        return rc;
    if (rc == 0 || !can_see(x->job.req, &x->row))
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such permit"));
    if (!svc_role_is(x->job.req, "agency") || strcmp(x->job.req->party, x->row.issuer) != 0)
        return svc_fail(&x->job, svc_error(SVC_FORBIDDEN, "forbidden",
                                           "only the issuing agency revokes a permit"));
    if (x->row.revoked_at)
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "illegal_transition",
                                           "the permit is already revoked"));
    if ((rc = store_permit_revoke(c, x->key, x->job.now)) != 0)
        return rc;
    x->row.revoked_at = x->job.now;
    x->job.reply.code = SVC_OK;
    x->job.reply.body = permit_view(&x->row);
    return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
}

svc_reply svc_permit_revoke(app *a, const svc_req *req, const char *number, errs *e)
{
    svc_reply r = {0};
    if (e->n)
        return svc_error(SVC_INVALID, e->items[0].code, e->items[0].message);
    if (svc_idempotent_replay(a, req, &r))
        return r;
    permit_ctx x = {.job = svc_job_start(req), .key = number};
    return svc_run_write(a, &x.job, revoke_job, &x, "the database refused the change");
}

/* ---- the registration check ------------------------------------------------------------------ */

/* Why permit p cannot cover item it (NULL when it can, quantity aside). */
static const char *permit_problem(const permit_row *p, const decl_item *it, const char *enterprise,
                                  date_ymd date)
{
    if (strcmp(p->enterprise, enterprise) != 0)
        return "issued to another enterprise";
    if (p->revoked_at)
        return "revoked";
    if (date < p->valid_from)
        return "not yet valid";
    if (date > p->valid_to)
        return "expired";
    if (!hs_covered(p->hs_codes, it->hs_code))
        return "does not cover the HS code";
    if (strcmp(p->unit, it->unit) != 0)
        return "issued in another unit";
    return NULL;
}

int permits_check_and_draw(db_conn *c, const tariff *t, const decl *d, const char *decl_id,
                           const char *enterprise, date_ymd date, int64_t now, errs *e)
{
    for (int i = 0; i < d->n_items; i++) {
        const decl_item *it = &d->items[i];
        const tariff_line *l = tariff_find(t, (uint32_t)strtoul(it->hs_code, NULL, 10));
        if (!l)
            continue;
        for (int k = 0; k < l->n_procedures; k++) {
            const tariff_procedure *pr = &l->procedures[k];
            if (strcmp(pr->stage, "before_registration") != 0 ||
                !tariff_procedure_applies(pr, d->kind == DECL_EXPORT))
                continue;
            int seen = 0; /* one permit per agency and item */
            for (int j = 0; j < k && !seen; j++)
                seen = strcmp(l->procedures[j].agency, pr->agency) == 0 &&
                       strcmp(l->procedures[j].stage, "before_registration") == 0;
            if (seen)
                continue;
            int rc = store_agency_connected(c, pr->agency);
            if (rc < 0)
                return rc;
            if (rc == 0)
                continue;
            char why[200] = "";
            int ok = 0;
            for (int m = 0; m < it->n_permits && !ok; m++) {
                permit_row p;
                rc = store_permit_get(c, it->permits[m], &p);
                if (rc < 0)
                    return rc;
                if (rc == 0 || strcmp(p.agency, pr->agency) != 0)
                    continue;
                const char *problem = permit_problem(&p, it, enterprise, date);
                if (!problem) {
                    rc = store_permit_draw(c, p.number, it->quantity);
                    if (rc < 0)
                        return rc;
                    if (rc == 0)
                        problem = "remaining quantity is less than the item quantity";
                }
                if (problem) {
                    size_t n = strlen(why);
                    snprintf(why + n, sizeof why - n, "%spermit %s %s", n ? "; " : ": ", p.number,
                             problem);
                    continue;
                }
                if ((rc = store_permit_usage_add(c, p.number, decl_id, i + 1, p.agency,
                                                 it->quantity, now)) < 0)
                    return rc;
                ok = 1;
            }
            if (!ok) {
                char path[48];
                snprintf(path, sizeof path, "/items/%d/permits", i);
                errs_add(e, why[0] ? "permit_invalid" : "permit_missing", path,
                         "%s requires a permit of %s (procedure %s)%s", it->hs_code, pr->agency,
                         pr->legal_ref, why[0] ? why : ": none referenced");
            }
        }
    }
    return 0;
}

/* ---- permits used, in the declaration view --------------------------------------------------- */

#define MAX_USAGES 256

typedef struct used_ctx {
    const char *decl_id;
    permit_usage *u;
    int n;
} used_ctx;

static int used_job(db_conn *c, void *ctx)
{
    used_ctx *x = ctx;
    x->n = store_permit_usages(c, x->decl_id, x->u, MAX_USAGES);
    return x->n < 0 ? x->n : 0;
}

void permits_attach_used(app *a, const char *decl_id, json_t *view)
{
    used_ctx x = {.decl_id = decl_id};
    x.u = calloc(MAX_USAGES, sizeof *x.u);
    if (!x.u)
        return;
    if (store_read(a->st, used_job, &x) == 0) {
        json_t *items = json_object_get(view, "items");
        for (int i = 0; i < x.n; i++) {
            json_t *it = json_array_get(items, (size_t)x.u[i].line - 1);
            if (!it)
                continue;
            json_t *arr = json_object_get(it, "permits_used");
            if (!arr) {
                arr = json_array();
                json_object_set_new(it, "permits_used", arr);
            }
            json_array_append_new(arr,
                                  json_pack("{s:s,s:s,s:o}", "number", x.u[i].permit, "agency",
                                            x.u[i].agency, "quantity", qty_json(x.u[i].quantity)));
        }
    }
    free(x.u);
}
