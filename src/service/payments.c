/* e-Payment use cases. See docs/architecture.md, "e-Payment".
 *
 * A payment is verified (signature of the exact body with the key of the token's bank), then
 * validated (every error at once), then handed to the group-commit writer as ONE job: the job
 * looks up (bank, bank_transaction_id) — same body: the stored first answer; another body: 409 —
 * then appends ledger entries and audit events for every line, clears green declarations whose
 * taxes are now covered, and stores the answer, all in the same transaction. */
#include "codec/json_payment.h"
#include "codec/json_fields.h"
#include "codec/json_guarantee.h"
#include "service/payments.h"
#include "service/ledger.h"
#include "service/inspection.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ledger.h"
#include "core/lifecycle.h"
#include "core/tax.h"
#include "core/validate.h"
#include "service/internal.h"
#include "service/views.h"
#include "store/store_mandates.h"
#include "service/kernel.h"
#include "service/users.h"
#include "util/decimal.h"
#include "util/ecdsa.h"
#include "util/utf8.h"

/* MAX_LINES: codec/json_payment.h */
#define MAX_ENTRIES (PAY_LEDGER_READ_MAX + 1)
#define KEY_TTL 60 /* seconds: a replaced key is picked up within a minute, like tokens */

#define PAID_AT_SKEW_S 300 /* a bank's clock may run ahead of ours by up to 5 minutes */

/* ---- the banks' keys, parsed once and cached in the app ------------------------------------ */

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
    int64_t now = svc_now();
    unsigned h = 5381;
    for (const char *p = bank; *p; p++)
        h = h * 33 + (unsigned char)*p;
    app_key_entry *e = &a->bank_keys[h % APP_KEY_CACHE];
    pthread_mutex_lock(&a->key_lock);
    if (strcmp(e->party, bank) == 0 && now - e->loaded_at < KEY_TTL && e->key) {
        EVP_PKEY_up_ref(e->key);
        EVP_PKEY *k = e->key;
        pthread_mutex_unlock(&a->key_lock);
        return k;
    }
    pthread_mutex_unlock(&a->key_lock);
    key_read kr = {.party = bank};
    if (store_read(a->st, key_read_job, &kr) != 0 || kr.found != 1) {
        free(kr.pem);
        return NULL;
    }
    EVP_PKEY *k = ecdsa_parse_p256_pem(kr.pem);
    free(kr.pem);
    if (!k)
        return NULL;
    pthread_mutex_lock(&a->key_lock);
    if (e->key)
        EVP_PKEY_free(e->key);
    snprintf(e->party, sizeof e->party, "%s", bank);
    e->key = k;
    e->loaded_at = now;
    EVP_PKEY_up_ref(k);
    pthread_mutex_unlock(&a->key_lock);
    return k;
}

/* ---- ledger helpers ------------------------------------------------------------------------- */

void pay_entry_of(const ledger_row *r, ledger_entry *e)
{
    e->kind = ledger_kind_parse(r->kind);
    e->amount = r->amount;
    e->on = date_legal(r->at);
    e->due = r->due;
}

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
        pay_entry_of(&rows[i], &e[i]);
    }
    ledger_balance_of(e, n < MAX_ENTRIES ? n : MAX_ENTRIES, b);
    if (n_out)
        *n_out = n;
    return 0;
}

int pay_balance(db_conn *c, const char *decl_id, ledger_balance *b)
{
    return balance_of(c, decl_id, b, NULL, 0, NULL);
}

/* seq: as store_ledger_append_seq (0: looked up) */
static int ledger_append_seq(db_conn *c, const char *decl_id, int status, ledger_row *r,
                             const svc_req *req, int seq)
{
    seq = store_ledger_append_seq(c, decl_id, r, seq);
    if (seq < 0)
        return seq;
    json_t *d =
        json_pack("{s:i,s:s,s:o}", "entry", seq, "kind", r->kind, "amount", json_money(r->amount));
    if (r->bank[0])
        json_object_set_new(d, "bank", json_string(r->bank));
    if (r->bank_txn[0])
        json_object_set_new(d, "bank_transaction_id", json_string(r->bank_txn));
    if (r->note[0])
        json_object_set_new(d, "note", json_string(r->note));
    svc_event_actor(req, d); /* a refund or credit decided by a person names them */
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    char action[40];
    snprintf(action, sizeof action, "ledger.%s", r->kind);
    int rc =
        store_event_append(c, decl_id, r->at, req->party, req->role, action, status, status, text);
    free(text);
    return rc < 0 ? rc : seq;
}

int pay_ledger_append(db_conn *c, const char *decl_id, int status, ledger_row *r,
                      const svc_req *req)
{
    return ledger_append_seq(c, decl_id, status, r, req, 0);
}

/* The ledger is read once (a registration's assessment was five reads of it: the balance, the
 * next seq, the balance after): the next seq and the balance after the new entry come from the
 * rows already read, while they are all of them. */
int pay_ledger_assess(db_conn *c, const char *decl_id, const char *enterprise, int status,
                      int64_t total_tax, int64_t now, const svc_req *req, const char *why)
{
    return pay_ledger_assess_sent(c, NULL, decl_id, enterprise, status, total_tax, now, req, why);
}

