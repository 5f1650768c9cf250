#include "service/post_clearance.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_audit_case.h"
#include "codec/json_fields.h"
#include "core/decl.h"
#include "core/tax.h"
#include "service/audit_log.h"
#include "service/kernel.h"
#include "service/ledger.h"
#include "service/payments.h"
#include "service/users.h"
#include "store/store_audit_cases.h"
#include "util/decimal.h"
#include "util/rand.h"

/* Customs Law 54/2014/QH13: post-clearance inspection reaches back 5 years from the registration
 * of the declaration (the article number was not re-read in this session:
 * docs/post-clearance.md). */
#define PCA_YEARS 5
#define PCA_SCAN_MAX 20000 /* cleared declarations examined per selection */
#define PCA_LIST_MAX 1000
/* scores of the selection (0-100 each, summed; documented in docs/post-clearance.md) */
#define PCA_SCORE_RULE_RED 40
#define PCA_SCORE_RULE_YELLOW 25
#define PCA_SCORE_AMENDED 15 /* per amendment, at most 3 */
#define PCA_SCORE_ANOMALY 35 /* an item's customs value per unit < half the median of its HS8 */
#define PCA_SCORE_MODEL 50   /* x the learned model's adjusted score (0..1) */
#define PCA_ANOMALY_MIN_SAMPLES 3

/* The first legal day a declaration registered at `at` can no longer be audited. */
static date_ymd barred_from(int64_t registered_at)
{
    date_ymd d = date_legal(registered_at);
    date_ymd end = d + PCA_YEARS * 10000;
    if (!date_valid(end)) /* 29 February: the 5 years end on 1 March */
        end = date_add_days(end - 1, 1);
    return date_add_days(end, 1);
}

/* ---- selection ------------------------------------------------------------------------------- */

typedef struct cand {
    char id[33], number[13], party[14];
    int64_t registered_at;
    int score;
    json_t *reasons;
} cand;

typedef struct unit_sample {
    uint32_t hs8;
    double unit; /* customs value (VND) per unit of quantity: a statistic, not money */
    int cand;
} unit_sample;

typedef struct sel_ctx {
    cand *c;
    int n, cap;
    unit_sample *u;
    int nu, capu;
    int err;
} sel_ctx;

/* Room for one more element in heap array arr of *cap elements (n used): doubled when full,
 * `first` the first time. The array (maybe moved), or NULL (arr untouched) when out of memory. */
static void *grow(void *arr, int n, int *cap, size_t elem, int first)
{
    if (n < *cap)
        return arr;
    int c = *cap ? *cap * 2 : first;
    void *g = realloc(arr, (size_t)c * elem);
    if (g)
        *cap = c;
    return g;
}

static void add_reason(cand *c, const char *code, int points, const char *text)
{
    c->score += points;
    json_array_append_new(c->reasons,
                          json_pack("{s:s,s:i,s:s}", "code", code, "points", points, "text", text));
}

