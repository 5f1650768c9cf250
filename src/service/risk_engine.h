/* Learned selectivity in the running server: the active model, the history its
 * features read, and the calibrated policy, kept current as declarations are registered and
 * inspection outcomes recorded.
 *
 * The model lives in the database (table risk_models, `ecustoms risk train|activate`);
 * risk_engine_refresh (at start and every few seconds) notices a new active version and swaps
 * it in without a restart, rebuilding the history by replaying the stored facts. A model that
 * cannot be loaded leaves selectivity to the rules, with a logged warning.
 *
 * Locking: a read-write lock over {model, history} (scoring reads, registration and outcomes
 * write briefly), a mutex over the calibrator.
 */
#ifndef ECUSTOMS_SERVICE_RISK_ENGINE_H
#define ECUSTOMS_SERVICE_RISK_ENGINE_H

#include <jansson.h>
#include <stdint.h>

#include "core/decl.h"
#include "core/lifecycle.h"
#include "core/risk.h"
#include "core/risk_features.h"
#include "core/tax.h"
#include "core/risk_policy.h"
#include "store/store.h"

#define RISK_TOP_CONTRIBUTIONS 5
#define RISK_WINDOW                                                                                \
    1000 /* about an hour of national traffic: recent enough to follow a change (docs/risk.md) */

typedef struct risk_engine risk_engine;

risk_engine *risk_engine_new(void);
void risk_engine_free(risk_engine *e);

/* Loads the active model when its version changed (or drops it when none is active), reading
 * the shares from settings. 1 swapped, 0 unchanged, -1 failed (the rules decide meanwhile). */
int risk_engine_refresh(risk_engine *e, store *st);

/* Shares of the score policy (from the risk settings); take effect at once. */
void risk_engine_set_shares(risk_engine *e, const risk_shares *shares);

/* The version in use, 0 when selectivity runs on rules alone. */
int64_t risk_engine_version(risk_engine *e);

typedef struct risk_contribution {
    int feature;
    float value;        /* the feature's value (NaN = missing) */
    float contribution; /* log-odds */
} risk_contribution;

typedef struct risk_score {
    int64_t version;
    int item;           /* 0-based index of the riskiest item: its score is the declaration's */
    double probability; /* the model's, for that item */
    double margin;      /* log-odds = bias + every contribution */
    double adjusted;    /* after the AEO / compliance adjustment (core/risk_policy.h) */
    risk_band band;
    float bias;
    float rest; /* sum of the contributions not in top[] */
    int n_top;
    risk_contribution top[RISK_TOP_CONTRIBUTIONS];
} risk_score;

/* Scores a declaration's items (all of one declaration, not yet registered in the history) and
 * chooses its band. 1 scored, 0 no active model (out untouched), -1 failure. */
int risk_engine_score(risk_engine *e, const risk_fact *facts, int n, int aeo, int compliance,
                      uint64_t draw, risk_score *out);

/* The declaration was registered / its outcome recorded (after the commit). */
void risk_engine_registered(risk_engine *e, const risk_fact *facts, int n);
void risk_engine_outcome(risk_engine *e, const risk_fact *facts, int n, int violation,
                         int critical);

/* Whether an officer's decision act on a declaration of channel settles what its controls found,
 * and so is the declaration's outcome in the learned history: an inspection result, a passed
 * document check on the yellow channel (nothing further follows), a rejection. A failed document
 * check is not (the inspection it leads to decides); a cancellation after selection is, but is
 * recorded with the selection it keeps (service/clearance.c keep_selection). The live decisions
 * (service/clearance.c) and `db seed` record their outcomes by this one rule. 1 with *violation
 * and *additional_tax (VND) set, else 0. detail, the decision's, is read for an inspection result
 * only ("violation", "additional_tax": more tax is a violation too); NULL will do for the others,
 * so that the seed parses its details only when one is needed. */
int risk_decision_outcome(lifecycle_action act, int channel, const json_t *detail, int *violation,
                          int64_t *additional_tax);

/* The facts of a declaration's items (out has room for d->n_items), from the declaration and its
 * assessment (the duty schedule and rate applied, customs values in VND). */
void risk_facts_from_decl(const decl *d, const tax_item_result *items, const char *decl_id,
                          int64_t at, int aeo, int compliance, risk_fact *out);

/* {"version", "probability", "adjusted_score", "margin", "band", "explored", "thresholds",
 *  "item", "bias", "contributions": [{"feature", "value", "contribution"}],
 * "other_contributions"} */
json_t *risk_score_to_json(const risk_score *s);

/* {"channel", "reasons": [{"code", "channel", "text", "rule_id"?}]}: the selectivity decision as
 * stored with a declaration (its risk column) at registration, amendment and `db seed`, one
 * writer so that the seeded rows read like the live ones. */
json_t *risk_decision_to_json(const risk_decision *d);

#endif