int pay_ledger_assess_sent(db_conn *c, db_stmt *sent, const char *decl_id, const char *enterprise,
                           int status, int64_t total_tax, int64_t now, const svc_req *req,
                           const char *why)
{
    ledger_row rows[MAX_ENTRIES];
    int n = sent ? store_ledger_list_read(c, sent, rows, MAX_ENTRIES - 1)
                 : store_ledger_list(c, decl_id, rows, MAX_ENTRIES - 1);
    if (n < 0)
        return n;
    return pay_ledger_assess_read(c, rows, n, decl_id, enterprise, status, total_tax, now, req,
                                  why);
}

int pay_ledger_assess_read(db_conn *c, const ledger_row *rows, int n, const char *decl_id,
                           const char *enterprise, int status, int64_t total_tax, int64_t now,
                           const svc_req *req, const char *why)
{
    ledger_entry e[MAX_ENTRIES] = {0}; /* (only [0, n] are used: zeroed for the compiler's sake) */
    ledger_balance b;
    int whole = n < MAX_ENTRIES - 1; /* every entry read, and room for the new one */
    int k = whole ? n : MAX_ENTRIES - 1;
    for (int i = 0; i < k; i++)
        pay_entry_of(&rows[i], &e[i]);
    ledger_balance_of(e, k, &b);
    if (!whole && pay_balance(c, decl_id, &b) < 0)
        return DB_ERR;
    int64_t delta = total_tax - (b.assessed - b.interest);
    if (delta == 0)
        return 0;
    ledger_row a = {.at = now, .amount = delta};
    snprintf(a.kind, sizeof a.kind, "assessed");
    snprintf(a.party, sizeof a.party, "%s", enterprise);
    utf8_snprintf(a.note, sizeof a.note, "%s", why ? why : "");
    int next = whole ? (n ? rows[n - 1].seq + 1 : 1) : 0;
    int rc = ledger_append_seq(c, decl_id, status, &a, req, next);
    if (rc < 0)
        return rc;
    if (whole) {
        a.seq = rc;
        pay_entry_of(&a, &e[n]);
        ledger_balance_of(e, n + 1, &b);
    } else if ((rc = pay_balance(c, decl_id, &b)) < 0) {
        return rc;
    }
    if (b.surplus <= 0)
        return 0;
    /* lowered below what was already paid: the difference becomes the enterprise's credit */
    ledger_row r = {.at = now, .amount = b.surplus};
    snprintf(r.kind, sizeof r.kind, "credit");
    snprintf(r.party, sizeof r.party, "%s", enterprise);
    utf8_snprintf(r.note, sizeof r.note, "overpaid after re-assessment (%s)", why ? why : "");
    rc = pay_ledger_append(c, decl_id, status, &r, req);
    return rc < 0 ? rc : 0;
}

int pay_ledger_add(db_conn *c, const char *decl_id, const char *enterprise, int status,
                   int64_t amount, int64_t now, const svc_req *req, const char *why)
{
    ledger_row r = {.at = now, .amount = amount};
    snprintf(r.kind, sizeof r.kind, "assessed");
    snprintf(r.party, sizeof r.party, "%s", enterprise);
    utf8_snprintf(r.note, sizeof r.note, "%s", why ? why : "");
    int rc = pay_ledger_append(c, decl_id, status, &r, req);
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
    int rc = pay_balance(c, decl_id, &b);
    return rc < 0 ? rc : b.outstanding;
}

/* ---- POST /payments ------------------------------------------------------------------------- */

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

int pay_owes_taxes(int status)
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
        if (rc == 0 || !r.number[0] ||
            strncmp(r.number, x->lines[i].decl, strlen(x->lines[i].decl)) != 0) {
            char p[48];
            snprintf(p, sizeof p, "/lines/%d/declaration", i);
            errs_add(x->e, "unknown_declaration", p, "no registered declaration %s",
                     x->lines[i].decl);
        }
        decl_row_release(&r);
    }
    return 0;
}

/* The green channel is cleared by the system as soon as its taxes are covered (and, for an AEO
 * enterprise, at registration: its taxes are deferred to the monthly statement). */
static int auto_clear(db_conn *c, const pay_settle_ctx *s, const char *key, const char *why,
                      int *cleared)
{
    decl_row cur;
    decl_status to;
    int rc = store_decl_get_state(c, key, &cur); /* the document is not rewritten: not read */
    if (rc != 1)
        return rc < 0 ? rc : DB_ERR;
    if (cur.channel != CH_GREEN || cur.status != ST_REGISTERED ||
        lifecycle_next((decl_status)cur.status, (decl_channel)cur.channel, ACT_CLEAR, &to) != 0) {
        decl_row_release(&cur);
        return 0;
    }
    /* specialised inspection: not released before every result it waits for passed */
    if ((rc = insp_clearance_blocks(c, cur.id, NULL)) != 0) {
        decl_row_release(&cur);
        return rc < 0 ? rc : 0;
    }
    json_t *decisions = cur.decisions ? json_loads(cur.decisions, 0, NULL) : NULL;
    if (!decisions)
        decisions = json_array();
    char ts[24];
    date_format_timestamp((time_t)s->now, ts);
    json_array_append_new(decisions,
                          json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "decision", "clear", "note", why,
                                    "action", "clear", "by", "SYSTEM", "role", "system", "at", ts));
    char *dtext = json_dumps(decisions, JSON_COMPACT);
    json_decref(decisions);
    decl_row next = cur;
    next.status = to;
    next.cleared_at = next.updated_at = s->now;
    next.decisions = dtext;
    rc = store_decl_set_state(c, &next);
    if (rc == 0) {
        json_t *d =
            json_pack("{s:s,s:s,s:s}", "decision", "clear", "reason", why, "reference", s->ref);
        if (s->txn[0])
            json_object_set_new(d, "bank_transaction_id", json_string(s->txn));
        char *t = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        rc = store_event_append(c, cur.id, s->now, "SYSTEM", "system", "clear", cur.status, to, t);
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
    return ledger_aeo_deadline(date_legal(cleared_at));
}

