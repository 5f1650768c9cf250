/* Enterprise credit and refunds (service/credits.c): what an enterprise paid beyond its taxes,
 * applied to its other declarations or refunded after an officer decides. */
#ifndef ECUSTOMS_SERVICE_CREDITS_H
#define ECUSTOMS_SERVICE_CREDITS_H

#include "codec/json_credit.h"
#include "service/app.h"

/* GET /enterprises/{tax_code}/credits, POST .../credits/apply,
 * POST .../refunds (the enterprise asks), POST .../refunds/{id}/decision (an officer decides). */
svc_reply svc_credits_get(app *a, const svc_req *req, const char *enterprise);
svc_reply svc_credit_apply(app *a, const svc_req *req, const char *enterprise,
                           const credit_apply_in *in, errs *e);
svc_reply svc_refund_request(app *a, const svc_req *req, const char *enterprise,
                             const refund_request_in *in, errs *e);
svc_reply svc_refund_decide(app *a, const svc_req *req, const char *enterprise, const char *id,
                            const refund_decision_in *in, errs *e);
/* Their bodies are decoded by codec/json_credit.h (which lists their fields). */

#endif
