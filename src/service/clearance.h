/* e-Clearance (service/clearance.c): declarations from IDA to clearance — create, modify,
 * register, amend, cancel, officers' decisions, events — and the expiry / invalidation sweep. */
#ifndef ECUSTOMS_SERVICE_CLEARANCE_H
#define ECUSTOMS_SERVICE_CLEARANCE_H

#include "codec/json_decl.h"
#include "codec/json_decl_action.h"
#include "service/app.h"

/* IDA, IDB and amendments take the declaration json_decl_in_decode decoded from the request's
 * body (req->raw_body, stored as submitted) and its errors; in->d moves into the service, which
 * leaves it zeroed (the caller's decl_release is then a no-op). */
svc_reply svc_decl_create(app *a, const svc_req *req, decl_in *in, errs *e); /* IDA */
svc_reply svc_decl_modify(app *a, const svc_req *req, const char *id, decl_in *in,
                          errs *e); /* IDB */
svc_reply svc_decl_get(app *a, const svc_req *req, const char *id_or_number);
/* IDC. *channel (may be NULL): the channel code given when this call registered the declaration,
 * -1 otherwise (refused, or an idempotent replay). */
svc_reply svc_decl_register(app *a, const svc_req *req, const char *id, int *channel);
svc_reply svc_decl_amend(app *a, const svc_req *req, const char *number, decl_in *in, errs *e);
svc_reply svc_decl_cancel(app *a, const svc_req *req, const char *number, const decl_cancel_in *in,
                          errs *e);
svc_reply svc_decl_decide(app *a, const svc_req *req, const char *number,
                          const decl_decision_in *in, errs *e);
svc_reply svc_decl_events(app *a, const svc_req *req, const char *number);
/* Expires provisional declarations older than 7 days and invalidates registered ones left
 * incomplete by the declarant for more than 15 legal days, as of `now`; audits the run in the
 * "invalidation" chain (by NULL = the system). Returns the number changed, or -1. */
int svc_invalidate(app *a, const svc_req *by, int64_t now, int *expired, int *invalidated);
/* POST /admin/invalidate?as_of=YYYY-MM-DD (admin): as of today or a past day, never a future
 * one. */
svc_reply svc_admin_invalidate(app *a, const svc_req *req, const char *as_of);

#endif