int pay_is_aeo(db_conn *c, const char *enterprise)
{
    party p;
    int rc = store_party_get(c, enterprise, &p);
    return rc < 0 ? rc : rc == 1 && p.aeo;
}

/* Goods released before their taxes were paid (under a guarantee, or an AEO's monthly deferral):
 * late-payment interest, 0.03 %/day on the tax paid now, from release (AEO: from the day after
 * the 10th of the next month) to the payment date. Appended as an "interest" entry; *b
 * refreshed. */
static int late_interest(db_conn *c, pay_settle_ctx *s, const decl_row *m, ledger_balance *b,
                         int64_t amount)
{
    int aeo = pay_is_aeo(c, m->party);
    if (aeo < 0)
        return aeo;
    date_ymd from = aeo ? aeo_deadline(m->cleared_at) : date_legal(m->cleared_at);
    int32_t days = date_diff_days(from, s->paid_date);
    int64_t principal = b->assessed - b->paid;
    if (principal > amount)
        principal = amount;
    int64_t interest = tax_late_interest(principal, days);
    if (interest <= 0)
        return 0;
    char f[16], t[16];
    date_format(from, f);
    date_format(s->paid_date, t);
    ledger_row r = {.at = s->now, .amount = interest};
    snprintf(r.kind, sizeof r.kind, "interest");
    snprintf(r.party, sizeof r.party, "%s", m->party);
    utf8_snprintf(r.note, sizeof r.note, "0.03 %%/day x %d days (%s to %s) on VND %lld", (int)days,
                  f, t, (long long)principal);
    int rc = pay_ledger_append(c, m->id, m->status, &r, s->req);
    return rc < 0 ? rc : pay_balance(c, m->id, b);
}

/* ---- guarantees: allocation, release, revolving ---------------------------------------------- */

static int guarantee_allocate(db_conn *c, pay_settle_ctx *s, const guarantee_row *g,
                              int waiting_only, json_t *out);

/* What is left of a joint guarantee after a release covers the enterprise's other declarations
 * it names that still wait for their release, while it is valid (Decree 134/2016 Art. 4: the
 * amount of a joint guarantee revolves as duty is paid). */
static int guarantee_revolve(db_conn *c, pay_settle_ctx *s, const char *bank, const char *id)
{
    guarantee_row g;
    int rc = store_guarantee_get(c, bank, id, &g);
    if (rc != 1)
        return rc < 0 ? rc : 0; /* given before the terms were kept: nothing to revolve */
    if (strcmp(g.type, "joint") != 0 || g.valid_until < date_legal(s->now))
        return 0;
    return guarantee_allocate(c, s, &g, 1, s->revolved);
}

static int same_guarantee(const ledger_row *a, const ledger_row *b)
{
    return !strcmp(a->kind, "guaranteed") && !strcmp(b->kind, "guaranteed") &&
           !strcmp(a->bank, b->bank) && !strcmp(a->bank_txn, b->bank_txn);
}

/* Releases `amount` of the guarantees securing declaration m (negative "guaranteed" entries of
 * the guarantors, oldest guarantee first); each released joint guarantee then revolves. */
static int release_guarantee(db_conn *c, pay_settle_ctx *s, const decl_row *m, int64_t amount,
                             const char *why)
{
    ledger_row *rows = calloc(MAX_ENTRIES, sizeof *rows);
    if (!rows)
        return DB_ERR;
    int n = store_ledger_list(c, m->id, rows, MAX_ENTRIES), rc = n < 0 ? n : 0;
    if (n > MAX_ENTRIES)
        n = MAX_ENTRIES;
    int released[MAX_ENTRIES], nr = 0;
    for (int i = 0; i < n && amount > 0 && rc >= 0; i++) {
        int first = !strcmp(rows[i].kind, "guaranteed");
        for (int j = 0; j < i && first; j++)
            first = !same_guarantee(&rows[j], &rows[i]);
        if (!first)
            continue; /* one release per guarantee, at its first entry */
        int64_t left = 0;
        for (int j = i; j < n; j++)
            if (same_guarantee(&rows[j], &rows[i]))
                left += rows[j].amount;
        if (left <= 0)
            continue;
        int64_t rel = amount < left ? amount : left;
        ledger_row r = rows[i];
        r.at = s->now;
        r.amount = -rel;
        r.due = 0;
        utf8_snprintf(r.note, sizeof r.note, "guarantee released: %.138s", why);
        rc = pay_ledger_append(c, m->id, m->status, &r, s->req);
        amount -= rel;
        released[nr++] = i;
    }
    for (int k = 0; k < nr && rc >= 0; k++)
        rc = guarantee_revolve(c, s, rows[released[k]].bank, rows[released[k]].bank_txn);
    free(rows);
    return rc < 0 ? rc : 0;
}

/* Allocates what is left of guarantee g to the declarations it names, in order, each up to what
 * it still owes; a green declaration now covered is released. waiting_only (revolving): only
 * declarations not yet released. out (when set) gets one object per declaration allocated to
 * (every declaration when not waiting_only). */
