/* Selectivity administration: risk rules (list, create, change, delete), the sampling policy
 * (random and model shares) and the learned models the server may score with. */
#include "service/risk_admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "codec/json_risk.h"
#include "service/app.h"
#include "service/kernel.h"
#include "service/risk_engine.h"
#include "service/risk_training.h"
#include "service/users.h"
#include "store/store_risk.h"
#include "util/decimal.h"

/* ---- risk rules ------------------------------------------------------------------------------ */

static int can_manage_risk(const svc_req *req)
{
    return svc_role_is(req, "risk_officer") || svc_role_is(req, "admin");
}

static json_t *rule_json(const risk_rule *r)
{
    char from[16] = "", to[16] = "", v1[32], v2[32];
    if (r->valid_from)
        date_format(r->valid_from, from);
    if (r->valid_to)
        date_format(r->valid_to, to);
    decimal_format(r->min_value_vnd, 0, v1, sizeof v1);
    decimal_format(r->max_unit_value_vnd, 0, v2, sizeof v2);
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:i,s:b}", "id", (json_int_t)r->id,
        "name", r->name, "hs_prefix", r->hs_prefix, "origin", r->origin, "importer", r->importer,
        "declarant", r->declarant, "type_code", r->type_code, "customs_office", r->office,
        "min_value_vnd", v1, "max_unit_value_vnd", v2, "valid_from",
        from[0] ? json_string(from) : json_null(), "valid_to",
        to[0] ? json_string(to) : json_null(), "action", decl_channel_name((decl_channel)r->action),
        "priority", r->priority, "active", r->active);
    json_object_set_new(o, "shipper", json_string(r->shipper));
    json_object_set_new(o, "duplicate_document", json_boolean(r->duplicate_document));
    return o;
}

typedef struct rules_ctx {
    const svc_req *req;
    risk_rule *rules;
    int n;
    risk_rule one;
    int64_t id;
    int deleted;
} rules_ctx;

static int rules_list_job(db_conn *c, void *ctx)
{
    rules_ctx *x = ctx;
    x->n = store_rule_list(c, x->rules, APP_MAX_RULES);
    return x->n < 0 ? x->n : 0;
}

svc_reply svc_rules_list(app *a, const svc_req *req)
{
    svc_reply r = {0};
    if (!can_manage_risk(req) && !svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "risk rules are for customs staff");
    rules_ctx x = {.rules = calloc(APP_MAX_RULES, sizeof(risk_rule))};
    if (!x.rules)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, rules_list_job, &x) != 0) {
        free(x.rules);
        return svc_error(SVC_ERROR, "storage", "cannot read the risk rules");
    }
    json_t *arr = json_array();
    for (int i = 0; i < x.n; i++)
        json_array_append_new(arr, rule_json(&x.rules[i]));
    free(x.rules);
    r.code = SVC_OK;
    r.body = json_pack("{s:o}", "rules", arr);
    return r;
}

static int rule_put_job(db_conn *c, void *ctx)
{
    rules_ctx *x = ctx;
    int created = x->one.id == 0;
    if (created)
        x->one.id = store_rule_next_id(c);
    int rc = store_rule_put(c, &x->one);
    if (rc == 0) { /* who changed selectivity, and to what (e-Office audit) */
        json_t *d = rule_json(&x->one);
        rc = svc_audit_append(c, x->req, "risk_rules", svc_now(),
                              created ? "rule.create" : "rule.update", d);
        json_decref(d);
    }
    return rc;
}

