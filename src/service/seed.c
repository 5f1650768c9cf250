/* `ecustoms db seed` (service/seed.h): months of registered declarations in large
 * transactions, written in one of two ways that leave the same rows.
 *
 * The reference path (--reference, seed_one) writes each declaration's life with the live write
 * path's store functions: the declaration inserted provisional then registered, the "ida" and
 * "idc" events hash-chained by store_event_append, the number from the sequences row, the
 * bill-of-lading links, the ledger's assessment, the risk facts, the officers' decisions
 * (decisions list, events) and the bank payments (ledger, payments row, automatic clearance of
 * green declarations) through the same functions as service/clearance.c and service/payments.c.
 * The fast path (the default, service/seed_bulk.c) plays the same lives in memory and writes
 * every row once in its final state. What differs from live traffic in both: declarations are drawn
 * from a pool of templates assessed once (decode, validation and taxes as IDA computes them) and
 * varied per declaration (enterprise, office, bill of lading); the learned risk model is not
 * consulted (rules, compliance class and random draws classify, as without a model). */
#include "service/seed_internal.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_decl.h"
#include "codec/json_tax.h"
#include "core/lifecycle.h"
#include "core/number.h"
#include "core/risk.h"
#include "core/validate.h"
#include "service/internal.h"
#include "service/manifests.h"
#include "service/ledger.h"
#include "service/payments.h"
#include "service/risk_engine.h"
#include "store/pack.h"
#include "store/store.h"
#include "store/store_payments.h"
#include "store/store_audit.h"
#include "store/store_manifest.h"
#include "store/store_risk.h"
#include "store/store_users.h"
#include "util/decimal.h"

/* Offices of the General Department's sub-departments (4-character codes). */
static const char *const offices[] = {"01B1", "01AB", "01NV", "01E1", "02CI", "02CX", "02IK",
                                      "02B1", "03CC", "03EE", "03PA", "18A1", "43NF", "47NF",
                                      "34CE", "51C1", "60BS", "15SI", "29CC", "41PC"};
#define N_OFFICES (int)(sizeof offices / sizeof *offices)

/* The templates drawn from one generated body (one per enterprise, ~4 per body) differ in the
 * importer, the office and the first bill of lading, none of which the tax computation or the
 * tax document reads (core/tax.c, codec/json_tax.c): the first template of a body assesses it,
 * the others borrow its items, customs values and packed tax document. (--reference assesses
 * every template, as IDA would: tests/api/test_seed.py compares the two.) */
typedef struct tpl_share {
    pthread_mutex_t mu;
    int done;
    tpl *owner; /* NULL when the first template was refused */
} tpl_share;

static void tpl_release(tpl *t)
{
    decl_release(&t->d);
    if (!t->borrowed) {
        free(t->items);
        free(t->cv);
        free(t->taxes);
    }
    free(t->doc);
    free(t->facts);
    t->items = NULL;
    t->cv = NULL;
    t->taxes = t->doc = t->facts = NULL;
}

/* Decode, validate and tax as IDA does (service/clearance.c assess_ex), with today's rates, the
 * generated body sent by enterprise p through office, under bill of lading bl. */