static int guarantee_allocate(db_conn *c, pay_settle_ctx *s, const guarantee_row *g,
                              int waiting_only, json_t *out)
{
    char(*ids)[33] = calloc(MAX_LINES, sizeof *ids);
    if (!ids)
        return DB_ERR;
    int n = store_guarantee_decls(c, g->bank, g->id, ids, MAX_LINES);
    int64_t used = n < 0 ? 0 : store_guarantee_used(c, g->bank, g->id);
    int rc = n < 0 ? n : used < 0 ? (int)used : 0;
    int64_t left = g->amount - used;
    char until[16];
    date_format(g->valid_until, until);
    for (int i = 0; i < n && i < MAX_LINES && rc >= 0; i++) {
        decl_row m = {0};
        ledger_balance b = {0};
        int64_t alloc = 0;
        int cleared = 0;
        if ((rc = store_decl_get_meta(c, ids[i], &m)) != 1) {
            rc = rc < 0 ? rc : DB_ERR;
            break;
        }
        rc = 0;
        if (pay_owes_taxes(m.status) && !(waiting_only && m.cleared_at) &&
            (rc = pay_balance(c, m.id, &b)) >= 0)
            alloc = b.outstanding < left ? b.outstanding : left;
        if (alloc > 0) {
            ledger_row r = {.at = s->now, .amount = alloc, .due = g->valid_until};
            snprintf(r.kind, sizeof r.kind, "guaranteed");
            snprintf(r.party, sizeof r.party, "%s", m.party);
            snprintf(r.bank, sizeof r.bank, "%s", g->bank);
            snprintf(r.bank_txn, sizeof r.bank_txn, "%s", g->id);
            if (waiting_only)
                utf8_snprintf(r.note, sizeof r.note,
                              "%.11s guarantee until %.10s, revolved after %.95s", g->type, until,
                              s->ref);
            else
                utf8_snprintf(r.note, sizeof r.note, "%.11s guarantee until %.10s", g->type, until);
            left -= alloc;
            if ((rc = pay_ledger_append(c, m.id, m.status, &r, s->req)) >= 0 &&
                (rc = pay_balance(c, m.id, &b)) >= 0 && b.outstanding == 0 && b.assessed > 0)
                rc =
                    auto_clear(c, s, m.id, "green channel: taxes covered by a guarantee", &cleared);
        }
        if (out && rc >= 0 && (alloc > 0 || !waiting_only)) {
            json_t *o = json_pack(
                "{s:s,s:o,s:o,s:s,s:b}", "declaration", m.number, "guaranteed", json_money(alloc),
                "outstanding", json_money(b.outstanding), "status",
                decl_status_name(cleared ? ST_CLEARED : (decl_status)m.status), "cleared", cleared);
            if (waiting_only) {
                json_object_set_new(o, "bank", json_string(g->bank));
                json_object_set_new(o, "guarantee_id", json_string(g->id));
            }
            if (b.outstanding > 0) {
                char msg[160], amt[32];
                decimal_format(b.outstanding, 0, amt, sizeof amt);
                snprintf(msg, sizeof msg, "guarantee exhausted: VND %s still missing", amt);
                json_object_set_new(o, "message", json_string(msg));
            }
            json_array_append_new(out, o);
        }
        decl_row_release(&m);
    }
    free(ids);
    return rc < 0 ? rc : 0;
}

/* ---- settling -------------------------------------------------------------------------------- */

int pay_settle(db_conn *c, pay_settle_ctx *s, const decl_row *m, const ledger_row *money,
               pay_settled *out)
{
    ledger_balance b;
    int rc = pay_balance(c, m->id, &b);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    int owed = pay_owes_taxes(m->status);
    if (owed && m->cleared_at && (rc = late_interest(c, s, m, &b, money->amount)) < 0)
        return rc;
    ledger_split_payment(&b, money->amount, owed, &out->applied, &out->excess);
    ledger_row r = *money;
    if ((rc = pay_ledger_append(c, m->id, m->status, &r, s->req)) < 0)
        return rc;
    int64_t rel = ledger_guarantee_release(&b, out->applied);
    if (rel > 0 && (rc = release_guarantee(c, s, m, rel, s->ref)) < 0)
        return rc;
    if (out->excess > 0) {
        ledger_row cr = r;
        snprintf(cr.kind, sizeof cr.kind, "credit");
        cr.amount = out->excess;
        cr.due = 0;
        utf8_snprintf(cr.note, sizeof cr.note, "%s",
                      owed ? "overpayment credited to the enterprise"
                           : "declaration no longer owes taxes: credited to the enterprise");
        if ((rc = pay_ledger_append(c, m->id, m->status, &cr, s->req)) < 0)
            return rc;
    }
    if ((rc = pay_balance(c, m->id, &out->b)) < 0)
        return rc;
    if (owed && out->b.outstanding == 0 && out->b.assessed > 0)
        rc = auto_clear(c, s, m->id, "green channel: taxes covered by payment", &out->cleared);
    return rc < 0 ? rc : 0;
}

int pay_on_registered(db_conn *c, const char *decl_id, int aeo, int64_t now, const svc_req *req)
{
    int cleared = 0;
    if (!aeo)
        return 0;
    pay_settle_ctx s = {.req = req, .now = now};
    char due[16], why[120];
    date_format(aeo_deadline(now), due);
    snprintf(s.ref, sizeof s.ref, "registration");
    snprintf(why, sizeof why, "green channel, priority (AEO) enterprise: taxes due by %s", due);
    int rc = auto_clear(c, &s, decl_id, why, &cleared);
    return rc < 0 ? rc : cleared;
}

