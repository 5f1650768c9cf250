/* e-Payment use cases. See docs/architecture.md, "e-Payment".
 *
 * A payment is verified (signature of the exact body with the key of the token's bank), then
 * validated (every error at once), then handed to the group-commit writer as ONE job: the job
 * looks up (bank, bank_transaction_id) — same body: the stored first answer; another body: 409 —
 * then appends ledger entries and audit events for every line, clears green declarations whose
 * taxes are now covered, and stores the answer, all in the same transaction. */
#include "codec/json_fields.h"
#include "service/payments.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ledger.h"
#include "core/lifecycle.h"
#include "core/tax.h"
#include "service/internal.h"
#include "util/dec.h"
#include "util/sig.h"

#define MAX_LINES 100
#define MAX_ENTRIES 256
#define KEY_CACHE 64
#define KEY_TTL 60 /* seconds: a replaced key is picked up within a minute, like tokens */

static int64_t now_s(void) { return (int64_t)time(NULL); }

static json_t *money(int64_t v)
{
    char buf[32];
    dec_format(v, 0, buf, sizeof buf);
    return json_string(buf);
}

/* ---- the banks' keys, parsed once and cached ---------------------------------------------- */

typedef struct key_entry {
    char party[14];
    EVP_PKEY *key; /* NULL: the bank has no (valid) key */
    int64_t loaded_at;
} key_entry;

static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;
static key_entry key_cache[KEY_CACHE];

typedef struct key_read {
    const char *party;
    char *pem;
    int found;
} key_read;

static int key_read_job(db_conn *c, void *ctx)
{
    key_read *k = ctx;
    k->found = store_bank_key_get(c, k->party, &k->pem);
    return k->found < 0 ? k->found : 0;
}

/* Returns a reference the caller frees (EVP_PKEY_free), or NULL when the bank has no key. */
static EVP_PKEY *bank_key(app *a, const char *bank)
{
    int64_t now = now_s();
    unsigned h = 5381;
    for (const char *p = bank; *p; p++)
        h = h * 33 + (unsigned char)*p;
    key_entry *e = &key_cache[h % KEY_CACHE];
    pthread_mutex_lock(&key_mu);
    if (strcmp(e->party, bank) == 0 && now - e->loaded_at < KEY_TTL && e->key) {
        EVP_PKEY_up_ref(e->key);
        EVP_PKEY *k = e->key;
        pthread_mutex_unlock(&key_mu);
        return k;
    }
    pthread_mutex_unlock(&key_mu);
    key_read kr = {.party = bank};
    if (store_read(a->st, key_read_job, &kr) != 0 || kr.found != 1) {
        free(kr.pem);
        return NULL;
    }
    EVP_PKEY *k = sig_parse_p256_pem(kr.pem);
    free(kr.pem);
    if (!k)
        return NULL;
    pthread_mutex_lock(&key_mu);
    if (e->key)
        EVP_PKEY_free(e->key);
    snprintf(e->party, sizeof e->party, "%s", bank);
    e->key = k;
    e->loaded_at = now;
    EVP_PKEY_up_ref(k);
    pthread_mutex_unlock(&key_mu);
    return k;
}

/* ---- ledger helpers ------------------------------------------------------------------------- */

static int balance_of(db_conn *c, const char *decl_id, ledger_balance *b, ledger_row *rows, int max,
                      int *n_out)
{
    ledger_row local[MAX_ENTRIES];
    if (!rows) {
        rows = local;
        max = MAX_ENTRIES;
    }
    int n = store_ledger_list(c, decl_id, rows, max);
    if (n < 0)
        return n;
    if (n > max)
        n = max;
    ledger_entry e[MAX_ENTRIES];
    for (int i = 0; i < n && i < MAX_ENTRIES; i++) {
        e[i].kind = ledger_kind_parse(rows[i].kind);
        e[i].amount = rows[i].amount;
    }
    ledger_balance_of(e, n < MAX_ENTRIES ? n : MAX_ENTRIES, b);
    if (n_out)
        *n_out = n;
    return 0;
}

/* Appends one entry and its audit event. Returns the entry's seq or <0. */
static int append(db_conn *c, const char *decl_id, int status, ledger_row *r, const char *actor,
                  const char *role)
{
    int seq = store_ledger_append(c, decl_id, r);
    if (seq < 0)
        return seq;
    json_t *d = json_pack("{s:i,s:s,s:o}", "entry", seq, "kind", r->kind, "amount", money(r->amount));
    if (r->bank[0])
        json_object_set_new(d, "bank", json_string(r->bank));
    if (r->bank_txn[0])
        json_object_set_new(d, "bank_transaction_id", json_string(r->bank_txn));
    if (r->note[0])
        json_object_set_new(d, "note", json_string(r->note));
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char action[40];
    snprintf(action, sizeof action, "ledger.%s", r->kind);
    int rc = store_event_append(c, decl_id, r->at, actor, role, action, status, status, text);
    free(text);
    return rc < 0 ? rc : seq;
}

