/* Routing: the route table (method, path pattern, handler, who may call it) and the mapping
 * from service outcomes to HTTP statuses. A handler reads what HTTP carries (path parameters,
 * query arguments, headers) and calls one service function; the rules live in service/.
 *
 * To add a route: write a handler `static void h_<name>(route_ctx *c)` that calls the service
 * and hands its reply to reply(), add a row to `routes` below, and document the path in
 * data/openapi.json (tests/unit/test_openapi.c checks the two agree). */
#include "http/routes.h"
#include "http/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/json_scan.h"
#include "service/audit_log.h"
#include "service/certificates.h"
#include "service/dashboard.h"
#include "service/hit_rates.h"
#include "service/office.h"
#include "service/users.h"
#include "service/kernel.h"
#include "service/offices.h"
#include "service/calendar.h"
#include "service/post_clearance.h"
#include "service/manifests.h"
#include "service/mandates.h"
#include "service/barcodes.h"
#include "service/gate.h"
#include "service/payments.h"
#include "service/credits.h"
#include "service/statements.h"
#include "service/permits.h"
#include "service/amendments.h"
#include "service/inspection.h"
#include "service/attachments.h"
#include "util/date.h"
#include "util/file.h"
#include "util/log.h"

#define MAX_SEGMENTS 8
#define MAX_PARAMS 3

const char *http_openapi_path; /* set by `ecustoms serve` */

/* ---- outcomes and replies ----------------------------------------------------------------- */

int http_status_of(svc_code code)
{
    switch (code) {
    case SVC_OK: return 200;
    case SVC_CREATED: return 201;
    case SVC_BAD_REQUEST: return 400;
    case SVC_UNAUTHORIZED: return 401;
    case SVC_FORBIDDEN: return 403;
    case SVC_NOT_FOUND: return 404;
    case SVC_CONFLICT: return 409;
    case SVC_INVALID: return 422;
    case SVC_ERROR: return 500;
    case SVC_TOO_MANY: return 429;
    }
    return 500; /* no outcome: a service bug */
}

static void reply(http_response *rs, svc_reply r)
{
    rs->status = http_status_of(r.code);
    rs->json = r.body;
    if (r.text) {
        rs->text = r.text;
        rs->text_len = r.text_len ? r.text_len : strlen(r.text);
        rs->content_type = r.content_type ? r.content_type : "application/json";
    }
}

/* An error of the HTTP layer itself (routing, headers, body), in the service's error shape. */
static void error(http_response *rs, int status, const char *code, const char *msg)
{
    rs->status = status;
    rs->json = json_pack("{s:[{s:s,s:s,s:s}]}", "errors", "code", code, "path", "", "message", msg);
}

/* ---- what a handler gets ------------------------------------------------------------------ */

typedef struct route_ctx {
    app *a;
    const http_request *rq;
    http_response *rs;
    const svc_req *req;
    json_t *body; /* the parsed JSON body of a POST or PUT, or NULL (borrowed) */
    errs *e; /* what the body's decoder found, handed to the service (routes_dispatch's stack) */
    const char *param[MAX_PARAMS]; /* the {…} segments of the pattern, in order */
    const char *session_id;        /* the web portal's session cookie, when it authenticated */
} route_ctx;

