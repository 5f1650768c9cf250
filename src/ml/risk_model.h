/* Learned selectivity, part 2: the model. Gradient-boosted trees trained and evaluated through
 * XGBoost's C API (libxgboost), over the features of core/risk_features.h. The only module
 * that includes XGBoost; everything else sees an opaque risk_model.
 *
 * A model is saved as XGBoost's JSON model format, with the feature names inside; loading checks
 * them against this build's feature list, so a model trained on other features is refused rather
 * than silently misread. A loaded model is safe to use from many threads (calls are serialised).
 */
#ifndef ECUSTOMS_ML_RISK_MODEL_H
#define ECUSTOMS_ML_RISK_MODEL_H

#include <stddef.h>

#include "core/risk_features.h"

typedef struct risk_train_params {
    int rounds;
    int max_depth;
    double eta;
    double subsample;
    double colsample;
    double min_child_weight;
    int seed;
    int nthread;
} risk_train_params;

void risk_train_params_default(risk_train_params *p);

typedef struct risk_model risk_model;

/* Trains on n rows of RISK_N_FEATURES floats (row-major, NaN = missing) with labels 0/1.
 * NULL on failure, with the reason in err. */
risk_model *risk_model_train(const float *x, const float *labels, size_t n,
                             const risk_train_params *p, char *err, size_t err_size);

/* XGBoost JSON model bytes (malloc'd, caller frees). 0 or -1. */
int risk_model_save(risk_model *m, char **bytes, size_t *len);

/* NULL (and why) for bytes that are not a model of this feature list. */
risk_model *risk_model_load(const char *bytes, size_t len, char *err, size_t err_size);
risk_model *risk_model_load_file(const char *path, char *err, size_t err_size);

void risk_model_free(risk_model *m);

/* The same predictions computed by XGBoost itself (for tests and for checking a model once it is
 * loaded): probabilities of n rows, or with contributions != 0 XGBoost's approximate
 * contributions (n x (RISK_N_FEATURES + 1)). 0 or -1. */
int risk_model_xgboost(risk_model *m, const float *x, size_t n, int contributions, float *out);

/* Probabilities of n rows. 0 or -1. Lock-free. */
int risk_model_predict(risk_model *m, const float *x, size_t n, float *prob);

/* One row's margin (log-odds). Lock-free. */
double risk_model_margin(risk_model *m, const float *x);
/* The margins of n rows, tree by tree (faster than n single rows). Lock-free. */
void risk_model_margins(risk_model *m, const float *x, size_t n, double *out);

/* One row: its margin (log-odds), probability, and the per-feature contributions
 * (RISK_N_FEATURES values then the bias; their sum is the margin, as XGBoost defines it for its
 * approximate contributions). Lock-free. */
int risk_model_explain(risk_model *m, const float *x, float contribs[RISK_N_FEATURES + 1],
                       double *margin, double *prob);

#endif
