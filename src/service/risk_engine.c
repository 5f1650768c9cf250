#include "service/risk_engine.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/decl.h"
#include "util/decimal.h"
#include "ml/risk_model.h"
#include "store/store_risk.h"
#include "util/log.h"
#include "util/utf8.h"

struct risk_engine {
    pthread_rwlock_t lock; /* model, history */
    risk_model *model;
    int64_t version;        /* of model; 0 = none */
    int64_t failed_version; /* a version that would not load: not retried every poll */
    risk_history *history;
    pthread_mutex_t cal_lock;
    risk_calibrator cal; /* guarded by cal_lock, with shares */
    risk_shares shares;
};

risk_engine *risk_engine_new(void)
{
    risk_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    pthread_rwlock_init(&e->lock, NULL);
    pthread_mutex_init(&e->cal_lock, NULL);
    e->shares = (risk_shares){0.05, 0.15, 0.10};
    return e;
}

void risk_engine_free(risk_engine *e)
{
    if (!e)
        return;
    risk_model_free(e->model);
    risk_history_free(e->history);
    risk_calibrator_free(&e->cal);
    pthread_rwlock_destroy(&e->lock);
    pthread_mutex_destroy(&e->cal_lock);
    free(e);
}

void risk_engine_set_shares(risk_engine *e, const risk_shares *shares)
{
    pthread_mutex_lock(&e->cal_lock);
    e->shares = *shares;
    if (e->cal.window)
        risk_calibrator_set_shares(&e->cal, shares);
    pthread_mutex_unlock(&e->cal_lock);
}

int64_t risk_engine_version(risk_engine *e)
{
    pthread_rwlock_rdlock(&e->lock);
    int64_t v = e->version;
    pthread_rwlock_unlock(&e->lock);
    return v;
}

typedef struct active_ctx {
    int64_t version;
    risk_model_row row;
    int found;
    risk_fact *facts;
    size_t n_facts;
    risk_outcome *outcomes;
    size_t n_outcomes;
} active_ctx;

static int version_job(db_conn *c, void *ctx)
{
    active_ctx *x = ctx;
    x->version = store_risk_model_active_version(c);
    return x->version < 0 ? (int)x->version : 0;
}

static int load_job(db_conn *c, void *ctx)
{
    active_ctx *x = ctx;
    x->found = store_risk_model_active(c, &x->row);
    if (x->found < 0)
        return x->found;
    if (x->found == 0)
        return 0;
    return store_risk_load(c, &x->facts, &x->n_facts, &x->outcomes, &x->n_outcomes);
}

/* Collects the adjusted scores of the last declarations while the history is replayed, to seed
 * the calibrator with the score distribution of recent traffic. */
typedef struct seed_ctx {
    risk_model *model;
    size_t skip; /* declarations before the window */
    size_t seen;
    float *scores;
    size_t n;
} seed_ctx;

static void seed_fn(void *ctx, const risk_history *h, const risk_fact *facts, size_t first,
                    size_t n)
{
    seed_ctx *s = ctx;
    if (s->seen++ < s->skip)
        return;
    float x[RISK_N_FEATURES];
    double best = -INFINITY;
    for (size_t j = 0; j < n; j++) {
        risk_features(h, &facts[first + j], x);
        double m = risk_model_margin(s->model, x);
        if (m > best)
            best = m;
    }
    s->scores[s->n++] = (float)risk_adjusted_score(best, facts[first].aeo, facts[first].compliance);
}