static const char *arg(const route_ctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *header(const route_ctx *c, const char *name)
{
    return MHD_lookup_connection_value(c->rq->conn, MHD_HEADER_KIND, name);
}

/* ?name=YYYY-MM-DD, today when absent. -1 (and the reply set) when malformed. */
static int date_arg(route_ctx *c, const char *name, date_ymd *out)
{
    const char *v = arg(c, name);
    *out = svc_today();
    if (v && date_parse(v, out) != 0) {
        error(c->rs, 422, "date", "dates are written YYYY-MM-DD");
        return -1;
    }
    return 0;
}

static int wants_csv(const route_ctx *c)
{
    const char *acc = header(c, "Accept");
    return acc && strstr(acc, "text/csv") != NULL;
}

/* For the decoders that take an object for granted: 1 when the body is one, else 0 with the
 * "type" error at "" that the service answers (svc_body_not_object) before anything else. */
static int body_object(const route_ctx *c)
{
    if (json_is_object(c->body))
        return 1;
    errs_add(c->e, "type", "", "the body must be a JSON object");
    return 0;
}

/* ---- handlers ----------------------------------------------------------------------------- */

#define P0 c->param[0]
#define P1 c->param[1]

static void h_health(route_ctx *c) { c->rs->status = http_health(c->a, &c->rs->json); }

static void h_metrics(route_ctx *c)
{
    c->rs->status = 200;
    c->rs->text = http_metrics_text(c->a);
    c->rs->text_len = c->rs->text ? strlen(c->rs->text) : 0;
    c->rs->content_type = "text/plain; version=0.0.4";
}

static void h_openapi(route_ctx *c)
{
    c->rs->text = file_read_all(http_openapi_path, &c->rs->text_len);
    if (!c->rs->text)
        return error(c->rs, 500, "internal", "openapi.json missing from the data directory");
    c->rs->status = 200;
    c->rs->content_type = "application/json";
}

/* IDA, IDB, amendments: the declaration decoded here, assessed and stored by the service */
static void h_decl_create(route_ctx *c)
{
    decl_in in;
    json_decl_in_decode(c->body, &in, c->e);
    reply(c->rs, svc_decl_create(c->a, c->req, &in, c->e));
    decl_release(&in.d);
}

static void h_decl_modify(route_ctx *c)
{
    decl_in in;
    json_decl_in_decode(c->body, &in, c->e);
    reply(c->rs, svc_decl_modify(c->a, c->req, P0, &in, c->e));
    decl_release(&in.d);
}
static void h_decl_get(route_ctx *c) { reply(c->rs, svc_decl_get(c->a, c->req, P0)); }

static void h_decl_register(route_ctx *c)
{
    int channel;
    reply(c->rs, svc_decl_register(c->a, c->req, P0, &channel));
    if (channel >= 0)
        http_metric_registration(channel);
}

static void h_decl_amend(route_ctx *c)
{
    decl_in in;
    json_decl_in_decode(c->body, &in, c->e);
    reply(c->rs, svc_decl_amend(c->a, c->req, P0, &in, c->e));
    decl_release(&in.d);
}
static void h_decl_cancel(route_ctx *c)
{
    decl_cancel_in in = {0};
    if (body_object(c))
        json_decl_cancel_decode(c->body, &in, c->e);
    reply(c->rs, svc_decl_cancel(c->a, c->req, P0, &in, c->e));
}
static void h_decl_decide(route_ctx *c)
{
    decl_decision_in in = {0};
    if (body_object(c))
        json_decl_decision_decode(c->body, &in, c->e);
    reply(c->rs, svc_decl_decide(c->a, c->req, P0, &in, c->e));
    json_decl_decision_release(&in);
}
static void h_decl_events(route_ctx *c) { reply(c->rs, svc_decl_events(c->a, c->req, P0)); }
static void h_decl_ledger(route_ctx *c) { reply(c->rs, svc_decl_ledger(c->a, c->req, P0)); }
static void h_barcode_svg(route_ctx *c) { reply(c->rs, svc_decl_barcode(c->a, c->req, P0, 0)); }
static void h_barcode_png(route_ctx *c) { reply(c->rs, svc_decl_barcode(c->a, c->req, P0, 1)); }
static void h_qr_svg(route_ctx *c) { reply(c->rs, svc_decl_qr(c->a, c->req, P0, 0)); }
static void h_qr_png(route_ctx *c) { reply(c->rs, svc_decl_qr(c->a, c->req, P0, 1)); }

/* Attachments: the raw body is the file; kind and filename come as query parameters. */
static void h_attach_upload(route_ctx *c)
{
    reply(c->rs, svc_attach_upload(c->a, c->req, P0, arg(c, "kind"), arg(c, "filename"),
                                   header(c, "Content-Type"), c->rq->body, c->req->raw_len,
                                   c->rq->body_too_big));
}

static void h_attach_replace(route_ctx *c)
{
    reply(c->rs, svc_attach_replace(c->a, c->req, P0, P1, arg(c, "kind"), arg(c, "filename"),
                                    header(c, "Content-Type"), c->rq->body, c->req->raw_len,
                                    c->rq->body_too_big));
}

static void h_attach_delete(route_ctx *c) { reply(c->rs, svc_attach_delete(c->a, c->req, P0, P1)); }

static void h_attach_list(route_ctx *c) { reply(c->rs, svc_attach_list(c->a, c->req, P0)); }

static void h_attach_get(route_ctx *c)
{
    reply(c->rs, svc_attach_get(c->a, c->req, P0, P1));
    /* served from the portal's origin: an XML document must never run as a page (XHTML scripts).
     * PDFs and images cannot (with nosniff) and keep the browser's viewers, which a sandbox
     * refuses */
    if (c->rs->status == 200 && !strcmp(c->rs->content_type, "application/xml"))
        c->rs->csp = "sandbox; default-src 'none'";
}

static void h_payment(route_ctx *c)
{
    payment_in in;
    json_payment_decode(c->body, &in, c->e);
    reply(c->rs, svc_payment_create(c->a, c->req, &in, c->e, header(c, "X-Signature")));
}

static void h_guarantee(route_ctx *c)
{
    guarantee_in in;
    json_guarantee_decode(c->body, &in, c->e);
    reply(c->rs, svc_guarantee_create(c->a, c->req, &in, c->e, header(c, "X-Signature")));
}

static void h_bank_due(route_ctx *c) { reply(c->rs, svc_bank_due(c->a, c->req)); }

/* JSON, or CSV for the banks' spreadsheets: ?format=csv or Accept: text/csv */
static void h_bank_reconciliation(route_ctx *c)
{
    date_ymd d;
    const char *fmt = arg(c, "format");
    if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "json"))
        error(c->rs, 422, "format", "format is json or csv");
    else if (date_arg(c, "date", &d) == 0)
        reply(c->rs,
              svc_bank_reconciliation(c->a, c->req, d, fmt ? !strcmp(fmt, "csv") : wants_csv(c)));
}