static int tpl_make(app *a, const char *body, const seed_party *p, const char *office,
                    const char *bl, tpl *t, const tpl *from)
{
    errs e;
    errs_init(&e);
    memset(t, 0, sizeof *t);
    json_t *root = json_loads(body, 0, NULL);
    if (!root)
        return -1;
    json_object_set_new(json_object_get(root, "importer"), "tax_code", json_string(p->code));
    json_object_set_new(root, "customs_office", json_string(office));
    json_t *bls = json_object_get(json_object_get(root, "transport"), "bills_of_lading");
    if (json_is_array(bls) && json_array_size(bls) > 0)
        json_array_set_new(bls, 0, json_string(bl));
    json_decl_decode(root, &t->d, &e);
    decl_validate(&t->d, a->tariff, &e);
    if (!t->d.declarant[0])
        snprintf(t->d.declarant, sizeof t->d.declarant, "%s", decl_vn_party(&t->d)->tax_code);
    if (e.n == 0 && from) {
        t->items = from->items;
        t->cv = from->cv;
        t->tr = from->tr;
        t->borrowed = 1;
    } else if (e.n == 0) {
        tax_fx rates[64];
        int nfx = app_fx_on(a, date_today(), rates, 64);
        tax_fx_table table = {rates, (size_t)(nfx > 0 ? nfx : 0)};
        t->items = calloc((size_t)t->d.n_items, sizeof *t->items);
        t->cv = calloc((size_t)t->d.n_items + 1, sizeof *t->cv);
        t->tr.items = t->items;
        if (!t->items || !t->cv)
            errs_add(&e, "internal", "", "out of memory");
        else
            tax_compute(a->tariff, a->tax, &table, &t->d, date_today(), &t->tr, &e);
    }
    if (e.n) {
        fprintf(stderr, "seed: a generated declaration was refused (%s %s: %s); skipped\n",
                e.items[0].code, e.items[0].path, e.items[0].message);
        json_decref(root);
        tpl_release(t);
        return -1;
    }
    for (int i = 0; i < t->d.n_items && !t->borrowed; i++)
        t->cv[i] = t->items[i].customs_value;
    json_object_set_new(root, "declarant", json_string(t->d.declarant));
    t->doc = json_dumps(root, JSON_COMPACT);
    json_decref(root); /* (the template keeps the text, not the tree) */
    if (t->borrowed) {
        t->taxes = from->taxes;
    } else {
        json_t *tj = json_tax_result(&t->tr, &t->d);
        t->taxes = json_dumps(tj, JSON_COMPACT);
        json_decref(tj);
    }
    if (!t->doc || !t->taxes) {
        tpl_release(t);
        return -1;
    }
    risk_fact *facts = calloc((size_t)t->d.n_items + 1, sizeof *facts);
    if (facts) {
        risk_facts_from_decl(&t->d, t->items, "", 0, p->aeo, p->compliance, facts);
        t->facts = store_risk_facts_encode(facts, t->d.n_items);
        free(facts);
    }
    /* every declaration drawn from this template stores the same documents: pack them once */
    char *pd = store_pack(t->doc), *pt = t->borrowed ? NULL : store_pack(t->taxes);
    if (pd) {
        free(t->doc);
        t->doc = pd;
    }
    if (pt) {
        free(t->taxes);
        t->taxes = pt;
    }
    if (!t->facts) {
        tpl_release(t);
        return -1;
    }
    return 0;
}

/* Templates are assessed on two threads (the machine's two cores: a short seed is mostly this). */
typedef struct tpl_work {
    app *a;
    const seed_opts *o;
    const int *office; /* office index per enterprise, drawn beforehand (reproducible) */
    tpl *tpls;
    tpl_share *share; /* per body */
    int *ok;
    int from, step;
} tpl_work;

static seed_party *parties;

static void *tpl_thread(void *arg)
{
    tpl_work *w = arg;
    for (int i = w->from; i < w->o->enterprises; i += w->step) {
        char bl[16];
        snprintf(bl, sizeof bl, "SB%08d", i);
        tpl_share *sh = &w->share[i % w->o->n_bodies];
        /* the body's first template holds the lock while it assesses: the others wait for it */
        pthread_mutex_lock(&sh->mu);
        w->ok[i] =
            tpl_make(w->a, w->o->bodies[i % w->o->n_bodies], &parties[i], offices[w->office[i]], bl,
                     &w->tpls[i], sh->done && !w->o->reference ? sh->owner : NULL) == 0;
        if (!sh->done) {
            sh->done = 1;
            sh->owner = w->ok[i] ? &w->tpls[i] : NULL;
        }
        pthread_mutex_unlock(&sh->mu);
    }
    return NULL;
}

/* ---- the batch job ------------------------------------------------------------------------- */

static void enterprise_code(int i, char out[14]) { snprintf(out, 14, "39%08d", i); }

static int event_of(db_conn *c, const decl_row *r, int64_t at, const svc_req *by,
                    const char *action, int from, int to, json_t *detail, seed_result *res)
{
    char *d = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    int rc = store_event_append(c, r->id, at, by->party, by->role, action, from, to, d);
    free(d);
    res->events++;
    return rc;
}

/* What the seed knows of a declaration it is writing: its state and its decisions so far, so
 * that a transition need not read the row back (the live path reads it: another request may have
 * moved it; here nothing else writes). known = 0 after a write the seed does not mirror (the
 * system's automatic clearance): the next transition reads the row as transition_job does. */