int risk_engine_refresh(risk_engine *e, store *st)
{
    active_ctx x = {0};
    if (store_read(st, version_job, &x) != 0)
        return -1;
    pthread_rwlock_rdlock(&e->lock);
    int same = x.version == e->version || (x.version && x.version == e->failed_version);
    pthread_rwlock_unlock(&e->lock);
    if (same)
        return 0;
    if (store_read(st, load_job, &x) != 0) {
        log_warn("risk model: cannot read the active model or the risk history; rules decide");
        return -1;
    }
    risk_model *m = NULL;
    risk_history *h = NULL;
    risk_calibrator cal = {0};
    char err[256] = "";
    int rc = 0;
    if (x.found == 1) {
        m = risk_model_load(x.row.model, x.row.model ? strlen(x.row.model) : 0, err, sizeof err);
        if (!m) {
            log_warn("risk model %lld cannot be loaded (%s): selectivity falls back to the rules",
                     (long long)x.row.version, err);
            rc = -1;
        }
    }
    if (m) {
        /* declarations in the data: how many precede the calibration window */
        size_t decls = 0;
        for (size_t i = 0; i < x.n_facts; i++)
            decls += i == 0 || strcmp(x.facts[i].decl_id, x.facts[i - 1].decl_id) != 0;
        seed_ctx sc = {.model = m,
                       .skip = decls > RISK_WINDOW ? decls - RISK_WINDOW : 0,
                       .scores = malloc(RISK_WINDOW * sizeof(float))};
        h = risk_history_new();
        pthread_mutex_lock(&e->cal_lock);
        risk_shares shares = e->shares;
        pthread_mutex_unlock(&e->cal_lock);
        if (!sc.scores || !h || risk_calibrator_init(&cal, RISK_WINDOW, &shares) != 0 ||
            risk_replay(h, x.facts, x.n_facts, x.outcomes, x.n_outcomes, seed_fn, &sc) != 0) {
            log_warn("risk model %lld: out of memory rebuilding the history; rules decide",
                     (long long)x.row.version);
            risk_model_free(m);
            risk_history_free(h);
            risk_calibrator_free(&cal);
            m = NULL;
            h = NULL;
            rc = -1;
        } else {
            risk_calibrator_seed(&cal, sc.scores, sc.n);
            log_info("risk model %lld active: %zu facts, %zu outcomes replayed, %zu keys",
                     (long long)x.row.version, x.n_facts, x.n_outcomes, risk_history_size(h));
            rc = 1;
        }
        free(sc.scores);
    }
    pthread_rwlock_wrlock(&e->lock);
    pthread_mutex_lock(&e->cal_lock);
    risk_model *old_m = e->model;
    risk_history *old_h = e->history;
    risk_calibrator old_cal = e->cal;
    e->model = m;
    e->history = h;
    e->cal = cal;
    e->version = m ? x.row.version : 0;
    e->failed_version = m ? 0 : x.version;
    pthread_mutex_unlock(&e->cal_lock);
    pthread_rwlock_unlock(&e->lock);
    risk_model_free(old_m);
    risk_history_free(old_h);
    risk_calibrator_free(&old_cal);
    if (x.found == 0 && old_m)
        log_info("no risk model active: selectivity runs on the rules");
    risk_model_row_release(&x.row);
    free(x.facts);
    free(x.outcomes);
    return rc;
}

static int by_abs_desc(const void *a, const void *b)
{
    float x = fabsf(((const risk_contribution *)a)->contribution);
    float y = fabsf(((const risk_contribution *)b)->contribution);
    if (x != y)
        return x < y ? 1 : -1;
    return ((const risk_contribution *)a)->feature - ((const risk_contribution *)b)->feature;
}