int pay_clear_if_covered(db_conn *c, const char *decl_id, const char *enterprise, int64_t now,
                         const svc_req *req, const char *why)
{
    int64_t due = pay_clearance_missing(c, decl_id, enterprise);
    if (due != 0)
        return due < 0 ? (int)due : 0;
    pay_settle_ctx s = {.req = req, .now = now};
    snprintf(s.ref, sizeof s.ref, "%s", why);
    int cleared = 0;
    int rc = auto_clear(c, &s, decl_id, why, &cleared);
    return rc < 0 ? rc : cleared;
}

int pay_on_closed(db_conn *c, const char *decl_id, const char *enterprise, int status, int64_t now,
                  const svc_req *req, const char *why)
{
    int rc = pay_ledger_assess(c, decl_id, enterprise, status, 0, now, req, why);
    ledger_balance b;
    if (rc < 0 || (rc = pay_balance(c, decl_id, &b)) < 0 || b.guaranteed <= 0)
        return rc < 0 ? rc : 0;
    decl_row m = {0};
    if ((rc = store_decl_get_meta(c, decl_id, &m)) != 1)
        return rc < 0 ? rc : DB_ERR;
    pay_settle_ctx s = {.req = req, .now = now};
    utf8_snprintf(s.ref, sizeof s.ref, "declaration %s %s", m.number, why);
    rc = release_guarantee(c, &s, &m, b.guaranteed, s.ref);
    decl_row_release(&m);
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
            x->reply.code = svc_code_from_stored(prev.status);
            x->reply.body = json_loads(prev.response, 0, NULL);
        } else {
            char msg[200];
            utf8_snprintf(msg, sizeof msg,
                          "bank_transaction_id %.64s was already used for a different payment",
                          x->txn);
            x->reply = svc_error(SVC_CONFLICT, "bank_transaction_conflict", msg);
        }
        free(prev.response);
        return 1; /* nothing to keep */
    }
    json_t *out_lines = json_array(), *revolved = json_array();
    pay_settle_ctx s = {
        .req = x->req, .now = x->now, .paid_date = x->paid_date, .revolved = revolved};
    snprintf(s.txn, sizeof s.txn, "%s", x->txn);
    utf8_snprintf(s.ref, sizeof s.ref, "payment %.64s", x->txn);
    for (int i = 0; i < x->n && rc >= 0; i++) {
        pay_line *l = &x->lines[i];
        decl_row m = {0};
        if ((rc = store_decl_get_meta(c, l->decl, &m)) != 1) {
            rc = rc < 0 ? rc : DB_ERR;
            break;
        }
        ledger_row r = {.at = x->now, .amount = l->amount};
        snprintf(r.kind, sizeof r.kind, "paid");
        snprintf(r.party, sizeof r.party, "%s", m.party);
        snprintf(r.bank, sizeof r.bank, "%s", x->req->party);
        snprintf(r.bank_txn, sizeof r.bank_txn, "%s", x->txn);
        utf8_snprintf(r.note, sizeof r.note, "payer %.60s, paid at %.39s", x->payer, x->paid_at);
        pay_settled st;
        if ((rc = pay_settle(c, &s, &m, &r, &st)) < 0) {
            decl_row_release(&m);
            break;
        }
        json_t *o =
            json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:b}", "declaration", m.number,
                      "amount", json_money(l->amount), "applied", json_money(st.applied),
                      "credited", json_money(st.excess), "assessed", json_money(st.b.assessed),
                      "paid", json_money(st.b.paid), "guaranteed", json_money(st.b.guaranteed),
                      "outstanding", json_money(st.b.outstanding), "status",
                      decl_status_name(st.cleared ? ST_CLEARED : (decl_status)m.status), "cleared",
                      st.cleared);
        if (st.b.outstanding > 0) {
            char msg[120], amt[32];
            decimal_format(st.b.outstanding, 0, amt, sizeof amt);
            snprintf(msg, sizeof msg, "underpaid: VND %s still missing", amt);
            json_object_set_new(o, "message", json_string(msg));
        } else if (st.excess > 0) {
            char msg[120], amt[32];
            decimal_format(st.excess, 0, amt, sizeof amt);
            snprintf(msg, sizeof msg, "VND %s credited to enterprise %s", amt, m.party);
            json_object_set_new(o, "message", json_string(msg));
        }
        json_array_append_new(out_lines, o);
        decl_row_release(&m);
    }
    if (rc < 0) {
        json_decref(out_lines);
        json_decref(revolved);
        return rc;
    }
    json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o}", "bank", x->req->party,
                             "bank_transaction_id", x->txn, "payer", x->payer, "paid_at",
                             x->paid_at, "total", json_money(x->total), "lines", out_lines);
    if (json_array_size(revolved)) /* a joint guarantee released here covered other declarations */
        json_object_set(body, "guarantees_revolved", revolved);
    json_decref(revolved);
    char *text = json_dumps(body, JSON_COMPACT);
    payment_row pr = {.total = x->total,
                      .status = svc_code_stored(SVC_CREATED),
                      .response = text,
                      .created_at = x->now};
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

static int fail_with(svc_reply *out, svc_reply r)
{
    *out = r;
    return -1;
}