static void h_statement(route_ctx *c)
{
    reply(c->rs, svc_enterprise_statement(c->a, c->req, P0, arg(c, "from"), arg(c, "to"),
                                          arg(c, "month"), arg(c, "format"), wants_csv(c)));
}

static void h_credits_get(route_ctx *c) { reply(c->rs, svc_credits_get(c->a, c->req, P0)); }
static void h_mandate_list(route_ctx *c) { reply(c->rs, svc_mandate_list(c->a, c->req, P0)); }
static void h_mandate_grant(route_ctx *c)
{
    mandate_in in;
    json_mandate_decode(c->body, date_today(), &in, c->e);
    reply(c->rs, svc_mandate_grant(c->a, c->req, P0, &in, c->e));
}
static void h_mandate_revoke(route_ctx *c)
{
    reply(c->rs, svc_mandate_revoke(c->a, c->req, P0, P1));
}
static void h_credit_apply(route_ctx *c)
{
    credit_apply_in in;
    json_credit_apply_decode(c->body, &in, c->e);
    reply(c->rs, svc_credit_apply(c->a, c->req, P0, &in, c->e));
}
static void h_refund_request(route_ctx *c)
{
    refund_request_in in;
    json_refund_request_decode(c->body, &in, c->e);
    reply(c->rs, svc_refund_request(c->a, c->req, P0, &in, c->e));
}

static void h_refund_decide(route_ctx *c)
{
    refund_decision_in in;
    json_refund_decision_decode(c->body, &in, c->e);
    reply(c->rs, svc_refund_decide(c->a, c->req, P0, P1, &in, c->e));
}

static void h_debts_overdue(route_ctx *c)
{
    reply(c->rs, svc_debts_overdue(c->a, c->req, arg(c, "min_days")));
}

/* A rule id is a positive integer; anything else names no rule. */
static int rule_id(route_ctx *c, int64_t *id)
{
    char *end;
    *id = strtoll(P0, &end, 10);
    if (*end || *id <= 0) {
        error(c->rs, 404, "not_found", "no such rule");
        return -1;
    }
    return 0;
}

static void h_rules_list(route_ctx *c) { reply(c->rs, svc_rules_list(c->a, c->req)); }
/* A rule's body decoded for rule id (0: a new rule). */
static void rule_put(route_ctx *c, int64_t id)
{
    risk_rule rule = {0};
    if (body_object(c))
        json_risk_rule_decode(c->body, id, &rule, c->e);
    reply(c->rs, svc_rule_put(c->a, c->req, id, &rule, c->e));
}

static void h_rule_create(route_ctx *c) { rule_put(c, 0); }

static void h_rule_put(route_ctx *c)
{
    int64_t id;
    if (rule_id(c, &id) == 0)
        rule_put(c, id);
}

static void h_rule_delete(route_ctx *c)
{
    int64_t id;
    if (rule_id(c, &id) == 0)
        reply(c->rs, svc_rule_delete(c->a, c->req, id));
}

static void h_risk_models(route_ctx *c) { reply(c->rs, svc_risk_models(c->a, c->req)); }

/* the share of each rule's, the model's and the other sources' selections that found a violation */
static void h_risk_hit_rates(route_ctx *c)
{
    reply(c->rs, svc_risk_hit_rates(c->a, c->req, arg(c, "from"), arg(c, "to")));
}

static void h_risk_model_activate(route_ctx *c)
{
    char *end;
    int64_t v = strtoll(P0, &end, 10);
    if (*end || v <= 0)
        return error(c->rs, 404, "not_found", "no such model version");
    reply(c->rs, svc_risk_model_activate(c->a, c->req, v));
}
static void h_risk_settings_get(route_ctx *c) { reply(c->rs, svc_risk_settings_get(c->a, c->req)); }
static void h_risk_settings_put(route_ctx *c)
{
    int64_t ppm[APP_RISK_SETTINGS];
    const char *names[APP_RISK_SETTINGS];
    for (size_t i = 0; i < APP_RISK_SETTINGS; i++) {
        names[i] = app_risk_settings[i].json;
        ppm[i] = -1;
    }
    if (body_object(c))
        json_risk_percents_decode(c->body, names, APP_RISK_SETTINGS, ppm, c->e);
    reply(c->rs, svc_risk_settings_put(c->a, c->req, ppm, c->e));
}

