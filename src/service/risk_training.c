#include "service/risk_training.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_fields.h"
#include "service/kernel.h"
#include "store/store_risk.h"
#include "util/date.h"

typedef struct history_ctx {
    risk_fact *facts;
    size_t n_facts;
    risk_outcome *outcomes;
    size_t n_outcomes;
} history_ctx;

static int load_job(db_conn *c, void *ctx)
{
    history_ctx *h = ctx;
    return store_risk_load(c, &h->facts, &h->n_facts, &h->outcomes, &h->n_outcomes);
}

static void history_release(history_ctx *h)
{
    free(h->facts);
    free(h->outcomes);
    memset(h, 0, sizeof *h);
}

/* ---- training ------------------------------------------------------------------------------ */

typedef struct rows_ctx {
    const int8_t *label; /* per fact: -1 unlabelled, else 0/1 */
    float *x, *y;
    int64_t *at;
    size_t n;
} rows_ctx;

static void collect_labelled(void *ctx, const risk_history *h, const risk_fact *facts, size_t first,
                             size_t n)
{
    rows_ctx *r = ctx;
    for (size_t j = first; j < first + n; j++) {
        if (r->label[j] < 0)
            continue;
        risk_features(h, &facts[j], r->x + r->n * RISK_N_FEATURES);
        r->y[r->n] = (float)r->label[j];
        r->at[r->n] = facts[j].registered_at;
        r->n++;
    }
}

static char *metrics_json(const risk_metrics *m, size_t rows, double seconds)
{
    json_t *p = json_object(), *r = json_object();
    for (int k = 0; k < RISK_METRIC_RATES; k++) {
        char key[8];
        snprintf(key, sizeof key, "%d", risk_metric_rates_pct[k]);
        json_object_set_new(p, key, json_real(m->precision[k]));
        json_object_set_new(r, key, json_real(m->recall[k]));
    }
    json_t *v = json_pack("{s:{s:I,s:I,s:o,s:o,s:o},s:I,s:f}", "validation", "rows",
                          (json_int_t)m->rows, "violations", (json_int_t)m->positives, "precision",
                          p, "recall", r, "auc", isfinite(m->auc) ? json_real(m->auc) : json_null(),
                          "rows_trained", (json_int_t)rows, "train_seconds", seconds);
    char *s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return s;
}

typedef struct put_ctx {
    risk_model_row row;
    int activate;
    int64_t version;
} put_ctx;

static int put_job(db_conn *c, void *ctx)
{
    put_ctx *p = ctx;
    p->version = store_risk_model_put(c, &p->row);
    if (p->version < 0)
        return (int)p->version;
    if (p->activate) {
        int rc = store_risk_model_activate(c, p->version);
        return rc == 1 ? 0 : rc < 0 ? rc : -1;
    }
    return 0;
}

int risk_train_store(store *st, const risk_train_params *p, int activate, risk_training *out,
                     char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    history_ctx h = {0};
    if (store_read(st, load_job, &h) != 0) {
        snprintf(err, err_size, "cannot read the risk facts and outcomes");
        return -1;
    }
    int8_t *label = malloc(h.n_facts + 1);
    rows_ctx r = {.label = label};
    size_t labelled = 0;
    if (label) {
        memset(label, -1, h.n_facts + 1);
        for (size_t i = 0; i < h.n_outcomes; i++)
            if (label[h.outcomes[i].fact] < 0) {
                label[h.outcomes[i].fact] = h.outcomes[i].violation != 0;
                labelled++;
            }
        r.x = malloc((labelled + 1) * RISK_N_FEATURES * sizeof *r.x);
        r.y = malloc((labelled + 1) * sizeof *r.y);
        r.at = malloc((labelled + 1) * sizeof *r.at);
    }
    int rc = -1;
    risk_model *val = NULL, *final = NULL;
    float *scores = NULL;
    if (!label || !r.x || !r.y || !r.at) {
        snprintf(err, err_size, "out of memory");
        goto out;
    }
    risk_history *hist = risk_history_new();
    if (!hist || risk_replay(hist, h.facts, h.n_facts, h.outcomes, h.n_outcomes, collect_labelled,
                             &r) != 0) {
        risk_history_free(hist);
        snprintf(err, err_size, "out of memory replaying the history");
        goto out;
    }
    risk_history_free(hist);
    if (r.n < 100) {
        snprintf(err, err_size,
                 "only %zu goods items have an inspection outcome; at least 100 are needed", r.n);
        goto out;
    }
    double t0 = clock_seconds();
    /* validation: the model trained on the earlier rows, measured on the latest ones */
    size_t n_train = r.n - (size_t)((double)r.n * RISK_VALIDATION_SHARE);
    val = risk_model_train(r.x, r.y, n_train, p, err, err_size);
    scores = malloc((r.n - n_train) * sizeof *scores);
    if (!val || !scores ||
        risk_model_predict(val, r.x + n_train * RISK_N_FEATURES, r.n - n_train, scores) != 0 ||
        risk_metrics_compute(scores, r.y + n_train, r.n - n_train, &out->validation) != 0) {
        if (!val)
            goto out;
        snprintf(err, err_size, "validation failed");
        goto out;
    }
    final = risk_model_train(r.x, r.y, r.n, p, err, err_size);
    if (!final)
        goto out;
    out->seconds = clock_seconds() - t0;
    out->rows = r.n;
    out->validation_rows = r.n - n_train;
    out->train_from = r.at[0];
    out->train_to = r.at[r.n - 1];

    put_ctx pc = {.activate = activate};
    size_t len;
    if (risk_model_save(final, &pc.row.model, &len) != 0) {
        snprintf(err, err_size, "cannot serialise the model");
        goto out;
    }
    json_t *names = json_array();
    for (int i = 0; i < RISK_N_FEATURES; i++)
        json_array_append_new(names, json_string(risk_feature_names[i]));
    pc.row.features = json_dumps(names, JSON_COMPACT);
    json_decref(names);
    pc.row.metrics = metrics_json(&out->validation, r.n, out->seconds);
    json_t *params =
        json_pack("{s:s,s:i,s:i,s:f,s:f,s:f,s:f,s:i,s:f}", "objective", "binary:logistic", "rounds",
                  p->rounds, "max_depth", p->max_depth, "eta", p->eta, "subsample", p->subsample,
                  "colsample_bytree", p->colsample, "min_child_weight", p->min_child_weight, "seed",
                  p->seed, "validation_share", RISK_VALIDATION_SHARE);
    pc.row.params = json_dumps(params, JSON_COMPACT);
    json_decref(params);
    pc.row.created_at = svc_now();
    pc.row.train_from = out->train_from;
    pc.row.train_to = out->train_to;
    pc.row.rows = (int64_t)r.n;
    if (store_write(st, put_job, &pc) != 0) {
        snprintf(err, err_size, "cannot store the model");
    } else {
        out->version = pc.version;
        rc = 0;
    }
    risk_model_row_release(&pc.row);
out:
    risk_model_free(val);
    risk_model_free(final);
    free(scores);
    free(label);
    free(r.x);
    free(r.y);
    free(r.at);
    history_release(&h);
    return rc;
}