typedef struct life {
    int known;
    int status, channel;
    int64_t cleared_at;
    char *decisions; /* JSON array text, heap, may be NULL */
} life;

/* detail_json + {"action", "by", "role", "at"}: the decision entry transition_job appends (built
 * as text: the entries are flat objects of strings and booleans) */
char *seed_decisions_append(const char *list, const char *detail_json, const char *action,
                            const svc_req *by, int64_t at)
{
    char ts[24];
    date_format_timestamp((time_t)at, ts);
    size_t ln = list ? strlen(list) : 0, dn = detail_json ? strlen(detail_json) : 0;
    size_t cap = ln + dn + 160;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t k = 0;
    if (ln >= 2 && list[ln - 1] == ']') { /* "[...]" -> "[...," */
        memcpy(out, list, ln - 1);
        k = ln - 1;
        if (ln > 2)
            out[k++] = ',';
    } else
        out[k++] = '[';
    if (dn >= 2) { /* "{...}" -> "{...," */
        memcpy(out + k, detail_json, dn - 1);
        k += dn - 1;
        if (dn > 2)
            out[k++] = ',';
    } else
        out[k++] = '{';
    snprintf(out + k, cap - k, "\"action\":\"%s\",\"by\":\"%s\",\"role\":\"%s\",\"at\":\"%s\"}]",
             action, by->party, by->role, ts);
    return out;
}

int seed_outcome_of(lifecycle_action act, int channel, const char *detail_json, int *violation,
                    int64_t *additional_tax, const char **source)
{
    if (act == ACT_CANCEL) { /* keep_selection: goods withdrawn from a check */
        *source = "cancelled_after_selection";
        *violation = 1;
        *additional_tax = 0;
        return channel >= CH_YELLOW;
    }
    *source = lifecycle_action_name(act);
    /* only an inspection result's detail is read: the others are not parsed */
    json_t *d =
        act == ACT_INSPECTION_DONE ? json_loads(detail_json ? detail_json : "{}", 0, NULL) : NULL;
    int settles = risk_decision_outcome(act, channel, d, violation, additional_tax);
    json_decref(d);
    return settles;
}

/* An officer's (or the declarant's, or the gate's) transition, written as transition_job does:
 * the decision appended to the row's list, the state updated, the event. detail_json is a flat
 * JSON object. */
static int transition(db_conn *c, const char *id, const char *owner, life *lf, lifecycle_action act,
                      int64_t at, const svc_req *by, const char *detail_json, seed_result *res)
{
    decl_status to;
    int rc;
    if (!lf->known) {
        decl_row cur;
        if ((rc = store_decl_get_state(c, id, &cur)) != 1)
            return rc < 0 ? rc : DB_ERR;
        lf->status = cur.status;
        lf->channel = cur.channel;
        lf->cleared_at = cur.cleared_at;
        free(lf->decisions);
        lf->decisions = cur.decisions;
        cur.decisions = NULL;
        decl_row_release(&cur);
        lf->known = 1;
    }
    if (lifecycle_next((decl_status)lf->status, (decl_channel)lf->channel, act, &to) != 0)
        return 0; /* not allowed from here (e.g. cleared by the system already): skip */
    const char *action = lifecycle_action_name(act);
    char *dtext = seed_decisions_append(lf->decisions, detail_json, action, by, at);
    if (!dtext)
        return DB_ERR;
    decl_row next = {.status = to,
                     .channel = lf->channel,
                     .updated_at = at,
                     .cleared_at = to == ST_CLEARED ? at : lf->cleared_at,
                     .decisions = dtext};
    snprintf(next.id, sizeof next.id, "%s", id);
    rc = store_decl_set_state(c, &next);
    if (rc == 0) {
        rc =
            store_event_append(c, id, at, by->party, by->role, action, lf->status, to, detail_json);
        res->events++;
    }
    int violation;
    int64_t more;
    const char *source;
    if (rc == 0 && seed_outcome_of(act, lf->channel, detail_json, &violation, &more, &source)) {
        rc = store_risk_outcome_put(c, id, at, violation, 0, more, source);
        rc = rc < 0 ? rc : 0;
    }
    if (rc == 0 && to == ST_CANCELLED)
        rc = pay_on_closed(c, id, owner, to, at, by, "cancellation");
    free(lf->decisions);
    lf->decisions = dtext;
    lf->status = to;
    lf->cleared_at = next.cleared_at;
    return rc;
}