int pay_ledger_assess(db_conn *c, const char *decl_id, const char *enterprise, int status,
                      int64_t total_tax, int64_t now, const svc_req *req, const char *why)
{
    ledger_balance b;
    int rc = balance_of(c, decl_id, &b, NULL, 0, NULL);
    if (rc < 0)
        return rc;
    int64_t delta = total_tax - (b.assessed - b.interest);
    if (delta == 0)
        return 0;
    rc = pay_ledger_add(c, decl_id, enterprise, status, delta, now, req, why);
    if (rc < 0 || (rc = balance_of(c, decl_id, &b, NULL, 0, NULL)) < 0 || b.surplus <= 0)
        return rc;
    /* lowered below what was already paid: the difference becomes the enterprise's credit */
    ledger_row r = {.at = now, .amount = b.surplus};
    snprintf(r.kind, sizeof r.kind, "credit");
    snprintf(r.party, sizeof r.party, "%s", enterprise);
    snprintf(r.note, sizeof r.note, "overpaid after re-assessment (%s)", why ? why : "");
    rc = append(c, decl_id, status, &r, req->party, req->role);
    return rc < 0 ? rc : 0;
}

int pay_ledger_add(db_conn *c, const char *decl_id, const char *enterprise, int status, int64_t amount,
                   int64_t now, const svc_req *req, const char *why)
{
    ledger_row r = {.at = now, .amount = amount};
    snprintf(r.kind, sizeof r.kind, "assessed");
    snprintf(r.party, sizeof r.party, "%s", enterprise);
    snprintf(r.note, sizeof r.note, "%s", why ? why : "");
    int rc = append(c, decl_id, status, &r, req->party, req->role);
    return rc < 0 ? rc : 0;
}

int64_t pay_clearance_missing(db_conn *c, const char *decl_id, const char *enterprise)
{
    party p;
    int rc0 = store_party_get(c, enterprise, &p);
    if (rc0 < 0)
        return rc0;
    if (rc0 == 1 && p.aeo)
        return 0; /* monthly deferral: cleared now, paid by the 10th of next month */
    ledger_balance b;
    int rc = balance_of(c, decl_id, &b, NULL, 0, NULL);
    return rc < 0 ? rc : b.outstanding;
}

/* ---- POST /payments ------------------------------------------------------------------------- */

typedef struct pay_line {
    char decl[16];
    int64_t amount;
} pay_line;

typedef struct pay_ctx {
    const svc_req *req;
    char txn[65];
    char payer[64];
    char paid_at[40];
    date_ymd paid_date;
    char hash[65];
    pay_line lines[MAX_LINES];
    int n;
    int64_t total, now;
    errs *e;
    svc_reply reply;
    /* guarantees */
    char type[12];
    char enterprise[14];
    date_ymd valid_until;
} pay_ctx;

static int owes_taxes(int status)
{
    return status != ST_CANCELLED && status != ST_INVALIDATED && status != ST_EXPIRED &&
           status != ST_REJECTED;
}

/* Read phase: every line names a registered declaration. */
static int lines_exist_job(db_conn *c, void *ctx)
{
    pay_ctx *x = ctx;
    for (int i = 0; i < x->n; i++) {
        if (!x->lines[i].decl[0])
            continue;
        decl_row r = {0};
        int rc = store_decl_get_meta(c, x->lines[i].decl, &r);
        if (rc < 0)
            return rc;
        if (rc == 0 || !r.number[0] || strncmp(r.number, x->lines[i].decl, strlen(x->lines[i].decl)) != 0) {
            char p[48];
            snprintf(p, sizeof p, "/lines/%d/declaration", i);
            errs_add(x->e, "unknown_declaration", p, "no registered declaration %s", x->lines[i].decl);
        }
        decl_row_release(&r);
    }
    return 0;
}

/* The green channel is cleared by the system as soon as its taxes are covered. */
static int auto_clear(db_conn *c, pay_ctx *x, const char *key, int *cleared)
{
    decl_row cur;
    decl_status to;
    int rc = store_decl_get(c, key, &cur);
    if (rc != 1)
        return rc < 0 ? rc : DB_ERR;
    if (cur.channel != CH_GREEN || cur.status != ST_REGISTERED ||
        lifecycle_next((decl_status)cur.status, (decl_channel)cur.channel, ACT_CLEAR, &to) != 0) {
        decl_row_release(&cur);
        return 0;
    }
    json_t *decisions = cur.decisions ? json_loads(cur.decisions, 0, NULL) : NULL;
    if (!decisions)
        decisions = json_array();
    char ts[24];
    date_format_timestamp((time_t)x->now, ts);
    json_array_append_new(decisions, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "decision", "clear",
                                               "note", "green channel: taxes covered by payment",
                                               "action", "clear", "by", "SYSTEM", "role", "system",
                                               "at", ts));
    char *dtext = json_dumps(decisions, JSON_COMPACT);
    json_decref(decisions);
    decl_row next = cur;
    next.status = to;
    next.cleared_at = next.updated_at = x->now;
    next.decisions = dtext;
    rc = store_decl_update(c, &next);
    if (rc == 0) {
        json_t *d = json_pack("{s:s,s:s,s:s}", "decision", "clear", "reason",
                              "green channel: taxes covered", "bank_transaction_id", x->txn);
        char *t = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = store_event_append(c, cur.id, x->now, "SYSTEM", "system", "clear", cur.status, to, t);
        free(t);
    }
    free(dtext);
    decl_row_release(&cur);
    if (rc == 0)
        *cleared = 1;
    return rc;
}