static void h_tariff_search(route_ctx *c)
{
    date_ymd d; /* validated though a search is not dated */
    if (date_arg(c, "date", &d) == 0)
        reply(c->rs, svc_tariff_search(c->a, arg(c, "q")));
}

static void h_tariff_get(route_ctx *c)
{
    date_ymd d;
    if (date_arg(c, "date", &d) == 0)
        reply(c->rs, svc_tariff_get(c->a, P0, arg(c, "origin"), d));
}

static void h_tax_quote(route_ctx *c)
{
    date_ymd d;
    if (date_arg(c, "date", &d) != 0)
        return;
    decl doc;
    json_decl_decode(c->body, &doc, c->e);
    reply(c->rs, svc_tax_quote(c->a, c->req, &doc, c->e, d));
    decl_release(&doc);
}

static void h_fx_list(route_ctx *c)
{
    date_ymd d = 0; /* 0: every rate */
    if (!arg(c, "date") || date_arg(c, "date", &d) == 0)
        reply(c->rs, svc_fx_list(c->a, d));
}

static void h_fx_put(route_ctx *c)
{
    fx_rates_in in;
    int decoded = json_fx_rates_decode(c->body, &in, c->e);
    reply(c->rs, svc_fx_put(c->a, c->req, &in, decoded, c->e));
    json_fx_rates_release(&in);
}
/* specialised inspection, amendments under review */
static void h_inspection_result(route_ctx *c)
{
    insp_result_in in = {0}; /* the declarant references a result, an agency records one */
    if (body_object(c))
        json_insp_result_decode(c->body, svc_role_is(c->req, "declarant"), &in, c->e);
    reply(c->rs, svc_inspection_result(c->a, c->req, P0, &in, c->e));
}
static void h_obligations(route_ctx *c) { reply(c->rs, svc_agency_obligations(c->a, c->req)); }
static void h_decl_versions(route_ctx *c) { reply(c->rs, svc_decl_versions(c->a, c->req, P0)); }
static void h_amendment_decide(route_ctx *c)
{
    amend_review_in in = {0};
    if (body_object(c))
        json_amend_review_decode(c->body, &in, c->e);
    reply(c->rs, svc_amendment_decide(c->a, c->req, P0, P1, &in, c->e));
}
static void h_amendments(route_ctx *c)
{
    reply(c->rs, svc_amendments_list(c->a, c->req, arg(c, "status")));
}
static void h_permit_create(route_ctx *c)
{
    permit_in in;
    json_permit_decode(c->body, &in, c->e);
    reply(c->rs, svc_permit_create(c->a, c->req, &in, c->e));
}
static void h_permit_get(route_ctx *c) { reply(c->rs, svc_permit_get(c->a, c->req, P0)); }
static void h_permit_revoke(route_ctx *c)
{
    json_permit_revocation_check(c->body, c->e);
    reply(c->rs, svc_permit_revoke(c->a, c->req, P0, c->e));
}
static void h_cert_create(route_ctx *c)
{
    cert_in in;
    json_certificate_decode(c->body, &in, c->e);
    reply(c->rs, svc_cert_create(c->a, c->req, &in, c->e));
}
static void h_cert_get(route_ctx *c) { reply(c->rs, svc_cert_get(c->a, c->req, P0)); }
static void h_manifest_create(route_ctx *c)
{
    manifest_in m;
    json_manifest_decode(c->body, &m, c->e);
    reply(c->rs, svc_manifest_create(c->a, c->req, &m, c->e));
    manifest_in_release(&m);
}
static void h_manifest_amend(route_ctx *c)
{
    manifest_in m;
    json_manifest_decode(c->body, &m, c->e);
    reply(c->rs, svc_manifest_amend(c->a, c->req, P0, &m, c->e));
    manifest_in_release(&m);
}
static void h_manifest_get(route_ctx *c) { reply(c->rs, svc_manifest_get(c->a, c->req, P0)); }
static void h_public_key(route_ctx *c) { reply(c->rs, svc_barcode_public_key(c->a)); }
static void h_scan(route_ctx *c)
{
    const char *scanned = NULL;
    json_scan_decode(c->body, &scanned, c->e);
    reply(c->rs, svc_supervision_scan(c->a, c->req, scanned, c->e));
}
static void h_gate_event(route_ctx *c)
{
    gate_event_in in;
    json_gate_event_decode(c->body, &in, c->e);
    reply(c->rs, svc_gate_event(c->a, c->req, &in, c->e));
}
static void h_container(route_ctx *c) { reply(c->rs, svc_container_get(c->a, c->req, P0)); }
static void h_container_permit(route_ctx *c)
{
    container_permit_in in;
    json_container_permit_decode(c->body, &in, c->e);
    reply(c->rs, svc_container_permit(c->a, c->req, P0, &in, c->e));
}
static void h_hold_open(route_ctx *c)
{
    hold_in in;
    json_hold_decode(c->body, &in, c->e);
    reply(c->rs, svc_hold_open(c->a, c->req, &in, c->e));
}
static void h_hold_release(route_ctx *c) { reply(c->rs, svc_hold_release(c->a, c->req, P0)); }
/* e-Office and the web portal */
static void h_session_login(route_ctx *c) { http_session_login(c->a, c->rq, c->rs); }
static void h_session_get(route_ctx *c)
{
    reply(c->rs, svc_session_get(c->a, c->req, c->session_id));
}
static void h_session_put(route_ctx *c)
{
    const char *role = NULL;
    json_session_role_decode(c->body, &role, c->e);
    reply(c->rs, svc_session_put(c->a, c->req, c->session_id, role, c->e));
}

