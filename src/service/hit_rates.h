/* The hit rates of selectivity, for risk officers: of the declarations each rule, the
 * learned model and the other sources (compliance class, random draws, exploration, inherited
 * selections) sent to the yellow or red channel, the share whose control found a violation. */
#ifndef ECUSTOMS_SERVICE_HIT_RATES_H
#define ECUSTOMS_SERVICE_HIT_RATES_H

#include "service/app.h"

/* GET /risk/hit-rates?from=&to=: risk officers, managers and admins. from/to are inclusive legal
 * dates (Asia/Ho_Chi_Minh), by registration instant; both absent: the last 30 days to today.
 * A source's selections are the period's yellow and red declarations with one of its reasons
 * asking for yellow or red; decided: those with a recorded outcome (risk_outcomes: inspection
 * result, documents passed on yellow, rejection, cancellation after selection); hit rate:
 * violations / decided, in percent with one decimal (null when nothing is decided yet). JSON
 * {"from","to","time_zone","all":{...},"items":[{"source","rule_id"?,"rule_name"?,
 * "model_version"?,"selections","decided","violations","hit_rate_percent"}]}. */
svc_reply svc_risk_hit_rates(app *a, const svc_req *req, const char *from, const char *to);

#endif