static void sel_row(const decl_row *r, void *ctx)
{
    sel_ctx *x = ctx;
    if (x->err)
        return;
    cand *grown = grow(x->c, x->n, &x->cap, sizeof *x->c, 256);
    if (!grown) {
        x->err = 1;
        return;
    }
    x->c = grown;
    cand *c = &x->c[x->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", r->id);
    snprintf(c->number, sizeof c->number, "%s", r->number);
    snprintf(c->party, sizeof c->party, "%s", r->party);
    c->registered_at = r->registered_at;
    c->reasons = json_array();
    /* the risk decision at registration: rules and the learned score */
    json_t *risk = r->risk ? json_loads(r->risk, 0, NULL) : NULL, *it;
    size_t i;
    int red = 0, yellow = 0;
    json_array_foreach(json_object_get(risk, "reasons"), i, it)
    {
        if (strcmp(json_string_value(json_object_get(it, "code"))
                       ? json_string_value(json_object_get(it, "code"))
                       : "",
                   "rule"))
            continue;
        const char *ch = json_string_value(json_object_get(it, "channel"));
        red |= ch && !strcmp(ch, "red");
        yellow |= ch && !strcmp(ch, "yellow");
    }
    if (red || yellow)
        add_reason(c, "rule", red ? PCA_SCORE_RULE_RED : PCA_SCORE_RULE_YELLOW,
                   red ? "a red risk rule matched at registration"
                       : "a yellow risk rule matched at registration");
    json_t *model = json_object_get(risk, "model");
    if (json_is_number(json_object_get(model, "adjusted_score"))) {
        double s = json_number_value(json_object_get(model, "adjusted_score"));
        int pts = (int)lround((s < 0 ? 0 : s > 1 ? 1 : s) * PCA_SCORE_MODEL);
        if (pts > 0)
            add_reason(c, "model", pts, "the learned model's score at registration");
    }
    json_decref(risk);
    if (r->amendment > 0) {
        char t[64];
        snprintf(t, sizeof t, "amended %d time%s", r->amendment, r->amendment > 1 ? "s" : "");
        add_reason(c, "amended", PCA_SCORE_AMENDED * (r->amendment > 3 ? 3 : r->amendment), t);
    }
    /* per-item unit values, for the anomaly pass */
    json_t *doc = r->doc ? json_loads(r->doc, 0, NULL) : NULL;
    json_t *taxes = r->taxes ? json_loads(r->taxes, 0, NULL) : NULL;
    json_t *items = json_object_get(doc, "items"), *titems = json_object_get(taxes, "items");
    json_array_foreach(items, i, it)
    {
        const char *hs = json_string_value(json_object_get(it, "hs_code"));
        const char *q = json_string_value(json_object_get(it, "quantity"));
        const char *cv =
            json_string_value(json_object_get(json_array_get(titems, i), "customs_value"));
        int64_t qty, val;
        if (!hs || strlen(hs) != 8 || !q || !cv ||
            decimal_parse(q, DECIMAL_SCALE_QTY, 0, &qty) != 0 || qty <= 0 ||
            decimal_parse(cv, 0, 0, &val) != 0)
            continue;
        unit_sample *u = grow(x->u, x->nu, &x->capu, sizeof *x->u, 512);
        if (!u) {
            x->err = 1;
            break;
        }
        x->u = u;
        x->u[x->nu++] = (unit_sample){
            (uint32_t)strtoul(hs, NULL, 10),
            (double)val * (double)decimal_pow10(DECIMAL_SCALE_QTY) / (double)qty, x->n - 1};
    }
    json_decref(doc);
    json_decref(taxes);
}

typedef struct sel_read {
    sel_ctx *x;
    int64_t since;
    char (*open)[33];
    int nopen;
} sel_read;

static void open_row(const case_row *r, void *ctx)
{
    sel_read *s = ctx;
    if (s->nopen < PCA_LIST_MAX && (!strcmp(r->status, "open") || !strcmp(r->status, "findings")))
        snprintf(s->open[s->nopen++], 33, "%s", r->decl_id);
}

static int sel_job(db_conn *c, void *ctx)
{
    sel_read *s = ctx;
    int rc = store_decl_cleared_since(c, s->since, PCA_SCAN_MAX, sel_row, s->x);
    if (rc < 0)
        return rc;
    rc = store_case_each(c, NULL, open_row, s, PCA_LIST_MAX);
    return rc < 0 ? rc : s->x->err ? DB_ERR : 0;
}

static int cmp_sample(const void *a, const void *b)
{
    const unit_sample *x = a, *y = b;
    if (x->hs8 != y->hs8)
        return x->hs8 < y->hs8 ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    return x->registered_at < y->registered_at   ? 1
           : x->registered_at > y->registered_at ? -1
                                                 : strcmp(x->id, y->id);
}

/* Value anomalies: per HS8 (with enough samples), an item declared at less than half the median
 * customs value per unit of the same line. */
static void anomalies(sel_ctx *x)
{
    if (x->nu > 1) /* (no samples: no array at all, and qsort must not get NULL) */
        qsort(x->u, (size_t)x->nu, sizeof *x->u, cmp_sample);
    for (int i = 0; i < x->nu;) {
        int j = i;
        while (j < x->nu && x->u[j].hs8 == x->u[i].hs8)
            j++;
        int n = j - i;
        if (n >= PCA_ANOMALY_MIN_SAMPLES) {
            double med = n % 2 ? x->u[i + n / 2].unit
                               : (x->u[i + n / 2 - 1].unit + x->u[i + n / 2].unit) / 2;
            for (int k = i; k < j; k++) {
                cand *c = &x->c[x->u[k].cand];
                if (x->u[k].unit * 2 < med) {
                    int seen = 0;
                    size_t m;
                    json_t *r;
                    json_array_foreach(c->reasons, m, r) seen |=
                        !strcmp(json_string_value(json_object_get(r, "code")), "value_anomaly");
                    if (!seen) {
                        char t[128];
                        snprintf(
                            t, sizeof t,
                            "HS %08u declared at %.0f VND per unit, under half the median %.0f",
                            x->u[k].hs8, x->u[k].unit, med);
                        add_reason(c, "value_anomaly", PCA_SCORE_ANOMALY, t);
                    }
                }
            }
        }
        i = j;
    }
}

svc_reply svc_pca_candidates(app *a, const svc_req *req, const char *limit)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "post-clearance audit is customs' work");
    long lim = 100;
    if (limit) {
        char *end;
        lim = strtol(limit, &end, 10);
        if (*end || lim < 1 || lim > PCA_LIST_MAX) {
            errs e;
            errs_init(&e);
            errs_add(&e, "range", "limit", "limit is 1-%d", PCA_LIST_MAX);
            return svc_errors(&e);
        }
    }
    sel_ctx x = {0};
    /* within the limit: registered on or after the same day 5 years ago */
    date_ymd today = svc_today(), from = today - PCA_YEARS * 10000;
    if (!date_valid(from))
        from = date_add_days(from - 1, 1);
    sel_read s = {&x, date_legal_start(from), calloc(PCA_LIST_MAX, 33), 0};
    if (!s.open || store_read(a->st, sel_job, &s) != 0) {
        for (int i = 0; i < x.n; i++)
            json_decref(x.c[i].reasons);
        free(x.c), free(x.u), free(s.open);
        return svc_error(SVC_ERROR, "storage", "cannot read the cleared declarations");
    }
    anomalies(&x);
    if (x.n > 1)
        qsort(x.c, (size_t)x.n, sizeof *x.c, cmp_cand);
    json_t *arr = json_array();
    for (int i = 0; i < x.n; i++) {
        cand *c = &x.c[i];
        int open = 0;
        for (int k = 0; k < s.nopen && !open; k++)
            open = !strcmp(s.open[k], c->id);
        if (c->score > 0 && !open && (long)json_array_size(arr) < lim)
            json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:O,s:o}", "declaration", c->number,
                                                 "enterprise", c->party, "score", c->score,
                                                 "reasons", c->reasons, "registered_at",
                                                 json_timestamp(c->registered_at)));
        json_decref(c->reasons);
    }
    free(x.c), free(x.u), free(s.open);
    char d[11];
    date_format(from, d);
    svc_reply r = {.code = SVC_OK,
                   .body = json_pack("{s:s,s:i,s:o}", "registered_since", d, "examined", x.n,
                                     "candidates", arr)};
    return r;
}