static void h_session_delete(route_ctx *c)
{
    reply(c->rs, svc_session_delete(c->a, c->session_id));
    http_session_clear_cookie(c->rq, c->rs);
}

static svc_list_args list_args(const route_ctx *c)
{
    svc_list_args l = {arg(c, "status"),    arg(c, "channel"),    arg(c, "office"),
                       arg(c, "type_code"), arg(c, "enterprise"), arg(c, "from"),
                       arg(c, "to"),        arg(c, "q"),          arg(c, "cursor"),
                       arg(c, "limit")};
    return l;
}

static void h_decl_list(route_ctx *c)
{
    svc_list_args l = list_args(c);
    reply(c->rs, svc_decl_list(c->a, c->req, &l));
}

static void h_worklist(route_ctx *c)
{
    svc_list_args l = list_args(c);
    reply(c->rs, svc_worklist(c->a, c->req, P0, &l));
}

/* the managers' dashboard: JSON, or one table as CSV (?format=csv&table=NAME) */
static void h_dashboard(route_ctx *c)
{
    reply(c->rs, svc_dashboard(c->a, c->req, arg(c, "office"), arg(c, "from"), arg(c, "to"),
                               arg(c, "format"), arg(c, "table")));
}

static void h_decl_claim(route_ctx *c) { reply(c->rs, svc_decl_claim(c->a, c->req, P0)); }
static void h_inspection_extend(route_ctx *c)
{
    decl_extension_in in = {0};
    if (body_object(c))
        json_decl_extension_decode(c->body, &in, c->e);
    reply(c->rs, svc_inspection_extend(c->a, c->req, P0, &in, c->e));
}
static void h_notifications(route_ctx *c)
{
    reply(c->rs, svc_notifications(c->a, c->req, arg(c, "since")));
}

static void h_invalidate(route_ctx *c)
{
    reply(c->rs, svc_admin_invalidate(c->a, c->req, arg(c, "as_of")));
}
/* the administration's audit chains, customs offices, C/O forms, post-clearance audit */
static void h_audit_chain(route_ctx *c)
{
    reply(c->rs, svc_audit_chain(c->a, c->req, arg(c, "chain")));
}
static void h_offices(route_ctx *c) { reply(c->rs, svc_offices_list(c->a)); }
static void h_office_put(route_ctx *c)
{
    office_in in = {0};
    if (body_object(c))
        json_office_decode(c->body, &in, c->e);
    reply(c->rs, svc_office_put(c->a, c->req, P0, &in, c->e));
}
static void h_calendar(route_ctx *c)
{
    reply(c->rs, svc_calendar_list(c->a, arg(c, "from"), arg(c, "to")));
}
static void h_calendar_put(route_ctx *c)
{
    calendar_in in = {0};
    if (body_object(c))
        json_calendar_decode(c->body, &in, c->e);
    reply(c->rs, svc_calendar_put(c->a, c->req, P0, &in, c->e));
}
static void h_cert_forms(route_ctx *c) { reply(c->rs, svc_cert_forms(c->a)); }
static void h_pca_candidates(route_ctx *c)
{
    reply(c->rs, svc_pca_candidates(c->a, c->req, arg(c, "limit")));
}
static void h_pca_open(route_ctx *c)
{
    audit_case_in in;
    json_audit_case_decode(c->body, &in, c->e);
    reply(c->rs, svc_pca_open(c->a, c->req, &in, c->e));
}
static void h_pca_list(route_ctx *c) { reply(c->rs, svc_pca_list(c->a, c->req, arg(c, "status"))); }
static void h_pca_get(route_ctx *c) { reply(c->rs, svc_pca_get(c->a, c->req, P0)); }
static void h_pca_findings(route_ctx *c)
{
    audit_findings_in in;
    json_audit_findings_decode(c->body, &in, c->e);
    reply(c->rs, svc_pca_findings(c->a, c->req, P0, &in, c->e));
}
static void h_pca_assess(route_ctx *c) { reply(c->rs, svc_pca_assess(c->a, c->req, P0)); }