/* AEO ("priority") enterprises pay what was cleared in a month by the 10th of the next month
 * (Law 107/2016 Art. 9): the monthly deferral. */
static date_ymd aeo_deadline(int64_t cleared_at)
{
    date_ymd d = date_from_time((time_t)cleared_at);
    int y = d / 10000, mo = d / 100 % 100 + 1;
    if (mo > 12) {
        mo = 1;
        y++;
    }
    return (date_ymd)(y * 10000 + mo * 100 + 10);
}

/* Goods released before their taxes were paid (under a guarantee, or an AEO's monthly deferral):
 * late-payment interest, 0.03 %/day on the tax paid now, from release (AEO: from the day after
 * the 10th of the next month) to the payment date. Appended as an "interest" entry; *b refreshed. */
static int late_interest(db_conn *c, pay_ctx *x, const decl_row *m, ledger_balance *b, int64_t amount)
{
    party p;
    int aeo = store_party_get(c, m->party, &p) == 1 && p.aeo;
    date_ymd from = aeo ? aeo_deadline(m->cleared_at) : date_from_time((time_t)m->cleared_at);
    int32_t days = date_diff_days(from, x->paid_date);
    int64_t principal = b->assessed - b->paid;
    if (principal > amount)
        principal = amount;
    int64_t interest = tax_late_interest(principal, days);
    if (interest <= 0)
        return 0;
    char f[16], t[16];
    date_format(from, f);
    date_format(x->paid_date, t);
    ledger_row r = {.at = x->now, .amount = interest};
    snprintf(r.kind, sizeof r.kind, "interest");
    snprintf(r.party, sizeof r.party, "%s", m->party);
    snprintf(r.note, sizeof r.note, "0.03 %%/day x %d days (%s to %s) on VND %lld", (int)days, f, t,
             (long long)principal);
    int rc = append(c, m->id, m->status, &r, x->req->party, x->req->role);
    return rc < 0 ? rc : balance_of(c, m->id, b, NULL, 0, NULL);
}

/* Tax paid on a guaranteed declaration releases as much of the guarantee (a negative
 * "guaranteed" entry of the guarantor bank). */
static int release_guarantee(db_conn *c, pay_ctx *x, const decl_row *m, int64_t applied)
{
    ledger_row rows[MAX_ENTRIES];
    int n = store_ledger_list(c, m->id, rows, MAX_ENTRIES);
    if (n < 0)
        return n;
    if (n > MAX_ENTRIES)
        n = MAX_ENTRIES;
    /* per guarantor: what it still guarantees, released oldest first */
    for (int i = 0; i < n && applied > 0; i++) {
        if (strcmp(rows[i].kind, "guaranteed") != 0 || rows[i].amount <= 0)
            continue;
        int64_t left = 0;
        for (int j = 0; j < n; j++)
            if (!strcmp(rows[j].kind, "guaranteed") && !strcmp(rows[j].bank, rows[i].bank) &&
                !strcmp(rows[j].bank_txn, rows[i].bank_txn))
                left += rows[j].amount;
        if (left <= 0)
            continue;
        int64_t rel = applied < left ? applied : left;
        ledger_row r = rows[i];
        r.at = x->now;
        r.amount = -rel;
        r.due = 0;
        snprintf(r.note, sizeof r.note, "guarantee released by payment %.64s", x->txn);
        int rc = append(c, m->id, m->status, &r, x->req->party, x->req->role);
        if (rc < 0)
            return rc;
        applied -= rel;
    }
    return 0;
}

