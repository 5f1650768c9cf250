#include "ml/risk_model.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <xgboost/c_api.h>

#include "util/file.h"

/* The trees compiled from XGBoost's JSON model into flat arrays, for live scoring: XGBoost's
 * general prediction path costs ~18 us per row for the score and ~160 us for the approximate
 * contributions (docs/performance.md); walking the same trees here costs a few microseconds and
 * needs no lock. The arithmetic is XGBoost's own (RegTree::GetNext, FillNodeMeanValues,
 * CalculateContributionsApprox), and tests/unit/test_risk_model.c checks both outputs against
 * XGBoost's on every row of a trained model. */
typedef struct node {    /* 20 bytes: one cache line fetch per node visited */
    int32_t left, right; /* absolute node indices, -1 for a leaf */
    int32_t split_index;
    float cond; /* split condition; the leaf value for leaves */
    float mean; /* node mean value: cover-weighted mean of the leaves below */
} node;

typedef struct compiled {
    int n_trees;
    int32_t *tree_root; /* index of each tree's node 0 in nodes */
    node *nodes;
    uint8_t *default_left;
    double base_margin;
} compiled;

struct risk_model {
    BoosterHandle booster;
    pthread_mutex_t lock; /* XGBoost's own thread-safety guarantees vary by version: serialise */
    compiled t;
};

void risk_train_params_default(risk_train_params *p)
{
    /* Chosen on the 2020 training window only (docs/risk.md); see there before changing. */
    *p = (risk_train_params){.rounds = 300,
                             .max_depth = 6,
                             .eta = 0.05,
                             .subsample = 0.8,
                             .colsample = 0.8,
                             .min_child_weight = 2.0,
                             .seed = 42,
                             .nthread = 2};
}