/* A bank's payment of the whole assessment, as pay_job writes it (ledger through pay_settle, which
 * clears a covered green declaration; the payments row with its answer). */
static int payment(db_conn *c, const char *id, int64_t at, long n, seed_result *res, int *cleared)
{
    static const svc_req bank = {.party = SEED_BANK, .role = "bank"};
    decl_row m = {0};
    int rc = store_decl_get_meta(c, id, &m);
    if (rc != 1)
        return rc < 0 ? rc : DB_ERR;
    if (m.total_tax <= 0)
        return 0;
    pay_settle_ctx s = {.req = &bank, .now = at, .paid_date = date_legal(at)};
    snprintf(s.txn, sizeof s.txn, "SEED%012ld", n);
    snprintf(s.ref, sizeof s.ref, "payment %s", s.txn);
    ledger_row r = {.at = at, .amount = m.total_tax};
    snprintf(r.kind, sizeof r.kind, "paid");
    snprintf(r.party, sizeof r.party, "%s", m.party);
    snprintf(r.bank, sizeof r.bank, "%s", SEED_BANK);
    snprintf(r.bank_txn, sizeof r.bank_txn, "%s", s.txn);
    snprintf(r.note, sizeof r.note, "payer %s, paid at seed", m.party);
    pay_settled st;
    if ((rc = pay_settle(c, &s, &m, &r, &st)) < 0)
        return rc;
    res->events += 1 + st.cleared;
    *cleared = st.cleared;
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:o,s:[{s:s,s:o,s:o,s:o,s:s,s:b}]}", "bank", SEED_BANK, "bank_transaction_id",
        s.txn, "payer", m.party, "total", json_money(m.total_tax), "lines", "declaration", m.number,
        "amount", json_money(m.total_tax), "applied", json_money(st.applied), "outstanding",
        json_money(st.b.outstanding), "status",
        decl_status_name(st.cleared ? ST_CLEARED : (decl_status)m.status), "cleared", st.cleared);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    payment_row pr = {.total = m.total_tax,
                      .status = svc_code_stored(SVC_CREATED),
                      .response = text,
                      .created_at = at};
    snprintf(pr.bank, sizeof pr.bank, "%s", SEED_BANK);
    snprintf(pr.bank_txn, sizeof pr.bank_txn, "%s", s.txn);
    snprintf(pr.request_hash, sizeof pr.request_hash, "%064ld", n);
    snprintf(pr.payer, sizeof pr.payer, "%s", m.party);
    date_format_timestamp((time_t)at, pr.paid_at);
    rc = text ? store_payment_put(c, &pr) : DB_ERR;
    free(text);
    return rc;
}

