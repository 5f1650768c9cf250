/* `db seed`'s bulk fast path (the default; `--reference` takes service/seed.c's seed_one instead):
 * every row written once, in its final state.
 *
 * seed_one (service/seed.c, the reference path) writes a declaration's life as live traffic
 * does, one request after another: ~40 statements, most of them reads of what it has just written
 * (the last event's hash, the ledger's next seq, the row before each transition) and updates of
 * rows inserted moments before. Here the same life is played in memory: the row, its ledger and its
 * events are known at every step, so each event's state digest, per-declaration and global chain
 * links and MAC are computed without reading anything back, and what reaches the database is one
 * insert per final row (declaration, events, ledger entries, ledger_unpaid when still owed,
 * bill-of-lading links, risk facts, the payment). A builder thread plays batch k + 1 while the
 * writer inserts batch k. On a database without declarations the search terms wait for the
 * last batch (fr_terms_all_job). `db seed --reference` writes through seed_one;
 * tests/api/test_seed.py checks that both leave the same rows. */
#include "service/seed_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lifecycle.h"
#include "core/number.h"
#include "core/risk.h"
#include "service/internal.h"
#include "service/ledger.h"
#include "service/manifests.h"
#include "service/payments.h"
#include "service/risk_engine.h"
#include "store/pack.h"
#include "store/store.h"
#include "store/store_audit.h"
#include "store/store_dashboard.h"
#include "store/store_hit_rates.h"
#include "store/store_manifest.h"
#include "store/store_payments.h"
#include "store/store_risk.h"
#include "store/store_users.h"
#include "util/decimal.h"
#include "util/hex.h"

typedef struct fa_chunk {
    struct fa_chunk *next;
    size_t n, cap;
    char data[];
} fa_chunk;

typedef struct fa_arena {
    fa_chunk *head;
    int oom;
} fa_arena;

static char *fa_alloc(fa_arena *a, size_t n)
{
    fa_chunk *c = a->head;
    if (!c || c->cap - c->n < n) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        if (!(c = malloc(sizeof *c + cap))) {
            a->oom = 1;
            return NULL;
        }
        c->next = a->head;
        c->n = 0;
        c->cap = cap;
        a->head = c;
    }
    char *p = c->data + c->n;
    c->n += n;
    return p;
}