/* ---- scoring stored declarations ------------------------------------------------------------- */

typedef struct score_ctx {
    const strmap *ids;
    risk_model *model;
    float *scores;
} score_ctx;

static void score_selected(void *ctx, const risk_history *h, const risk_fact *facts, size_t first,
                           size_t n)
{
    score_ctx *s = ctx;
    int32_t k = strmap_find(s->ids, facts[first].decl_id, strlen(facts[first].decl_id));
    if (k < 0)
        return;
    float x[RISK_N_FEATURES], p;
    for (size_t j = first; j < first + n; j++) {
        risk_features(h, &facts[j], x);
        risk_model_predict(s->model, x, 1, &p);
        if (isnan(s->scores[k]) || p > s->scores[k])
            s->scores[k] = p;
    }
}

typedef struct active_ctx {
    risk_model_row row;
    int found;
} active_ctx;

static int active_job(db_conn *c, void *ctx)
{
    active_ctx *a = ctx;
    a->found = store_risk_model_active(c, &a->row);
    return a->found < 0 ? a->found : 0;
}

int risk_score_declarations(store *st, const strmap *ids, float *scores, char *err, size_t err_size)
{
    for (size_t i = 0; i < ids->count; i++)
        scores[i] = NAN;
    active_ctx a = {0};
    if (store_read(st, active_job, &a) != 0 || a.found != 1) {
        snprintf(err, err_size, "no active risk model");
        risk_model_row_release(&a.row);
        return -1;
    }
    risk_model *m = risk_model_load(a.row.model, strlen(a.row.model), err, err_size);
    risk_model_row_release(&a.row);
    if (!m)
        return -1;
    history_ctx h = {0};
    int rc = -1;
    if (store_read(st, load_job, &h) != 0) {
        snprintf(err, err_size, "cannot read the risk facts and outcomes");
    } else {
        risk_history *hist = risk_history_new();
        score_ctx sc = {.ids = ids, .model = m, .scores = scores};
        if (hist && risk_replay(hist, h.facts, h.n_facts, h.outcomes, h.n_outcomes, score_selected,
                                &sc) == 0)
            rc = 0;
        else
            snprintf(err, err_size, "out of memory replaying the history");
        risk_history_free(hist);
    }
    history_release(&h);
    risk_model_free(m);
    return rc;
}

json_t *risk_model_row_json(const risk_model_row *r)
{
    json_t *metrics = json_loads(r->metrics ? r->metrics : "{}", 0, NULL);
    json_t *params = json_loads(r->params ? r->params : "{}", 0, NULL);
    return json_pack("{s:I,s:b,s:o,s:o,s:o,s:I,s:o,s:o}", "version", (json_int_t)r->version,
                     "active", r->active, "created_at", json_timestamp(r->created_at), "train_from",
                     json_timestamp(r->train_from), "train_to", json_timestamp(r->train_to), "rows",
                     (json_int_t)r->rows, "metrics", metrics ? metrics : json_object(), "params",
                     params ? params : json_object());
}