static int pay_job(db_conn *c, void *ctx)
{
    pay_ctx *x = ctx;
    payment_row prev = {0};
    int rc = store_payment_get(c, x->req->party, x->txn, &prev);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (strcmp(prev.request_hash, x->hash) == 0) {
            x->reply.code = (svc_code)prev.status;
            x->reply.body = json_loads(prev.response, 0, NULL);
        } else {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "bank_transaction_id %.64s was already used for a different payment", x->txn);
            x->reply = svc_error(SVC_CONFLICT, "bank_transaction_conflict", msg);
        }
        free(prev.response);
        return 1; /* nothing to keep */
    }
    json_t *out_lines = json_array();
    for (int i = 0; i < x->n; i++) {
        pay_line *l = &x->lines[i];
        decl_row m = {0};
        rc = store_decl_get_meta(c, l->decl, &m);
        if (rc != 1) {
            json_decref(out_lines);
            decl_row_release(&m);
            return rc < 0 ? rc : DB_ERR;
        }
        ledger_balance b;
        if ((rc = balance_of(c, m.id, &b, NULL, 0, NULL)) < 0)
            goto fail;
        int owed = owes_taxes(m.status);
        int64_t applied, excess;
        if (owed && m.cleared_at && (rc = late_interest(c, x, &m, &b, l->amount)) < 0)
            goto fail;
        ledger_split_payment(&b, l->amount, owed, &applied, &excess);
        ledger_row r = {.at = x->now, .amount = l->amount};
        snprintf(r.kind, sizeof r.kind, "paid");
        snprintf(r.party, sizeof r.party, "%s", m.party);
        snprintf(r.bank, sizeof r.bank, "%s", x->req->party);
        snprintf(r.bank_txn, sizeof r.bank_txn, "%s", x->txn);
        snprintf(r.note, sizeof r.note, "payer %.60s, paid at %.39s", x->payer, x->paid_at);
        if ((rc = append(c, m.id, m.status, &r, x->req->party, x->req->role)) < 0)
            goto fail;
        if (applied > 0 && b.guaranteed > 0 && (rc = release_guarantee(c, x, &m, applied)) < 0)
            goto fail;
        if (excess > 0) {
            ledger_row cr = r;
            snprintf(cr.kind, sizeof cr.kind, "credit");
            cr.amount = excess;
            snprintf(cr.note, sizeof cr.note, "%s",
                     owed ? "overpayment credited to the enterprise"
                          : "declaration no longer owes taxes: credited to the enterprise");
            if ((rc = append(c, m.id, m.status, &cr, x->req->party, x->req->role)) < 0)
                goto fail;
        }
        if ((rc = balance_of(c, m.id, &b, NULL, 0, NULL)) < 0)
            goto fail;
        int cleared = 0;
        if (owed && b.outstanding == 0 && b.assessed > 0 && (rc = auto_clear(c, x, m.id, &cleared)) < 0)
            goto fail;
        json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:b}", "declaration", m.number,
                              "amount", money(l->amount), "applied", money(applied), "credited",
                              money(excess), "assessed", money(b.assessed), "paid", money(b.paid),
                              "guaranteed", money(b.guaranteed), "outstanding", money(b.outstanding),
                              "status", decl_status_name(cleared ? ST_CLEARED : (decl_status)m.status),
                              "cleared", cleared);
        if (b.outstanding > 0) {
            char msg[120], amt[32];
            dec_format(b.outstanding, 0, amt, sizeof amt);
            snprintf(msg, sizeof msg, "underpaid: VND %s still missing", amt);
            json_object_set_new(o, "message", json_string(msg));
        } else if (excess > 0) {
            char msg[120], amt[32];
            dec_format(excess, 0, amt, sizeof amt);
            snprintf(msg, sizeof msg, "VND %s credited to enterprise %s", amt, m.party);
            json_object_set_new(o, "message", json_string(msg));
        }
        json_array_append_new(out_lines, o);
        decl_row_release(&m);
        continue;
    fail:
        decl_row_release(&m);
        json_decref(out_lines);
        return rc;
    }
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "bank", x->req->party,
                             "bank_transaction_id", x->txn, "payer", x->payer, "paid_at", x->paid_at,
                             "total", money(x->total), "lines", out_lines);
    char *text = json_dumps(body, JSON_COMPACT);
    payment_row pr = {.total = x->total, .status = SVC_CREATED, .response = text, .created_at = x->now};
    snprintf(pr.bank, sizeof pr.bank, "%s", x->req->party);
    snprintf(pr.bank_txn, sizeof pr.bank_txn, "%s", x->txn);
    snprintf(pr.request_hash, sizeof pr.request_hash, "%s", x->hash);
    snprintf(pr.payer, sizeof pr.payer, "%s", x->payer);
    snprintf(pr.paid_at, sizeof pr.paid_at, "%s", x->paid_at);
    rc = text ? store_payment_put(c, &pr) : DB_ERR;
    free(text);
    if (rc != 0) {
        json_decref(body);
        return rc;
    }
    x->reply.code = SVC_CREATED;
    x->reply.body = body;
    return 0;
}

static int string_field(json_t *body, const char *name, char *out, size_t size, errs *e)
{
    json_t *v = json_object_get(body, name);
    char p[48];
    snprintf(p, sizeof p, "/%s", name);
    if (!v)
        return errs_add(e, "required", p, "'%s' is required", name);
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) >= size)
        return errs_add(e, "string", p, "'%s' is a string of 1-%zu characters", name, size - 1);
    snprintf(out, size, "%s", s);
    return 0;
}

static int fail_with(svc_reply *out, svc_reply r)
{
    *out = r;
    return -1;
}

/* The signature of the exact bytes, with the key registered for the token's bank. */
static int verify_signature(app *a, const svc_req *req, const char *signature_b64, svc_reply *out)
{
    if (!signature_b64 || !*signature_b64)
        return fail_with(out, svc_error(SVC_UNAUTHORIZED, "signature_missing",
                         "X-Signature (base64 DER ECDSA P-256 over the exact body) is required"));
    unsigned char der[256];
    int dl = sig_b64_decode(signature_b64, der, sizeof der);
    if (dl <= 0)
        return fail_with(out, svc_error(SVC_UNAUTHORIZED, "signature_malformed", "X-Signature is not base64"));
    EVP_PKEY *key = bank_key(a, req->party);
    if (!key)
        return fail_with(out, svc_error(SVC_UNAUTHORIZED, "signature_key_unknown",
                         "no public key is registered for this bank (ecustoms party key)"));
    int ok = sig_verify_p256(key, req->raw_body ? req->raw_body : "", req->raw_body ? req->raw_len : 0,
                             der, (size_t)dl);
    EVP_PKEY_free(key);
    if (ok != 1)
        return fail_with(out, svc_error(SVC_UNAUTHORIZED, "signature_invalid",
                         "the signature does not verify with this bank's registered key"));
    return 0;
}