static char *fa_dup(fa_arena *a, const char *s, size_t n)
{
    char *p = fa_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

static void fa_free(fa_arena *a)
{
    while (a->head) {
        fa_chunk *n = a->head->next;
        free(a->head);
        a->head = n;
    }
    a->oom = 0;
}

/* A growing text buffer for JSON built by hand (compact, as json_dumps(JSON_COMPACT) writes). */
typedef struct sb {
    char b[4096];
    size_t n;
    int over;
} sb;

/* (not `sb x = {0}`: that clears the whole buffer, several times per event) */
static void sb_init(sb *s)
{
    s->n = 0;
    s->over = 0;
    s->b[0] = 0;
}

static void sb_put(sb *s, const char *t, size_t n)
{
    if (s->n + n >= sizeof s->b) {
        s->over = 1;
        return;
    }
    memcpy(s->b + s->n, t, n);
    s->n += n;
    s->b[s->n] = 0;
}

static void sb_str(sb *s, const char *t) { sb_put(s, t, strlen(t)); }

/* a JSON string as jansson escapes it (UTF-8 kept as it is, no escaped slash) */
static void sb_json(sb *s, const char *t)
{
    sb_put(s, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        char e[8];
        switch (*p) {
        case '"': sb_put(s, "\\\"", 2); break;
        case '\\': sb_put(s, "\\\\", 2); break;
        case '\b': sb_put(s, "\\b", 2); break;
        case '\f': sb_put(s, "\\f", 2); break;
        case '\n': sb_put(s, "\\n", 2); break;
        case '\r': sb_put(s, "\\r", 2); break;
        case '\t': sb_put(s, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                snprintf(e, sizeof e, "\\u%04X", *p);
                sb_put(s, e, 6);
            } else {
                sb_put(s, (const char *)p, 1);
            }
        }
    }
    sb_put(s, "\"", 1);
}

static void sb_kv(sb *s, const char *key, const char *v, int first)
{
    if (!first)
        sb_put(s, ",", 1);
    sb_json(s, key);
    sb_put(s, ":", 1);
    sb_json(s, v);
}

static void sb_money(sb *s, const char *key, int64_t v)
{
    char m[32];
    decimal_format(v, 0, m, sizeof m);
    sb_kv(s, key, m, 0);
}

typedef struct fr_decl {
    char id[33], number[13];
    unsigned char id16[16]; /* the id as decl_terms keeps it */
    const tpl *t;
    const seed_party *p;
    int status, channel;
    date_ymd tax_date;
    int64_t created_at, updated_at, registered_at, cleared_at;
    int64_t rev; /* the UPDATEs of its row on the live path: registration, each transition */
    const char *risk, *decisions; /* arena, NULL for SQL NULL */
    int ti;                       /* its template */
    int64_t unpaid_at;            /* its first assessment while it still owes, else 0 */
    dash_fact_row fact;           /* its dash_facts row (store_dash_fact_sync's) */
} fr_decl;

/* What the search terms of a declaration need once its batch is gone. */
typedef struct fr_seen {
    char id[33], number[13], stem[12];
    unsigned char id16[16];
    int ti;
} fr_seen;

typedef struct fr_event {
    audit_event e;
    char prev[65], gprev[65], state[65], hash[65];
    unsigned char dig[4][32]; /* prev, hash, gprev, state as the column's bytes */
} fr_event;

/* A risk_outcomes row (seed_outcome_of's). */
typedef struct fr_outcome {
    const char *decl_id, *source; /* the batch's id; a static name */
    int64_t at, additional_tax;
    int violation;
} fr_outcome;

typedef struct fr_ledger {
    const char *decl_id;
    ledger_row r;
} fr_ledger;

/* A template's packed columns as the bytes the columns hold (store_packed_blob), decoded once
 * instead of at every row's bind; and its dash_facts chapters ("85:6,87:1", by chapter). */
typedef struct fr_blobs {
    unsigned char *doc, *taxes, *facts;
    size_t doc_n, taxes_n, facts_n;
    char *chapters;
} fr_blobs;

#define FR_EVENTS_MAX 12 /* per declaration: ida, idc, assessed, 2 clear, 3 checks, paid, pass */
#define FR_LEDGER_MAX 4

typedef struct fr_batch {
    fr_decl *decls;
    fr_event *events;
    fr_ledger *ledger;
    payment_row *pays;
    risk_selection_row *sels;
    fr_outcome *outs;
    long n_decls, n_events, n_ledger, n_pays, n_sels, n_outs;
    int64_t seq[100]; /* sequences decl.NN as they end after this batch, 0 = untouched */
    char **terms;     /* per template: its document's search terms (fr_state's) */
    int *n_terms;
    int (*chapters)[100];  /* per template: item lines per HS chapter (fr_state's) */
    const fr_blobs *blobs; /* per template: its packed columns as bytes (fr_state's) */
    int terms_later;       /* decl_terms is written at the end (fr_state.all) */
    fa_arena arena;
    int failed;
} fr_batch;

/* What lasts across batches: the chains' ends, the sequences, the per-template warnings. */
typedef struct fr_state {
    seed_job *j;
    int64_t gseq, feed;
    char ghash[65];
    int64_t seq[100];
    char **warnings; /* per template: ",\"warnings\":[...]" or "" */
    svc_req *dreqs;  /* per template: its enterprise as declarant */
    char **terms;    /* per template: store_decl_terms_of its document */
    int *n_terms;
    int (*chapters)[100]; /* per template: store_decl_chapters_of its document */
    /* decl_terms written once at the end, in key order (fr_terms_all_job), when the seed fills a
     * database that has none: every declaration of the run, by its index in the run */
    struct fr_seen *all;
    int terms_empty;          /* decl_terms holds no row (fr_start_job) */
    fr_blobs *blobs;          /* per template */
    unsigned char gbytes[32]; /* ghash's bytes (when ghash is not "") */
    audit_mac_key mk;
    audit_digest dg, dg_row;
} fr_state;

/* A declaration being played: its row (in the batch), its ledger so far, its chain's end. */
typedef struct fr_life {
    fr_decl *d;
    ledger_row lg[FR_LEDGER_MAX];
    int n_lg;
    int n_ev;
    int has_outcome; /* its risk_outcomes row is written (only the first one is kept) */
    char last[65];
    unsigned char last_b[32]; /* last's bytes */
    /* the row as s->dg_row hashed it */
    int have_row, r_status, r_channel;
    int64_t r_registered, r_cleared;
    const char *r_risk, *r_decisions;
} fr_life;

static void fr_digest_ledger(audit_digest *g, const fr_life *l, char out[65]);

/* 64 hex digits as 32 bytes (a digest as the events' columns hold it). 0 or -1. */
static int fr_unhex(const char *h, unsigned char out[32])
{
    return hex_decode(h, 32, out) && !h[64] ? 0 : -1;
}

/* The row's part of the digest is hashed again only when the row changed since the last event:
 * a ledger entry's event (assessment, payment) hashes on from a copy of the stream. */
static int fr_row_same(const fr_life *l)
{
    const fr_decl *d = l->d;
    return l->have_row && l->r_status == d->status && l->r_channel == d->channel &&
           l->r_registered == d->registered_at && l->r_cleared == d->cleared_at &&
           l->r_risk == d->risk && l->r_decisions == d->decisions;
}

static void fr_digest(fr_state *s, fr_life *l, char out[65])
{
    const fr_decl *d = l->d;
    audit_digest *g = &s->dg;
    if (fr_row_same(l)) {
        if (audit_digest_copy(g, &s->dg_row) != 0)
            out[0] = 0;
        fr_digest_ledger(g, l, out);
        return;
    }
    g = &s->dg_row;
    audit_digest_begin(g);
    audit_digest_add(g, "declaration");
    audit_digest_add(g, d->number[0] ? d->number : AUDIT_NULL);
    audit_digest_addi(g, d->t->d.kind);
    audit_digest_add(g, d->t->d.type_code);
    audit_digest_addi(g, d->status);
    audit_digest_addi(g, d->channel);
    audit_digest_addi(g, 0); /* amendment */
    audit_digest_add(g, d->p->code);
    audit_digest_add(g, d->p->code);
    audit_digest_add(g, d->t->d.customs_office);
    audit_digest_addi(g, d->t->tr.customs_value);
    audit_digest_addi(g, d->t->tr.total);
    audit_digest_addi(g, d->tax_date);
    audit_digest_addi(g, d->created_at);
    audit_digest_addi(g, d->registered_at);
    audit_digest_addi(g, d->cleared_at);
    audit_digest_add(g, d->t->doc);
    audit_digest_add(g, d->t->taxes);
    audit_digest_add(g, d->risk ? d->risk : AUDIT_NULL);
    audit_digest_add(g, d->decisions ? d->decisions : AUDIT_NULL);
    l->have_row = 1;
    l->r_status = d->status;
    l->r_channel = d->channel;
    l->r_registered = d->registered_at;
    l->r_cleared = d->cleared_at;
    l->r_risk = d->risk;
    l->r_decisions = d->decisions;
    if (audit_digest_copy(&s->dg, g) != 0) {
        out[0] = 0;
        return;
    }
    fr_digest_ledger(&s->dg, l, out);
}

static void fr_digest_ledger(audit_digest *g, const fr_life *l, char out[65])
{
    for (int i = 0; i < l->n_lg; i++) {
        const ledger_row *r = &l->lg[i];
        audit_digest_add(g, "ledger");
        audit_digest_addi(g, r->seq);
        audit_digest_addi(g, r->at);
        audit_digest_add(g, r->kind);
        audit_digest_addi(g, r->amount);
        audit_digest_add(g, r->party);
        audit_digest_add(g, r->bank);
        audit_digest_add(g, r->bank_txn);
        audit_digest_add(g, r->note);
        audit_digest_addi(g, r->due);
    }
    if (audit_digest_end(g, out) != 0)
        out[0] = 0;
}

/* The event store_event_append would write now. detail is copied to the arena. */
static void fr_event_add(fr_state *s, fr_batch *b, fr_life *l, int64_t at, const svc_req *by,
                         const char *action, int from, int to, const char *detail)
{
    fr_event *ev = &b->events[b->n_events++];
    audit_event *e = &ev->e;
    memset(e, 0, sizeof *e);
    e->decl_id = l->d->id;
    e->seq = ++l->n_ev;
    e->gseq = ++s->gseq;
    e->feed = ++s->feed;
    e->at = at;
    e->actor = by->party; /* static or the template's party: outlive the batch */
    e->role = by->role;
    e->action = action;
    e->from_status = from;
    e->to_status = to;
    e->detail = detail ? fa_dup(&b->arena, detail, strlen(detail)) : NULL;
    memcpy(ev->prev, l->last, 65);
    memcpy(ev->gprev, s->ghash, 65);
    fr_digest(s, l, ev->state);
    e->prev = ev->prev;
    e->gprev = ev->gprev;
    e->state = ev->state;
    e->hash = ev->hash;
    if (!ev->state[0] || audit_event_mac_k(&s->mk, e, ev->hash) != 0 || (detail && !e->detail) ||
        fr_unhex(ev->hash, ev->dig[1]) != 0 || fr_unhex(ev->state, ev->dig[3]) != 0)
        b->failed = 1;
    memcpy(ev->dig[0], l->last_b, 32); /* (bound only when prev is not "") */
    memcpy(ev->dig[2], s->gbytes, 32);
    memcpy(l->last, ev->hash, 65);
    memcpy(s->ghash, ev->hash, 65);
    memcpy(l->last_b, ev->dig[1], 32);
    memcpy(s->gbytes, ev->dig[1], 32);
    /* the dashboard's instants: the first of each check (store_dash_fact_sync's MINs) */
    dash_fact_row *f = &l->d->fact;
    int docs = !strcmp(action, "documents_passed");
    if ((docs || !strcmp(action, "documents_failed")) && (!f->docs_at || at < f->docs_at))
        f->docs_at = at;
    if (docs && (!f->docs_passed_at || at < f->docs_passed_at))
        f->docs_passed_at = at;
    if (!strcmp(action, "inspection_completed")) {
        if (!f->inspected_at || at < f->inspected_at)
            f->inspected_at = at;
        f->violation = detail && strstr(detail, "\"violation\":true") != NULL;
    }
    if (!strcmp(action, "pass_supervision") && (!f->gate_out_at || at < f->gate_out_at))
        f->gate_out_at = at;
    s->j->res->events++;
}

/* pay_ledger_append: the entry (seq known) and its "ledger.<kind>" event. */
static void fr_ledger_add(fr_state *s, fr_batch *b, fr_life *l, int status, const ledger_row *r,
                          const svc_req *by)
{
    if (l->n_lg >= FR_LEDGER_MAX) {
        b->failed = 1;
        return;
    }
    ledger_row *x = &l->lg[l->n_lg++];
    *x = *r;
    x->seq = l->n_lg;
    fr_ledger *fl = &b->ledger[b->n_ledger++];
    fl->decl_id = l->d->id;
    fl->r = *x;
    sb t;
    sb_init(&t);
    char n[16];
    snprintf(n, sizeof n, "%d", x->seq);
    sb_str(&t, "{\"entry\":");
    sb_str(&t, n);
    sb_kv(&t, "kind", x->kind, 0);
    sb_money(&t, "amount", x->amount);
    if (x->bank[0])
        sb_kv(&t, "bank", x->bank, 0);
    if (x->bank_txn[0])
        sb_kv(&t, "bank_transaction_id", x->bank_txn, 0);
    if (x->note[0])
        sb_kv(&t, "note", x->note, 0);
    sb_str(&t, "}");
    /* "ledger.<kind>" (pay_ledger_append), static: the event row points to it */
    const char *act = !strcmp(x->kind, "assessed") ? "ledger.assessed"
                      : !strcmp(x->kind, "paid")   ? "ledger.paid"
                                                   : NULL;
    if (!act || t.over) {
        b->failed = 1;
        return;
    }
    fr_event_add(s, b, l, x->at, by, act, status, status, t.b);
}

/* The ledger's balance: assessed + interest + credit - paid - paid_by_credit (core/ledger.h,
 * ledger_unpaid's rule: the seed writes only assessed and paid entries). */
static int64_t fr_owed(const fr_life *l)
{
    int64_t v = 0;
    for (int i = 0; i < l->n_lg; i++)
        v += !strcmp(l->lg[i].kind, "paid") ? -l->lg[i].amount : l->lg[i].amount;
    return v;
}

/* auto_clear (service/payments.c): a green registered declaration cleared by the system. */
static int fr_auto_clear(fr_state *s, fr_batch *b, fr_life *l, int64_t now, const char *why,
                         const char *ref, const char *txn)
{
    static const svc_req sys = {.party = "SYSTEM", .role = "system"};
    fr_decl *d = l->d;
    decl_status to;
    if (d->channel != CH_GREEN || d->status != ST_REGISTERED ||
        lifecycle_next((decl_status)d->status, (decl_channel)d->channel, ACT_CLEAR, &to) != 0)
        return 0;
    char ts[24];
    date_format_timestamp((time_t)now, ts);
    sb t;
    sb_init(&t);
    if (d->decisions && strlen(d->decisions) > 2) { /* "[...]" -> "[...," */
        sb_put(&t, d->decisions, strlen(d->decisions) - 1);
        sb_str(&t, ",");
    } else {
        sb_str(&t, "[");
    }
    sb_str(&t, "{");
    sb_kv(&t, "decision", "clear", 1);
    sb_kv(&t, "note", why, 0);
    sb_kv(&t, "action", "clear", 0);
    sb_kv(&t, "by", "SYSTEM", 0);
    sb_kv(&t, "role", "system", 0);
    sb_kv(&t, "at", ts, 0);
    sb_str(&t, "}]");
    sb e;
    sb_init(&e);
    sb_str(&e, "{");
    sb_kv(&e, "decision", "clear", 1);
    sb_kv(&e, "reason", why, 0);
    sb_kv(&e, "reference", ref, 0);
    if (txn && txn[0])
        sb_kv(&e, "bank_transaction_id", txn, 0);
    sb_str(&e, "}");
    if (t.over || e.over || !(d->decisions = fa_dup(&b->arena, t.b, t.n))) {
        b->failed = 1;
        return 0;
    }
    int from = d->status;
    d->status = to;
    d->cleared_at = d->updated_at = now;
    d->rev++;
    fr_event_add(s, b, l, now, &sys, "clear", from, to, e.b);
    return 1;
}

/* transition(): the decision appended, the state, the event; a cancellation's ledger. */
static void fr_transition(fr_state *s, fr_batch *b, fr_life *l, lifecycle_action act, int64_t at,
                          const svc_req *by, const char *detail_json)
{
    fr_decl *d = l->d;
    decl_status to;
    if (lifecycle_next((decl_status)d->status, (decl_channel)d->channel, act, &to) != 0)
        return;
    const char *action = lifecycle_action_name(act);
    char *dtext = seed_decisions_append(d->decisions, detail_json, action, by, at);
    if (!dtext || !(d->decisions = fa_dup(&b->arena, dtext, strlen(dtext)))) {
        free(dtext);
        b->failed = 1;
        return;
    }
    free(dtext);
    int from = d->status;
    d->status = to;
    d->updated_at = at;
    d->rev++;
    if (to == ST_CLEARED)
        d->cleared_at = at;
    fr_event_add(s, b, l, at, by, action, from, to, detail_json);
    fr_outcome *o = &b->outs[b->n_outs];
    if (!l->has_outcome && seed_outcome_of(act, d->channel, detail_json, &o->violation,
                                           &o->additional_tax, &o->source)) {
        o->decl_id = d->id;
        o->at = at;
        b->n_outs++;
        l->has_outcome = 1;
    }
    if (to == ST_CANCELLED) { /* pay_on_closed: the assessment goes to 0 */
        int64_t assessed = 0;
        for (int i = 0; i < l->n_lg; i++)
            if (!strcmp(l->lg[i].kind, "assessed"))
                assessed += l->lg[i].amount;
        if (assessed != 0) {
            ledger_row r = {.at = at, .amount = -assessed};
            snprintf(r.kind, sizeof r.kind, "assessed");
            snprintf(r.party, sizeof r.party, "%s", d->p->code);
            snprintf(r.note, sizeof r.note, "cancellation");
            fr_ledger_add(s, b, l, to, &r, by);
        }
    }
}

/* payment(): the bank pays the whole assessment; pay_settle's entry, clearance and answer. */
static int fr_payment(fr_state *s, fr_batch *b, fr_life *l, int64_t at, long n)
{
    static const svc_req bank = {.party = SEED_BANK, .role = "bank"};
    fr_decl *d = l->d;
    int64_t total = d->t->tr.total;
    if (total <= 0)
        return 0;
    int status = d->status;
    payment_row *pr = &b->pays[b->n_pays++];
    memset(pr, 0, sizeof *pr);
    snprintf(pr->bank_txn, sizeof pr->bank_txn, "SEED%012ld", n);
    ledger_row r = {.at = at, .amount = total};
    snprintf(r.kind, sizeof r.kind, "paid");
    snprintf(r.party, sizeof r.party, "%s", d->p->code);
    snprintf(r.bank, sizeof r.bank, "%s", SEED_BANK);
    snprintf(r.bank_txn, sizeof r.bank_txn, "%s", pr->bank_txn);
    snprintf(r.note, sizeof r.note, "payer %s, paid at seed", d->p->code);
    int64_t before = fr_owed(l);
    int64_t applied = total < before ? total : before > 0 ? before : 0;
    fr_ledger_add(s, b, l, status, &r, &bank);
    int64_t outstanding = fr_owed(l);
    if (outstanding < 0)
        outstanding = 0;
    int cleared = 0;
    if (pay_owes_taxes(status) && outstanding == 0) {
        char ref[96];
        snprintf(ref, sizeof ref, "payment %s", pr->bank_txn);
        cleared = fr_auto_clear(s, b, l, at, "green channel: taxes covered by payment", ref,
                                pr->bank_txn);
    }
    sb t;
    sb_init(&t);
    sb_str(&t, "{");
    sb_kv(&t, "bank", SEED_BANK, 1);
    sb_kv(&t, "bank_transaction_id", pr->bank_txn, 0);
    sb_kv(&t, "payer", d->p->code, 0);
    sb_money(&t, "total", total);
    sb_str(&t, ",\"lines\":[{");
    sb_kv(&t, "declaration", d->number, 1);
    sb_money(&t, "amount", total);
    sb_money(&t, "applied", applied);
    sb_money(&t, "outstanding", outstanding);
    sb_kv(&t, "status", decl_status_name(cleared ? ST_CLEARED : (decl_status)status), 0);
    sb_str(&t, cleared ? ",\"cleared\":true}]}" : ",\"cleared\":false}]}");
    if (t.over || !(pr->response = fa_dup(&b->arena, t.b, t.n)))
        b->failed = 1;
    pr->total = total;
    pr->status = svc_code_stored(SVC_CREATED);
    pr->created_at = at;
    snprintf(pr->bank, sizeof pr->bank, "%s", SEED_BANK);
    snprintf(pr->request_hash, sizeof pr->request_hash, "%064ld", n);
    snprintf(pr->payer, sizeof pr->payer, "%s", d->p->code);
    date_format_timestamp((time_t)at, pr->paid_at);
    return cleared;
}

/* risk_decision_to_json's reasons array (service/risk_engine.h), as json_dumps writes it */
static void fr_reasons(sb *t, const risk_decision *rd)
{
    sb_str(t, "[");
    for (int i = 0; i < rd->n_reasons; i++) {
        const risk_reason *r = &rd->reasons[i];
        sb_str(t, i ? ",{" : "{");
        sb_kv(t, "code", r->code, 1);
        sb_kv(t, "channel", decl_channel_name((decl_channel)r->channel), 0);
        sb_kv(t, "text", r->text, 0);
        if (r->rule_id) {
            char v[32];
            snprintf(v, sizeof v, ",\"rule_id\":%lld", (long long)r->rule_id);
            sb_str(t, v);
        }
        sb_str(t, "}");
    }
    sb_str(t, "]");
}

/* The day of an instant as seed_one (tax date; the risk date is seed_classify's) and
 * service/payments.c (the AEO deadline) take it: one place to change when they do. */
static date_ymd fr_day(int64_t t) { return date_legal(t); }

/* the 32 hex digits of an id as its 16 bytes (decl_terms's column) */
static int fr_unhex16(const char *id, unsigned char out[16])
{
    return hex_decode(id, 16, out) && !id[32] ? 0 : -1;
}

/* store_risk_selections_put's rows from the decision itself (no JSON read back): one per source
 * whose reason asked for yellow or red, the first of each (source, ref) kept. */
static void fr_selections(fr_batch *b, const fr_decl *d, const risk_decision *rd)
{
    if (d->registered_at <= 0 || d->channel < CH_YELLOW)
        return;
    long first = b->n_sels;
    for (int i = 0; i < rd->n_reasons; i++) {
        const risk_reason *r = &rd->reasons[i];
        if (r->channel != CH_YELLOW && r->channel != CH_RED)
            continue;
        /* the rule's id; the model's version for a model's reason (the seed consults none) */
        int64_t ref = !strcmp(r->code, "rule") ? r->rule_id : 0;
        int dup = 0;
        for (long k = first; k < b->n_sels && !dup; k++)
            dup = !strcmp(b->sels[k].source, r->code) && b->sels[k].ref == ref;
        if (dup)
            continue;
        const char *code = fa_dup(&b->arena, r->code, strlen(r->code));
        if (!code) {
            b->failed = 1;
            return;
        }
        b->sels[b->n_sels++] = (risk_selection_row){.decl_id = d->id,
                                                    .source = code,
                                                    .registered_at = d->registered_at,
                                                    .ref = ref,
                                                    .channel = r->channel == CH_RED ? 3 : 2};
    }
}

/* seed_one's life, played in memory: the same random draws in the same order. */
static void fr_one(fr_state *s, fr_batch *b, long k)
{
    seed_job *j = s->j;
    const seed_opts *o = j->o;
    seed_result *res = j->res;
    uint64_t *g = j->rng;
    int ti = (int)(seed_rnd(g) % (uint64_t)j->n_tpls);
    const tpl *t = &j->tpls[ti];
    const seed_party *p = &s->j->parties[ti];
    long n = j->base + k;
    double span = (double)o->declarations / o->per_day * 86400.0;
    int64_t t0 = j->start + (int64_t)((double)k * span / (double)o->declarations);
    int64_t t1 = t0 + 60 + (int64_t)(seed_rnd(g) % 1800);
    const svc_req *dr = &s->dreqs[ti]; /* (events point to its party: it outlives the batch) */
    fr_decl *d = &b->decls[b->n_decls++];
    memset(d, 0, sizeof *d);
    fr_life l = {.d = d};
    long ev0 = b->n_events; /* its events: [ev0, b->n_events) */
    d->t = t;
    d->p = p;
    d->ti = ti;

    /* IDA */
    d->status = ST_PROVISIONAL;
    d->tax_date = fr_day(t0);
    d->created_at = d->updated_at = t0;
    seed_decl_id(g, t0, d->id);
    if (fr_unhex16(d->id, d->id16) != 0)
        b->failed = 1;
    fr_event_add(s, b, &l, t0, dr, "ida", 0, ST_PROVISIONAL, NULL);

    /* IDC */
    int doc_type = number_doc_type(t->d.kind);
    int64_t seq = ++s->seq[doc_type];
    b->seq[doc_type] = seq;
    if (number_format(doc_type, seq, 0, d->number) != 0) {
        b->failed = 1;
        return;
    }
    if (s->all) {
        fr_seen *v = &s->all[k];
        memcpy(v->id, d->id, sizeof v->id);
        memcpy(v->number, d->number, sizeof v->number);
        memcpy(v->id16, d->id16, sizeof v->id16);
        v->ti = ti;
    }
    risk_decision rd;
    seed_classify(j->a, t, p, t1, g, &rd);
    const char *ch = decl_channel_name((decl_channel)rd.channel);
    sb reasons, x;
    sb_init(&reasons);
    sb_init(&x);
    fr_reasons(&reasons, &rd);
    sb_str(&x, "{");
    sb_kv(&x, "channel", ch, 1);
    sb_str(&x, ",\"reasons\":");
    sb_str(&x, reasons.b);
    sb_str(&x, "}");
    d->risk = fa_dup(&b->arena, x.b, x.n);
    d->status = ST_REGISTERED;
    d->channel = rd.channel;
    d->registered_at = d->updated_at = t1;
    d->rev++;
    x.n = 0;
    sb_str(&x, "{");
    sb_kv(&x, "number", d->number, 1);
    sb_kv(&x, "channel", ch, 0);
    sb_str(&x, ",\"reasons\":");
    sb_str(&x, reasons.b);
    sb_str(&x, s->warnings[ti]);
    sb_str(&x, "}");
    if (reasons.over || x.over || !d->risk) {
        b->failed = 1;
        return;
    }
    fr_event_add(s, b, &l, t1, dr, "idc", ST_PROVISIONAL, ST_REGISTERED, x.b);
    fr_selections(b, d, &rd);
    if (t->tr.total != 0) { /* pay_ledger_assess: the assessment from nothing to total_tax */
        ledger_row r = {.at = t1, .amount = t->tr.total};
        snprintf(r.kind, sizeof r.kind, "assessed");
        snprintf(r.party, sizeof r.party, "%s", p->code);
        snprintf(r.note, sizeof r.note, "registration");
        fr_ledger_add(s, b, &l, ST_REGISTERED, &r, dr);
    }
    int cleared = 0;
    if (d->channel == CH_GREEN && p->aeo) { /* pay_on_registered */
        char due[16], why[120];
        date_format(ledger_aeo_deadline(fr_day(t1)), due); /* payments.c aeo_deadline */
        snprintf(why, sizeof why, "green channel, priority (AEO) enterprise: taxes due by %s", due);
        cleared = fr_auto_clear(s, b, &l, t1, why, "registration", NULL);
    }
    seed_result_add(res, d->channel, t1);

    if (t1 > o->end - SETTLE_S) {
        res->in_progress++;
    } else if (seed_rnd(g) % 1000 < 8) {
        fr_transition(s, b, &l, ACT_CANCEL, t1 + 3600, dr,
                      "{\"reason_code\":\"H07\",\"reason_text\":\"wrong data that cannot be "
                      "amended\",\"reason\":\"\"}");
        res->cancelled++;
    } else {
        static const svc_req officer = {.party = SEED_CUSTOMS, .role = "officer"};
        static const svc_req gate = {.party = SEED_CUSTOMS, .role = "port_operator"};
        int64_t at = t1 + 1800;
        if (d->channel != CH_GREEN) {
            fr_transition(s, b, &l, ACT_START_DOC_CHECK, at, &officer,
                          "{\"decision\":\"start_document_check\"}");
            fr_transition(s, b, &l, ACT_DOC_PASSED, at += 3600, &officer,
                          "{\"decision\":\"document_check\",\"passed\":true}");
            if (d->channel == CH_RED)
                fr_transition(s, b, &l, ACT_INSPECTION_DONE, at += 4 * 3600, &officer,
                              "{\"decision\":\"inspection\",\"violation\":false,"
                              "\"additional_tax\":\"0\"}");
        }
        if (!cleared)
            fr_payment(s, b, &l, at += 1800, n);
        fr_transition(s, b, &l, ACT_CLEAR, at += 600, &officer, "{\"decision\":\"clear\"}");
        res->cleared++;
        if (seed_rnd(g) % 100 < 92) {
            fr_transition(s, b, &l, ACT_PASS_SUPERVISION, at + 6 * 3600, &gate,
                          "{\"decision\":\"pass_supervision\"}");
            res->passed++;
        }
    }
    if (fr_owed(&l) > 0) /* ledger_unpaid: still owes; assessed at its first assessment */
        for (int i = 0; i < l.n_lg && !d->unpaid_at; i++)
            if (!strcmp(l.lg[i].kind, "assessed"))
                d->unpaid_at = l.lg[i].at;
    /* its dash_facts row (the instants of its checks are kept by fr_event_add) */
    dash_fact_row *f = &d->fact;
    f->decl_id = d->id;
    f->office = t->d.customs_office;
    f->type_code = t->d.type_code;
    f->chapters = s->blobs[ti].chapters;
    f->registered_at = d->registered_at;
    f->channel = d->channel;
    f->status = d->status;
    f->cleared_at = d->cleared_at;
    if (d->status >= ST_CANCELLED && d->status <= ST_REJECTED) /* entered its ended status */
        for (long i = ev0; i < b->n_events; i++)
            if (b->events[i].e.to_status == d->status && b->events[i].e.at > f->ended_at)
                f->ended_at = b->events[i].e.at;
    for (int i = 0; i < l.n_lg; i++) {
        if (!strcmp(l.lg[i].kind, "assessed"))
            f->assessed += l.lg[i].amount;
        else if (!strcmp(l.lg[i].kind, "paid"))
            f->collected += l.lg[i].amount;
    }
}

static int fr_batch_alloc(fr_batch *b, long n)
{
    memset(b, 0, sizeof *b);
    b->decls = calloc((size_t)n, sizeof *b->decls);
    b->events = calloc((size_t)n * FR_EVENTS_MAX, sizeof *b->events);
    b->ledger = calloc((size_t)n * FR_LEDGER_MAX, sizeof *b->ledger);
    b->pays = calloc((size_t)n, sizeof *b->pays);
    b->sels = calloc((size_t)n * RISK_MAX_REASONS, sizeof *b->sels);
    b->outs = calloc((size_t)n, sizeof *b->outs);
    return b->decls && b->events && b->ledger && b->pays && b->sels && b->outs ? 0 : -1;
}

static void fr_batch_free(fr_batch *b)
{
    free(b->decls);
    free(b->events);
    free(b->ledger);
    free(b->pays);
    free(b->sels);
    free(b->outs);
    fa_free(&b->arena);
    memset(b, 0, sizeof *b);
}

/* ECUSTOMS_SEED_PROFILE=1: the CPU seconds of each part of the work on stderr at the end (the
 * writer's tables, the builder, the index rebuild): where a seed's time goes without a profiler. */
enum {
    FP_DECL,
    FP_CHAPTERS,
    FP_TERMS,
    FP_EVENTS,
    FP_LEDGER,
    FP_BLS,
    FP_RISK,
    FP_PAYS,
    FP_FACTS,
    FP_BUILD,
    FP_INDEXES,
    FP_RESTORE,
    FP_N
};
static const char *const fp_names[FP_N] = {
    "declarations",    "chapter lists",   "decl_terms",    "events",
    "ledger + unpaid", "declaration_bls", "risk_facts",    "payments + sequences",
    "dash_facts",      "builder thread",  "indexes again", "restore + checkpoint"};
static double fp_cpu[FP_N];

/* and the wall clock at each phase of seed_bulk (set-up, batches, terms, indexes, restore) */
static double fw_at[8];
static int fw_n;
static const char *fw_names[8];

static void fw_mark(const char *name)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (fw_n < 8) {
        fw_names[fw_n] = name;
        fw_at[fw_n++] = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    }
}

