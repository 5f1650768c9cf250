/* Mandates: see mandates.h. */
#include "service/mandates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "codec/json_mandate.h"
#include "service/kernel.h"
#include "service/users.h"
#include "store/store.h"
#include "store/store_mandates.h"

#define MAX_MANDATES 256

int svc_mandate_allows(db_conn *c, const char *enterprise, const char *declarant, date_ymd date)
{
    if (strcmp(enterprise, declarant) == 0)
        return 1;
    return store_mandate_valid(c, enterprise, declarant, date);
}

json_t *svc_mandate_view(const mandate_row *m)
{
    char f[16], t[16];
    date_format(m->valid_from, f);
    date_format(m->valid_to, t);
    json_t *v = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:o,s:b}", "id", (json_int_t)m->id,
                          "enterprise", m->enterprise, "declarant", m->declarant, "valid_from", f,
                          "valid_to", t, "granted_by", m->granted_by, "granted_at",
                          json_timestamp(m->granted_at), "in_force", m->revoked_at == 0);
    json_object_set_new(v, "revoked_at", json_timestamp(m->revoked_at));
    return v;
}

static int own_or_admin(const svc_req *req, const char *tax_code)
{
    return svc_role_is(req, "admin") ||
           (svc_role_is(req, "declarant") && strcmp(req->party, tax_code) == 0);
}

typedef struct mandate_ctx {
    svc_job job; /* first: request, now, reply */
    mandate_row m;
    int64_t id;
    const char *tax_code; /* revoke: the enterprise of the URL */
} mandate_ctx;

static const svc_unknown_party unknown_declarant = {SVC_INVALID, "unknown_party", "/declarant",
                                                    "no such declarant"};
static const svc_unknown_party unknown_enterprise = {SVC_NOT_FOUND, "not_found", "",
                                                     "no such enterprise"};

static int grant_job(db_conn *c, void *ctx)
{
    mandate_ctx *x = ctx;
    int rc = svc_job_begin(c, &x->job, x->m.declarant, &unknown_declarant, NULL);
    if (rc == 0)
        rc = svc_job_party(c, &x->job, x->m.enterprise, &unknown_enterprise, NULL);
    if (rc != 0)
        return rc;
    x->m.id = store_sequence_next(c, "mandate");
    if (x->m.id < 0)
        return (int)x->m.id;
    if ((rc = store_mandate_put(c, &x->m)) != 0)
        return rc;
    x->job.reply.code = SVC_CREATED;
    x->job.reply.body = svc_mandate_view(&x->m);
    /* acting for another enterprise is a grant of authority: audited with the person */
    if ((rc = svc_audit_append(c, x->job.req, "mandates", x->m.granted_at, "mandate.grant",
                               x->job.reply.body)) != 0)
        return rc;
    return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->m.granted_at);
}

svc_reply svc_mandate_grant(app *a, const svc_req *req, const char *tax_code, const mandate_in *in,
                            errs *e)
{
    svc_reply r = {0};
    if (!own_or_admin(req, tax_code))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "only the enterprise itself grants its mandates");
    if (in->declarant[0] && strcmp(in->declarant, tax_code) == 0)
        errs_add(e, "self_mandate", "/declarant", "an enterprise's own declarants need no mandate");
    if (e->n)
        return svc_errors(e);
    if (svc_idempotent_replay(a, req, &r))
        return r;
    mandate_ctx x = {.job = svc_job_start(req)};
    snprintf(x.m.declarant, sizeof x.m.declarant, "%s", in->declarant);
    x.m.valid_from = in->valid_from;
    x.m.valid_to = in->valid_to;
    snprintf(x.m.enterprise, sizeof x.m.enterprise, "%s", tax_code);
    snprintf(x.m.granted_by, sizeof x.m.granted_by, "%s", req->party);
    x.m.granted_at = svc_now();
    if (store_write(a->st, grant_job, &x) < 0) {
        json_decref(x.job.reply.body);
        return svc_error(SVC_ERROR, "storage", "cannot store the mandate");
    }
    return x.job.reply;
}

typedef struct list_ctx {
    const char *enterprise;
    mandate_row *rows;
    int n;
} list_ctx;

static int list_job(db_conn *c, void *ctx)
{
    list_ctx *x = ctx;
    x->n = store_mandate_list(c, x->enterprise, NULL, x->rows, MAX_MANDATES);
    return x->n < 0 ? x->n : 0;
}

svc_reply svc_mandate_list(app *a, const svc_req *req, const char *tax_code)
{
    svc_reply r = {0};
    if (!svc_is_customs(req) &&
        !(svc_role_is(req, "declarant") && strcmp(req->party, tax_code) == 0))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "only the enterprise and customs see its mandates");
    list_ctx x = {.enterprise = tax_code, .rows = calloc(MAX_MANDATES, sizeof(mandate_row))};
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, list_job, &x) != 0) {
        free(x.rows);
        return svc_error(SVC_ERROR, "storage", "cannot read the mandates");
    }
    json_t *arr = json_array();
    for (int i = 0; i < x.n; i++)
        json_array_append_new(arr, svc_mandate_view(&x.rows[i]));
    free(x.rows);
    r.code = SVC_OK;
    r.body = json_pack("{s:s,s:o}", "enterprise", tax_code, "mandates", arr);
    return r;
}

static int revoke_job(db_conn *c, void *ctx)
{
    mandate_ctx *x = ctx;
    int rc = store_mandate_get(c, x->id, &x->m);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(x->m.enterprise, x->tax_code) != 0) {
        x->job.reply = svc_error(SVC_NOT_FOUND, "not_found", "no such mandate");
        return 1;
    }
    if (x->m.revoked_at) {
        x->job.reply =
            svc_error(SVC_CONFLICT, "illegal_transition", "the mandate is already revoked");
        return 1;
    }
    x->m.revoked_at = svc_now();
    snprintf(x->m.revoked_by, sizeof x->m.revoked_by, "%s", x->job.req->party);
    if ((rc = store_mandate_put(c, &x->m)) != 0)
        return rc;
    x->job.reply.code = SVC_OK;
    x->job.reply.body = svc_mandate_view(&x->m);
    return svc_audit_append(c, x->job.req, "mandates", x->m.revoked_at, "mandate.revoke",
                            x->job.reply.body);
}

svc_reply svc_mandate_revoke(app *a, const svc_req *req, const char *tax_code, const char *id)
{
    if (!own_or_admin(req, tax_code))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "only the enterprise itself revokes its mandates");
    char *end;
    long long v = strtoll(id, &end, 10);
    if (*end || v <= 0)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such mandate");
    mandate_ctx x = {.job = svc_job_start(req), .id = v, .tax_code = tax_code};
    if (store_write(a->st, revoke_job, &x) < 0) {
        json_decref(x.job.reply.body);
        return svc_error(SVC_ERROR, "storage", "cannot revoke the mandate");
    }
    return x.job.reply;
}