/* ---- the table ---------------------------------------------------------------------------- */

/* Who may call: PUBLIC needs no token; BEARER needs a valid token, and the service checks the
 * token's role (the role rules sit among the procedure's other rules, in service/). */
#define PUBLIC HTTP_ROUTE_PUBLIC
#define BEARER HTTP_ROUTE_BEARER

const http_route http_routes[] = {
    {"GET", "/healthz", h_health, PUBLIC},
    {"GET", "/metrics", h_metrics, PUBLIC},
    {"GET", "/api/v1/openapi.json", h_openapi, PUBLIC},

    {"POST", "/api/v1/declarations", h_decl_create, BEARER},
    {"PUT", "/api/v1/declarations/{id}", h_decl_modify, BEARER},
    {"GET", "/api/v1/declarations/{id}", h_decl_get, BEARER},
    {"POST", "/api/v1/declarations/{id}/register", h_decl_register, BEARER},
    {"POST", "/api/v1/declarations/{id}/amendments", h_decl_amend, BEARER},
    {"POST", "/api/v1/declarations/{id}/cancellation", h_decl_cancel, BEARER},
    {"POST", "/api/v1/declarations/{id}/decisions", h_decl_decide, BEARER},
    {"GET", "/api/v1/declarations/{id}/events", h_decl_events, BEARER},
    {"GET", "/api/v1/declarations/{id}/ledger", h_decl_ledger, BEARER},
    {"POST", "/api/v1/declarations/{id}/inspection-results", h_inspection_result, BEARER},
    {"GET", "/api/v1/declarations/{id}/versions", h_decl_versions, BEARER},
    {"POST", "/api/v1/declarations/{id}/attachments", h_attach_upload, BEARER},
    {"GET", "/api/v1/declarations/{id}/attachments", h_attach_list, BEARER},
    {"GET", "/api/v1/declarations/{id}/attachments/{attachment}", h_attach_get, BEARER},
    {"PUT", "/api/v1/declarations/{id}/attachments/{attachment}", h_attach_replace, BEARER},
    {"DELETE", "/api/v1/declarations/{id}/attachments/{attachment}", h_attach_delete, BEARER},
    {"POST", "/api/v1/declarations/{id}/amendments/{amendment}/decision", h_amendment_decide,
     BEARER},
    {"GET", "/api/v1/amendments", h_amendments, BEARER},
    {"GET", "/api/v1/agencies/me/obligations", h_obligations, BEARER},
    {"GET", "/api/v1/declarations/{id}/barcode.svg", h_barcode_svg, BEARER},
    {"GET", "/api/v1/declarations/{id}/barcode.png", h_barcode_png, BEARER},
    {"GET", "/api/v1/declarations/{id}/qr.svg", h_qr_svg, BEARER},
    {"GET", "/api/v1/declarations/{id}/qr.png", h_qr_png, BEARER},
    {"GET", "/api/v1/barcodes/public-key", h_public_key, BEARER},

    {"POST", "/api/v1/payments", h_payment, BEARER},
    {"POST", "/api/v1/guarantees", h_guarantee, BEARER},
    {"GET", "/api/v1/banks/me/due", h_bank_due, BEARER},
    {"GET", "/api/v1/banks/me/reconciliation", h_bank_reconciliation, BEARER},
    {"GET", "/api/v1/enterprises/{tax_code}/statement", h_statement, BEARER},
    {"GET", "/api/v1/enterprises/{tax_code}/credits", h_credits_get, BEARER},
    {"GET", "/api/v1/enterprises/{tax_code}/mandates", h_mandate_list, BEARER},
    {"POST", "/api/v1/enterprises/{tax_code}/mandates", h_mandate_grant, BEARER},
    {"POST", "/api/v1/enterprises/{tax_code}/mandates/{mandate_id}/revocation", h_mandate_revoke,
     BEARER},
    {"POST", "/api/v1/enterprises/{tax_code}/credits/apply", h_credit_apply, BEARER},
    {"POST", "/api/v1/enterprises/{tax_code}/refunds", h_refund_request, BEARER},
    {"POST", "/api/v1/enterprises/{tax_code}/refunds/{refund_id}/decision", h_refund_decide,
     BEARER},
    {"GET", "/api/v1/debts/overdue", h_debts_overdue, BEARER},

    {"GET", "/api/v1/risk/rules", h_rules_list, BEARER},
    {"POST", "/api/v1/risk/rules", h_rule_create, BEARER},
    {"PUT", "/api/v1/risk/rules/{rule_id}", h_rule_put, BEARER},
    {"DELETE", "/api/v1/risk/rules/{rule_id}", h_rule_delete, BEARER},
    {"GET", "/api/v1/risk/models", h_risk_models, BEARER},
    {"POST", "/api/v1/risk/models/{version}/activation", h_risk_model_activate, BEARER},
    {"GET", "/api/v1/risk/hit-rates", h_risk_hit_rates, BEARER},
    {"GET", "/api/v1/risk/settings", h_risk_settings_get, BEARER},
    {"PUT", "/api/v1/risk/settings", h_risk_settings_put, BEARER},

    {"GET", "/api/v1/tariff", h_tariff_search, BEARER},
    {"GET", "/api/v1/tariff/{hs_code}", h_tariff_get, BEARER},
    {"POST", "/api/v1/tax/quote", h_tax_quote, BEARER},
    {"GET", "/api/v1/exchange-rates", h_fx_list, BEARER},
    {"PUT", "/api/v1/exchange-rates", h_fx_put, BEARER},

    {"POST", "/api/v1/permits", h_permit_create, BEARER},
    {"GET", "/api/v1/permits/{number}", h_permit_get, BEARER},
    {"POST", "/api/v1/permits/{number}/revocation", h_permit_revoke, BEARER},
    {"POST", "/api/v1/certificates-of-origin", h_cert_create, BEARER},
    {"GET", "/api/v1/certificates-of-origin/{number}", h_cert_get, BEARER},

    {"POST", "/api/v1/manifests", h_manifest_create, BEARER},
    {"PUT", "/api/v1/manifests/{manifest_id}", h_manifest_amend, BEARER},
    {"GET", "/api/v1/manifests/{manifest_id}", h_manifest_get, BEARER},
    {"POST", "/api/v1/supervision/scan", h_scan, BEARER},
    {"POST", "/api/v1/gate-events", h_gate_event, BEARER},
    {"GET", "/api/v1/containers/{container}", h_container, BEARER},
    {"POST", "/api/v1/containers/{container}/manifest-permissions", h_container_permit, BEARER},
    {"POST", "/api/v1/holds", h_hold_open, BEARER},
    {"POST", "/api/v1/holds/{hold_id}/release", h_hold_release, BEARER},

    {"POST", "/api/v1/admin/invalidate", h_invalidate, BEARER},
    {"GET", "/api/v1/admin/audit", h_audit_chain, BEARER},

    /* e-Office: BEARER routes also take the web portal's session cookie */
    {"POST", "/api/v1/session", h_session_login, PUBLIC},
    {"GET", "/api/v1/session", h_session_get, BEARER},
    {"PUT", "/api/v1/session", h_session_put, BEARER},
    {"DELETE", "/api/v1/session", h_session_delete, BEARER},
    {"GET", "/api/v1/declarations", h_decl_list, BEARER},
    {"POST", "/api/v1/declarations/{id}/claim", h_decl_claim, BEARER},
    {"POST", "/api/v1/declarations/{id}/inspection-extension", h_inspection_extend, BEARER},
    {"GET", "/api/v1/worklists/{queue}", h_worklist, BEARER},
    {"GET", "/api/v1/notifications", h_notifications, BEARER},
    {"GET", "/api/v1/dashboard", h_dashboard, BEARER},

    {"GET", "/api/v1/customs-offices", h_offices, BEARER},
    {"PUT", "/api/v1/customs-offices/{code}", h_office_put, BEARER},
    {"GET", "/api/v1/calendar", h_calendar, BEARER},
    {"PUT", "/api/v1/calendar/{date}", h_calendar_put, BEARER},
    {"GET", "/api/v1/reference/co-forms", h_cert_forms, BEARER},

    {"GET", "/api/v1/post-clearance/candidates", h_pca_candidates, BEARER},
    {"POST", "/api/v1/post-clearance/cases", h_pca_open, BEARER},
    {"GET", "/api/v1/post-clearance/cases", h_pca_list, BEARER},
    {"GET", "/api/v1/post-clearance/cases/{case_id}", h_pca_get, BEARER},
    {"POST", "/api/v1/post-clearance/cases/{case_id}/findings", h_pca_findings, BEARER},
    {"POST", "/api/v1/post-clearance/cases/{case_id}/assessment", h_pca_assess, BEARER},
};
const size_t http_n_routes = sizeof http_routes / sizeof *http_routes;

