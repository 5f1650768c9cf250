/* What `db seed`'s two files share (service/seed.c: the orchestration, the templates and the
 * reference path; service/seed_bulk.c: the bulk fast path). Private to those two. */
#ifndef ECUSTOMS_SERVICE_SEED_INTERNAL_H
#define ECUSTOMS_SERVICE_SEED_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "core/decl.h"
#include "core/lifecycle.h"
#include "core/risk.h"
#include "core/tax.h"
#include "service/app.h"
#include "service/seed.h"
#include "store/db.h"
#include "store/store.h"

#define SEED_BATCH 10000     /* declarations per transaction */
#define SETTLE_S (2 * 86400) /* declarations older than this went through their whole life */
#define SEED_BANK "0100112437"
#define SEED_CUSTOMS "0000000000"

/* A declaration assessed once (decode, validation, taxes as IDA computes them); every seeded
 * declaration is drawn from one and varied. */
typedef struct tpl {
    decl d;
    tax_item_result *items;
    tax_result tr;
    int64_t *cv;       /* customs value per item */
    char *doc, *taxes; /* packed (store/pack.h): every declaration drawn from it stores these */
    char *facts;       /* its risk facts, encoded and packed */
    int borrowed;      /* items, cv and taxes belong to another template (tpl_share) */
} tpl;

/* An enterprise the seed declares for. */
typedef struct seed_party {
    char code[14];
    int aeo, compliance;
} seed_party;

/* One run: what the reference path's batch job and the fast path read. */
typedef struct seed_job {
    app *a;
    const seed_opts *o;
    tpl *tpls;
    int n_tpls;
    long from, n;  /* declarations [from, from + n) of the run */
    long base;     /* declarations already in the database (bills of lading) */
    int64_t start; /* the simulated period's first second */
    uint64_t *rng;
    seed_result *res;
    const seed_party *parties; /* per template: the enterprise it declares for */
} seed_job;

static inline uint64_t seed_rnd(uint64_t *s)
{
    /* xorshift64*: a reproducible stream for --seed */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* A seeded declaration's id, created at t0, from two draws of the run's generator: both paths
 * take the same draws in the same order, and so write the same ids. */
static inline void seed_decl_id(uint64_t *g, int64_t t0, char out[33])
{
    unsigned char rnd[16];
    uint64_t r1 = seed_rnd(g), r2 = seed_rnd(g);
    memcpy(rnd, &r1, 8);
    memcpy(rnd + 8, &r2, 8);
    store_new_id(t0 * 1000000 + (int64_t)(r2 % 1000000), rnd, out);
}

/* The channel of a declaration drawn from template t for enterprise p, registered at t1: the
 * rules, the compliance class and one draw of the run's generator, as IDC classifies without a
 * learned model (seed.c) -- the one place both paths classify, so that they draw alike. */
static inline void seed_classify(const app *a, const tpl *t, const seed_party *p, int64_t t1,
                                 uint64_t *g, risk_decision *out)
{
    risk_input in = {.d = &t->d,
                     .item_customs_value = t->cv,
                     .customs_value = t->tr.customs_value,
                     .date = date_legal(t1),
                     .aeo = p->aeo,
                     .compliance = p->compliance,
                     .random_draw = seed_rnd(g)};
    risk_classify(a->rules, a->n_rules, &a->policy, &in, out);
}

/* One more registered declaration in the run's counts: its channel and its registration instant
 * (both paths count the same way). */
static inline void seed_result_add(seed_result *res, int channel, int64_t registered_at)
{
    res->green += channel == CH_GREEN;
    res->yellow += channel == CH_YELLOW;
    res->red += channel == CH_RED;
    res->declarations++;
    if (!res->first_at || registered_at < res->first_at)
        res->first_at = registered_at;
    if (registered_at > res->last_at)
        res->last_at = registered_at;
}

/* detail_json + {"action", "by", "role", "at"}: the decision entry transition_job appends (heap;
 * list may be NULL). */
char *seed_decisions_append(const char *list, const char *detail_json, const char *action,
                            const svc_req *by, int64_t at);

/* The risk_outcomes row live traffic writes for this transition of a declaration on channel
 * (service/clearance.c record_outcome, by risk_decision_outcome's rule, and keep_selection for a
 * cancellation after a yellow or red selection; only a declaration's first outcome is kept): 1
 * and its values, or 0 (none). */
int seed_outcome_of(lifecycle_action act, int channel, const char *detail_json, int *violation,
                    int64_t *additional_tax, const char **source);

/* The driver's bulk-load mode on (seed_fast_job) and off again (seed_restore_job): see seed.c. */
int seed_fast_job(db_conn *c, void *ctx);
int seed_restore_job(db_conn *c, void *ctx);

/* The fast path (service/seed_bulk.c): every row written once, in its final state. 0 or -1
 * (message on stderr). */
int seed_bulk(app *a, seed_job *j);

#endif
