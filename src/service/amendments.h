/* Amendments under review (section 3; Circular 38/2015 Art. 20 as amended by Circular
 * 39/2018): the officer's queue, the decision, and every version of a declaration side by side.
 * Submitting an amendment is svc_decl_amend (service/app.h). */
#ifndef ECUSTOMS_SERVICE_AMENDMENTS_H
#define ECUSTOMS_SERVICE_AMENDMENTS_H

#include "codec/json_decl_action.h"
#include "service/app.h"

/* POST /declarations/{number}/amendments/{k}/decision {"accept": bool, "note"} (officer):
 * accepted, the amendment applies (ledger re-assessed; a decrease becomes a refund claim);
 * rejected (a note required), nothing changes. Defined in service/clearance.c. */
svc_reply svc_amendment_decide(app *a, const svc_req *req, const char *number,
                               const char *amendment, const amend_review_in *in, errs *e);
/* GET /amendments?status= (customs): amendments of one status, oldest first; default
 * amendment_review (the officer's queue). */
svc_reply svc_amendments_list(app *a, const svc_req *req, const char *status);
/* GET /declarations/{number}/versions: every version (superseded, in force, under review,
 * rejected) with its taxes, risk assessment and what changed from the version before it. */
svc_reply svc_decl_versions(app *a, const svc_req *req, const char *number);
/* Inside a transaction: adds "pending_amendment" to a declaration view when one waits. */
int amend_attach(db_conn *c, const char *decl_id, json_t *view);

#endif