svc_reply svc_payment_create(app *a, const svc_req *req, json_t *body, const char *signature_b64)
{
    static const char *const top[] = {"bank_transaction_id", "payer", "paid_at", "lines", NULL};
    static const char *const line_fields[] = {"declaration", "amount", NULL};
    if (!svc_role_is(req, "bank"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only banks report payments");
    svc_reply refused;
    if (verify_signature(a, req, signature_b64, &refused) != 0)
        return refused;
    /* 2. the body, every error at once */
    if (!json_is_object(body))
        return svc_error(SVC_INVALID, "type", "the body must be a JSON object");
    errs *e = malloc(sizeof *e);
    pay_ctx *x = calloc(1, sizeof *x);
    svc_reply r = {0};
    if (!e || !x) {
        free(e);
        free(x);
        return svc_error(SVC_ERROR, "internal", "out of memory");
    }
    errs_init(e);
    x->req = req;
    x->e = e;
    json_check_fields(body, top, "", e);
    string_field(body, "bank_transaction_id", x->txn, sizeof x->txn, e);
    string_field(body, "payer", x->payer, sizeof x->payer, e);
    if (string_field(body, "paid_at", x->paid_at, sizeof x->paid_at, e) == 0) {
        char d[11] = {0};
        date_ymd day;
        memcpy(d, x->paid_at, 10);
        if (strlen(x->paid_at) < 10 || date_parse(d, &day) != 0)
            errs_add(e, "timestamp", "/paid_at", "'paid_at' is a date or timestamp (YYYY-MM-DD...)");
        else
            x->paid_date = day;
    }
    json_t *lines = json_object_get(body, "lines");
    if (!json_is_array(lines) || json_array_size(lines) == 0 || json_array_size(lines) > MAX_LINES)
        errs_add(e, "lines", "/lines", "'lines' is an array of 1-%d payment lines", MAX_LINES);
    else {
        size_t i;
        json_t *l;
        x->n = (int)json_array_size(lines);
        json_array_foreach(lines, i, l) {
            char p[48];
            snprintf(p, sizeof p, "/lines/%zu", i);
            if (!json_is_object(l)) {
                errs_add(e, "type", p, "a payment line is an object");
                continue;
            }
            json_check_fields(l, line_fields, p, e);
            const char *dn = json_string_value(json_object_get(l, "declaration"));
            snprintf(p, sizeof p, "/lines/%zu/declaration", i);
            if (!dn || strlen(dn) < 11 || strlen(dn) > 12 || strspn(dn, "0123456789") != strlen(dn))
                errs_add(e, "declaration", p, "'declaration' is a declaration number (11-12 digits)");
            else
                snprintf(x->lines[i].decl, sizeof x->lines[i].decl, "%s", dn);
            json_t *am = json_object_get(l, "amount");
            int64_t v = 0;
            snprintf(p, sizeof p, "/lines/%zu/amount", i);
            int bad = 1;
            if (json_is_integer(am)) {
                v = json_integer_value(am);
                bad = 0;
            } else if (json_is_string(am)) {
                bad = dec_parse(json_string_value(am), 0, 0, &v) != 0;
            }
            if (bad)
                errs_add(e, "decimal", p, "'amount' is a whole VND amount (string or integer)");
            else if (v <= 0)
                errs_add(e, "amount_not_positive", p, "'amount' must be greater than 0");
            else if (v > (int64_t)1e15)
                errs_add(e, "amount_too_large", p, "'amount' exceeds VND 10^15");
            else {
                x->lines[i].amount = v;
                x->total += v;
            }
        }
    }
    if (x->n > 0 && store_read(a->st, lines_exist_job, x) != 0) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the declarations");
        goto out;
    }
    if (e->n) {
        r = svc_errors(e);
        goto out;
    }
    /* 3. one write job; idempotent by (bank, bank_transaction_id) on the body's hash */
    svc_sha256_hex(req->raw_body ? req->raw_body : "", req->raw_body ? req->raw_len : 0, x->hash);
    x->now = now_s();
    int rc = store_write(a->st, pay_job, x);
    if (rc < 0) {
        json_decref(x->reply.body);
        r = svc_error(SVC_ERROR, "storage", "the database refused the payment");
    } else {
        r = x->reply;
    }
out:
    free(e);
    free(x);
    return r;
}

/* ---- GET /declarations/{number}/ledger -------------------------------------------------------- */

typedef struct ledger_read {
    const char *key;
    decl_row row;
    int found;
    ledger_row *rows;
    int n;
    ledger_balance b;
    int64_t credit;
} ledger_read;

static int ledger_read_job(db_conn *c, void *ctx)
{
    ledger_read *x = ctx;
    x->found = store_decl_get_meta(c, x->key, &x->row);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    int rc = balance_of(c, x->row.id, &x->b, x->rows, MAX_ENTRIES, &x->n);
    return rc < 0 ? rc : 0;
}

svc_reply svc_decl_ledger(app *a, const svc_req *req, const char *number)
{
    ledger_read x = {.key = number};
    svc_reply r = {0};
    x.rows = calloc(MAX_ENTRIES, sizeof *x.rows);
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    int rc = store_read(a->st, ledger_read_job, &x);
    int visible = x.found == 1 && x.row.number[0] &&
                  (svc_is_customs(req) || svc_role_is(req, "system") || svc_role_is(req, "bank") ||
                   strcmp(x.row.declarant, req->party) == 0 || strcmp(x.row.party, req->party) == 0);
    if (rc != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the ledger");
    else if (!visible)
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such declaration");
    else {
        json_t *entries = json_array();
        for (int i = 0; i < x.n; i++) {
            ledger_row *e = &x.rows[i];
            char ts[24];
            date_format_timestamp((time_t)e->at, ts);
            json_t *o = json_pack("{s:i,s:s,s:s,s:o}", "seq", e->seq, "at", ts, "kind", e->kind,
                                  "amount", money(e->amount));
            if (e->bank[0])
                json_object_set_new(o, "bank", json_string(e->bank));
            if (e->bank_txn[0])
                json_object_set_new(o, "bank_transaction_id", json_string(e->bank_txn));
            if (e->note[0])
                json_object_set_new(o, "note", json_string(e->note));
            json_array_append_new(entries, o);
        }
        r.code = SVC_OK;
        r.body = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "declaration",
                           x.row.number, "status", decl_status_name((decl_status)x.row.status),
                           "enterprise", x.row.party, "assessed", money(x.b.assessed), "paid",
                           money(x.b.paid), "guaranteed", money(x.b.guaranteed), "credited",
                           money(x.b.credited), "interest", money(x.b.interest), "outstanding",
                           money(x.b.outstanding), "surplus", money(x.b.surplus), "covered",
                           x.b.outstanding == 0, "entries", entries);
    }
    decl_row_release(&x.row);
    free(x.rows);
    return r;
}

/* ---- GET /banks/me/reconciliation ------------------------------------------------------------ */

#define RECON_MAX 10000

typedef struct recon_ctx {
    const char *bank;
    int64_t from, to;
    payment_row *rows;
    int n;
} recon_ctx;

static int recon_job(db_conn *c, void *ctx)
{
    recon_ctx *x = ctx;
    x->n = store_payments_of_bank(c, x->bank, x->from, x->to, x->rows, RECON_MAX);
    return x->n < 0 ? x->n : 0;
}

svc_reply svc_bank_reconciliation(app *a, const svc_req *req, date_ymd date)
{
    if (!svc_role_is(req, "bank"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only banks reconcile their payments");
    recon_ctx x = {.bank = req->party, .from = (int64_t)date_to_days(date) * 86400};
    x.to = x.from + 86400;
    x.rows = calloc(RECON_MAX, sizeof *x.rows);
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, recon_job, &x) != 0) {
        free(x.rows);
        return svc_error(SVC_ERROR, "storage", "cannot read payments");
    }
    json_t *arr = json_array();
    int64_t total = 0;
    int shown = x.n < RECON_MAX ? x.n : RECON_MAX;
    for (int i = 0; i < shown; i++) {
        payment_row *p = &x.rows[i];
        char ts[24];
        date_format_timestamp((time_t)p->created_at, ts);
        total += p->total;
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o,s:s}", "bank_transaction_id",
                                             p->bank_txn, "payer", p->payer, "paid_at", p->paid_at,
                                             "total", money(p->total), "booked_at", ts));
    }
    free(x.rows);
    char day[16];
    date_format(date, day);
    svc_reply r = {.code = SVC_OK};
    r.body = json_pack("{s:s,s:s,s:i,s:o,s:b,s:o}", "bank", req->party, "date", day, "count", x.n,
                       "total", money(total), "truncated", x.n > RECON_MAX, "payments", arr);
    return r;
}

