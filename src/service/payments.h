/* e-Payment (issue 6): bank payments signed with ECDSA P-256, the append-only tax ledger of a
 * declaration, and the clearance gate (taxes covered before clearance). */
#ifndef ECUSTOMS_SERVICE_PAYMENTS_H
#define ECUSTOMS_SERVICE_PAYMENTS_H

#include "service/app.h"
#include "store/store_payments.h"

/* POST /payments: signature_b64 is the X-Signature header (NULL when absent). */
svc_reply svc_payment_create(app *a, const svc_req *req, json_t *body, const char *signature_b64);
/* GET /banks/me/reconciliation?date=: the token's bank's payments booked on `date` (UTC). */
svc_reply svc_bank_reconciliation(app *a, const svc_req *req, date_ymd date);
/* POST /guarantees (signed like payments): a bank guarantees one declaration (separate) or
 * several of one enterprise (joint). */
svc_reply svc_guarantee_create(app *a, const svc_req *req, json_t *body, const char *signature_b64);
/* GET /banks/me/due: what the token's bank still guarantees, with the dates the guarantees end. */
svc_reply svc_bank_due(app *a, const svc_req *req);
/* GET /declarations/{number}/ledger */
svc_reply svc_decl_ledger(app *a, const svc_req *req, const char *number);

/* ---- hooks for the clearance write jobs (inside the writer's transaction) ------------------ */

/* Brings the assessed total of the ledger to `total_tax` (an "assessed" entry with the delta,
 * none when unchanged) and audits it as a "ledger.assessed" event. */
int pay_ledger_assess(db_conn *c, const char *decl_id, const char *party, int status,
                      int64_t total_tax, int64_t now, const svc_req *req, const char *why);
/* Adds `amount` to the assessment (e.g. additional tax after an inspection). */
int pay_ledger_add(db_conn *c, const char *decl_id, const char *party, int status, int64_t amount,
                   int64_t now, const svc_req *req, const char *why);
/* What still stands between the declaration and its clearance: the amount neither paid nor
 * guaranteed (>= 0; always 0 for AEO enterprises, which pay monthly), or <0 on a storage error. */
int64_t pay_clearance_missing(db_conn *c, const char *decl_id, const char *enterprise);

#endif
