/* e-Payment use cases. See docs/architecture.md, "e-Payment".
 *
 * A payment is verified (signature of the exact body with the key of the token's bank), then
 * validated (every error at once), then handed to the group-commit writer as ONE job: the job
 * looks up (bank, bank_transaction_id) — same body: the stored first answer; another body: 409 —
 * then appends ledger entries and audit events for every line, clears green declarations whose
 * taxes are now covered, and stores the answer, all in the same transaction. */
#include "service/payments.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ledger.h"
#include "core/lifecycle.h"
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
    return pay_ledger_add(c, decl_id, enterprise, status, delta, now, req, why);
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

int64_t pay_ledger_outstanding(db_conn *c, const char *decl_id)
{
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
    char hash[65];
    pay_line lines[MAX_LINES];
    int n;
    int64_t total, now;
    errs *e;
    svc_reply reply;
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
        ledger_split_payment(&b, l->amount, owed, &applied, &excess);
        ledger_row r = {.at = x->now, .amount = l->amount};
        snprintf(r.kind, sizeof r.kind, "paid");
        snprintf(r.party, sizeof r.party, "%s", m.party);
        snprintf(r.bank, sizeof r.bank, "%s", x->req->party);
        snprintf(r.bank_txn, sizeof r.bank_txn, "%s", x->txn);
        snprintf(r.note, sizeof r.note, "payer %.60s, paid at %.39s", x->payer, x->paid_at);
        if ((rc = append(c, m.id, m.status, &r, x->req->party, x->req->role)) < 0)
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

static void unknown_fields(json_t *o, const char *const *allowed, const char *prefix, errs *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        int ok = 0;
        for (const char *const *k = allowed; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok) {
            char p[96];
            snprintf(p, sizeof p, "%s/%.40s", prefix, key);
            errs_add(e, "unknown_field", p, "unknown field '%.40s'", key);
        }
    }
}

svc_reply svc_payment_create(app *a, const svc_req *req, json_t *body, const char *signature_b64)
{
    static const char *const top[] = {"bank_transaction_id", "payer", "paid_at", "lines", NULL};
    static const char *const line_fields[] = {"declaration", "amount", NULL};
    if (!svc_role_is(req, "bank"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only banks report payments");
    /* 1. the signature of the exact bytes, with the key registered for the token's bank */
    if (!signature_b64 || !*signature_b64)
        return svc_error(SVC_UNAUTHORIZED, "signature_missing",
                         "X-Signature (base64 DER ECDSA P-256 over the exact body) is required");
    unsigned char der[256];
    int dl = sig_b64_decode(signature_b64, der, sizeof der);
    if (dl <= 0)
        return svc_error(SVC_UNAUTHORIZED, "signature_malformed", "X-Signature is not base64");
    EVP_PKEY *key = bank_key(a, req->party);
    if (!key)
        return svc_error(SVC_UNAUTHORIZED, "signature_key_unknown",
                         "no public key is registered for this bank (ecustoms party key)");
    int ok = sig_verify_p256(key, req->raw_body ? req->raw_body : "", req->raw_body ? req->raw_len : 0,
                             der, (size_t)dl);
    EVP_PKEY_free(key);
    if (ok != 1)
        return svc_error(SVC_UNAUTHORIZED, "signature_invalid",
                         "the signature does not verify with this bank's registered key");
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
    unknown_fields(body, top, "", e);
    string_field(body, "bank_transaction_id", x->txn, sizeof x->txn, e);
    string_field(body, "payer", x->payer, sizeof x->payer, e);
    if (string_field(body, "paid_at", x->paid_at, sizeof x->paid_at, e) == 0) {
        char d[11] = {0};
        date_ymd day;
        memcpy(d, x->paid_at, 10);
        if (strlen(x->paid_at) < 10 || date_parse(d, &day) != 0)
            errs_add(e, "timestamp", "/paid_at", "'paid_at' is a date or timestamp (YYYY-MM-DD...)");
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
            unknown_fields(l, line_fields, p, e);
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
