/* Enterprise credit (e-Payment). See docs/architecture.md, "e-Payment".
 *
 * What an enterprise overpaid, or paid on a declaration that owes nothing any more, is credited
 * to it: the "credit" entry stays on the declaration the money came from. The credit is spent
 * on another declaration of the same enterprise ("credit_used" on the source, "paid_by_credit"
 * on the target, then the same clearance gate as a bank payment) or paid back after an
 * officer's decision on the enterprise's refund request ("refunded" on the source). Sources are
 * drawn oldest credit first. Every movement is a ledger entry audited on its declaration, and
 * each request is ONE write job: the balance is checked in the transaction that spends it, so
 * it never goes negative, and a refused request writes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_credit.h"
#include "codec/json_fields.h"
#include "codec/json_payment.h"
#include "core/lifecycle.h"
#include "service/kernel.h"
#include "service/credits.h"
#include "service/ledger.h"
#include "service/users.h"
#include "util/decimal.h"
#include "util/utf8.h"

#define MAX_SOURCES 1000
#define MAX_REFUNDS 1000

typedef struct credit_ctx {
    svc_job job; /* first: request, now, reply */
    const char *ent;
    char decl[16];
    int64_t amount;
    char reason[160];
    int64_t refund_id;
    int approve;
    char note[160];
    errs *e;
    json_t *out;
} credit_ctx;

/* The enterprise's credit left, over every declaration holding some. */
static int64_t credit_available(db_conn *c, const char *ent, credit_row *rows, int *n_out)
{
    int n = store_credit_sources(c, ent, 1, rows, MAX_SOURCES);
    if (n < 0)
        return n;
    int64_t sum = 0;
    for (int i = 0; i < n && i < MAX_SOURCES; i++)
        sum += rows[i].credited - rows[i].used - rows[i].refunded;
    *n_out = n < MAX_SOURCES ? n : MAX_SOURCES;
    return sum;
}

/* Takes `amount` of the enterprise's credit, oldest first: one entry of `kind` (credit_used or
 * refunded) on each declaration it comes from; {declaration, amount} of each source goes to out. */
static int take_credit(db_conn *c, const credit_ctx *x, int64_t amount, const char *kind,
                       const char *note, json_t *out)
{
    credit_row *rows = calloc(MAX_SOURCES, sizeof *rows);
    int n = 0, rc = 0;
    if (!rows)
        return DB_ERR;
    int64_t avail = credit_available(c, x->ent, rows, &n);
    if (avail < amount) /* checked by the caller in the same transaction */
        rc = avail < 0 ? (int)avail : DB_ERR;
    for (int i = 0; i < n && amount > 0 && rc >= 0; i++) {
        int64_t left = rows[i].credited - rows[i].used - rows[i].refunded;
        int64_t take = left < amount ? left : amount;
        decl_row m = {0};
        if ((rc = store_decl_get_meta(c, rows[i].decl_id, &m)) != 1) {
            rc = rc < 0 ? rc : DB_ERR;
            break;
        }
        ledger_row r = {.at = x->job.now, .amount = take};
        snprintf(r.kind, sizeof r.kind, "%s", kind);
        snprintf(r.party, sizeof r.party, "%s", x->ent);
        utf8_snprintf(r.note, sizeof r.note, "%s", note);
        rc = pay_ledger_append(c, m.id, m.status, &r, x->job.req);
        json_array_append_new(
            out, json_pack("{s:s,s:o}", "declaration", m.number, "amount", json_money(take)));
        amount -= take;
        decl_row_release(&m);
    }
    free(rows);
    return rc < 0 ? rc : 0;
}

/* The enterprise of the URL must be known to customs. */
static const svc_unknown_party unknown_enterprise = {SVC_NOT_FOUND, "not_found", "",
                                                     "no enterprise with tax code %s"};

static json_t *refund_view(const refund_row *r)
{
    json_t *o = json_pack(
        "{s:I,s:s,s:o,s:s,s:s,s:o,s:o}", "id", (json_int_t)r->id, "enterprise", r->party, "amount",
        json_money(r->amount), "status", r->status, "requested_by", r->requested_by, "requested_at",
        json_timestamp(r->requested_at), "decided_at", json_timestamp(r->decided_at));
    json_object_set_new(o, "reason", r->reason[0] ? json_string(r->reason) : json_null());
    json_object_set_new(o, "decided_by",
                        r->decided_by[0] ? json_string(r->decided_by) : json_null());
    json_object_set_new(o, "note", r->note[0] ? json_string(r->note) : json_null());
    json_object_set_new(o, "declaration",
                        r->declaration[0] ? json_string(r->declaration) : json_null());
    return o;
}