/* ---- cases ----------------------------------------------------------------------------------- */

static json_t *case_json(const case_row *r)
{
    char at[32], in[32];
    decimal_format(r->additional_tax, 0, at, sizeof at);
    decimal_format(r->interest, 0, in, sizeof in);
    json_t *sel = r->selection ? json_loads(r->selection, 0, NULL) : NULL;
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:b,s:s,s:s,s:i,s:o}", "id", r->id,
                     "declaration", r->number, "enterprise", r->party, "status", r->status,
                     "reason", r->reason, "selection", sel ? sel : json_null(), "opened_by",
                     r->opened_by, "opened_at", json_timestamp(r->opened_at), "findings",
                     r->findings ? json_string(r->findings) : json_null(), "violation",
                     r->violation, "additional_tax", at, "interest", in, "interest_days",
                     r->interest_days, "updated_at", json_timestamp(r->updated_at));
}

typedef struct case_ctx {
    svc_job job; /* first: request, now, reply */
    char number[16];
    const char *id;
    char reason[256];
    audit_findings_in findings; /* its strings borrowed from the request body */
    case_row row;
} case_ctx;

/* Appends the step to the case's chain and the declaration's. */
static int step_events(db_conn *c, case_ctx *x, const char *action, int status)
{
    char chain[48], act[48];
    snprintf(chain, sizeof chain, "audit:%s", x->row.id);
    json_t *d = case_json(&x->row);
    snprintf(act, sizeof act, "audit.%s", action);
    int rc = audit_log_append(c, chain, x->job.now, x->job.req, act, d);
    if (rc == 0) {
        /* the declaration's event names the auditor too */
        json_t *who = svc_event_actor(x->job.req, json_deep_copy(d));
        char *text = json_dumps(who, JSON_COMPACT);
        json_decref(who);
        snprintf(act, sizeof act, "post_clearance.%s", action);
        rc = store_event_append(c, x->row.decl_id, x->job.now, x->job.req->party, x->job.req->role,
                                act, status, status, text);
        free(text);
    }
    json_decref(d);
    return rc < 0 ? rc : 0;
}