svc_reply svc_rule_put(app *a, const svc_req *req, int64_t id, const risk_rule *rule, errs *e)
{
    svc_reply r = {0};
    if (!can_manage_risk(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only risk officers manage rules");
    if (svc_body_not_object(e))
        return svc_error(SVC_INVALID, "type", "a rule is a JSON object");
    rules_ctx x = {.req = req, .one = *rule};
    risk_rule *rr = &x.one;
    char why[128];
    if (e->n == 0 && !risk_rule_valid(rr, why, sizeof why))
        errs_add(e, "rule", "", "%s", why);
    if (e->n)
        return svc_errors(e);
    if (id) {
        /* PUT on an absent id is a 404, not a silent create */
        rules_ctx l = {.rules = calloc(APP_MAX_RULES, sizeof(risk_rule))};
        int found = 0;
        if (!l.rules)
            return svc_error(SVC_ERROR, "internal", "out of memory");
        if (store_read(a->st, rules_list_job, &l) != 0) {
            free(l.rules);
            return svc_error(SVC_ERROR, "storage", "cannot read the risk rules");
        }
        for (int i = 0; i < l.n; i++)
            found |= l.rules[i].id == id;
        free(l.rules);
        if (!found)
            return svc_error(SVC_NOT_FOUND, "not_found", "no such rule");
    }
    if (store_write(a->st, rule_put_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot store the rule");
    app_reload_risk(a);
    r.code = id ? SVC_OK : SVC_CREATED;
    r.body = rule_json(rr);
    return r;
}

static int rule_del_job(db_conn *c, void *ctx)
{
    rules_ctx *x = ctx;
    x->deleted = store_rule_delete(c, x->id);
    if (x->deleted != 1)
        return x->deleted < 0 ? x->deleted : 0;
    json_t *d = json_pack("{s:I}", "id", (json_int_t)x->id);
    int rc = svc_audit_append(c, x->req, "risk_rules", svc_now(), "rule.delete", d);
    json_decref(d);
    return rc;
}

svc_reply svc_rule_delete(app *a, const svc_req *req, int64_t id)
{
    svc_reply r = {0};
    if (!can_manage_risk(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only risk officers manage rules");
    rules_ctx x = {.req = req, .id = id};
    if (store_write(a->st, rule_del_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot delete the rule");
    if (!x.deleted)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such rule");
    app_reload_risk(a);
    r.code = SVC_OK;
    r.body = json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", 1);
    return r;
}

/* ---- sampling policy ------------------------------------------------------------------------- */

svc_reply svc_risk_settings_get(app *a, const svc_req *req)
{
    svc_reply r = {0};
    if (!can_manage_risk(req) && !svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "risk settings are for customs staff");
    r.code = SVC_OK;
    r.body = json_object();
    pthread_rwlock_rdlock(&a->risk_lock);
    for (size_t i = 0; i < APP_RISK_SETTINGS; i++) {
        char pct[32]; /* ppm -> percent with 4 decimals: 1 ppm = 0.0001 % */
        decimal_format(*(const uint32_t *)((const char *)&a->policy + app_risk_settings[i].offset),
                       4, pct, sizeof pct);
        json_object_set_new(r.body, app_risk_settings[i].json, json_string(pct));
    }
    pthread_rwlock_unlock(&a->risk_lock);
    return r;
}

typedef struct set_ctx {
    int64_t ppm[APP_RISK_SETTINGS]; /* -1 = unchanged */
    const svc_req *req;
} set_ctx;

static int settings_job(db_conn *c, void *ctx)
{
    set_ctx *x = ctx;
    json_t *d = json_object();
    for (size_t i = 0; i < APP_RISK_SETTINGS; i++) {
        char v[24];
        if (x->ppm[i] < 0)
            continue;
        snprintf(v, sizeof v, "%lld", (long long)x->ppm[i]);
        json_object_set_new(d, app_risk_settings[i].key, json_string(v));
        int rc = store_setting_put(c, app_risk_settings[i].key, v);
        if (rc) {
            json_decref(d);
            return rc;
        }
    }
    int rc = svc_audit_append(c, x->req, "risk_settings", svc_now(), "settings.update", d);
    json_decref(d);
    return rc;
}

/* Body: {"random_red_percent", "random_yellow_percent"} (required: the sampling without a model)
 * and optionally {"model_red_percent", "model_yellow_percent", "exploration_percent"} (the
 * learned score's shares, docs/risk.md). Percents as strings, up to 4 decimals. */
svc_reply svc_risk_settings_put(app *a, const svc_req *req, const int64_t ppm[APP_RISK_SETTINGS],
                                errs *e)
{
    set_ctx x;
    if (!can_manage_risk(req))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "only risk officers change the sampling policy");
    if (svc_body_not_object(e))
        return svc_not_object();
    memcpy(x.ppm, ppm, sizeof x.ppm);
    if (x.ppm[0] >= 0 && x.ppm[1] >= 0 && x.ppm[0] + x.ppm[1] > 1000000)
        errs_add(e, "range", "", "random red and yellow shares together exceed 100%%");
    pthread_rwlock_rdlock(&a->risk_lock);
    int64_t mred = x.ppm[2] >= 0 ? x.ppm[2] : a->policy.model_red_ppm;
    int64_t myel = x.ppm[3] >= 0 ? x.ppm[3] : a->policy.model_yellow_ppm;
    pthread_rwlock_unlock(&a->risk_lock);
    if (mred + myel > 1000000)
        errs_add(e, "range", "", "model red and yellow shares together exceed 100%%");
    if (e->n)
        return svc_errors(e);
    x.req = req;
    if (store_write(a->st, settings_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot store the settings");
    app_reload_risk(a);
    return svc_risk_settings_get(a, req);
}

/* ---- learned selectivity: models --------------------------------------------------- */

typedef struct models_ctx {
    risk_model_row rows[64];
    int n;
} models_ctx;

static int models_job(db_conn *c, void *ctx)
{
    models_ctx *m = ctx;
    m->n = store_risk_model_list(c, m->rows, 64);
    return m->n < 0 ? m->n : 0;
}

svc_reply svc_risk_models(app *a, const svc_req *req)
{
    if (!can_manage_risk(req) && !svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "risk models are for customs staff");
    models_ctx *m = calloc(1, sizeof *m);
    if (!m || store_read(a->st, models_job, m) != 0) {
        free(m);
        return svc_error(SVC_ERROR, "storage", "cannot list the risk models");
    }
    json_t *list = json_array();
    json_t *active = json_null();
    for (int i = 0; i < m->n; i++) {
        risk_model_row *r = &m->rows[i];
        json_array_append_new(list, risk_model_row_json(r));
        if (r->active) {
            json_decref(active);
            active = json_integer(r->version);
        }
        risk_model_row_release(r);
    }
    free(m);
    int64_t in_use = risk_engine_version(a->risk_engine);
    svc_reply r = {.code = SVC_OK};
    r.body = json_pack("{s:o,s:o,s:o}", "active", active, "in_use",
                       in_use ? json_integer(in_use) : json_null(), "models", list);
    return r;
}

/* ---- activation and roll-back ---------------------------------------------------------------- */

typedef struct activate_ctx {
    const svc_req *req;
    int64_t version, previous;
    int found;
} activate_ctx;

static int activate_job(db_conn *c, void *ctx)
{
    activate_ctx *x = ctx;
    x->previous = store_risk_model_active_version(c);
    if (x->previous < 0)
        return (int)x->previous;
    x->found = store_risk_model_activate(c, x->version);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    /* who switched selectivity's model, from which to which (a roll-back is an older version) */
    json_t *d = json_pack("{s:I,s:o}", "version", (json_int_t)x->version, "previous",
                          x->previous > 0 ? json_integer(x->previous) : json_null());
    int rc = svc_audit_append(c, x->req, "risk_model", svc_now(), "model.activate", d);
    json_decref(d);
    return rc;
}

svc_reply svc_risk_model_activate(app *a, const svc_req *req, int64_t version)
{
    if (!can_manage_risk(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only risk officers activate risk models");
    activate_ctx x = {.req = req, .version = version};
    if (store_write(a->st, activate_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot activate the model");
    if (x.found != 1)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such model version");
    svc_reply r = {.code = SVC_OK};
    /* the server's scorer swaps the model in on its next refresh (a few seconds): in_use says
     * when */
    r.body = json_pack("{s:I,s:o}", "active", (json_int_t)version, "previous",
                       x.previous > 0 ? json_integer(x.previous) : json_null());
    return r;
}