static void set_err(char *err, size_t size, const char *what)
{
    if (err && size)
        snprintf(err, size, "%s: %s", what, XGBGetLastError());
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void quiet(void) { XGBSetGlobalConfig("{\"verbosity\":0}"); }

static void compiled_free(compiled *t)
{
    free(t->tree_root);
    free(t->nodes);
    free(t->default_left);
    memset(t, 0, sizeof *t);
}

/* cover-weighted mean of the leaf values below node (XGBoost's FillNodeMeanValue) */
static double node_mean(compiled *t, const double *hess, int32_t at)
{
    double v;
    node *n = &t->nodes[at];
    if (n->left < 0) {
        v = n->cond;
    } else {
        int32_t l = n->left, r = n->right;
        v = (node_mean(t, hess, l) * hess[l] + node_mean(t, hess, r) * hess[r]) / hess[at];
    }
    n->mean = (float)v;
    return v;
}

static int int_at(json_t *a, size_t i, int64_t *out)
{
    json_t *v = json_array_get(a, i);
    if (json_is_integer(v))
        *out = json_integer_value(v);
    else if (json_is_boolean(v))
        *out = json_is_true(v);
    else
        return -1;
    return 0;
}

/* Compiles the trees of an XGBoost JSON model. 0, or -1 with why. */
static int compile(compiled *t, const char *bytes, size_t len, char *err, size_t err_size)
{
    memset(t, 0, sizeof *t);
    json_error_t je;
    json_t *root = json_loadb(bytes, len, 0, &je);
    json_t *learner = json_object_get(root, "learner");
    json_t *trees = json_object_get(
        json_object_get(json_object_get(learner, "gradient_booster"), "model"), "trees");
    const char *base = json_string_value(
        json_object_get(json_object_get(learner, "learner_model_param"), "base_score"));
    const char *objective =
        json_string_value(json_object_get(json_object_get(learner, "objective"), "name"));
    if (!json_is_array(trees) || !base || !objective || strcmp(objective, "binary:logistic") != 0) {
        snprintf(err, err_size, "not a binary:logistic gradient-boosted tree model");
        json_decref(root);
        return -1;
    }
    double p = strtod(base, NULL);
    if (!(p > 0 && p < 1)) {
        snprintf(err, err_size, "base_score %s is not a probability", base);
        json_decref(root);
        return -1;
    }
    t->base_margin = -log(1.0 / p - 1.0);
    size_t n_trees = json_array_size(trees), total = 0;
    for (size_t i = 0; i < n_trees; i++)
        total += json_array_size(json_object_get(json_array_get(trees, i), "left_children"));
    t->n_trees = (int)n_trees;
    t->tree_root = calloc(n_trees + 1, sizeof *t->tree_root);
    t->nodes = calloc(total + 1, sizeof *t->nodes);
    t->default_left = calloc(total + 1, sizeof *t->default_left);
    double *hess = calloc(total + 1, sizeof *hess);
    int rc = t->tree_root && t->nodes && t->default_left && hess ? 0 : -1;
    if (rc)
        snprintf(err, err_size, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i < n_trees && rc == 0; i++) {
        json_t *tr = json_array_get(trees, i);
        json_t *lc = json_object_get(tr, "left_children"),
               *rcs = json_object_get(tr, "right_children"),
               *si = json_object_get(tr, "split_indices"),
               *sc = json_object_get(tr, "split_conditions"),
               *dl = json_object_get(tr, "default_left"), *sh = json_object_get(tr, "sum_hessian"),
               *st = json_object_get(tr, "split_type");
        size_t n = json_array_size(lc);
        if (n == 0 || json_array_size(rcs) != n || json_array_size(si) != n ||
            json_array_size(sc) != n || json_array_size(dl) != n || json_array_size(sh) != n) {
            snprintf(err, err_size, "tree %zu is malformed", i);
            rc = -1;
            break;
        }
        t->tree_root[i] = (int32_t)at;
        for (size_t j = 0; j < n && rc == 0; j++) {
            int64_t l, r, f, d, type = 0;
            if (int_at(lc, j, &l) || int_at(rcs, j, &r) || int_at(si, j, &f) || int_at(dl, j, &d) ||
                !json_is_number(json_array_get(sc, j)) || !json_is_number(json_array_get(sh, j)) ||
                (st && int_at(st, j, &type))) {
                snprintf(err, err_size, "tree %zu node %zu is malformed", i, j);
                rc = -1;
                break;
            }
            int leaf = l < 0;
            if (type != 0 || (!leaf && (l <= (int64_t)j || r <= (int64_t)j || l >= (int64_t)n ||
                                        r >= (int64_t)n || f < 0 || f >= RISK_N_FEATURES))) {
                /* children come after their parent in XGBoost's layout, which also rules out
                 * cycles */
                snprintf(err, err_size, "tree %zu node %zu is malformed", i, j);
                rc = -1;
                break;
            }
            t->nodes[at + j] = (node){.left = leaf ? -1 : (int32_t)(at + (size_t)l),
                                      .right = leaf ? -1 : (int32_t)(at + (size_t)r),
                                      .split_index = leaf ? 0 : (int32_t)f,
                                      .cond = (float)json_number_value(json_array_get(sc, j))};
            t->default_left[at + j] = d != 0;
            hess[at + j] = json_number_value(json_array_get(sh, j));
        }
        if (rc == 0)
            node_mean(t, hess, (int32_t)at);
        at += n;
    }
    free(hess);
    json_decref(root);
    if (rc)
        compiled_free(t);
    return rc;
}

/* Takes ownership of b; compiles the trees from bytes (its JSON model). */
static risk_model *wrap(BoosterHandle b, const char *bytes, size_t len, char *err, size_t err_size)
{
    risk_model *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, err_size, "out of memory");
        XGBoosterFree(b);
        return NULL;
    }
    if (compile(&m->t, bytes, len, err, err_size) != 0) {
        XGBoosterFree(b);
        free(m);
        return NULL;
    }
    m->booster = b;
    pthread_mutex_init(&m->lock, NULL);
    XGBoosterSetParam(b, "nthread", "1");
    return m;
}