/* Every step ends the same way: the case stored in its new state (x->row.status set by the
 * step), the step on both chains, the case as the reply (code), remembered for the
 * Idempotency-Key. dstatus: the declaration's, unchanged by the audit. */
static int step_store(db_conn *c, case_ctx *x, const char *action, int dstatus, svc_code code)
{
    int rc;
    x->row.updated_at = x->job.now;
    if ((rc = store_case_put(c, &x->row)) != 0 || (rc = step_events(c, x, action, dstatus)) != 0)
        return rc;
    x->job.reply.code = code;
    x->job.reply.body = case_json(&x->row);
    return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
}

static int open_job(db_conn *c, void *ctx)
{
    case_ctx *x = ctx;
    decl_row d;
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = store_decl_get_meta(c, x->number, &d);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such declaration"));
    if (d.status != ST_CLEARED && d.status != ST_PASSED) {
        decl_row_release(&d);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "not_cleared",
                                           "post-clearance audit concerns cleared declarations"));
    }
    date_ymd barred = barred_from(d.registered_at);
    if (date_legal(x->job.now) >= barred) {
        char b[11];
        date_format(date_add_days(barred, -1), b);
        decl_row_release(&d);
        char msg[160];
        snprintf(msg, sizeof msg,
                 "registered more than %d years ago: post-clearance audit was possible until %s",
                 PCA_YEARS, b);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "audit_time_barred", msg));
    }
    if ((rc = store_case_open_for(c, d.id)) != 0) {
        decl_row_release(&d);
        return rc < 0
                   ? rc
                   : svc_fail(&x->job, svc_error(SVC_CONFLICT, "case_open",
                                                 "the declaration already has an open audit case"));
    }
    if (rand_hex(x->row.id, 8) != 0) /* an identifier never from an unchecked generator */
        return svc_fail(&x->job, svc_error(SVC_ERROR, "random",
                                           "no randomness for an identifier; retry later"));
    snprintf(x->row.decl_id, sizeof x->row.decl_id, "%s", d.id);
    snprintf(x->row.number, sizeof x->row.number, "%s", d.number);
    snprintf(x->row.party, sizeof x->row.party, "%s", d.party);
    snprintf(x->row.status, sizeof x->row.status, "open");
    snprintf(x->row.reason, sizeof x->row.reason, "%s", x->reason);
    snprintf(x->row.opened_by, sizeof x->row.opened_by, "%s", x->job.req->party);
    x->row.opened_at = x->job.now;
    int status = d.status;
    decl_row_release(&d);
    return step_store(c, x, "open", status, SVC_CREATED);
}

static svc_reply run(app *a, case_ctx *x, store_job_fn fn)
{
    svc_reply r = svc_run_write(a, &x->job, fn, x, "the database refused the audit step");
    case_row_release(&x->row);
    return r;
}

svc_reply svc_pca_open(app *a, const svc_req *req, const audit_case_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "post-clearance audit is customs' work");
    if (svc_write_answered(a, req, e, &r))
        return r;
    case_ctx x = {.job = svc_job_start(req)};
    snprintf(x.number, sizeof x.number, "%s", in->declaration);
    snprintf(x.reason, sizeof x.reason, "%s", in->reason);
    return run(a, &x, open_job);
}

typedef struct list_ctx {
    const char *status, *id;
    json_t *arr;
    case_row one;
    int found;
} list_ctx;

static void list_row(const case_row *r, void *ctx)
{
    json_array_append_new(((list_ctx *)ctx)->arr, case_json(r));
}

static int list_job(db_conn *c, void *ctx)
{
    list_ctx *x = ctx;
    if (x->id) {
        x->found = store_case_get(c, x->id, &x->one);
        return x->found < 0 ? x->found : 0;
    }
    int rc = store_case_each(c, x->status, list_row, x, PCA_LIST_MAX);
    return rc < 0 ? rc : 0;
}

static int status_valid(const char *s)
{
    return !strcmp(s, "open") || !strcmp(s, "findings") || !strcmp(s, "assessed") ||
           !strcmp(s, "closed");
}

svc_reply svc_pca_list(app *a, const svc_req *req, const char *status)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "post-clearance audit is customs' work");
    if (status && !status_valid(status)) {
        errs e;
        errs_init(&e);
        errs_add(&e, "enum", "status", "status is open, findings, assessed or closed");
        return svc_errors(&e);
    }
    list_ctx x = {.status = status, .arr = json_array()};
    if (store_read(a->st, list_job, &x) != 0) {
        json_decref(x.arr);
        return svc_error(SVC_ERROR, "storage", "cannot read the audit cases");
    }
    svc_reply r = {.code = SVC_OK, .body = json_pack("{s:o}", "cases", x.arr)};
    return r;
}