int risk_engine_score(risk_engine *e, const risk_fact *facts, int n, int aeo, int compliance,
                      uint64_t draw, risk_score *out)
{
    float best_c[RISK_N_FEATURES + 1];
    double best_margin = -INFINITY, best_prob = 0;
    int best = -1;
    if (n <= 0)
        return 0;
    float *x = malloc((size_t)n * RISK_N_FEATURES * sizeof *x);
    double *margins = malloc((size_t)n * sizeof *margins);
    if (!x || !margins) {
        free(x);
        free(margins);
        return -1;
    }
    pthread_rwlock_rdlock(&e->lock);
    if (!e->model) {
        pthread_rwlock_unlock(&e->lock);
        free(x);
        free(margins);
        return 0;
    }
    /* every item's margin; contributions only for the riskiest, whose score is the declaration's */
    for (int i = 0; i < n; i++)
        risk_features(e->history, &facts[i], x + (size_t)i * RISK_N_FEATURES);
    if (n == 1) /* explaining it gives its margin too */
        margins[0] = 0, best = 0;
    else
        risk_model_margins(e->model, x, (size_t)n, margins);
    for (int i = 0; i < n && n > 1; i++)
        if (margins[i] > best_margin) {
            best = i;
            best_margin = margins[i];
        }
    if (best >= 0 && risk_model_explain(e->model, x + (size_t)best * RISK_N_FEATURES, best_c,
                                        &best_margin, &best_prob) != 0)
        best = -1;
    int64_t version = e->version;
    pthread_rwlock_unlock(&e->lock);
    if (best < 0) {
        free(x);
        free(margins);
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->version = version;
    out->item = best;
    out->probability = best_prob;
    out->margin = best_margin;
    out->adjusted = risk_adjusted_score(best_margin, aeo, compliance);
    out->bias = best_c[RISK_N_FEATURES];
    risk_contribution all[RISK_N_FEATURES];
    const float *best_x = x + (size_t)best * RISK_N_FEATURES;
    for (int f = 0; f < RISK_N_FEATURES; f++)
        all[f] = (risk_contribution){f, best_x[f], best_c[f]};
    qsort(all, RISK_N_FEATURES, sizeof *all, by_abs_desc);
    for (int f = 0; f < RISK_N_FEATURES; f++) {
        if (f < RISK_TOP_CONTRIBUTIONS && all[f].contribution != 0)
            out->top[out->n_top++] = all[f];
        else
            out->rest += all[f].contribution;
    }
    free(x);
    free(margins);
    pthread_mutex_lock(&e->cal_lock);
    risk_calibrator_decide(&e->cal, (float)out->adjusted, draw, &out->band);
    pthread_mutex_unlock(&e->cal_lock);
    return 1;
}

void risk_engine_registered(risk_engine *e, const risk_fact *facts, int n)
{
    pthread_rwlock_wrlock(&e->lock);
    for (int i = 0; e->history && i < n; i++)
        if (risk_history_register(e->history, &facts[i]) != 0)
            log_warn("risk history: out of memory");
    pthread_rwlock_unlock(&e->lock);
}

void risk_engine_outcome(risk_engine *e, const risk_fact *facts, int n, int violation, int critical)
{
    pthread_rwlock_wrlock(&e->lock);
    for (int i = 0; e->history && i < n; i++)
        if (risk_history_outcome(e->history, &facts[i], violation, critical) != 0)
            log_warn("risk history: out of memory");
    pthread_rwlock_unlock(&e->lock);
}

void risk_facts_from_decl(const decl *d, const tax_item_result *items, const char *decl_id,
                          int64_t at, int aeo, int compliance, risk_fact *out)
{
    const decl_party *vn = decl_vn_party(d),
                     *foreign = d->kind == DECL_IMPORT ? &d->exporter : &d->importer;
    for (int i = 0; i < d->n_items; i++) {
        const decl_item *it = &d->items[i];
        const tax_line *duty = &items[i].t[TAX_IMPORT_DUTY];
        risk_fact *f = &out[i];
        memset(f, 0, sizeof *f);
        snprintf(f->decl_id, sizeof f->decl_id, "%s", decl_id);
        f->line = i + 1;
        f->registered_at = at;
        snprintf(f->importer, sizeof f->importer, "%s", vn->tax_code);
        snprintf(f->declarant, sizeof f->declarant, "%s", d->declarant);
        utf8_snprintf(f->seller, sizeof f->seller, "%.63s",
                      foreign->name); /* enough to tell sellers apart */
        snprintf(f->office, sizeof f->office, "%s", d->customs_office);
        snprintf(f->type_code, sizeof f->type_code, "%s", d->type_code);
        snprintf(f->procedure, sizeof f->procedure, "%s", d->kind == DECL_IMPORT ? "I" : "E");
        snprintf(f->tax_type, sizeof f->tax_type, "%s", duty->schedule);
        snprintf(f->origin_indicator, sizeof f->origin_indicator, "%s", it->co_form[0] ? "CO" : "");
        f->transport_mode = d->transport.mode;
        snprintf(f->hs, sizeof f->hs, "%s", it->hs_code);
        snprintf(f->origin, sizeof f->origin, "%s", it->origin);
        memcpy(f->departure, d->transport.port_of_loading,
               2); /* a UN/LOCODE starts with its country */
        f->departure[2] = 0;
        f->tax_rate_bp =
            duty->pct >= 0 ? duty->pct : 0; /* DECIMAL_SCALE_PCT: hundredths of a percent */
        f->value = items[i].customs_value;
        snprintf(f->currency, sizeof f->currency, "VND");
        f->net_mass_g =
            it->net_weight_kg > 0 ? it->net_weight_kg / 10 : 0; /* DECIMAL_SCALE_QTY (4) kg -> g */
        f->aeo = aeo;
        f->compliance = compliance;
    }
}

int risk_decision_outcome(lifecycle_action act, int channel, const json_t *detail, int *violation,
                          int64_t *additional_tax)
{
    *violation = 0;
    *additional_tax = 0;
    if (act == ACT_INSPECTION_DONE) {
        const char *more = json_string_value(json_object_get(detail, "additional_tax"));
        if (more)
            decimal_parse(more, 0, 0, additional_tax);
        *violation = json_is_true(json_object_get(detail, "violation")) || *additional_tax > 0;
        return 1;
    }
    if (act == ACT_DOC_PASSED)
        return channel == CH_YELLOW; /* a red one waits for its inspection */
    if (act == ACT_REJECT) {
        *violation = 1;
        return 1;
    }
    return 0;
}

static json_t *real_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

json_t *risk_score_to_json(const risk_score *s)
{
    json_t *top = json_array();
    for (int i = 0; i < s->n_top; i++)
        json_array_append_new(top, json_pack("{s:s,s:o,s:f}", "feature",
                                             risk_feature_names[s->top[i].feature], "value",
                                             real_or_null(s->top[i].value), "contribution",
                                             (double)s->top[i].contribution));
    return json_pack("{s:I,s:f,s:f,s:f,s:s,s:b,s:{s:o,s:o},s:i,s:f,s:o,s:f}", "version",
                     (json_int_t)s->version, "probability", s->probability, "adjusted_score",
                     s->adjusted, "margin", s->margin, "band",
                     decl_channel_name((decl_channel)s->band.channel), "explored", s->band.explored,
                     "thresholds", "red", real_or_null(s->band.red_threshold), "yellow",
                     real_or_null(s->band.yellow_threshold), "item", s->item + 1, "bias",
                     (double)s->bias, "contributions", top, "other_contributions", (double)s->rest);
}

json_t *risk_decision_to_json(const risk_decision *d)
{
    json_t *arr = json_array();
    for (int i = 0; i < d->n_reasons; i++) {
        const risk_reason *r = &d->reasons[i];
        json_t *o = json_pack("{s:s,s:s,s:s}", "code", r->code, "channel",
                              decl_channel_name((decl_channel)r->channel), "text", r->text);
        if (r->rule_id)
            json_object_set_new(o, "rule_id", json_integer(r->rule_id));
        json_array_append_new(arr, o);
    }
    return json_pack("{s:s,s:o}", "channel", decl_channel_name((decl_channel)d->channel), "reasons",
                     arr);
}