static double fp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* adds the CPU time since *t to part k and restarts *t */
static void fp_lap(int k, double *t)
{
    double n = fp_now();
    fp_cpu[k] += n - *t;
    *t = n;
}

typedef struct fr_build {
    fr_state *s;
    fr_batch *b;
    long from, n;
} fr_build;

static void *fr_build_batch(void *arg)
{
    fr_build *w = arg;
    fr_batch *b = w->b;
    double t0 = fp_now();
    b->n_decls = b->n_events = b->n_ledger = b->n_pays = b->n_sels = b->n_outs = 0;
    memset(b->seq, 0, sizeof b->seq);
    fa_free(&b->arena);
    b->failed = 0;
    for (long k = w->from; k < w->from + w->n && !b->failed; k++)
        fr_one(w->s, b, k);
    if (b->arena.oom)
        b->failed = 1;
    fp_lap(FP_BUILD, &t0);
    return NULL;
}

/* The search terms store_decl_insert and store_decl_register write: the number's two, and the
 * document's (the template's, listed once). Sorted by key first: the batch's ~40 terms per
 * declaration then go into decl_terms's B-tree in one pass from left to right instead of at
 * random places (the table grows to gigabytes, far beyond the page cache). */
typedef struct fr_term {
    const char *term, *decl_id;
    const unsigned char *id16;
} fr_term;