risk_model *risk_model_train(const float *x, const float *labels, size_t n,
                             const risk_train_params *p, char *err, size_t err_size)
{
    pthread_once(&quiet_once, quiet);
    DMatrixHandle dm = NULL;
    BoosterHandle b = NULL;
    if (n == 0) {
        snprintf(err, err_size, "no labelled rows to train on");
        return NULL;
    }
    if (XGDMatrixCreateFromMat(x, (bst_ulong)n, RISK_N_FEATURES, NAN, &dm) != 0 ||
        XGDMatrixSetFloatInfo(dm, "label", labels, (bst_ulong)n) != 0) {
        set_err(err, err_size, "training matrix");
        if (dm)
            XGDMatrixFree(dm);
        return NULL;
    }
    if (XGBoosterCreate(&dm, 1, &b) != 0) {
        set_err(err, err_size, "booster");
        XGDMatrixFree(dm);
        return NULL;
    }
    char v[8][32];
    snprintf(v[0], sizeof v[0], "%d", p->max_depth);
    snprintf(v[1], sizeof v[1], "%g", p->eta);
    snprintf(v[2], sizeof v[2], "%g", p->subsample);
    snprintf(v[3], sizeof v[3], "%g", p->colsample);
    snprintf(v[4], sizeof v[4], "%g", p->min_child_weight);
    snprintf(v[5], sizeof v[5], "%d", p->seed);
    snprintf(v[6], sizeof v[6], "%d", p->nthread > 0 ? p->nthread : 1);
    const char *params[][2] = {
        {"objective", "binary:logistic"},
        {"tree_method", "hist"},
        {"max_depth", v[0]},
        {"eta", v[1]},
        {"subsample", v[2]},
        {"colsample_bytree", v[3]},
        {"min_child_weight", v[4]},
        {"seed", v[5]},
        {"nthread", v[6]},
        {"eval_metric", "auc"},
        {"verbosity", "0"},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof params / sizeof *params && rc == 0; i++)
        rc = XGBoosterSetParam(b, params[i][0], params[i][1]);
    const char **names = (const char **)risk_feature_names;
    if (rc == 0)
        rc = XGBoosterSetStrFeatureInfo(b, "feature_name", names, RISK_N_FEATURES);
    if (rc == 0)
        rc = XGDMatrixSetStrFeatureInfo(dm, "feature_name", names, RISK_N_FEATURES);
    for (int i = 0; i < p->rounds && rc == 0; i++)
        rc = XGBoosterUpdateOneIter(b, i, dm);
    XGDMatrixFree(dm);
    if (rc != 0) {
        set_err(err, err_size, "training");
        XGBoosterFree(b);
        return NULL;
    }
    bst_ulong n_bytes = 0;
    const char *bytes = NULL;
    if (XGBoosterSaveModelToBuffer(b, "{\"format\":\"json\"}", &n_bytes, &bytes) != 0) {
        set_err(err, err_size, "saving the model");
        XGBoosterFree(b);
        return NULL;
    }
    return wrap(b, bytes, (size_t)n_bytes, err, err_size);
}