/* ---- GET /enterprises/{tax_code}/credits ----------------------------------------------------- */

static int credits_read_job(db_conn *c, void *ctx)
{
    credit_ctx *x = ctx;
    int rc = svc_job_party(c, &x->job, x->ent, &unknown_enterprise, NULL);
    if (rc != 0)
        return rc;
    credit_row *rows = calloc(MAX_SOURCES, sizeof *rows);
    refund_row *refunds = calloc(MAX_REFUNDS, sizeof *refunds);
    int n = rows && refunds ? store_credit_sources(c, x->ent, 0, rows, MAX_SOURCES) : DB_ERR;
    int nr = n >= 0 ? store_refunds_of(c, x->ent, refunds, MAX_REFUNDS) : n;
    rc = nr < 0 ? nr : 0;
    int64_t credited = 0, used = 0, refunded = 0, pending = 0;
    json_t *sources = json_array(), *list = json_array();
    for (int i = 0; rc == 0 && i < n && i < MAX_SOURCES; i++) {
        credit_row *s = &rows[i];
        decl_row m = {0};
        if ((rc = store_decl_get_meta(c, s->decl_id, &m)) != 1) {
            rc = rc < 0 ? rc : DB_ERR;
            break;
        }
        rc = 0;
        credited += s->credited;
        used += s->used;
        refunded += s->refunded;
        json_array_append_new(
            sources,
            json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "declaration", m.number, "status",
                      decl_status_name((decl_status)m.status), "credited", json_money(s->credited),
                      "used", json_money(s->used), "refunded", json_money(s->refunded), "available",
                      json_money(s->credited - s->used - s->refunded)));
        decl_row_release(&m);
    }
    for (int i = 0; rc == 0 && i < nr && i < MAX_REFUNDS; i++) {
        if (!strcmp(refunds[i].status, "requested"))
            pending += refunds[i].amount;
        json_array_append_new(list, refund_view(&refunds[i]));
    }
    free(rows);
    free(refunds);
    if (rc != 0) {
        json_decref(sources);
        json_decref(list);
        return rc;
    }
    x->job.reply.code = SVC_OK;
    x->job.reply.body =
        json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "enterprise", x->ent, "available",
                  json_money(credited - used - refunded), "credited", json_money(credited), "used",
                  json_money(used), "refunded", json_money(refunded), "refunds_pending",
                  json_money(pending), "sources", sources, "refunds", list);
    return 0;
}

static int valid_tax_code(const char *ent) { return ent && *ent && strlen(ent) < 14; }

svc_reply svc_credits_get(app *a, const svc_req *req, const char *enterprise)
{
    if (!svc_is_enterprise(req, enterprise) && !svc_is_customs(req))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "an enterprise's credit is shown to it and to customs");
    if (!valid_tax_code(enterprise))
        return svc_error(SVC_NOT_FOUND, "not_found", "no such enterprise");
    credit_ctx x = {.job = {.req = req}, .ent = enterprise};
    if (store_read(a->st, credits_read_job, &x) < 0) {
        json_decref(x.job.reply.body);
        return svc_error(SVC_ERROR, "storage", "cannot read the credit");
    }
    return x.job.reply;
}

/* ---- POST /enterprises/{tax_code}/credits/apply ---------------------------------------------- */