static int fr_term_cmp(const void *a, const void *b)
{
    const fr_term *x = a, *y = b;
    int d = strcmp(x->term, y->term);
    return d ? d : strcmp(x->decl_id, y->decl_id);
}

static int fr_write_terms(db_conn *c, const fr_batch *b)
{
    long n = 0, cap = 0;
    for (long i = 0; i < b->n_decls; i++)
        cap += 2 + b->n_terms[b->decls[i].ti];
    fr_term *all = malloc((size_t)(cap ? cap : 1) * sizeof *all);
    char(*stems)[12] = malloc((size_t)(b->n_decls ? b->n_decls : 1) * sizeof *stems);
    if (!all || !stems) {
        free(all);
        free(stems);
        return DB_ERR;
    }
    for (long i = 0; i < b->n_decls; i++) {
        const fr_decl *d = &b->decls[i];
        size_t len = strlen(d->number);
        if (len >= 2) /* store_decl_terms_add_number: the number, and its 11-digit stem */
            all[n++] = (fr_term){d->number, d->id, d->id16};
        if (len == 12) {
            memcpy(stems[i], d->number, 11);
            stems[i][11] = 0;
            all[n++] = (fr_term){stems[i], d->id, d->id16};
        }
        const char *t = b->terms[d->ti];
        for (int k = 0; k < b->n_terms[d->ti]; k++, t += strlen(t) + 1)
            all[n++] = (fr_term){t, d->id, d->id16};
    }
    qsort(all, (size_t)n, sizeof *all, fr_term_cmp);
    const char **terms = malloc((size_t)(n ? n : 1) * sizeof *terms);
    const unsigned char **ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    int rc = terms && ids ? 0 : DB_ERR;
    for (long i = 0; rc == 0 && i < n; i++)
        terms[i] = all[i].term, ids[i] = all[i].id16;
    if (rc == 0)
        rc = store_decl_terms_insert_pairs16(c, terms, ids, n);
    free(terms);
    free(ids);
    free(all);
    free(stems);
    return rc;
}