/* The signature of the exact bytes, with the key registered for the token's bank. */
static int verify_signature(app *a, const svc_req *req, const char *signature_b64, svc_reply *out)
{
    if (!signature_b64 || !*signature_b64)
        return fail_with(
            out, svc_error(SVC_UNAUTHORIZED, "signature_missing",
                           "X-Signature (base64 DER ECDSA P-256 over the exact body) is required"));
    unsigned char der[256];
    int dl = ecdsa_b64_decode(signature_b64, der, sizeof der);
    if (dl <= 0)
        return fail_with(
            out, svc_error(SVC_UNAUTHORIZED, "signature_malformed", "X-Signature is not base64"));
    EVP_PKEY *key = bank_key(a, req->party);
    if (!key)
        return fail_with(
            out, svc_error(SVC_UNAUTHORIZED, "signature_key_unknown",
                           "no public key is registered for this bank (ecustoms party key)"));
    int ok = ecdsa_verify_p256(key, req->raw_body ? req->raw_body : "",
                               req->raw_body ? req->raw_len : 0, der, (size_t)dl);
    EVP_PKEY_free(key);
    if (ok != 1)
        return fail_with(
            out, svc_error(SVC_UNAUTHORIZED, "signature_invalid",
                           "the signature does not verify with this bank's registered key"));
    return 0;
}

/* What a bank's signed report (a payment, a guarantee) is checked for before its body is read:
 * the bank's role (else 403 with only_banks), the signature of the exact bytes, a body that is an
 * object. Then its context, zeroed: NULL with *refused set when any fails. */
static pay_ctx *bank_report_start(app *a, const svc_req *req, const char *signature_b64, errs *e,
                                  const char *only_banks, svc_reply *refused)
{
    if (!svc_role_is(req, "bank")) {
        *refused = svc_error(SVC_FORBIDDEN, "forbidden", only_banks);
        return NULL;
    }
    if (verify_signature(a, req, signature_b64, refused) != 0)
        return NULL;
    if (svc_body_not_object(e)) {
        *refused = svc_not_object();
        return NULL;
    }
    pay_ctx *x = calloc(1, sizeof *x);
    if (!x)
        *refused = svc_error(SVC_ERROR, "internal", "out of memory");
    return x;
}

/* A checked report's errors, all at once, if any; else its one write job, idempotent by (bank,
 * the report's id) on the body's hash: the job's reply, or a storage error saying what the
 * database refused. */
static svc_reply bank_report_write(app *a, const svc_req *req, pay_ctx *x, const errs *e,
                                   store_job_fn job, const char *refused)
{
    if (e->n)
        return svc_errors(e);
    svc_sha256_hex(req->raw_body ? req->raw_body : "", req->raw_body ? req->raw_len : 0, x->hash);
    x->now = svc_now();
    if (store_write(a->st, job, x) < 0) {
        json_decref(x->reply.body);
        return svc_error(SVC_ERROR, "storage", refused);
    }
    return x->reply;
}

svc_reply svc_payment_create(app *a, const svc_req *req, const payment_in *in, errs *e,
                             const char *signature_b64)
{
    svc_reply r = {0};
    pay_ctx *x = bank_report_start(a, req, signature_b64, e, "only banks report payments", &r);
    if (!x)
        return r;
    /* 2. the body, every error at once */
    x->req = req;
    x->e = e;
    memcpy(x->txn, in->txn, sizeof x->txn);
    memcpy(x->payer, in->payer, sizeof x->payer);
    memcpy(x->paid_at, in->paid_at, sizeof x->paid_at);
    x->paid_date = in->paid_date;
    if (in->paid_date) {
        /* a bank reports what was paid: not in the future (a timestamp may run ahead of our
         * clock by PAID_AT_SKEW_S), nor before the period records are kept */
        int64_t now = svc_now();
        date_ymd today = date_legal(now);
        if (in->paid_has_time ? in->paid_instant > now + PAID_AT_SKEW_S : in->paid_date > today) {
            errs_add(e, "date_future", "/paid_at", "a payment reported for a time after now");
            x->paid_date = 0;
        } else if (in->paid_date < date_add_days(today, -DECL_MAX_DOC_AGE_DAYS)) {
            errs_add(e, "date_too_old", "/paid_at", "a payment more than 5 years old");
            x->paid_date = 0;
        }
    }
    memcpy(x->lines, in->lines, sizeof x->lines);
    x->n = in->n;
    x->total = in->total;
    if (x->n > 0 && store_read(a->st, lines_exist_job, x) != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the declarations");
    else /* 3. one write job; idempotent by (bank, bank_transaction_id) */
        r = bank_report_write(a, req, x, e, pay_job, "the database refused the payment");
    free(x);
    return r;
}

/* ---- GET /declarations/{number}/ledger ------------------------------------------------------- */

typedef struct ledger_read {
    const char *key;
    decl_row row;
    int found;
    ledger_row *rows;
    int n;
    ledger_balance b;
    int aeo;
    const char *bank; /* the calling bank, NULL for other roles */
} ledger_read;

static int ledger_read_job(db_conn *c, void *ctx)
{
    ledger_read *x = ctx;
    x->found = store_decl_get_meta(c, x->key, &x->row);
    if (x->found != 1)
        return x->found < 0 ? x->found : 0;
    int rc = 0;
    if (x->bank) { /* a bank sees what it paid, guaranteed or was chosen for, nothing else */
        rc = store_bank_linked(c, x->row.id, x->row.party, x->bank, date_today());
        if (rc <= 0) {
            x->found = 0;
            return rc;
        }
    }
    rc = balance_of(c, x->row.id, &x->b, x->rows, MAX_ENTRIES, &x->n);
    if (rc >= 0)
        rc = x->aeo = pay_is_aeo(c, x->row.party);
    return rc < 0 ? rc : 0;
}

svc_reply svc_decl_ledger(app *a, const svc_req *req, const char *number)
{
    ledger_read x = {.key = number, .bank = svc_role_is(req, "bank") ? req->party : NULL};
    svc_reply r = {0};
    x.rows = calloc(MAX_ENTRIES, sizeof *x.rows);
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    int rc = store_read(a->st, ledger_read_job, &x);
    int visible =
        x.found == 1 && x.row.number[0] &&
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
                                  "amount", json_money(e->amount));
            if (e->bank[0])
                json_object_set_new(o, "bank", json_string(e->bank));
            if (e->bank_txn[0])
                json_object_set_new(o, "bank_transaction_id", json_string(e->bank_txn));
            if (e->note[0])
                json_object_set_new(o, "note", json_string(e->note));
            json_array_append_new(entries, o);
        }
        svc_view_filter(req, entries); /* a bank never sees another bank's transaction ids */
        r.code = SVC_OK;
        r.body = json_pack(
            "{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o}", "declaration", x.row.number,
            "status", decl_status_name((decl_status)x.row.status), "enterprise", x.row.party,
            "assessed", json_money(x.b.assessed), "paid", json_money(x.b.paid), "guaranteed",
            json_money(x.b.guaranteed), "credited", json_money(x.b.credited), "interest",
            json_money(x.b.interest), "outstanding", json_money(x.b.outstanding), "surplus",
            json_money(x.b.surplus), "covered", x.b.outstanding == 0, "entries", entries);
        json_object_set_new(r.body, "credit_left", json_money(x.b.credit_left));
        /* an AEO's taxes on goods already released fall into its monthly statement */
        char due[16];
        date_format(aeo_deadline(x.row.cleared_at), due);
        json_object_set_new(r.body, "payment_due",
                            x.aeo && x.row.cleared_at && x.b.outstanding > 0 ? json_string(due)
                                                                             : json_null());
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

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
 * doubled. */