/* ---- POST /guarantees ---------------------------------------------------------------------------- */

#define GUARANTEE_MAX_DAYS 30 /* Law 107/2016 Art. 9: at most 30 days from registration */

/* Read phase: each declaration is registered, of the guaranteed enterprise, still owes taxes, and
 * the guarantee does not run past 30 days from its registration. */
static int guarantee_check_job(db_conn *c, void *ctx)
{
    pay_ctx *x = ctx;
    for (int i = 0; i < x->n; i++) {
        if (!x->lines[i].decl[0])
            continue;
        decl_row r = {0};
        char p[48];
        snprintf(p, sizeof p, "/declarations/%d", i);
        int rc = store_decl_get_meta(c, x->lines[i].decl, &r);
        if (rc < 0)
            return rc;
        if (rc == 0 || !r.number[0] || strncmp(r.number, x->lines[i].decl, strlen(x->lines[i].decl)) != 0)
            errs_add(x->e, "unknown_declaration", p, "no registered declaration %s", x->lines[i].decl);
        else if (strcmp(r.party, x->enterprise) != 0)
            errs_add(x->e, "enterprise_mismatch", p, "declaration %s is of enterprise %s, not %s",
                     r.number, r.party, x->enterprise);
        else if (!owes_taxes(r.status))
            errs_add(x->e, "not_owed", p, "declaration %s is %s: it owes no taxes", r.number,
                     decl_status_name((decl_status)r.status));
        else {
            date_ymd last = date_add_days(date_from_time((time_t)r.registered_at), GUARANTEE_MAX_DAYS);
            if (x->valid_until > last) {
                char d[16];
                date_format(last, d);
                errs_add(x->e, "guarantee_too_long", p,
                         "a guarantee covers at most %d days from registration: declaration %s until %s",
                         GUARANTEE_MAX_DAYS, r.number, d);
            }
        }
        decl_row_release(&r);
    }
    return 0;
}