/* decl_terms of a seed that fills a database with none, written after the last batch in one
 * pass in key order (term, decl_id): every row then goes to the B-tree's right-hand edge. Per
 * batch (fr_write_terms), each batch's sorted terms still spread over the whole tree (the same
 * words recur in every batch), so that every batch rewrote most of its leaf pages: the terms were
 * a third of the seed's CPU at 100,000 declarations and grow with the table. The pairs are not
 * listed (39 per declaration): each distinct term of the templates is followed by the
 * declarations drawn from the templates that have it, merged in id order. */
typedef struct fr_tterm {
    const char *term;
    int ti;
} fr_tterm;

typedef struct fr_nterm {
    const char *term;
    long r; /* the declaration's rank in id order */
} fr_nterm;

static int fr_tterm_cmp(const void *a, const void *b)
{
    const fr_tterm *x = a, *y = b;
    int d = strcmp(x->term, y->term);
    return d ? d : (x->ti > y->ti) - (x->ti < y->ti);
}

static int fr_nterm_cmp(const void *a, const void *b)
{
    const fr_nterm *x = a, *y = b;
    int d = strcmp(x->term, y->term);
    return d ? d : (x->r > y->r) - (x->r < y->r);
}

static int fr_long_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static const fr_seen *fr_all_base; /* fr_rank_cmp's array (qsort has no context argument) */