int risk_model_save(risk_model *m, char **bytes, size_t *len)
{
    bst_ulong n = 0;
    const char *buf = NULL;
    pthread_mutex_lock(&m->lock);
    int rc = XGBoosterSaveModelToBuffer(m->booster, "{\"format\":\"json\"}", &n, &buf);
    if (rc == 0) {
        *bytes = malloc((size_t)n + 1);
        if (*bytes) {
            memcpy(*bytes, buf, (size_t)n);
            (*bytes)[n] = 0;
            *len = (size_t)n;
        } else {
            rc = -1;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return rc == 0 ? 0 : -1;
}

risk_model *risk_model_load(const char *bytes, size_t len, char *err, size_t err_size)
{
    pthread_once(&quiet_once, quiet);
    BoosterHandle b = NULL;
    if (!bytes || len < 2 || bytes[0] != '{') {
        snprintf(err, err_size, "not an XGBoost JSON model");
        return NULL;
    }
    if (XGBoosterCreate(NULL, 0, &b) != 0) {
        set_err(err, err_size, "booster");
        return NULL;
    }
    if (XGBoosterLoadModelFromBuffer(b, bytes, (bst_ulong)len) != 0) {
        set_err(err, err_size, "model");
        XGBoosterFree(b);
        return NULL;
    }
    bst_ulong nf = 0, nn = 0;
    const char **names = NULL;
    if (XGBoosterGetNumFeature(b, &nf) != 0 || nf != RISK_N_FEATURES ||
        XGBoosterGetStrFeatureInfo(b, "feature_name", &nn, &names) != 0 || nn != RISK_N_FEATURES) {
        snprintf(err, err_size, "the model has %lu features, this build computes %d",
                 (unsigned long)nf, RISK_N_FEATURES);
        XGBoosterFree(b);
        return NULL;
    }
    for (bst_ulong i = 0; i < nn; i++)
        if (strcmp(names[i], risk_feature_names[i]) != 0) {
            snprintf(err, err_size, "feature %lu is '%s' in the model but '%s' in this build",
                     (unsigned long)i, names[i], risk_feature_names[i]);
            XGBoosterFree(b);
            return NULL;
        }
    return wrap(b, bytes, len, err, err_size);
}

risk_model *risk_model_load_file(const char *path, char *err, size_t err_size)
{
    size_t len = 0;
    char *bytes = file_read_all(path, &len);
    if (!bytes) {
        snprintf(err, err_size, "cannot read %s", path);
        return NULL;
    }
    risk_model *m = risk_model_load(bytes, len, err, err_size);
    free(bytes);
    return m;
}

void risk_model_free(risk_model *m)
{
    if (!m)
        return;
    XGBoosterFree(m->booster);
    compiled_free(&m->t);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

static int predict_xgboost(risk_model *m, const float *x, size_t n, int type, const float **out,
                           bst_ulong *out_len)
{
    DMatrixHandle dm = NULL;
    char config[128];
    snprintf(config, sizeof config,
             "{\"type\":%d,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_"
             "shape\":false}",
             type);
    if (XGDMatrixCreateFromMat(x, (bst_ulong)n, RISK_N_FEATURES, NAN, &dm) != 0)
        return -1;
    const bst_ulong *shape = NULL;
    bst_ulong dim = 0;
    int rc = XGBoosterPredictFromDMatrix(m->booster, dm, config, &shape, &dim, out);
    *out_len = 1;
    for (bst_ulong i = 0; rc == 0 && i < dim; i++)
        *out_len *= shape[i];
    XGDMatrixFree(dm); /* the output buffer belongs to the booster, not the matrix */
    return rc == 0 ? 0 : -1;
}

int risk_model_xgboost(risk_model *m, const float *x, size_t n, int contributions, float *out)
{
    const float *res = NULL;
    bst_ulong len = 0;
    size_t want = contributions ? n * (RISK_N_FEATURES + 1) : n;
    pthread_mutex_lock(&m->lock);
    /* type 0 = probability, 3 = approximate contributions (margin space) */
    int rc = predict_xgboost(m, x, n, contributions ? 3 : 0, &res, &len);
    if (rc == 0 && len == want)
        memcpy(out, res, want * sizeof *out);
    else
        rc = -1;
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* XGBoost's RegTree::GetNext: missing goes the default way, else left when value < condition */
static inline int32_t next_node(const compiled *t, int32_t at, const float *x)
{
    const node *n = &t->nodes[at];
    float v = x[n->split_index];
    /* written without branches on the data: the direction is unpredictable, a mispredicted jump
     * per level cost more than the comparison (docs/performance.md) */
    int left = isnan(v) ? t->default_left[at] : v < n->cond;
    return left ? n->left : n->right;
}

static double margin_of(const compiled *t, const float *x)
{
    double s = t->base_margin;
    for (int i = 0; i < t->n_trees; i++) {
        int32_t at = t->tree_root[i];
        while (t->nodes[at].left >= 0)
            at = next_node(t, at, x);
        s += t->nodes[at].cond;
    }
    return s;
}

void risk_model_margins(risk_model *m, const float *x, size_t n, double *out)
{
    const compiled *t = &m->t;
    for (size_t r = 0; r < n; r++)
        out[r] = t->base_margin;
    /* trees outside, rows inside: each tree's nodes are fetched once for all rows, and the rows'
     * independent walks overlap their memory loads (the single-row walk waits on every node) */
    for (int i = 0; i < t->n_trees; i++) {
        int32_t root = t->tree_root[i];
        for (size_t r = 0; r < n; r++) {
            const float *xr = x + r * RISK_N_FEATURES;
            int32_t at = root;
            while (t->nodes[at].left >= 0)
                at = next_node(t, at, xr);
            out[r] += t->nodes[at].cond;
        }
    }
}

double risk_model_margin(risk_model *m, const float *x) { return margin_of(&m->t, x); }

int risk_model_predict(risk_model *m, const float *x, size_t n, float *prob)
{
    for (size_t i = 0; i < n; i++)
        prob[i] = (float)(1.0 / (1.0 + exp(-margin_of(&m->t, x + i * RISK_N_FEATURES))));
    return 0;
}

int risk_model_explain(risk_model *m, const float *x, float contribs[RISK_N_FEATURES + 1],
                       double *margin, double *prob)
{
    const compiled *t = &m->t;
    double c[RISK_N_FEATURES + 1] = {0};
    c[RISK_N_FEATURES] = t->base_margin;
    /* XGBoost's CalculateContributionsApprox (Saabas): along the decision path, each split's
     * feature is credited with the change of the node mean value */
    for (int i = 0; i < t->n_trees; i++) {
        int32_t at = t->tree_root[i];
        c[RISK_N_FEATURES] += t->nodes[at].mean;
        while (t->nodes[at].left >= 0) {
            int32_t next = next_node(t, at, x);
            c[t->nodes[at].split_index] += (double)t->nodes[next].mean - (double)t->nodes[at].mean;
            at = next;
        }
    }
    double s = 0;
    for (int i = 0; i <= RISK_N_FEATURES; i++) {
        contribs[i] = (float)c[i];
        s += c[i];
    }
    *margin = s;
    *prob = 1.0 / (1.0 + exp(-s));
    return 0;
}
