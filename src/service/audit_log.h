/* The administration's own audit chains: runs of the invalidation sweep, confirmed
 * exchange-rate jumps, the customs-office table, post-clearance audit cases. They live in the
 * same hash-chained events table as declarations, keyed by a chain name instead of a declaration
 * id ("invalidation", "exchange_rates", "customs_offices", "audit:<case>"), so `ecustoms audit
 * verify` checks them with everything else. */
#ifndef ECUSTOMS_SERVICE_AUDIT_LOG_H
#define ECUSTOMS_SERVICE_AUDIT_LOG_H

#include "service/app.h"
#include "store/db.h"

/* Inside a transaction: appends one event to chain. by NULL = the system. detail is borrowed. */
int audit_log_append(db_conn *c, const char *chain, int64_t at, const svc_req *by,
                     const char *action, json_t *detail);
/* In a transaction of its own. Returns 0 or <0. */
int audit_log_write(app *a, const char *chain, int64_t at, const svc_req *by, const char *action,
                    json_t *detail);
/* GET /admin/audit?chain=NAME (customs roles): the chain's events, oldest first. */
svc_reply svc_audit_chain(app *a, const svc_req *req, const char *chain);
/* The events of a chain as JSON (array), or NULL on a storage error. */
json_t *audit_log_events(app *a, const char *chain);

#endif