/* One declaration: IDA, IDC, and, when old enough, its decisions, payment and clearance. */
static int seed_one(db_conn *c, seed_job *j, long k)
{
    const seed_opts *o = j->o;
    seed_result *res = j->res;
    uint64_t *g = j->rng;
    int ti = (int)(seed_rnd(g) % (uint64_t)j->n_tpls);
    tpl *t = &j->tpls[ti];
    const seed_party *p = &parties[ti];
    long n = j->base + k;
    double span = (double)o->declarations / o->per_day * 86400.0;
    int64_t t0 = j->start + (int64_t)((double)k * span / (double)o->declarations);
    int64_t t1 = t0 + 60 + (int64_t)(seed_rnd(g) % 1800);
    svc_req dreq = {.role = "declarant"};
    snprintf(dreq.party, sizeof dreq.party, "%s", p->code);
    const decl *dp = &t->d;
    int rc;

    /* IDA */
    decl_row row = {.kind = dp->kind,
                    .status = ST_PROVISIONAL,
                    .customs_value = t->tr.customs_value,
                    .total_tax = t->tr.total,
                    .tax_date = date_legal(t0),
                    .created_at = t0,
                    .updated_at = t0,
                    .doc = t->doc,
                    .taxes = t->taxes};
    seed_decl_id(g, t0, row.id);
    snprintf(row.type_code, sizeof row.type_code, "%s", dp->type_code);
    snprintf(row.declarant, sizeof row.declarant, "%s", p->code);
    snprintf(row.party, sizeof row.party, "%s", p->code);
    snprintf(row.office, sizeof row.office, "%s", dp->customs_office);
    if ((rc = store_decl_insert(c, &row)) != 0 ||
        (rc = event_of(c, &row, t0, &dreq, "ida", 0, ST_PROVISIONAL, NULL, res)) != 0)
        return rc;

    /* IDC: number, channel, links, ledger, risk facts */
    char seqname[16];
    int doc_type = number_doc_type(row.kind);
    snprintf(seqname, sizeof seqname, "decl.%d", doc_type);
    int64_t seq = store_sequence_next(c, seqname);
    if (seq < 0 || number_format(doc_type, seq, 0, row.number) != 0)
        return seq < 0 ? (int)seq : DB_ERR;
    risk_decision rd;
    seed_classify(j->a, t, p, t1, g, &rd);
    json_t *rj = risk_decision_to_json(&rd);
    char *rtext = json_dumps(rj, JSON_COMPACT);
    row.status = ST_REGISTERED;
    row.channel = rd.channel;
    row.registered_at = row.updated_at = t1;
    row.risk = rtext;
    rc = store_decl_register(c, &row);
    json_t *warnings = NULL;
    if (rc == 0)
        warnings = svc_manifest_on_register(c, row.id, dp, &rc);
    if (rc == 0) {
        json_t *detail = json_pack("{s:s,s:s,s:O}", "number", row.number, "channel",
                                   decl_channel_name((decl_channel)row.channel), "reasons",
                                   json_object_get(rj, "reasons"));
        if (json_array_size(warnings))
            json_object_set(detail, "warnings", warnings);
        rc = event_of(c, &row, t1, &dreq, "idc", ST_PROVISIONAL, ST_REGISTERED, detail, res);
        json_decref(detail);
    }
    json_decref(warnings);
    json_decref(rj);
    free(rtext);
    if (rc == 0 && (rc = pay_ledger_assess(c, row.id, row.party, ST_REGISTERED, row.total_tax, t1,
                                           &dreq, "registration")) == 0)
        res->events++;
    if (rc == 0)
        rc = store_risk_facts_put_encoded(c, row.id, t1, dp->n_items, t->facts);
    int cleared = 0;
    if (rc == 0 && row.channel == CH_GREEN) {
        int aeo = pay_is_aeo(c, row.party);
        cleared = aeo < 0 ? aeo : pay_on_registered(c, row.id, aeo, t1, &dreq);
        rc = cleared < 0 ? cleared : 0;
        res->events += cleared > 0;
    }
    if (rc != 0)
        return rc;
    seed_result_add(res, row.channel, t1);

    /* the rest of its life, for declarations old enough to have lived it */
    if (t1 > o->end - SETTLE_S) {
        res->in_progress++;
        return 0;
    }
    static const svc_req officer = {.party = SEED_CUSTOMS, .role = "officer"};
    static const svc_req gate = {.party = SEED_CUSTOMS, .role = "port_operator"};
    /* the row as IDC left it (decisions none yet), unless the system cleared it meanwhile */
    life lf = {.known = !cleared, .status = ST_REGISTERED, .channel = row.channel};
    if (seed_rnd(g) % 1000 < 8) { /* ~0.8 % cancelled by the declarant (H07, wrong data) */
        rc = transition(c, row.id, row.party, &lf, ACT_CANCEL, t1 + 3600, &dreq,
                        "{\"reason_code\":\"H07\",\"reason_text\":\"wrong data that cannot be "
                        "amended\",\"reason\":\"\"}",
                        res);
        res->cancelled++;
        free(lf.decisions);
        return rc;
    }
    int64_t at = t1 + 1800;
    if (row.channel != CH_GREEN) {
        rc = transition(c, row.id, row.party, &lf, ACT_START_DOC_CHECK, at, &officer,
                        "{\"decision\":\"start_document_check\"}", res);
        if (rc == 0)
            rc = transition(c, row.id, row.party, &lf, ACT_DOC_PASSED, at += 3600, &officer,
                            "{\"decision\":\"document_check\",\"passed\":true}", res);
        if (rc == 0 && row.channel == CH_RED)
            rc =
                transition(c, row.id, row.party, &lf, ACT_INSPECTION_DONE, at += 4 * 3600, &officer,
                           "{\"decision\":\"inspection\",\"violation\":false,"
                           "\"additional_tax\":\"0\"}",
                           res);
    }
    if (rc == 0 && !cleared) {
        int by_system = 0;
        rc = payment(c, row.id, at += 1800, n, res, &by_system);
        if (by_system)
            lf.known = 0; /* the system's clearance wrote the row */
    }
    if (rc == 0) /* the officer clears what the system did not */
        rc = transition(c, row.id, row.party, &lf, ACT_CLEAR, at += 600, &officer,
                        "{\"decision\":\"clear\"}", res);
    res->cleared++;
    if (rc == 0 && seed_rnd(g) % 100 < 92) { /* the goods leave the port */
        rc = transition(c, row.id, row.party, &lf, ACT_PASS_SUPERVISION, at + 6 * 3600, &gate,
                        "{\"decision\":\"pass_supervision\"}", res);
        res->passed++;
    }
    free(lf.decisions);
    return rc;
}

