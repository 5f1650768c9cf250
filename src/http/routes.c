#include "http/routes.h"
#include "http/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "service/internal.h"
#include "service/certificates.h"
#include "service/permits.h"
#include "service/payments.h"
#include "service/manifests.h"
#include "util/date.h"
#include "util/file.h"
#include "util/log.h"

#define MAX_SEGMENTS 8

extern const char *http_openapi_path;

static void reply(http_response *rs, svc_reply r)
{
    rs->status = (int)r.code;
    rs->json = r.body;
    if (r.text) {
        rs->text = r.text;
        rs->text_len = r.text_len ? r.text_len : strlen(r.text);
        rs->content_type = r.content_type ? r.content_type : "application/json";
    }
}

static void error(http_response *rs, int status, const char *code, const char *msg)
{
    reply(rs, svc_error((svc_code)status, code, msg));
}

/* Splits "/api/v1/declarations/123/events" into segments after /api/v1. */
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

static const char *arg(const http_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int date_arg(const http_request *rq, const char *name, date_ymd *out, http_response *rs)
{
    const char *v = arg(rq, name);
    *out = date_today();
    if (v && date_parse(v, out) != 0) {
        error(rs, 422, "date", "dates are written YYYY-MM-DD");
        return -1;
    }
    return 0;
}


void routes_dispatch(app *a, const http_request *rq, http_response *rs)
{
    char seg[MAX_SEGMENTS][64];
    const char *m = rq->method;
    int get = !strcmp(m, "GET"), post = !strcmp(m, "POST"), put = !strcmp(m, "PUT"),
        del = !strcmp(m, "DELETE");

    if (get && !strcmp(rq->url, "/healthz")) {
        rs->status = 200;
        rs->json = json_pack("{s:s}", "status", "ok");
        return;
    }
    if (get && !strcmp(rq->url, "/metrics")) {
        rs->status = 200;
        rs->text = http_metrics_text(a);
        rs->text_len = rs->text ? strlen(rs->text) : 0;
        rs->content_type = "text/plain; version=0.0.4";
        return;
    }
    if (get && !strcmp(rq->url, "/api/v1/openapi.json")) {
        rs->text = file_read_all(http_openapi_path, &rs->text_len);
        if (!rs->text)
            return error(rs, 500, "internal", "openapi.json missing from the data directory");
        rs->status = 200;
        rs->content_type = "application/json";
        return;
    }
    if (http_web_static(rq, rs)) /* the web portal's pages (issue 16) */
        return;
    int n = split(rq->url, seg);
    if (n < 3 || strcmp(seg[0], "api") || strcmp(seg[1], "v1"))
        return error(rs, 404, "not_found", "no such resource");

    /* authentication: bearer token, or the web portal's session cookie (+ CSRF check) */
    svc_req req = {0};
    const char *session_id = NULL;
    int sign_in = post && n == 3 && !strcmp(seg[2], "session");
    if (!sign_in && !http_authenticate(a, rq, &req, rs, &session_id))
        return;

    /* body */
    json_t *body = NULL;
    if (post || put) {
        const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
        if (rq->body_too_big)
            return error(rs, 413, "too_large", "the body exceeds 1 MiB");
        /* a POST without a body (register, admin/invalidate) has nothing to type-check */
        if (rq->body_len > 0 || !post) {
            if (!ct || strncasecmp(ct, "application/json", 16) != 0)
                return error(rs, 400, "content_type", "send Content-Type: application/json");
            json_error_t je;
            body = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
            if (!body) {
                char msg[200];
                snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", je.line,
                         je.column, je.text);
                return error(rs, 400, "malformed_json", msg);
            }
        }
        /* the Idempotency-Key binds to this party, method, path and exact body */
        req.raw_body = rq->body;
        req.raw_len = rq->body_len;
        req.idem_key = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Idempotency-Key");
        if (req.idem_key && (strlen(req.idem_key) == 0 || strlen(req.idem_key) > 128)) {
            json_decref(body);
            return error(rs, 400, "idempotency_key", "Idempotency-Key must be 1-128 characters");
        }
        size_t hl = strlen(m) + strlen(rq->url) + rq->body_len + 2;
        char *h = malloc(hl + 1);
        if (h) {
            int k = snprintf(h, hl + 1, "%s %s\n", m, rq->url);
            if (rq->body_len)
                memcpy(h + k, rq->body, rq->body_len);
            svc_sha256_hex(h, (size_t)k + rq->body_len, req.request_hash);
            free(h);
        }
    }

    if (sign_in) {
        http_session_login(a, rq, rs, body);
        json_decref(body);
        return;
    }
    if (http_web_routes(a, rq, rs, &req, seg, n, body, session_id)) { /* e-Office (issue 16) */
        json_decref(body);
        return;
    }
    const char *res = seg[2];
    if (!strcmp(res, "declarations")) {
        if (n == 3 && post)
            reply(rs, svc_decl_create(a, &req, body));
        else if (n == 4 && put)
            reply(rs, svc_decl_modify(a, &req, seg[3], body));
        else if (n == 4 && get)
            reply(rs, svc_decl_get(a, &req, seg[3]));
        else if (n == 5 && post && !strcmp(seg[4], "register")) {
            reply(rs, svc_decl_register(a, &req, seg[3]));
            if (rs->status == 200)
                http_metric_registration((int)json_integer_value(json_object_get(rs->json, "channel_code")));
        } else if (n == 5 && post && !strcmp(seg[4], "amendments"))
            reply(rs, svc_decl_amend(a, &req, seg[3], body));
        else if (n == 5 && post && !strcmp(seg[4], "cancellation"))
            reply(rs, svc_decl_cancel(a, &req, seg[3], body));
        else if (n == 5 && post && !strcmp(seg[4], "decisions"))
            reply(rs, svc_decl_decide(a, &req, seg[3], body));
        else if (n == 5 && get && !strcmp(seg[4], "events"))
            reply(rs, svc_decl_events(a, &req, seg[3]));
        else if (n == 5 && get && !strcmp(seg[4], "ledger"))
            reply(rs, svc_decl_ledger(a, &req, seg[3]));
        else if (n == 5 && get && (!strcmp(seg[4], "barcode.svg") || !strcmp(seg[4], "qr.svg") ||
                                   !strcmp(seg[4], "barcode.png") || !strcmp(seg[4], "qr.png"))) {
            int png = strstr(seg[4], ".png") != NULL;
            reply(rs, seg[4][0] == 'b' ? svc_decl_barcode(a, &req, seg[3], png)
                                       : svc_decl_qr(a, &req, seg[3], png));
        }
        else
            error(rs, 405, "method", "no such operation on declarations");
    } else if (!strcmp(res, "payments") && n == 3) {
        if (post)
            reply(rs, svc_payment_create(a, &req, body, MHD_lookup_connection_value(
                                                            rq->conn, MHD_HEADER_KIND, "X-Signature")));
        else
            error(rs, 405, "method", "POST");
    } else if (!strcmp(res, "guarantees") && n == 3 && post) {
        reply(rs, svc_guarantee_create(a, &req, body, MHD_lookup_connection_value(
                                                          rq->conn, MHD_HEADER_KIND, "X-Signature")));
    } else if (!strcmp(res, "banks") && n == 5 && !strcmp(seg[3], "me") && !strcmp(seg[4], "due") && get) {
        reply(rs, svc_bank_due(a, &req));
    } else if (!strcmp(res, "banks") && n == 5 && !strcmp(seg[3], "me") &&
               !strcmp(seg[4], "reconciliation") && get) {
        date_ymd d;
        /* JSON, or CSV for the banks' spreadsheets: ?format=csv or Accept: text/csv */
        const char *fmt = arg(rq, "format"),
                   *acc = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Accept");
        if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "json"))
            error(rs, 422, "format", "format is json or csv");
        else if (date_arg(rq, "date", &d, rs) == 0)
            reply(rs, svc_bank_reconciliation(a, &req, d, fmt ? !strcmp(fmt, "csv")
                                                              : acc && strstr(acc, "text/csv") != NULL));
    } else if (!strcmp(res, "enterprises") && n >= 5) { /* e-Payment: enterprise credit */
        if (n == 5 && get && !strcmp(seg[4], "statement")) {
            const char *acc = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Accept");
            reply(rs, svc_enterprise_statement(a, &req, seg[3], arg(rq, "from"), arg(rq, "to"),
                                               arg(rq, "month"), arg(rq, "format"),
                                               acc && strstr(acc, "text/csv") != NULL));
        } else if (n == 5 && get && !strcmp(seg[4], "credits"))
            reply(rs, svc_credits_get(a, &req, seg[3]));
        else if (n == 6 && post && !strcmp(seg[4], "credits") && !strcmp(seg[5], "apply"))
            reply(rs, svc_credit_apply(a, &req, seg[3], body));
        else if (n == 5 && post && !strcmp(seg[4], "refunds"))
            reply(rs, svc_refund_request(a, &req, seg[3], body));
        else if (n == 7 && post && !strcmp(seg[4], "refunds") && !strcmp(seg[6], "decision"))
            reply(rs, svc_refund_decide(a, &req, seg[3], seg[5], body));
        else
            error(rs, 405, "method", "no such operation on enterprises");
    } else if (!strcmp(res, "debts") && n == 4 && !strcmp(seg[3], "overdue")) {
        if (get)
            reply(rs, svc_debts_overdue(a, &req, arg(rq, "min_days")));
        else
            error(rs, 405, "method", "GET");
    } else if (!strcmp(res, "risk") && n >= 4 && !strcmp(seg[3], "rules")) {
        int64_t id = 0;
        if (n == 5) {
            char *end;
            id = strtoll(seg[4], &end, 10);
            if (*end || id <= 0) {
                json_decref(body);
                return error(rs, 404, "not_found", "no such rule");
            }
        }
        if (n == 4 && get)
            reply(rs, svc_rules_list(a, &req));
        else if (n == 4 && post)
            reply(rs, svc_rule_put(a, &req, 0, body));
        else if (n == 5 && put)
            reply(rs, svc_rule_put(a, &req, id, body));
        else if (n == 5 && del)
            reply(rs, svc_rule_delete(a, &req, id));
        else
            error(rs, 405, "method", "no such operation on risk rules");
    } else if (!strcmp(res, "risk") && n == 4 && !strcmp(seg[3], "models")) {
        if (get)
            reply(rs, svc_risk_models(a, &req));
        else
            error(rs, 405, "method", "GET (models are trained and activated with `ecustoms risk`)");
    } else if (!strcmp(res, "risk") && n == 4 && !strcmp(seg[3], "settings")) {
        if (get)
            reply(rs, svc_risk_settings_get(a, &req));
        else if (put)
            reply(rs, svc_risk_settings_put(a, &req, body));
        else
            error(rs, 405, "method", "GET or PUT");
    } else if (!strcmp(res, "tariff") && get) {
        date_ymd d;
        if (date_arg(rq, "date", &d, rs) == 0) {
            if (n == 4)
                reply(rs, svc_tariff_get(a, seg[3], arg(rq, "origin"), d));
            else if (n == 3)
                reply(rs, svc_tariff_search(a, arg(rq, "q")));
            else
                error(rs, 404, "not_found", "no such resource");
        }
    } else if (!strcmp(res, "tax") && n == 4 && !strcmp(seg[3], "quote") && post) {
        date_ymd d;
        if (date_arg(rq, "date", &d, rs) == 0)
            reply(rs, svc_tax_quote(a, &req, body, d));
    } else if (!strcmp(res, "exchange-rates") && n == 3) {
        date_ymd d = 0;
        if (get && (!arg(rq, "date") || date_arg(rq, "date", &d, rs) == 0))
            reply(rs, svc_fx_list(a, d));
        else if (put)
            reply(rs, svc_fx_put(a, &req, body));
        else if (!get)
            error(rs, 405, "method", "GET or PUT");
    } else if (!strcmp(res, "permits")) {
        if (n == 3 && post)
            reply(rs, svc_permit_create(a, &req, body));
        else if (n == 4 && get)
            reply(rs, svc_permit_get(a, &req, seg[3]));
        else if (n == 5 && post && !strcmp(seg[4], "revocation"))
            reply(rs, svc_permit_revoke(a, &req, seg[3], body));
        else
            error(rs, 405, "method", "no such operation on permits");
    } else if (!strcmp(res, "certificates-of-origin")) {
        if (n == 3 && post)
            reply(rs, svc_co_create(a, &req, body));
        else if (n == 4 && get)
            reply(rs, svc_co_get(a, &req, seg[3]));
        else
            error(rs, 405, "method", "no such operation on certificates of origin");
    } else if (!strcmp(res, "manifests")) { /* e-Manifest and VASSCM (issue 5) */
        if (n == 3 && post)
            reply(rs, svc_manifest_create(a, &req, body));
        else if (n == 4 && put)
            reply(rs, svc_manifest_amend(a, &req, seg[3], body));
        else if (n == 4 && get)
            reply(rs, svc_manifest_get(a, &req, seg[3]));
        else
            error(rs, 405, "method", "no such operation on manifests");
    } else if (!strcmp(res, "barcodes") && n == 4 && get && !strcmp(seg[3], "public-key")) {
        reply(rs, svc_barcode_public_key(a));
    } else if (!strcmp(res, "supervision") && n == 4 && !strcmp(seg[3], "scan") && post) {
        reply(rs, svc_supervision_scan(a, &req, body));
    } else if (!strcmp(res, "gate-events") && n == 3 && post) {
        reply(rs, svc_gate_event(a, &req, body));
    } else if (!strcmp(res, "containers") && n == 4 && get) {
        reply(rs, svc_container_get(a, &req, seg[3]));
    } else if (!strcmp(res, "holds") && ((n == 3 && post) || (n == 5 && post && !strcmp(seg[4], "release")))) {
        reply(rs, n == 3 ? svc_hold_open(a, &req, body) : svc_hold_release(a, &req, seg[3]));
    } else if (!strcmp(res, "admin") && n == 4 && !strcmp(seg[3], "invalidate") && post) {
        if (!svc_role_is(&req, "admin")) {
            error(rs, 403, "forbidden", "administrators only");
        } else {
            date_ymd d;
            if (date_arg(rq, "as_of", &d, rs) == 0) {
                int expired, invalidated;
                int64_t now = (int64_t)date_to_days(d) * 86400 + 86399;
                if (svc_invalidate(a, now, &expired, &invalidated) < 0)
                    error(rs, 500, "storage", "invalidation failed");
                else {
                    rs->status = 200;
                    rs->json = json_pack("{s:i,s:i}", "expired", expired, "invalidated", invalidated);
                }
            }
        }
    } else {
        error(rs, 404, "not_found", "no such resource");
    }
    json_decref(body);
}
