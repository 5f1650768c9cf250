/* Store queries of learned selectivity: the risk facts of every registered goods item,
 * the inspection outcomes officers record, and the versioned models. Portable SQL like store.c. */
#ifndef ECUSTOMS_STORE_STORE_RISK_H
#define ECUSTOMS_STORE_STORE_RISK_H

#include <stddef.h>
#include <stdint.h>

#include "core/risk_features.h"
#include "store/db.h"

/* Tables: src/store/schema.sql. */

/* The facts of one declaration's n items (same decl_id and registered_at): one row. */
int store_risk_facts_put(db_conn *c, const risk_fact *facts, int n);
/* The same in two steps, so that the encoding (and packing, store/pack.h) happens outside the
 * writer thread: the text does not hold the decl_id and the registration time, which are columns.
 * encode returns heap text (NULL on failure). */
char *store_risk_facts_encode(const risk_fact *facts, int n);
int store_risk_facts_put_encoded(db_conn *c, const char *decl_id, int64_t registered_at, int n,
                                 const char *encoded);
/* The same with the encoded facts as the column's bytes already (store_packed_blob), bound
 * without a copy: for a bulk writer (db seed) that writes one template's facts many times. */
int store_risk_facts_put_blob(db_conn *c, const char *decl_id, int64_t registered_at, int n,
                              const void *facts, size_t facts_n);
/* The same as a write that needs no answer (db_run_nowait: on a database server it goes with
 * the next statement that waits; a failure fails the job at its end): a registration's facts. */
int store_risk_facts_queue_encoded(db_conn *c, const char *decl_id, int64_t registered_at, int n,
                                   const char *encoded);

/* The outcome of a declaration (its first one counts: later calls are no-ops). 1 recorded,
 * 0 already had one, <0 error. */
int store_risk_outcome_put(db_conn *c, const char *decl_id, int64_t at, int violation, int critical,
                           int64_t additional_tax, const char *source);

/* The facts of one declaration (item order): count (up to max) or <0. */
int store_risk_facts_of(db_conn *c, const char *decl_id, risk_fact *out, int max);

/* Every fact (registration order) and every outcome (recording order), expanded to one outcome
 * per item of its declaration. Arrays are malloc'd; caller frees. 0 or <0. */
int store_risk_load(db_conn *c, risk_fact **facts, size_t *n_facts, risk_outcome **outcomes,
                    size_t *n_outcomes);

typedef struct risk_model_row {
    int64_t version;
    int64_t created_at;
    int64_t train_from, train_to; /* registration times of the training window */
    int64_t rows;                 /* labelled rows trained on */
    int active;
    char *features; /* JSON array of feature names, heap */
    char *metrics;  /* JSON, heap */
    char *params;   /* JSON, heap */
    char *model;    /* XGBoost JSON model, heap; NULL in listings */
} risk_model_row;

void risk_model_row_release(risk_model_row *r);

/* Stores a new model (version = max + 1, not active); returns the version or <0. */
int64_t store_risk_model_put(db_conn *c, const risk_model_row *r);
/* Newest first, without the model bytes. Returns the count (up to max) or <0. */
int store_risk_model_list(db_conn *c, risk_model_row *out, int max);
/* Makes version the only active model. 1 done, 0 no such version, <0 error. */
int store_risk_model_activate(db_conn *c, int64_t version);
/* The active model's version (0 if none) — a cheap poll. */
int64_t store_risk_model_active_version(db_conn *c);
/* The active model with its bytes. 1 found, 0 none, <0 error. */
int store_risk_model_active(db_conn *c, risk_model_row *out);

#endif