static int batch_job(db_conn *c, void *ctx)
{
    seed_job *j = ctx;
    for (long k = j->from; k < j->from + j->n; k++) {
        int rc = seed_one(c, j, k);
        if (rc != 0) {
            fprintf(stderr, "seed: declaration %ld: %s\n", k, db_errmsg(c));
            return rc;
        }
    }
    return 0;
}

/* ---- setup --------------------------------------------------------------------------------- */

static int parties_job(db_conn *c, void *ctx)
{
    const seed_opts *o = ctx;
    for (int i = 0; i < o->enterprises; i++) {
        party p = {.aeo = parties[i].aeo, .compliance = parties[i].compliance};
        snprintf(p.tax_code, sizeof p.tax_code, "%s", parties[i].code);
        snprintf(p.name, sizeof p.name, "Seeded Importer %d", i);
        snprintf(p.status, sizeof p.status, "active");
        snprintf(p.kind, sizeof p.kind, "enterprise");
        int rc = store_party_put(c, &p);
        if (rc != 0)
            return rc;
    }
    party b = {.compliance = 1};
    snprintf(b.tax_code, sizeof b.tax_code, SEED_BANK);
    snprintf(b.name, sizeof b.name, "Seed bank");
    snprintf(b.status, sizeof b.status, "active");
    snprintf(b.kind, sizeof b.kind, "bank");
    party existing;
    int rc = store_party_get(c, SEED_BANK, &existing);
    return rc < 0 ? rc : rc == 1 ? 0 : store_party_put(c, &b);
}

typedef struct count_ctx {
    const char *sql;
    int64_t v;
} count_ctx;

static int scalar_job(db_conn *c, void *ctx)
{
    count_ctx *x = ctx;
    db_stmt *st = db_prepare(c, x->sql);
    if (!st)
        return DB_ERR;
    int rc = db_step(c, st);
    x->v = rc == DB_ROW ? db_col_int64(c, st, 0) : 0;
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? 0 : rc;
}

/* A seeded database is a benchmark fixture, not a record of acknowledged requests: while it is
 * written, commits are not synced (the driver's bulk-load mode, store/db.h: on SQLite also the
 * rollback journal in memory, no WAL, since every page would otherwise be written twice, to the
 * WAL and again by the checkpoint). A crash in the middle of a seed can leave a SQLite file
 * corrupt; start again from `db init`. */
int seed_fast_job(db_conn *c, void *ctx)
{
    (void)ctx;
    return db_bulk_load(c, 1);
}

/* Back to the settings every other opener uses. */
int seed_restore_job(db_conn *c, void *ctx)
{
    (void)ctx;
    int rc = db_bulk_load(c, 0);
    if (rc != DB_OK)
        fprintf(stderr, "seed: %s\n", db_errmsg(c));
    return rc;
}

int svc_seed_has_declarations(app *a)
{
    static const char sql[] = "SELECT COUNT(*) FROM (SELECT 1 FROM declarations LIMIT 1) x";
    count_ctx x = {sql, 0};
    int rc = store_read(a->st, scalar_job, &x);
    return rc < 0 ? rc : x.v > 0;
}