static int guarantee_job(db_conn *c, void *ctx)
{
    pay_ctx *x = ctx;
    payment_row prev = {0};
    char key[65];
    snprintf(key, sizeof key, "guarantee:%.50s", x->txn);
    int rc = store_payment_get(c, x->req->party, key, &prev);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (strcmp(prev.request_hash, x->hash) == 0) {
            x->reply.code = (svc_code)prev.status;
            x->reply.body = json_loads(prev.response, 0, NULL);
        } else {
            x->reply = svc_error(SVC_CONFLICT, "guarantee_conflict",
                                 "this guarantee_id was already used for a different guarantee");
        }
        free(prev.response);
        return 1;
    }
    int64_t left = x->total;
    json_t *out = json_array();
    for (int i = 0; i < x->n; i++) {
        decl_row m = {0};
        rc = store_decl_get_meta(c, x->lines[i].decl, &m);
        if (rc != 1) {
            json_decref(out);
            return rc < 0 ? rc : DB_ERR;
        }
        ledger_balance b;
        int64_t alloc = 0;
        int cleared = 0;
        if ((rc = balance_of(c, m.id, &b, NULL, 0, NULL)) < 0)
            goto fail;
        alloc = b.outstanding < left ? b.outstanding : left;
        if (alloc > 0) {
            ledger_row r = {.at = x->now, .amount = alloc, .due = x->valid_until};
            snprintf(r.kind, sizeof r.kind, "guaranteed");
            snprintf(r.party, sizeof r.party, "%s", m.party);
            snprintf(r.bank, sizeof r.bank, "%s", x->req->party);
            snprintf(r.bank_txn, sizeof r.bank_txn, "%s", x->txn);
            char d[16];
            date_format(x->valid_until, d);
            snprintf(r.note, sizeof r.note, "%s guarantee until %s", x->type, d);
            if ((rc = append(c, m.id, m.status, &r, x->req->party, x->req->role)) < 0)
                goto fail;
            left -= alloc;
            if ((rc = balance_of(c, m.id, &b, NULL, 0, NULL)) < 0)
                goto fail;
            if (b.outstanding == 0 && b.assessed > 0 && (rc = auto_clear(c, x, m.id, &cleared)) < 0)
                goto fail;
        }
        json_array_append_new(out, json_pack("{s:s,s:o,s:o,s:s,s:b}", "declaration", m.number,
                                             "guaranteed", money(alloc), "outstanding",
                                             money(b.outstanding), "status",
                                             decl_status_name(cleared ? ST_CLEARED : (decl_status)m.status),
                                             "cleared", cleared));
        decl_row_release(&m);
        continue;
    fail:
        decl_row_release(&m);
        json_decref(out);
        return rc;
    }
    char d[16];
    date_format(x->valid_until, d);
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:o}", "bank", x->req->party,
                             "guarantee_id", x->txn, "type", x->type, "enterprise", x->enterprise,
                             "amount", money(x->total), "allocated", money(x->total - left),
                             "unallocated", money(left), "valid_until", d, "declarations", out);
    char *text = json_dumps(body, JSON_COMPACT);
    payment_row pr = {.total = x->total, .status = SVC_CREATED, .response = text, .created_at = x->now};
    snprintf(pr.kind, sizeof pr.kind, "guarantee");
    snprintf(pr.bank, sizeof pr.bank, "%s", x->req->party);
    snprintf(pr.bank_txn, sizeof pr.bank_txn, "%s", key);
    snprintf(pr.request_hash, sizeof pr.request_hash, "%s", x->hash);
    snprintf(pr.payer, sizeof pr.payer, "%s", x->enterprise);
    snprintf(pr.paid_at, sizeof pr.paid_at, "%s", d);
    rc = text ? store_payment_put(c, &pr) : DB_ERR;
    free(text);
    if (rc != 0) {
        json_decref(body);
        return rc;
    }
    x->reply.code = SVC_CREATED;
    x->reply.body = body;
    return 0;
}