static int fr_rank_cmp(const void *a, const void *b)
{
    return strcmp(fr_all_base[*(const long *)a].id, fr_all_base[*(const long *)b].id);
}

typedef struct fr_terms_all {
    fr_state *s;
    long n; /* declarations in s->all */
} fr_terms_all;

#define FR_PAIRS 65536

static int fr_terms_all_job(db_conn *c, void *ctx)
{
    fr_terms_all *x = ctx;
    fr_state *s = x->s;
    const fr_seen *all = s->all;
    long n = x->n, n_t = 0, n_q = 0, n_p = 0;
    int n_tpls = s->j->n_tpls, rc = 0;
    double t0 = fp_now();
    long *by_rank = malloc((size_t)(n ? n : 1) * sizeof *by_rank);
    long *rank = malloc((size_t)(n ? n : 1) * sizeof *rank);
    long *start = calloc((size_t)n_tpls + 1, sizeof *start);
    long *fill = malloc((size_t)n_tpls * sizeof *fill);
    long *list = malloc((size_t)(n ? n : 1) * sizeof *list);
    long *gather = malloc((size_t)(3 * n + 1) * sizeof *gather);
    fr_nterm *q = malloc((size_t)(2 * n + 1) * sizeof *q);
    const char **pt = malloc(FR_PAIRS * sizeof *pt);
    const unsigned char **pi = malloc(FR_PAIRS * sizeof *pi);
    long cap_t = 1;
    for (int i = 0; i < n_tpls; i++)
        cap_t += s->n_terms[i];
    fr_tterm *t = malloc((size_t)cap_t * sizeof *t);
    if (!by_rank || !rank || !start || !fill || !list || !gather || !q || !pt || !pi || !t) {
        rc = DB_ERR;
        goto out;
    }
    /* ids are time-ordered and the run's instants increase, so rank = index, unless two
     * declarations shared a second (more than 86,400 a day): then sort */
    int ordered = 1;
    for (long k = 0; k < n; k++) {
        by_rank[k] = k;
        if (k && strcmp(all[k - 1].id, all[k].id) >= 0)
            ordered = 0;
    }
    if (!ordered) {
        fr_all_base = all;
        qsort(by_rank, (size_t)n, sizeof *by_rank, fr_rank_cmp);
    }
    for (long r = 0; r < n; r++)
        rank[by_rank[r]] = r;
    /* each template's declarations, by rank */
    for (long k = 0; k < n; k++)
        start[all[k].ti + 1]++;
    for (int i = 0; i < n_tpls; i++)
        start[i + 1] += start[i];
    for (int i = 0; i < n_tpls; i++)
        fill[i] = start[i];
    for (long r = 0; r < n; r++)
        list[fill[all[by_rank[r]].ti]++] = r;
    /* the templates' terms, and the numbers' (store_decl_terms_add_number: the number and its
     * 11-digit stem) */
    for (int i = 0; i < n_tpls; i++) {
        const char *w = s->terms[i];
        for (int k = 0; k < s->n_terms[i]; k++, w += strlen(w) + 1)
            t[n_t++] = (fr_tterm){w, i};
    }
    qsort(t, (size_t)n_t, sizeof *t, fr_tterm_cmp);
    for (long k = 0; k < n; k++) {
        fr_seen *v = &s->all[k];
        size_t len = strlen(v->number);
        if (len >= 2)
            q[n_q++] = (fr_nterm){v->number, rank[k]};
        if (len == 12) {
            memcpy(v->stem, v->number, 11);
            v->stem[11] = 0;
            q[n_q++] = (fr_nterm){v->stem, rank[k]};
        }
    }
    qsort(q, (size_t)n_q, sizeof *q, fr_nterm_cmp);
    /* the merge: the smallest next term, all of its declarations in rank order */
    for (long i = 0, j = 0; rc == 0 && (i < n_t || j < n_q);) {
        const char *term =
            i < n_t && (j >= n_q || strcmp(t[i].term, q[j].term) <= 0) ? t[i].term : q[j].term;
        long g = 0;
        int sources = 0; /* lists in rank order: the templates', the numbers' */
        for (; i < n_t && !strcmp(t[i].term, term); i++, sources++)
            for (long m = start[t[i].ti]; m < start[t[i].ti + 1]; m++)
                gather[g++] = list[m];
        if (j < n_q && !strcmp(q[j].term, term))
            sources++;
        for (; j < n_q && !strcmp(q[j].term, term); j++)
            gather[g++] = q[j].r;
        if (sources > 1)
            qsort(gather, (size_t)g, sizeof *gather, fr_long_cmp);
        for (long m = 0; m < g && rc == 0; m++) {
            if (m && gather[m] == gather[m - 1])
                continue;
            pt[n_p] = term;
            pi[n_p++] = all[by_rank[gather[m]]].id16;
            if (n_p == FR_PAIRS) {
                rc = store_decl_terms_insert_pairs16(c, pt, pi, n_p);
                n_p = 0;
            }
        }
    }
    if (rc == 0 && n_p)
        rc = store_decl_terms_insert_pairs16(c, pt, pi, n_p);
    if (rc != 0)
        fprintf(stderr, "seed: %s\n", db_errmsg(c));
out:
    free(by_rank);
    free(rank);
    free(start);
    free(fill);
    free(list);
    free(gather);
    free(q);
    free(pt);
    free(pi);
    free(t);
    fp_lap(FP_TERMS, &t0);
    return rc;
}

/* The dashboard's HS chapters, as store_decl_insert writes them (the template's text, made
 * once), in key order: the batch's declarations are in id order. A template without items has
 * no row (store_decl_chapters_new). */
static int fr_write_chapters(db_conn *c, const fr_batch *b)
{
    long n = 0;
    const char **ids = malloc((size_t)(b->n_decls ? b->n_decls : 1) * 2 * sizeof *ids);
    const char **texts = ids ? ids + (b->n_decls ? b->n_decls : 1) : NULL;
    if (!ids)
        return DB_ERR;
    for (long i = 0; i < b->n_decls; i++) {
        const char *t = b->blobs[b->decls[i].ti].chapters;
        if (t && t[0]) {
            ids[n] = b->decls[i].id;
            texts[n++] = t;
        }
    }
    int rc = store_decl_chapters_insert_rows(c, ids, texts, n);
    free(ids);
    return rc;
}