void pay_csv_field(FILE *f, const char *v, int last)
{
    if (strpbrk(v, ",\"\r\n")) {
        fputc('"', f);
        for (const char *p = v; *p; p++) {
            if (*p == '"')
                fputc('"', f);
            fputc(*p, f);
        }
        fputc('"', f);
    } else {
        fputs(v, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

svc_reply pay_csv_reply(FILE *f, char **text, size_t *len)
{
    if (fclose(f) != 0) {
        free(*text);
        return svc_error(SVC_ERROR, "internal", "out of memory");
    }
    svc_reply r = {
        .code = SVC_OK, .text = *text, .text_len = *len, .content_type = "text/csv; charset=utf-8"};
    return r;
}

/* text/csv: a header row, one row per payment, then a TOTAL row with the sum. */
static svc_reply recon_csv(const recon_ctx *x, int shown)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    fputs("bank_transaction_id,payer,paid_at,booked_at,amount\r\n", f);
    int64_t total = 0;
    for (int i = 0; i < shown; i++) {
        const payment_row *p = &x->rows[i];
        char ts[24], amt[32];
        date_format_timestamp((time_t)p->created_at, ts);
        decimal_format(p->total, 0, amt, sizeof amt);
        total += p->total;
        pay_csv_field(f, p->bank_txn, 0);
        pay_csv_field(f, p->payer, 0);
        pay_csv_field(f, p->paid_at, 0);
        pay_csv_field(f, ts, 0);
        pay_csv_field(f, amt, 1);
    }
    char amt[32];
    decimal_format(total, 0, amt, sizeof amt);
    fprintf(f, "TOTAL,,,,%s\r\n", amt);
    return pay_csv_reply(f, &text, &len);
}

svc_reply svc_bank_reconciliation(app *a, const svc_req *req, date_ymd date, int csv)
{
    if (!svc_role_is(req, "bank"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only banks reconcile their payments");
    recon_ctx x = {.bank = req->party, .from = date_legal_start(date)};
    x.to = x.from + 86400;
    x.rows = calloc(RECON_MAX, sizeof *x.rows);
    if (!x.rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, recon_job, &x) != 0) {
        free(x.rows);
        return svc_error(SVC_ERROR, "storage", "cannot read payments");
    }
    int shown = x.n < RECON_MAX ? x.n : RECON_MAX;
    if (csv) {
        svc_reply r = recon_csv(&x, shown);
        free(x.rows);
        return r;
    }
    json_t *arr = json_array();
    int64_t total = 0;
    for (int i = 0; i < shown; i++) {
        payment_row *p = &x.rows[i];
        char ts[24];
        date_format_timestamp((time_t)p->created_at, ts);
        total += p->total;
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o,s:s}", "bank_transaction_id",
                                             p->bank_txn, "payer", p->payer, "paid_at", p->paid_at,
                                             "total", json_money(p->total), "booked_at", ts));
    }
    free(x.rows);
    char day[16];
    date_format(date, day);
    svc_reply r = {.code = SVC_OK};
    r.body = json_pack("{s:s,s:s,s:i,s:o,s:b,s:o}", "bank", req->party, "date", day, "count", x.n,
                       "total", json_money(total), "truncated", x.n > RECON_MAX, "payments", arr);
    return r;
}

/* ---- POST /guarantees ------------------------------------------------------------------------ */

#define GUARANTEE_MAX_DAYS 30 /* Law 107/2016 Art. 9: at most 30 days from registration */