int svc_seed(app *a, const seed_opts *o, seed_result *out)
{
    static const char count_sql[] = "SELECT COUNT(*) FROM declarations";
    memset(out, 0, sizeof *out);
    if (o->declarations <= 0 || o->n_bodies <= 0 || o->enterprises <= 0 || o->per_day <= 0)
        return -1;
    uint64_t g = o->seed * 0x9E3779B97F4A7C15ULL + 1;
    parties = calloc((size_t)o->enterprises, sizeof *parties);
    tpl *tpls = calloc((size_t)o->enterprises, sizeof *tpls);
    int n_tpls = 0, rc = -1, *office = NULL, *ok = NULL;
    tpl_share *share = NULL;
    if (!parties || !tpls)
        goto done;
    for (int i = 0; i < o->enterprises; i++) {
        enterprise_code(i, parties[i].code);
        uint64_t r = seed_rnd(&g) % 100;
        /* compliance classes (Decision 81/QD-TCHQ): most enterprises in classes 1-2 */
        parties[i].compliance = r < 40 ? 1 : r < 95 ? 2 : r < 99 ? 3 : 4;
        parties[i].aeo = seed_rnd(&g) % 100 < 2;
    }
    /* one template per enterprise: its documents are assessed and packed once */
    office = calloc((size_t)o->enterprises, sizeof *office);
    ok = calloc((size_t)o->enterprises, sizeof *ok);
    if (!office || !ok)
        goto done;
    for (int i = 0; i < o->enterprises; i++)
        office[i] = (int)(seed_rnd(&g) % N_OFFICES);
    share = calloc((size_t)o->n_bodies, sizeof *share);
    if (!share)
        goto done;
    for (int i = 0; i < o->n_bodies; i++)
        pthread_mutex_init(&share[i].mu, NULL);
    tpl_work w[2];
    pthread_t th;
    for (int k = 0; k < 2; k++)
        w[k] = (tpl_work){.a = a,
                          .o = o,
                          .office = office,
                          .tpls = tpls,
                          .share = share,
                          .ok = ok,
                          .from = k,
                          .step = 2};
    int threaded = pthread_create(&th, NULL, tpl_thread, &w[1]) == 0;
    if (!threaded)
        w[0].step = 1;
    tpl_thread(&w[0]);
    if (threaded)
        pthread_join(th, NULL);
    for (int i = 0; i < o->enterprises; i++) /* keep the accepted ones, in order */
        if (ok[i]) {
            tpls[n_tpls] = tpls[i];
            parties[n_tpls++] = parties[i];
        }
    if (n_tpls == 0) {
        fprintf(stderr, "seed: no generated declaration was accepted\n");
        goto done;
    }
    seed_opts eo = *o;
    eo.enterprises = n_tpls;
    if (store_write(a->st, parties_job, &eo) != 0) {
        fprintf(stderr, "seed: cannot write the enterprises\n");
        goto done;
    }
    count_ctx cx = {count_sql, 0};
    if (store_read(a->st, scalar_job, &cx) != 0)
        goto done;
    double span = (double)o->declarations / o->per_day * 86400.0;
    seed_job j = {.a = a,
                  .o = &eo,
                  .tpls = tpls,
                  .n_tpls = n_tpls,
                  .base = cx.v,
                  .start = o->end - (int64_t)span - 2400,
                  .rng = &g,
                  .res = out,
                  .parties = parties};
    /* (registration comes up to 31 minutes after IDA: the last one is still in the past) */
    if (!o->reference) {
        rc = seed_bulk(a, &j);
        goto done;
    }
    store_close_idle_readers(a->st); /* else journal_mode cannot leave WAL (busy) */
    store_write_bare(a->st, seed_fast_job, NULL);
    rc = 0;
    for (long from = 0; rc == 0 && from < o->declarations; from += SEED_BATCH) {
        j.from = from;
        j.n = o->declarations - from < SEED_BATCH ? o->declarations - from : SEED_BATCH;
        if (store_write(a->st, batch_job, &j) != 0) {
            fprintf(stderr, "seed: the batch from declaration %ld was refused\n", from);
            rc = -1;
        }
    }
    if (store_write_bare(a->st, seed_restore_job, NULL) != 0) {
        fprintf(stderr, "seed: cannot restore the database's durable settings (SQLite: WAL and"
                        " synchronous=FULL)\n");
        rc = -1;
    }
done:
    for (int i = 0; i < n_tpls; i++)
        tpl_release(&tpls[i]);
    free(tpls);
    for (int i = 0; share && i < o->n_bodies; i++)
        pthread_mutex_destroy(&share[i].mu);
    free(share);
    free(office);
    free(ok);
    free(parties);
    parties = NULL;
    return rc;
}
