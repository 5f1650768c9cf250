/* Store query of the selectivity hit rates (risk officers): the declarations selected
 * for yellow or red in a period with their recorded outcome. Portable SQL like store.c. */
#ifndef ECUSTOMS_STORE_STORE_HIT_RATES_H
#define ECUSTOMS_STORE_STORE_HIT_RATES_H

#include <stdint.h>

#include "store/db.h"

/* One source of one selected declaration: first is 1 on the first row of each declaration;
 * source (valid during the call only) is the reason's code, ref the rule id or model version
 * (else 0); outcome: -1 none recorded yet, 0 no violation found, 1 a violation (risk_outcomes). */
typedef int (*hit_row_fn)(void *ctx, int first, const char *source, int64_t ref, int outcome);

/* Calls fn for each source of each declaration registered in [from, to) (unix s) on the yellow
 * or red channel (risk_selections). Returns 0 or <0 (a storage error, or fn's). */
int store_hit_rates_scan(db_conn *c, int64_t from, int64_t to, hit_row_fn fn, void *ctx);
/* How many declarations were registered in [from, to) on any channel (the traffic a source's
 * selections are a share of): an index range of declarations_registered. The count, or <0. */
int64_t store_registered_count(db_conn *c, int64_t from, int64_t to);

#endif

/* ---- risk_selections (schema migration 14), written with the risk decision ------------------ */

/* The rows of a declaration registered at registered_at (unix s, > 0) on channel (yellow or red:
 * other channels write nothing) from its risk decision (JSON text, as in hit_row_fn): one per
 * source whose reason asked for yellow or red. In the caller's transaction. 0 or <0. */
int store_risk_selections_put(db_conn *c, const char *decl_id, int64_t registered_at, int channel,
                              const char *risk);
/* One row of risk_selections, for a bulk writer that has the risk decision in memory (db seed):
 * what store_risk_selections_put writes for one reason. */
typedef struct risk_selection_row {
    const char *decl_id, *source; /* bound without copies: they outlive the call */
    int64_t registered_at, ref;
    int channel; /* 2 yellow, 3 red */
} risk_selection_row;
/* n such rows, many per statement; a row whose key is there already is skipped (as
 * store_risk_selections_put skips it). 0 or <0. */
int store_risk_selections_insert_rows(db_conn *c, const risk_selection_row *r, long n);
/* Removes the rows of a declaration registered at registered_at (its decision is replaced). */
int store_risk_selections_delete(db_conn *c, const char *decl_id, int64_t registered_at);