/* ---- matching ----------------------------------------------------------------------------- */

/* Splits "/api/v1/declarations/123/events" into its segments; -1 when too many or too long. */
static int split(const char *url, char seg[MAX_SEGMENTS][64])
{
    int n = 0;
    const char *p = url;
    while (*p && n < MAX_SEGMENTS) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= 64)
            return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = 0;
        n++;
        p += len;
    }
    return *p ? -1 : n;
}

/* 1 when the URL's segments fit the pattern; its {…} segments go to param. */
static int match(const char *pattern, char seg[MAX_SEGMENTS][64], int n,
                 const char *param[MAX_PARAMS])
{
    int i = 0, np = 0;
    const char *p = pattern;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (i >= n)
            return 0;
        if (p[0] == '{') {
            if (np < MAX_PARAMS)
                param[np++] = seg[i];
        } else if (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0) {
            return 0;
        }
        i++;
        p += len;
    }
    return i == n;
}

/* The route for method and URL: NULL when none, with *path_known set when the path exists under
 * another method (405 rather than 404). */
static const http_route *find(const char *method, char seg[MAX_SEGMENTS][64], int n,
                              const char *param[MAX_PARAMS], int public, int *path_known)
{
    *path_known = 0;
    for (size_t i = 0; i < http_n_routes; i++) {
        const http_route *r = &http_routes[i];
        if ((r->access == HTTP_ROUTE_PUBLIC) != public || !match(r->pattern, seg, n, param))
            continue;
        if (!strcmp(r->method, method))
            return r;
        *path_known = 1;
    }
    return NULL;
}