/* Read phase: each declaration is registered, of the guaranteed enterprise, still owes taxes, and
 * the guarantee does not run past 30 days from its registration (a joint guarantee only ever
 * covers the declarations it names: the 30 days hold for each of them when it revolves). */
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
        if (rc == 0 || !r.number[0] ||
            strncmp(r.number, x->lines[i].decl, strlen(x->lines[i].decl)) != 0)
            errs_add(x->e, "unknown_declaration", p, "no registered declaration %s",
                     x->lines[i].decl);
        else if (strcmp(r.party, x->enterprise) != 0)
            errs_add(x->e, "enterprise_mismatch", p, "declaration %s is of enterprise %s, not %s",
                     r.number, r.party, x->enterprise);
        else if (!pay_owes_taxes(r.status))
            errs_add(x->e, "not_owed", p, "declaration %s is %s: it owes no taxes", r.number,
                     decl_status_name((decl_status)r.status));
        else {
            date_ymd last = date_add_days(date_legal(r.registered_at), GUARANTEE_MAX_DAYS);
            if (x->valid_until > last) {
                char d[16];
                date_format(last, d);
                errs_add(
                    x->e, "guarantee_too_long", p,
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
    utf8_snprintf(key, sizeof key, "guarantee:%.50s", x->txn);
    int rc = store_payment_get(c, x->req->party, key, &prev);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (strcmp(prev.request_hash, x->hash) == 0) {
            x->reply.code = svc_code_from_stored(prev.status);
            x->reply.body = json_loads(prev.response, 0, NULL);
        } else {
            x->reply = svc_error(SVC_CONFLICT, "guarantee_conflict",
                                 "this guarantee_id was already used for a different guarantee");
        }
        free(prev.response);
        return 1;
    }
    /* the terms are kept, so that a joint guarantee can revolve when taxes are paid */
    guarantee_row g = {.amount = x->total, .valid_until = x->valid_until, .created_at = x->now};
    snprintf(g.bank, sizeof g.bank, "%s", x->req->party);
    utf8_snprintf(g.id, sizeof g.id, "%.50s", x->txn);
    snprintf(g.type, sizeof g.type, "%s", x->type);
    snprintf(g.enterprise, sizeof g.enterprise, "%s", x->enterprise);
    char(*ids)[33] = calloc(MAX_LINES, sizeof *ids);
    if (!ids)
        return DB_ERR;
    for (int i = 0; i < x->n && rc >= 0; i++) {
        decl_row m = {0};
        if ((rc = store_decl_get_meta(c, x->lines[i].decl, &m)) == 1)
            snprintf(ids[i], sizeof ids[i], "%s", m.id);
        rc = rc == 1 ? 0 : rc < 0 ? rc : DB_ERR;
        decl_row_release(&m);
    }
    if (rc == 0)
        rc = store_guarantee_put(c, &g, (const char(*)[33])ids, x->n);
    free(ids);
    json_t *out = json_array();
    pay_settle_ctx s = {.req = x->req, .now = x->now};
    utf8_snprintf(s.ref, sizeof s.ref, "guarantee %.50s", x->txn);
    if (rc < 0 || (rc = guarantee_allocate(c, &s, &g, 0, out)) < 0) {
        json_decref(out);
        return rc;
    }
    int64_t used = store_guarantee_used(c, g.bank, g.id);
    if (used < 0) {
        json_decref(out);
        return (int)used;
    }
    int64_t left = x->total - used;
    char d[16];
    date_format(x->valid_until, d);
    json_t *body =
        json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:o}", "bank", x->req->party, "guarantee_id",
                  x->txn, "type", x->type, "enterprise", x->enterprise, "amount",
                  json_money(x->total), "allocated", json_money(x->total - left), "unallocated",
                  json_money(left), "valid_until", d, "declarations", out);
    char *text = json_dumps(body, JSON_COMPACT);
    payment_row pr = {.total = x->total,
                      .status = svc_code_stored(SVC_CREATED),
                      .response = text,
                      .created_at = x->now};
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

svc_reply svc_guarantee_create(app *a, const svc_req *req, const guarantee_in *in, errs *e,
                               const char *signature_b64)
{
    svc_reply r = {0};
    pay_ctx *x = bank_report_start(a, req, signature_b64, e, "only banks give guarantees", &r);
    if (!x)
        return r;
    x->req = req;
    x->e = e;
    if (in->valid_until && in->valid_until < svc_today())
        errs_add(e, "date_past", "/valid_until", "'valid_until' is in the past");
    snprintf(x->txn, sizeof x->txn, "%s", in->id);
    snprintf(x->type, sizeof x->type, "%s", in->type);
    snprintf(x->enterprise, sizeof x->enterprise, "%s", in->enterprise);
    x->valid_until = in->valid_until;
    x->total = in->amount;
    x->n = in->n;
    memcpy(x->lines, in->lines, sizeof x->lines);
    if (x->n > 0 && x->enterprise[0] && store_read(a->st, guarantee_check_job, x) != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the declarations");
    else
        r = bank_report_write(a, req, x, e, guarantee_job, "the database refused the guarantee");
    free(x);
    return r;
}

/* ---- GET /banks/me/due ----------------------------------------------------------------------- */

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
    date_ymd today = svc_today();
    for (int i = 0; i < x->n && i < DUE_MAX; i++) {
        decl_row m = {0};
        ledger_balance b = {0};
        int rc = store_decl_get_meta(c, x->rows[i].decl_id, &m);
        if (rc == 1)
            rc = pay_balance(c, m.id, &b);
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
                                                decl_status_name((decl_status)m.status),
                                                "guaranteed", json_money(x->rows[i].guaranteed),
                                                "due_amount", json_money(at_risk > 0 ? at_risk : 0),
                                                "due", d, "overdue", x->rows[i].due < today));
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