static int apply_job(db_conn *c, void *ctx)
{
    credit_ctx *x = ctx;
    int rc = svc_job_begin(c, &x->job, x->ent, &unknown_enterprise, NULL);
    if (rc != 0)
        return rc;
    /* every refusal at once: the declaration, then the credit */
    decl_row m = {0};
    ledger_balance b = {0};
    credit_row *rows = calloc(MAX_SOURCES, sizeof *rows);
    int n = 0;
    if (!rows)
        return DB_ERR;
    if ((rc = store_decl_get_meta(c, x->decl, &m)) < 0)
        goto out;
    if (rc == 0 || !m.number[0] || strncmp(m.number, x->decl, strlen(x->decl)) != 0)
        errs_add(x->e, "unknown_declaration", "/declaration", "no registered declaration %s",
                 x->decl);
    else if (strcmp(m.party, x->ent) != 0)
        errs_add(
            x->e, "enterprise_mismatch", "/declaration",
            "declaration %s is of enterprise %s: the credit of %s pays only its own declarations",
            m.number, m.party, x->ent);
    else if (!pay_owes_taxes(m.status))
        errs_add(x->e, "not_owed", "/declaration", "declaration %s is %s: it owes no taxes",
                 m.number, decl_status_name((decl_status)m.status));
    else if ((rc = pay_balance(c, m.id, &b)) < 0)
        goto out;
    else if (x->amount > b.assessed - b.paid)
        errs_add(x->e, "amount_exceeds_debt", "/amount",
                 "declaration %s owes VND %lld: no more than that can be paid from credit",
                 m.number, (long long)(b.assessed - b.paid > 0 ? b.assessed - b.paid : 0));
    int64_t avail = credit_available(c, x->ent, rows, &n);
    if (avail < 0) {
        rc = (int)avail;
        goto out;
    }
    if (x->amount > avail)
        errs_add(x->e, "credit_insufficient", "/amount",
                 "enterprise %s has VND %lld of credit, VND %lld asked", x->ent, (long long)avail,
                 (long long)x->amount);
    if (x->e->n) {
        rc = svc_fail(&x->job, svc_errors(x->e));
        goto out;
    }
    /* the sources first (their numbers go into the target's note), then the payment itself */
    json_t *sources = json_array();
    char note[160];
    snprintf(note, sizeof note, "applied to declaration %s", m.number);
    if ((rc = take_credit(c, x, x->amount, "credit_used", note, sources)) < 0) {
        json_decref(sources);
        goto out;
    }
    pay_settle_ctx s = {.req = x->job.req,
                        .now = x->job.now,
                        .paid_date = date_legal(x->job.now),
                        .revolved = json_array()};
    snprintf(s.ref, sizeof s.ref, "credit of enterprise %s", x->ent);
    ledger_row r = {.at = x->job.now, .amount = x->amount};
    snprintf(r.kind, sizeof r.kind, "paid_by_credit");
    snprintf(r.party, sizeof r.party, "%s", x->ent);
    int k = snprintf(r.note, sizeof r.note, "from the enterprise's credit held on");
    size_t i;
    json_t *src;
    json_array_foreach(sources, i, src)
    {
        if (k > 0 && (size_t)k < sizeof r.note)
            k += snprintf(r.note + k, sizeof r.note - (size_t)k, " %s",
                          json_string_value(json_object_get(src, "declaration")));
    }
    pay_settled st;
    rc = pay_settle(c, &s, &m, &r, &st);
    if (rc == 0 && st.excess > 0) /* cannot happen: the amount is at most what is owed */
        rc = DB_ERR;
    if (rc == 0) {
        x->job.reply.code = SVC_CREATED;
        x->job.reply.body = json_pack(
            "{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:s,s:b,s:o,s:o}", "enterprise", x->ent, "declaration",
            m.number, "amount", json_money(x->amount), "assessed", json_money(st.b.assessed),
            "paid", json_money(st.b.paid), "guaranteed", json_money(st.b.guaranteed), "outstanding",
            json_money(st.b.outstanding), "status",
            decl_status_name(st.cleared ? ST_CLEARED : (decl_status)m.status), "cleared",
            st.cleared, "credit_available", json_money(avail - x->amount), "sources", sources);
        if (st.b.outstanding > 0) {
            char miss[32], msg[120];
            decimal_format(st.b.outstanding, 0, miss, sizeof miss);
            snprintf(msg, sizeof msg, "VND %s still missing", miss);
            json_object_set_new(x->job.reply.body, "message", json_string(msg));
        }
        if (json_array_size(s.revolved))
            json_object_set(x->job.reply.body, "guarantees_revolved", s.revolved);
        rc = svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
    } else {
        json_decref(sources);
    }
    json_decref(s.revolved);
out:
    free(rows);
    decl_row_release(&m);
    return rc;
}

svc_reply svc_credit_apply(app *a, const svc_req *req, const char *enterprise,
                           const credit_apply_in *in, errs *e)
{
    if (!svc_is_enterprise(req, enterprise) && !svc_role_is(req, "officer"))
        return svc_error(
            SVC_FORBIDDEN, "forbidden",
            "an enterprise's credit is applied by the enterprise itself or a customs officer");
    if (!valid_tax_code(enterprise))
        return svc_error(SVC_NOT_FOUND, "not_found", "no such enterprise");
    svc_reply r = {0};
    if (svc_idempotent_replay(a, req, &r))
        return r;
    credit_ctx x = {.job = svc_job_start(req), .ent = enterprise, .e = e};
    x.amount = in->amount;
    snprintf(x.decl, sizeof x.decl, "%s", in->decl);
    r = e->n ? svc_errors(e)
             : svc_run_write(a, &x.job, apply_job, &x, "the database refused the change");
    return r;
}

