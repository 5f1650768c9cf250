/* Training and evaluation of the risk model from the database: the facts and
 * outcomes stored by registration and officer decisions are replayed through the same feature
 * code the server scores with (core/risk_features.h), so a training row sees only what was known
 * when its declaration was registered. Used by `ecustoms risk train` and `risk evaluate`. */
#ifndef ECUSTOMS_SERVICE_RISK_TRAINING_H
#define ECUSTOMS_SERVICE_RISK_TRAINING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/risk_metrics.h"
#include "ml/risk_model.h"
#include "store/store.h"
#include "store/store_risk.h"
#include "util/strmap.h"

#define RISK_VALIDATION_SHARE 0.2 /* the latest 20 % of labelled rows validate */

typedef struct risk_training {
    int64_t version; /* of the stored model */
    size_t rows;     /* labelled rows the stored model was trained on */
    size_t validation_rows;
    risk_metrics validation; /* of a model trained on the earlier rows only */
    int64_t train_from, train_to;
    double seconds; /* wall time of the two trainings */
} risk_training;

/* Trains on every labelled fact in st, stores the model (active when activate) with its window,
 * feature list, parameters and validation metrics. 0, or -1 with why. */
int risk_train_store(store *st, const risk_train_params *p, int activate, risk_training *out,
                     char *err, size_t err_size);

/* Scores, with the active model as stored (saved and loaded back), every fact whose decl_id is
 * in ids: scores[k] belongs to the declaration with index k in ids (the max over its items).
 * Declarations never found keep NaN. 0 or -1 with why. */
int risk_score_declarations(store *st, const strmap *ids, float *scores, char *err,
                            size_t err_size);

/* A stored model as the API and `risk models --json` show it (without its bytes). */
json_t *risk_model_row_json(const risk_model_row *r);

#endif
