/* Learned selectivity, part 1: the features.
 *
 * One code path computes the features of a goods item for training, for evaluation and for the
 * live decision at registration: risk_features() over a risk_history, the running statistics of
 * everything registered and every inspection outcome known so far. History is built by replaying
 * facts in registration order (risk_replay), applying each outcome only once it was recorded, so
 * a training row sees exactly what the live system would have seen when that declaration was
 * registered: no leakage from the future.
 *
 * Pure: no I/O, no clock, no randomness. The service layer owns the lock around a history.
 */
#ifndef ECUSTOMS_CORE_RISK_FEATURES_H
#define ECUSTOMS_CORE_RISK_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/* One goods item as selectivity sees it (table risk_facts). The strings are identifiers only;
 * empty when the declaration does not carry them. */
typedef struct risk_fact {
    char decl_id[33];
    int line;              /* 1-based item number */
    int64_t registered_at; /* unix seconds */
    char importer[24];     /* the responsible enterprise (tax code) */
    char declarant[24];
    char seller[64]; /* foreign seller / shipper */
    char courier[24];
    char office[12];
    char type_code[8]; /* VNACCS type code (Decision 1357) or the source's import type */
    char procedure[8]; /* import/export kind or the source's process type */
    char use_code[8];
    char payment_type[8];
    char tax_type[12];        /* duty schedule code applied (B01, B02, ... or the source's) */
    char origin_indicator[4]; /* how origin is evidenced: C/O form claimed or the source's flag */
    int transport_mode;
    char hs[9]; /* 6 or 8 digits */
    char origin[3];
    char departure[3];   /* country of the port of loading */
    int64_t tax_rate_bp; /* import duty rate, 1/100 % */
    int64_t value;       /* customs value, whole units of currency */
    char currency[4];
    int64_t net_mass_g; /* 0 = unknown */
    int aeo;
    int compliance; /* 1..4, 0 unknown */
} risk_fact;

/* An inspection outcome of the declaration a fact belongs to. */
typedef struct risk_outcome {
    int32_t fact; /* index into the facts array */
    int64_t at;   /* unix seconds the outcome was recorded */
    int8_t violation;
    int8_t critical;
} risk_outcome;

#define RISK_N_KEYS 25
#define RISK_PER_KEY 4
#define RISK_N_NUMERIC 14
#define RISK_N_FEATURES (RISK_N_KEYS * RISK_PER_KEY + RISK_N_NUMERIC)

/* Names, in feature order ("importer.rate", "hs6.seen", ..., "value_per_kg.z_hs6"). */
extern const char *const risk_feature_names[RISK_N_FEATURES];

typedef struct risk_history risk_history;

risk_history *risk_history_new(void);
void risk_history_free(risk_history *h);
size_t risk_history_size(const risk_history *h); /* distinct keys held */

/* The features of f given what h knows; missing values are NaN. Does not change h. */
void risk_features(const risk_history *h, const risk_fact *f, float out[RISK_N_FEATURES]);

/* f has been registered: counts, recency and the HS unit-value distribution learn it.
 * 0, or -1 when memory runs out (h keeps what it had). */
int risk_history_register(risk_history *h, const risk_fact *f);

/* An outcome of f's declaration is known: violation rates learn it. 0 or -1 (memory). */
int risk_history_outcome(risk_history *h, const risk_fact *f, int violation, int critical);

/* Called once per declaration (a run of consecutive facts with one decl_id), before they are
 * registered in h: facts[first .. first+n-1]. */
typedef void (*risk_replay_fn)(void *ctx, const risk_history *h, const risk_fact *facts,
                               size_t first, size_t n);

/* Replays facts (sorted by registered_at, items of a declaration consecutive) and outcomes
 * (sorted by at) into h: before each declaration, every outcome recorded strictly before its
 * registration is applied; fn (may be NULL) sees the declaration; then it is registered.
 * Outcomes left at the end are applied too, so h ends as of "now". 0 or -1 (memory). */
int risk_replay(risk_history *h, const risk_fact *facts, size_t n_facts,
                const risk_outcome *outcomes, size_t n_outcomes, risk_replay_fn fn, void *ctx);

#endif