/* ---- POST /enterprises/{tax_code}/refunds: the enterprise asks ------------------------------- */

static int refund_request_job(db_conn *c, void *ctx)
{
    credit_ctx *x = ctx;
    int rc = svc_job_begin(c, &x->job, x->ent, &unknown_enterprise, NULL);
    if (rc != 0)
        return rc;
    credit_row *rows = calloc(MAX_SOURCES, sizeof *rows);
    refund_row *pending = calloc(MAX_REFUNDS, sizeof *pending);
    int n = 0, np = 0;
    int64_t avail = rows && pending ? credit_available(c, x->ent, rows, &n) : DB_ERR, asked = 0;
    if (avail >= 0 && (np = store_refunds_of(c, x->ent, pending, MAX_REFUNDS)) < 0)
        avail = np;
    for (int i = 0; avail >= 0 && i < np && i < MAX_REFUNDS; i++)
        if (!strcmp(pending[i].status, "requested"))
            asked += pending[i].amount;
    free(rows);
    free(pending);
    if (avail < 0)
        return (int)avail;
    if (x->amount > avail - asked) {
        errs_add(
            x->e, "credit_insufficient", "/amount",
            "enterprise %s has VND %lld of credit, VND %lld of it already asked in pending refunds:"
            " VND %lld asked",
            x->ent, (long long)avail, (long long)asked, (long long)x->amount);
        return svc_fail(&x->job, svc_errors(x->e));
    }
    refund_row r = {.amount = x->amount, .requested_at = x->job.now};
    int64_t id = store_sequence_next(c, "credit_refund");
    if (id < 0)
        return (int)id;
    r.id = id;
    snprintf(r.party, sizeof r.party, "%s", x->ent);
    snprintf(r.status, sizeof r.status, "requested");
    utf8_snprintf(r.reason, sizeof r.reason, "%s", x->reason);
    snprintf(r.requested_by, sizeof r.requested_by, "%s", x->job.req->party);
    if ((rc = store_refund_put(c, &r)) != 0)
        return rc;
    x->job.reply.code = SVC_CREATED;
    x->job.reply.body = refund_view(&r);
    return svc_idem_save(c, x->job.req, x->job.reply.code, x->job.reply.body, x->job.now);
}

svc_reply svc_refund_request(app *a, const svc_req *req, const char *enterprise,
                             const refund_request_in *in, errs *e)
{
    if (!svc_is_enterprise(req, enterprise))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "a refund of credit is asked by the enterprise itself");
    svc_reply r = {0};
    if (svc_idempotent_replay(a, req, &r))
        return r;
    credit_ctx x = {.job = svc_job_start(req), .ent = enterprise, .e = e};
    x.amount = in->amount;
    snprintf(x.reason, sizeof x.reason, "%s", in->reason);
    r = e->n ? svc_errors(e)
             : svc_run_write(a, &x.job, refund_request_job, &x, "the database refused the change");
    return r;
}

/* ---- POST /enterprises/{tax_code}/refunds/{id}/decision: an officer decides ------------------ */

static int refund_claim_pay(db_conn *c, const credit_ctx *x, const refund_row *r, json_t *sources)
{
    decl_row m = {0};
    int rc = store_decl_get_meta(c, r->declaration, &m);
    if (rc != 1)
        return rc < 0 ? rc : DB_ERR;
    const char *kinds[] = {"credit", "refunded"};
    for (int k = 0; k < 2 && rc >= 0; k++) {
        ledger_row e = {.at = x->job.now, .amount = r->amount};
        snprintf(e.kind, sizeof e.kind, "%s", kinds[k]);
        snprintf(e.party, sizeof e.party, "%s", r->party);
        snprintf(e.note, sizeof e.note, "refund claim %lld approved (%.100s)", (long long)r->id,
                 r->reason);
        rc = pay_ledger_append(c, m.id, m.status, &e, x->job.req);
    }
    if (rc >= 0)
        json_array_append_new(sources, json_pack("{s:s,s:o}", "declaration", m.number, "amount",
                                                 json_money(r->amount)));
    decl_row_release(&m);
    return rc < 0 ? rc : 0;
}