svc_reply svc_pca_get(app *a, const svc_req *req, const char *id)
{
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "post-clearance audit is customs' work");
    list_ctx x = {.id = id};
    if (store_read(a->st, list_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the audit case");
    if (x.found != 1)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such audit case");
    svc_reply r = {.code = SVC_OK, .body = case_json(&x.one)};
    case_row_release(&x.one);
    return r;
}

/* The start of a step on an existing case: a replayed Idempotency-Key answered (1), the case
 * read and required in want_status, its declaration read into d (release it when 0 is returned). */
static int load_case(db_conn *c, case_ctx *x, const char *want_status, decl_row *d)
{
    if (svc_idem_lookup(c, x->job.req, &x->job.reply))
        return 1;
    int rc = store_case_get(c, x->id, &x->row);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such audit case"));
    if (strcmp(x->row.status, want_status) != 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "the case is %s; this step needs it %s", x->row.status,
                 want_status);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "illegal_transition", msg));
    }
    rc = store_decl_get_meta(c, x->row.decl_id, d);
    return rc < 0 ? rc : rc == 0 ? DB_ERR : 0;
}

static int findings_job(db_conn *c, void *ctx)
{
    case_ctx *x = ctx;
    decl_row d;
    int rc = load_case(c, x, "open", &d);
    if (rc != 0)
        return rc;
    x->row.violation = x->findings.violation;
    free(x->row.findings);
    x->row.findings = strdup(x->findings.findings);
    x->row.additional_tax = x->findings.additional_tax;
    /* a violation without tax owed (a fine is another procedure) or no violation: closed */
    snprintf(x->row.status, sizeof x->row.status, "%s",
             x->row.violation && x->row.additional_tax > 0 ? "findings" : "closed");
    int status = d.status;
    decl_row_release(&d);
    return step_store(c, x, "findings", status, SVC_OK);
}

svc_reply svc_pca_findings(app *a, const svc_req *req, const char *id, const audit_findings_in *in,
                           errs *e)
{
    svc_reply r = {0};
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "post-clearance audit is customs' work");
    if (svc_write_answered(a, req, e, &r))
        return r;
    case_ctx x = {.job = svc_job_start(req), .id = id, .findings = *in};
    return run(a, &x, findings_job);
}

static int assess_job(db_conn *c, void *ctx)
{
    case_ctx *x = ctx;
    decl_row d;
    int rc = load_case(c, x, "findings", &d);
    if (rc != 0)
        return rc;
    /* late-payment interest (0.03 %/day) on the tax that should have been paid at release, from
     * the release to the assessment */
    date_ymd from = date_legal(d.cleared_at), to = date_legal(x->job.now);
    int32_t days = date_diff_days(from, to);
    x->row.interest_days = days > 0 ? days : 0;
    x->row.interest = tax_late_interest(x->row.additional_tax, x->row.interest_days);
    char note[160];
    snprintf(note, sizeof note, "post-clearance audit %s", x->row.id);
    rc = pay_ledger_add(c, d.id, d.party, d.status, x->row.additional_tax, x->job.now, x->job.req,
                        note);
    if (rc == 0 && x->row.interest > 0) {
        char f[11], t[11];
        date_format(from, f);
        date_format(to, t);
        ledger_row r = {.at = x->job.now, .amount = x->row.interest};
        snprintf(r.kind, sizeof r.kind, "interest");
        snprintf(r.party, sizeof r.party, "%s", d.party);
        snprintf(r.note, sizeof r.note, "0.03 %%/day x %d days (%s to %s) on VND %lld, audit %s",
                 x->row.interest_days, f, t, (long long)x->row.additional_tax, x->row.id);
        rc = pay_ledger_append(c, d.id, d.status, &r, x->job.req);
        rc = rc < 0 ? rc : 0;
    }
    snprintf(x->row.status, sizeof x->row.status, "assessed");
    int status = d.status;
    decl_row_release(&d);
    return rc != 0 ? rc : step_store(c, x, "assessed", status, SVC_OK);
}

svc_reply svc_pca_assess(app *a, const svc_req *req, const char *id)
{
    svc_reply r = {0};
    if (!svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden", "post-clearance audit is customs' work");
    if (svc_idempotent_replay(a, req, &r))
        return r;
    case_ctx x = {.job = svc_job_start(req), .id = id};
    return run(a, &x, assess_job);
}