/* The writer's part: inserts only, table by table (each B-tree's pages stay in the cache). */
static int fr_write_job(db_conn *c, void *ctx)
{
    fr_batch *b = ctx;
    int rc = 0;
    double t0 = fp_now();
    for (long i = 0; i < b->n_decls && rc == 0; i++) {
        const fr_decl *d = &b->decls[i];
        const tpl *t = d->t;
        decl_row row = {.kind = t->d.kind,
                        .status = d->status,
                        .channel = d->channel,
                        .customs_value = t->tr.customs_value,
                        .total_tax = t->tr.total,
                        .tax_date = d->tax_date,
                        .created_at = d->created_at,
                        .updated_at = d->updated_at,
                        .registered_at = d->registered_at,
                        .cleared_at = d->cleared_at,
                        .rev = d->rev,
                        .risk = (char *)d->risk,
                        .decisions = (char *)d->decisions};
        memcpy(row.id, d->id, sizeof row.id);
        memcpy(row.number, d->number, sizeof row.number);
        snprintf(row.type_code, sizeof row.type_code, "%s", t->d.type_code);
        snprintf(row.declarant, sizeof row.declarant, "%s", d->p->code);
        snprintf(row.party, sizeof row.party, "%s", d->p->code);
        snprintf(row.office, sizeof row.office, "%s", t->d.customs_office);
        const fr_blobs *x = &b->blobs[d->ti];
        rc = store_decl_insert_row(c, &row, x->doc, x->doc_n, x->taxes, x->taxes_n);
    }
    if (rc == 0)
        rc = store_risk_selections_insert_rows(c, b->sels, b->n_sels);
    for (long i = 0; i < b->n_outs && rc == 0; i++) {
        const fr_outcome *o = &b->outs[i];
        rc = store_risk_outcome_put(c, o->decl_id, o->at, o->violation, 0, o->additional_tax,
                                    o->source);
        rc = rc < 0 ? rc : 0;
    }
    fp_lap(FP_DECL, &t0);
    if (rc == 0)
        rc = fr_write_chapters(c, b);
    fp_lap(FP_CHAPTERS, &t0);
    if (rc == 0 && !b->terms_later)
        rc = fr_write_terms(c, b);
    fp_lap(FP_TERMS, &t0);
    for (long i = 0; i < b->n_events && rc == 0; i += 256) {
        const audit_event *ev[256];
        const unsigned char(*dig[256])[32];
        long n = b->n_events - i < 256 ? b->n_events - i : 256;
        for (long k = 0; k < n; k++) {
            ev[k] = &b->events[i + k].e;
            dig[k] = (const unsigned char(*)[32])b->events[i + k].dig;
        }
        rc = store_event_insert_many_bin(c, ev, dig, n);
    }
    fp_lap(FP_EVENTS, &t0);
    for (long i = 0; i < b->n_ledger && rc == 0; i++)
        rc = store_ledger_insert(c, b->ledger[i].decl_id, &b->ledger[i].r);
    for (long i = 0; i < b->n_decls && rc == 0; i++) {
        const fr_decl *d = &b->decls[i];
        if (d->unpaid_at)
            rc = store_ledger_unpaid_put(c, d->id, d->p->code, d->p->code, d->unpaid_at);
    }
    fp_lap(FP_LEDGER, &t0);
    for (long i = 0; i < b->n_decls && rc == 0; i++) {
        const decl_transport *tr = &b->decls[i].t->d.transport;
        for (int k = 0; k < tr->n_bl && rc == 0; k++)
            rc = store_declbl_add(c, b->decls[i].id, tr->bills_of_lading[k]);
    }
    fp_lap(FP_BLS, &t0);
    for (long i = 0; i < b->n_decls && rc == 0; i++) {
        const fr_decl *d = &b->decls[i];
        const fr_blobs *x = &b->blobs[d->ti];
        rc = store_risk_facts_put_blob(c, d->id, d->registered_at, d->t->d.n_items, x->facts,
                                       x->facts_n);
    }
    fp_lap(FP_RISK, &t0);
    for (long i = 0; i < b->n_pays && rc == 0; i++)
        rc = store_payment_put(c, &b->pays[i]);
    for (int k = 0; k < 100 && rc == 0; k++)
        if (b->seq[k]) {
            char name[16];
            snprintf(name, sizeof name, "decl.%d", k);
            rc = store_sequence_set(c, name, b->seq[k]);
        }
    fp_lap(FP_PAYS, &t0);
    /* the dashboard's rows: what store_dash_fact_sync computes from the final rows (the live
     * path runs it after each event), computed by the builder from the life it played */
    for (long i = 0; i < b->n_decls && rc == 0; i += 256) {
        dash_fact_row f[256];
        long n = b->n_decls - i < 256 ? b->n_decls - i : 256;
        for (long k = 0; k < n; k++)
            f[k] = b->decls[i + k].fact;
        rc = store_dash_facts_insert_rows(c, f, n);
    }
    fp_lap(FP_FACTS, &t0);
    if (rc != 0)
        fprintf(stderr, "seed: %s\n", db_errmsg(c));
    return rc;
}

/* Where the chains and the sequences stand, and each template's manifest warnings (they depend
 * on the manifests, which a seed does not change). */
static int fr_start_job(db_conn *c, void *ctx)
{
    fr_state *s = ctx;
    seed_job *j = s->j;
    static const char terms_sql[] = "SELECT COUNT(*) FROM (SELECT 1 FROM decl_terms LIMIT 1) x";
    int rc = store_event_last_global(c, &s->gseq, s->ghash);
    if (rc == 0 && (s->feed = store_event_last_feed(c)) < 0)
        rc = (int)s->feed;
    db_stmt *st = rc == 0 ? db_prepare(c, terms_sql) : NULL;
    if (rc == 0 && !st)
        rc = DB_ERR;
    if (st) {
        int r = db_step(c, st);
        s->terms_empty = r == DB_ROW && db_col_int64(c, st, 0) == 0;
        db_reset(c, st);
        rc = r == DB_ROW ? 0 : r < 0 ? r : DB_ERR;
    }
    for (int k = 10; k < 100 && rc == 0; k += 20) { /* decl.10 (imports), decl.30 (exports) */
        char name[16];
        snprintf(name, sizeof name, "decl.%d", k);
        int64_t v = store_sequence_get(c, name);
        rc = v < 0 ? (int)v : 0;
        s->seq[k] = v;
    }
    for (int i = 0; i < j->n_tpls && rc == 0; i++) {
        json_t *w = svc_manifest_warnings(c, &j->tpls[i].d, &rc);
        if (rc == 0 && json_array_size(w)) {
            char *t = json_dumps(w, JSON_COMPACT);
            size_t n = t ? strlen(t) + 16 : 0;
            if (t && (s->warnings[i] = malloc(n)))
                snprintf(s->warnings[i], n, ",\"warnings\":%s", t);
            else
                rc = DB_ERR;
            free(t);
        }
        json_decref(w);
    }
    return rc;
}

/* Indexes of the tables a seed fills, dropped while a seed fills a database that held no
 * declarations and created again (the same SQL, from sqlite_master) at the end: one sort per
 * index instead of a million inserts at random places (the events' instant, the ledger's party
 * and bank, bills of lading, payments). Kept: the primary keys and unique constraints (part of
 * the tables), events_gseq (appended at its right-hand edge, and the audit checkpoint after every
 * batch reads the newest global event through it), and the indexes where a live insert lands on
 * one of a few right-hand edges, which stay in the writer's page cache, cheaper than reading the
 * table again to sort it (each rebuild of a declarations index read the whole table):
 * - the key grows with the run: events_feed (the commit order), declarations_created and the
 *   registration instants (declarations_registered, dash_facts_at: at most 30 minutes after the
 *   creation instant, which grows);
 * - a column of few values, then an instant: status, channel or office (and status) first
 *   (declarations_status, _status_created, _channel_created, _office_status,
 *   dash_facts_office_at: tens to hundreds of edges);
 * - an enterprise, then the creation instant (declarations_declarant_created, _party_created:
 *   one edge per enterprise, 2,000 by default).
 * Kept live rather than rebuilt, they made a seed of 100,000 ~9 % faster, and their pages are as
 * full (docs/performance.md, stop 26). */
typedef struct fr_indexes {
    int n;
    char *name[32], *sql[32];
} fr_indexes;