svc_reply svc_guarantee_create(app *a, const svc_req *req, json_t *body, const char *signature_b64)
{
    static const char *const top[] = {"guarantee_id", "type", "enterprise", "amount", "valid_until",
                                      "declarations", NULL};
    if (!svc_role_is(req, "bank"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only banks give guarantees");
    svc_reply refused;
    if (verify_signature(a, req, signature_b64, &refused) != 0)
        return refused;
    if (!json_is_object(body))
        return svc_error(SVC_INVALID, "type", "the body must be a JSON object");
    errs *e = malloc(sizeof *e);
    pay_ctx *x = calloc(1, sizeof *x);
    svc_reply r = {0};
    if (!e || !x) {
        free(e);
        free(x);
        return svc_error(SVC_ERROR, "internal", "out of memory");
    }
    errs_init(e);
    x->req = req;
    x->e = e;
    json_check_fields(body, top, "", e);
    string_field(body, "guarantee_id", x->txn, 51, e);
    if (string_field(body, "type", x->type, sizeof x->type, e) == 0 && strcmp(x->type, "separate") &&
        strcmp(x->type, "joint"))
        errs_add(e, "enum", "/type", "'type' is separate (one declaration) or joint (several)");
    string_field(body, "enterprise", x->enterprise, sizeof x->enterprise, e);
    char vu[16];
    if (string_field(body, "valid_until", vu, sizeof vu, e) == 0) {
        if (date_parse(vu, &x->valid_until) != 0)
            errs_add(e, "date", "/valid_until", "'valid_until' is a date YYYY-MM-DD");
        else if (x->valid_until < date_today())
            errs_add(e, "date_past", "/valid_until", "'valid_until' is in the past");
    }
    json_t *am = json_object_get(body, "amount");
    int64_t v = 0;
    if (!(json_is_integer(am) ? (v = json_integer_value(am), 1)
                              : json_is_string(am) && dec_parse(json_string_value(am), 0, 0, &v) == 0))
        errs_add(e, "decimal", "/amount", "'amount' is a whole VND amount (string or integer)");
    else if (v <= 0)
        errs_add(e, "amount_not_positive", "/amount", "'amount' must be greater than 0");
    else if (v > (int64_t)1e15)
        errs_add(e, "amount_too_large", "/amount", "'amount' exceeds VND 10^15");
    else
        x->total = v;
    json_t *ds = json_object_get(body, "declarations");
    size_t nd = json_array_size(ds);
    if (!json_is_array(ds) || nd == 0 || nd > MAX_LINES)
        errs_add(e, "declarations", "/declarations", "'declarations' is an array of 1-%d numbers", MAX_LINES);
    else if (!strcmp(x->type, "separate") && nd != 1)
        errs_add(e, "separate_one_declaration", "/declarations",
                 "a separate guarantee covers exactly one declaration (use a joint one for several)");
    else {
        x->n = (int)nd;
        for (size_t i = 0; i < nd; i++) {
            const char *dn = json_string_value(json_array_get(ds, i));
            if (!dn || strlen(dn) < 11 || strlen(dn) > 12 || strspn(dn, "0123456789") != strlen(dn)) {
                char p[48];
                snprintf(p, sizeof p, "/declarations/%zu", i);
                errs_add(e, "declaration", p, "a declaration number has 11-12 digits");
            } else {
                snprintf(x->lines[i].decl, sizeof x->lines[i].decl, "%s", dn);
            }
        }
    }
    if (x->n > 0 && x->enterprise[0] && store_read(a->st, guarantee_check_job, x) != 0) {
        r = svc_error(SVC_ERROR, "storage", "cannot read the declarations");
        goto out;
    }
    if (e->n) {
        r = svc_errors(e);
        goto out;
    }
    svc_sha256_hex(req->raw_body ? req->raw_body : "", req->raw_body ? req->raw_len : 0, x->hash);
    x->now = now_s();
    if (store_write(a->st, guarantee_job, x) < 0) {
        json_decref(x->reply.body);
        r = svc_error(SVC_ERROR, "storage", "the database refused the guarantee");
    } else {
        r = x->reply;
    }
out:
    free(e);
    free(x);
    return r;
}

/* ---- GET /banks/me/due ------------------------------------------------------------------------- */

#define DUE_MAX 1000

typedef struct due_ctx {
    const char *bank;
    due_row *rows;
    int n;
    json_t *out;
} due_ctx;

static int due_job(db_conn *c, void *ctx)
{
    due_ctx *x = ctx;
    x->n = store_ledger_guaranteed_by(c, x->bank, x->rows, DUE_MAX);
    if (x->n < 0)
        return x->n;
    date_ymd today = date_today();
    for (int i = 0; i < x->n && i < DUE_MAX; i++) {
        decl_row m = {0};
        ledger_balance b = {0};
        int rc = store_decl_get_meta(c, x->rows[i].decl_id, &m);
        if (rc == 1)
            rc = balance_of(c, m.id, &b, NULL, 0, NULL);
        if (rc < 0) {
            decl_row_release(&m);
            return rc;
        }
        char d[16];
        date_format(x->rows[i].due, d);
        /* what the guarantor would pay if the enterprise does not: the tax still unpaid, up to
         * the amount it guarantees */
        int64_t unpaid = b.assessed - b.paid;
        int64_t at_risk = unpaid < x->rows[i].guaranteed ? unpaid : x->rows[i].guaranteed;
        json_array_append_new(x->out, json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:b}", "declaration",
                                                m.number, "enterprise", m.party, "status",
                                                decl_status_name((decl_status)m.status), "guaranteed",
                                                money(x->rows[i].guaranteed), "due_amount",
                                                money(at_risk > 0 ? at_risk : 0), "due", d, "overdue",
                                                x->rows[i].due < today));
        decl_row_release(&m);
    }
    return 0;
}

svc_reply svc_bank_due(app *a, const svc_req *req)
{
    if (!svc_role_is(req, "bank"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only banks have guarantees");
    due_ctx x = {.bank = req->party, .out = json_array()};
    x.rows = calloc(DUE_MAX, sizeof *x.rows);
    if (!x.rows || store_read(a->st, due_job, &x) != 0) {
        free(x.rows);
        json_decref(x.out);
        return svc_error(SVC_ERROR, "storage", "cannot read guarantees");
    }
    free(x.rows);
    svc_reply r = {.code = SVC_OK};
    r.body = json_pack("{s:s,s:o}", "bank", req->party, "guarantees", x.out);
    return r;
}