int pay_refund_claim(db_conn *c, const char *enterprise, const char *number, int64_t amount,
                     const char *reason, const svc_req *req, int64_t now)
{
    refund_row r = {.amount = amount, .requested_at = now};
    int64_t id = store_sequence_next(c, "credit_refund");
    if (id < 0)
        return (int)id;
    r.id = id;
    snprintf(r.party, sizeof r.party, "%s", enterprise);
    snprintf(r.status, sizeof r.status, "requested");
    snprintf(r.reason, sizeof r.reason, "%s", reason);
    snprintf(r.requested_by, sizeof r.requested_by, "%s", req->party);
    snprintf(r.declaration, sizeof r.declaration, "%s", number);
    return store_refund_put(c, &r);
}

static int refund_decide_job(db_conn *c, void *ctx)
{
    credit_ctx *x = ctx;
    refund_row r;
    int rc = store_refund_get(c, x->refund_id, &r);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(r.party, x->ent) != 0)
        return svc_fail(&x->job, svc_error(SVC_NOT_FOUND, "not_found", "no such refund request"));
    if (strcmp(r.status, "requested") != 0) {
        char msg[120];
        snprintf(msg, sizeof msg, "refund %lld was already %s", (long long)r.id, r.status);
        return svc_fail(&x->job, svc_error(SVC_CONFLICT, "refund_decided", msg));
    }
    json_t *sources = json_array();
    if (x->approve && r.declaration[0]) {
        /* a claim raised by an accepted amendment: what was overpaid on that
         * declaration is credited and refunded at once, never spendable in between */
        if ((rc = refund_claim_pay(c, x, &r, sources)) < 0) {
            json_decref(sources);
            return rc;
        }
    } else if (x->approve) {
        credit_row *rows = calloc(MAX_SOURCES, sizeof *rows);
        int n = 0;
        int64_t avail = rows ? credit_available(c, x->ent, rows, &n) : DB_ERR;
        free(rows);
        if (avail < 0) {
            json_decref(sources);
            return (int)avail;
        }
        if (avail < r.amount) { /* spent on declarations since it was asked */
            char msg[200], have[32], want[32];
            decimal_format(avail, 0, have, sizeof have);
            decimal_format(r.amount, 0, want, sizeof want);
            snprintf(
                msg, sizeof msg,
                "enterprise %s has VND %s of credit left: refund %lld of VND %s cannot be paid",
                x->ent, have, (long long)r.id, want);
            json_decref(sources);
            return svc_fail(&x->job, svc_error(SVC_CONFLICT, "credit_insufficient", msg));
        }
        char note[160];
        utf8_snprintf(note, sizeof note, "refund %lld approved%s%.120s", (long long)r.id,
                      x->note[0] ? ": " : "", x->note);
        if ((rc = take_credit(c, x, r.amount, "refunded", note, sources)) < 0) {
            json_decref(sources);
            return rc;
        }
    }
    snprintf(r.status, sizeof r.status, "%s", x->approve ? "approved" : "rejected");
    snprintf(r.decided_by, sizeof r.decided_by, "%s", x->job.req->party);
    utf8_snprintf(r.note, sizeof r.note, "%s", x->note);
    r.decided_at = x->job.now;
    if ((rc = store_refund_put(c, &r)) != 0) {
        json_decref(sources);
        return rc;
    }
    json_t *d = json_pack("{s:I,s:s,s:s,s:I,s:s}", "refund", (json_int_t)r.id, "enterprise", x->ent,
                          "decision", r.status, "amount", (json_int_t)r.amount, "note", x->note);
    rc = svc_audit_append(c, x->job.req, "refunds", x->job.now, "refund.decide", d);
    json_decref(d);
    if (rc != 0) {
        json_decref(sources);
        return rc;
    }
    x->job.reply.code = SVC_OK;
    x->job.reply.body = refund_view(&r);
    json_object_set_new(x->job.reply.body, "sources", sources);
    return 0;
}

svc_reply svc_refund_decide(app *a, const svc_req *req, const char *enterprise, const char *id,
                            const refund_decision_in *in, errs *e)
{
    if (!svc_role_is(req, "officer"))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "refunds of credit are decided by a customs officer");
    char *end = NULL;
    long long rid = id ? strtoll(id, &end, 10) : 0;
    if (!valid_tax_code(enterprise) || !end || *end || rid <= 0)
        return svc_error(SVC_NOT_FOUND, "not_found", "no such refund request");
    credit_ctx x = {.job = svc_job_start(req), .ent = enterprise, .e = e, .refund_id = rid};
    x.approve = in->approve;
    snprintf(x.note, sizeof x.note, "%s", in->note);
    svc_reply r =
        e->n ? svc_errors(e)
             : svc_run_write(a, &x.job, refund_decide_job, &x, "the database refused the change");
    return r;
}