static int fr_drop_indexes_job(db_conn *c, void *ctx)
{
    static const char sql[] =
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND name NOT IN ('events_gseq', 'events_feed', 'declarations_created',"
        " 'declarations_registered', 'dash_facts_at', 'declarations_status',"
        " 'declarations_status_created', 'declarations_channel_created',"
        " 'declarations_office_status', 'dash_facts_office_at', 'declarations_declarant_created',"
        " 'declarations_party_created') AND tbl_name IN ('declarations', 'events', "
        "'ledger_entries',"
        " 'ledger_unpaid', 'payments', 'declaration_bls', 'risk_facts', 'decl_terms', 'dash_facts',"
        " 'risk_selections')"
        " ORDER BY name";
    fr_indexes *x = ctx;
    if (strcmp(c->drv->name, "sqlite") != 0)
        return 0;
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int rc;
    while ((rc = db_step(c, st)) == DB_ROW && x->n < 32) {
        x->name[x->n] = db_col_dup(c, st, 0);
        x->sql[x->n] = db_col_dup(c, st, 1);
        if (!x->name[x->n] || !x->sql[x->n]) {
            free(x->name[x->n]);
            free(x->sql[x->n]);
            break;
        }
        x->n++;
    }
    db_reset(c, st);
    if (rc != DB_DONE)
        return rc < 0 ? rc : DB_ERR;
    for (int i = 0; i < x->n; i++) {
        char drop[160];
        snprintf(drop, sizeof drop, "DROP INDEX \"%s\"", x->name[i]);
        if ((rc = db_exec(c, drop)) != DB_OK)
            return rc;
    }
    return 0;
}

static int fr_create_indexes_job(db_conn *c, void *ctx)
{
    fr_indexes *x = ctx;
    double t0 = fp_now();
    for (int i = 0; i < x->n; i++) {
        int rc = db_exec(c, x->sql[i]);
        if (rc != DB_OK) {
            fprintf(stderr, "seed: cannot create index %s again: %s\n", x->name[i], db_errmsg(c));
            return rc;
        }
    }
    fp_lap(FP_INDEXES, &t0);
    return 0;
}

static int fr_restore_job(db_conn *c, void *ctx)
{
    double t0 = fp_now();
    int rc = seed_restore_job(c, ctx);
    fp_lap(FP_RESTORE, &t0);
    return rc;
}

/* The template's packed columns as bytes, and its chapters as decl_chapter_lists and dash_facts
 * spell them (store_decl_chapters_text). 0 or -1. */
static int fr_blobs_make(const tpl *t, const int chapters[100], fr_blobs *x)
{
    x->doc = store_packed_blob(t->doc, &x->doc_n);
    x->taxes = store_packed_blob(t->taxes, &x->taxes_n);
    x->facts = t->facts ? store_packed_blob(t->facts, &x->facts_n) : NULL;
    x->chapters = malloc(STORE_CHAPTERS_MAX);
    if (!x->doc || !x->taxes || (t->facts && !x->facts) || !x->chapters)
        return -1;
    store_decl_chapters_text(chapters, x->chapters);
    return 0;
}

int seed_bulk(app *a, seed_job *j)
{
    const seed_opts *o = j->o;
    fr_state s = {.j = j};
    fr_indexes ix = {0};
    fr_batch bb[2];
    int rc = -1, nb = 0;
    fw_n = 0;
    fw_mark("start");
    memset(bb, 0, sizeof bb);
    s.warnings = calloc((size_t)j->n_tpls, sizeof *s.warnings);
    s.dreqs = calloc((size_t)j->n_tpls, sizeof *s.dreqs);
    if (!s.warnings || !s.dreqs || audit_mac_key_init(&s.mk, store_audit_key(a->st)) != 0)
        goto out;
    s.terms = calloc((size_t)j->n_tpls, sizeof *s.terms);
    s.n_terms = calloc((size_t)j->n_tpls, sizeof *s.n_terms);
    s.chapters = calloc((size_t)j->n_tpls, sizeof *s.chapters);
    s.blobs = calloc((size_t)j->n_tpls, sizeof *s.blobs);
    if (!s.terms || !s.n_terms || !s.chapters || !s.blobs)
        goto out;
    for (int i = 0; i < j->n_tpls; i++) {
        snprintf(s.dreqs[i].party, sizeof s.dreqs[i].party, "%s", j->parties[i].code);
        snprintf(s.dreqs[i].role, sizeof s.dreqs[i].role, "declarant");
        if (!(s.terms[i] = store_decl_terms_of(NULL, j->tpls[i].doc, &s.n_terms[i])))
            goto out;
        char *plain = store_unpack(j->tpls[i].doc); /* (store_decl_chapters_put's) */
        if (!plain)
            goto out;
        store_decl_chapters_of(plain, s.chapters[i]);
        free(plain);
        if (fr_blobs_make(&j->tpls[i], s.chapters[i], &s.blobs[i]) != 0)
            goto out;
    }
    if (store_read(a->st, fr_start_job, &s) != 0) {
        fprintf(stderr, "seed: cannot read the audit chain, sequences or manifests\n");
        goto out;
    }
    if (s.ghash[0] && fr_unhex(s.ghash, s.gbytes) != 0) {
        fprintf(stderr, "seed: the newest event's hash is not a digest\n");
        goto out;
    }
    for (int i = 0; i < j->n_tpls; i++)
        if (!s.warnings[i] && !(s.warnings[i] = strdup("")))
            goto out;
    long batch = o->declarations < SEED_BATCH ? o->declarations : SEED_BATCH;
    if (fr_batch_alloc(&bb[0], batch) != 0 || fr_batch_alloc(&bb[1], batch) != 0)
        goto out;
    if (j->base == 0 && s.terms_empty && !(s.all = calloc((size_t)o->declarations, sizeof *s.all)))
        goto out;
    for (int k = 0; k < 2; k++) {
        bb[k].terms_later = s.all != NULL;
        bb[k].terms = s.terms;
        bb[k].n_terms = s.n_terms;
        bb[k].chapters = s.chapters;
        bb[k].blobs = s.blobs;
    }
    store_close_idle_readers(a->st); /* else journal_mode cannot leave WAL (busy) */
    store_write_bare(a->st, seed_fast_job, NULL);
    rc = 0;
    if (j->base == 0 && store_write(a->st, fr_drop_indexes_job, &ix) != 0) {
        fprintf(stderr, "seed: cannot set the indexes aside\n");
        rc = -1;
    }
    fw_mark("set-up");
    /* batch k is inserted by the writer while batch k + 1 is played on a second thread */
    fr_build w = {.s = &s, .b = &bb[0], .from = 0, .n = batch};
    if (rc == 0)
        fr_build_batch(&w);
    if (bb[0].failed)
        rc = -1;
    for (long from = 0; rc == 0 && from < o->declarations; from += batch, nb ^= 1) {
        long next = from + batch;
        long left = o->declarations - next;
        fr_build nw = {.s = &s,
                       .b = &bb[nb ^ 1],
                       .from = next,
                       .n = left < 0       ? 0
                            : left < batch ? left
                                           : batch};
        pthread_t th;
        int threaded = nw.n > 0 && pthread_create(&th, NULL, fr_build_batch, &nw) == 0;
        if (store_write(a->st, fr_write_job, &bb[nb]) != 0) {
            fprintf(stderr, "seed: the batch from declaration %ld was refused\n", from);
            rc = -1;
        }
        if (threaded)
            pthread_join(th, NULL);
        else if (nw.n > 0)
            fr_build_batch(&nw);
        if (nw.n > 0 && bb[nb ^ 1].failed) {
            fprintf(stderr, "seed: building the batch from declaration %ld failed\n", next);
            rc = -1;
        }
    }
    fw_mark("batches");
    fr_terms_all ta = {.s = &s, .n = o->declarations};
    if (rc == 0 && s.all && store_write(a->st, fr_terms_all_job, &ta) != 0) {
        fprintf(stderr, "seed: cannot write the search terms\n");
        rc = -1;
    }
    fw_mark("search terms");
    if (ix.n && store_write(a->st, fr_create_indexes_job, &ix) != 0)
        rc = -1;
    fw_mark("indexes");
    if (store_write_bare(a->st, fr_restore_job, NULL) != 0) {
        fprintf(stderr, "seed: cannot restore WAL and synchronous=FULL\n");
        rc = -1;
    }
    fw_mark("restore");
    if (getenv("ECUSTOMS_SEED_PROFILE")) {
        for (int k = 0; k < FP_N; k++)
            fprintf(stderr, "seed profile: %-22s %8.2f CPU-s\n", fp_names[k], fp_cpu[k]);
        for (int k = 1; k < fw_n; k++)
            fprintf(stderr, "seed phase:   %-22s %8.2f s\n", fw_names[k], fw_at[k] - fw_at[k - 1]);
    }
out:
    for (int i = 0; i < ix.n; i++) {
        free(ix.name[i]);
        free(ix.sql[i]);
    }
    fr_batch_free(&bb[0]);
    fr_batch_free(&bb[1]);
    for (int i = 0; s.warnings && i < j->n_tpls; i++)
        free(s.warnings[i]);
    free(s.warnings);
    free(s.dreqs);
    for (int i = 0; s.terms && i < j->n_tpls; i++)
        free(s.terms[i]);
    free(s.terms);
    free(s.n_terms);
    free(s.chapters);
    for (int i = 0; s.blobs && i < j->n_tpls; i++) {
        free(s.blobs[i].doc);
        free(s.blobs[i].taxes);
        free(s.blobs[i].facts);
        free(s.blobs[i].chapters);
    }
    free(s.blobs);
    free(s.all);
    audit_mac_key_free(&s.mk);
    audit_digest_free(&s.dg);
    audit_digest_free(&s.dg_row);
    return rc;
}