/* e-Office use cases: lists, worklists, claims, notifications. */
#ifndef ECUSTOMS_SERVICE_OFFICE_H
#define ECUSTOMS_SERVICE_OFFICE_H

#include "codec/json_decl_action.h"
#include "service/app.h"

/* Query parameters as received (NULL or "" = not given); validated by the service. */
typedef struct svc_list_args {
    const char *status, *channel, *office, *type_code, *enterprise, *from, *to, *q, *cursor, *limit;
} svc_list_args;

/* GET /declarations: newest first, cursor-paginated; an enterprise sees only its own. */
svc_reply svc_decl_list(app *a, const svc_req *req, const svc_list_args *in);
/* GET /worklists/{document-check|inspection}: oldest first, with the time left against the
 * working-hour limits of Customs Law 2014 Art. 23; office defaults to the officer's. */
svc_reply svc_worklist(app *a, const svc_req *req, const char *queue, const svc_list_args *in);
/* POST /declarations/{n}/claim: the signed-in officer takes the declaration (audited). */
svc_reply svc_decl_claim(app *a, const svc_req *req, const char *number);
/* POST /declarations/{n}/inspection-extension: the head of the customs office (a manager, as a
 * person) extends the physical inspection's limit (Customs Law 2014 Art. 23; audited). */
svc_reply svc_inspection_extend(app *a, const svc_req *req, const char *number,
                                const decl_extension_in *in, errs *e);
/* GET /notifications?since=: status changes of the caller's declarations, oldest first. */
svc_reply svc_notifications(app *a, const svc_req *req, const char *since);

#endif
