/* e-Payment, the banks' side: payments and guarantees signed with ECDSA P-256, the banks' due
 * lists and reconciliation, and a declaration's ledger as shown. The ledger's hooks for other
 * features are in service/ledger.h; credit and refunds in credits.h; reports in statements.h. */
#ifndef ECUSTOMS_SERVICE_PAYMENTS_H
#define ECUSTOMS_SERVICE_PAYMENTS_H

#include "codec/json_guarantee.h"
#include "codec/json_payment.h"
#include "service/app.h"

/* POST /payments: signature_b64 is the X-Signature header (NULL when absent). */
svc_reply svc_payment_create(app *a, const svc_req *req, const payment_in *in, errs *e,
                             const char *signature_b64);
/* GET /banks/me/reconciliation?date=[&format=csv]: the token's bank's payments booked on `date`
 * (UTC), as JSON or (csv) as text/csv with a header row and a TOTAL row. */
svc_reply svc_bank_reconciliation(app *a, const svc_req *req, date_ymd date, int csv);
/* POST /guarantees (signed like payments): a bank guarantees one declaration (separate) or
 * several of one enterprise (joint). */
svc_reply svc_guarantee_create(app *a, const svc_req *req, const guarantee_in *in, errs *e,
                               const char *signature_b64);
/* GET /banks/me/due: what the token's bank still guarantees, with the dates the guarantees end. */
svc_reply svc_bank_due(app *a, const svc_req *req);
/* GET /declarations/{number}/ledger */
svc_reply svc_decl_ledger(app *a, const svc_req *req, const char *number);

#endif