static void method_not_allowed(http_response *rs, char seg[MAX_SEGMENTS][64], int n)
{
    const char *param[MAX_PARAMS];
    char msg[64] = "allowed:";
    for (size_t i = 0; i < http_n_routes; i++)
        if (match(http_routes[i].pattern, seg, n, param) && strlen(msg) + 8 < sizeof msg)
            snprintf(msg + strlen(msg), sizeof msg - strlen(msg), " %s", http_routes[i].method);
    error(rs, 405, "method", msg);
}

/* ---- dispatch ----------------------------------------------------------------------------- */

void routes_dispatch(app *a, const http_request *rq, http_response *rs)
{
    char seg[MAX_SEGMENTS][64];
    const char *m = rq->method;
    errs decoded; /* one list per request, on this stack (docs/architecture.md, "Memory") */
    errs_init(&decoded);
    route_ctx c = {.a = a, .rq = rq, .rs = rs, .e = &decoded};
    int known;
    if (http_web_static(rq, rs)) /* the web portal's pages: GET / and /web/<file> */
        return;
    int n = split(rq->url, seg);
    const http_route *route = n < 0 ? NULL : find(m, seg, n, c.param, 1, &known);
    if (route)
        return route->fn(&c);
    if (n < 3 || strcmp(seg[0], "api") || strcmp(seg[1], "v1"))
        return error(rs, 404, "not_found", "no such resource");

    /* authentication: bearer token, or the web portal's session cookie (+ CSRF check) */
    svc_req req = {0};
    const char *session_id = NULL;
    if (!http_authenticate(a, rq, &req, rs, &session_id))
        return;
    c.req = &req;
    c.session_id = session_id;

    /* body */
    int post = !strcmp(m, "POST"), put = !strcmp(m, "PUT");
    if (post || put) {
        const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
        /* an attachment's body is the file itself: the service checks its size and type */
        int raw = (post || put) && svc_attach_is_upload_path(rq->url);
        if (rq->body_too_big && !raw)
            return error(rs, 413, "too_large", "the body exceeds 1 MiB");
        /* a POST without a body (register, admin/invalidate) has nothing to type-check */
        if (!raw && (rq->body_len > 0 || !post)) {
            if (!ct || strncasecmp(ct, "application/json", 16) != 0)
                return error(rs, 400, "content_type", "send Content-Type: application/json");
            json_error_t je;
            c.body =
                json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
            if (!c.body) {
                char msg[200];
                snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", je.line,
                         je.column, je.text);
                return error(rs, 400, "malformed_json", msg);
            }
        }
        /* the Idempotency-Key binds to this party, method, path and exact body */
        req.raw_body = rq->body;
        req.raw_len = rq->body ? rq->body_len : 0; /* an upload over its cap was dropped */
        req.idem_key = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Idempotency-Key");
        if (req.idem_key && (strlen(req.idem_key) == 0 || strlen(req.idem_key) > 128)) {
            json_decref(c.body);
            return error(rs, 400, "idempotency_key", "Idempotency-Key must be 1-128 characters");
        }
        svc_request_hash(m, rq->url, rq->body, req.raw_len, req.request_hash);
    }

    route = find(m, seg, n, c.param, 0, &known);
    if (route)
        route->fn(&c);
    else if (known)
        method_not_allowed(rs, seg, n);
    else
        error(rs, 404, "not_found", "no such resource");
    json_decref(c.body);
}
