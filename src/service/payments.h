/* e-Payment (issue 6): bank payments signed with ECDSA P-256, the append-only tax ledger of a
 * declaration, and the clearance gate (taxes covered before clearance). */
#ifndef ECUSTOMS_SERVICE_PAYMENTS_H
#define ECUSTOMS_SERVICE_PAYMENTS_H

#include <stdio.h>

#include "core/ledger.h"
#include "util/errs.h"
#include "service/app.h"
#include "store/store_payments.h"

/* POST /payments: signature_b64 is the X-Signature header (NULL when absent). */
svc_reply svc_payment_create(app *a, const svc_req *req, json_t *body, const char *signature_b64);
/* GET /banks/me/reconciliation?date=[&format=csv]: the token's bank's payments booked on `date`
 * (UTC), as JSON or (csv) as text/csv with a header row and a TOTAL row. */
svc_reply svc_bank_reconciliation(app *a, const svc_req *req, date_ymd date, int csv);
/* POST /guarantees (signed like payments): a bank guarantees one declaration (separate) or
 * several of one enterprise (joint). */
svc_reply svc_guarantee_create(app *a, const svc_req *req, json_t *body, const char *signature_b64);
/* GET /banks/me/due: what the token's bank still guarantees, with the dates the guarantees end. */
svc_reply svc_bank_due(app *a, const svc_req *req);
/* GET /declarations/{number}/ledger */
svc_reply svc_decl_ledger(app *a, const svc_req *req, const char *number);

/* Enterprise credit (service/credits.c): GET /enterprises/{tax_code}/credits, POST .../credits/apply,
 * POST .../refunds (the enterprise asks), POST .../refunds/{id}/decision (an officer decides). */
svc_reply svc_credits_get(app *a, const svc_req *req, const char *enterprise);
svc_reply svc_credit_apply(app *a, const svc_req *req, const char *enterprise, json_t *body);
svc_reply svc_refund_request(app *a, const svc_req *req, const char *enterprise, json_t *body);
svc_reply svc_refund_decide(app *a, const svc_req *req, const char *enterprise, const char *id,
                            json_t *body);
/* The enterprise itself: a declarant token of that tax code (a broker declaring for it is not). */
int pay_is_enterprise(const svc_req *req, const char *enterprise);
/* Their strict bodies' fields (data/openapi.json must list exactly these). */
extern const char *const pay_credit_apply_keys[];
extern const char *const pay_refund_request_keys[];
extern const char *const pay_refund_decision_keys[];

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
/* After registration: a green declaration of an AEO enterprise is released (cleared) at once, its
 * taxes falling into the enterprise's monthly statement (due the 10th of the next month).
 * Returns 1 when cleared, 0 when not, <0 on a storage error. */
int pay_on_registered(db_conn *c, const char *decl_id, const char *enterprise, int64_t now,
                      const svc_req *req);
/* After cancellation or invalidation: the declaration owes nothing any more. Its assessment goes
 * to 0, what was paid on it becomes the enterprise's credit, and its guarantees are released (a
 * joint one then covers the enterprise's other waiting declarations). */
/* A green declaration released by the system when its taxes are covered (or its enterprise is
 * AEO) and nothing else blocks it (issue 14: after the last inspection result). 1 cleared, 0 not,
 * <0 error. */
int pay_clear_if_covered(db_conn *c, const char *decl_id, const char *enterprise, int64_t now,
                         const svc_req *req, const char *why);
/* A refund claim (requested, for an officer to decide) of amount overpaid on declaration
 * `number` after an accepted amendment lowered its taxes (issue 14). 0 or <0. */
int pay_refund_claim(db_conn *c, const char *enterprise, const char *number, int64_t amount,
                     const char *reason, const svc_req *req, int64_t now);
int pay_on_closed(db_conn *c, const char *decl_id, const char *enterprise, int status, int64_t now,
                  const svc_req *req, const char *why);

/* ---- settling a declaration's taxes (payments, credit, guarantees) -------------------------- */

/* Who settles, when, and the reference written in notes and events. */
typedef struct pay_settle_ctx {
    const svc_req *req;
    int64_t now;
    date_ymd paid_date;   /* the day the money was paid: late-payment interest runs to it */
    char txn[65];         /* the bank transaction, "" when the money does not come from a bank */
    char ref[96];         /* e.g. "payment TX-1", "credit applied" */
    json_t *revolved;     /* when set, declarations a joint guarantee covered again are added */
} pay_settle_ctx;

typedef struct pay_settled {
    int64_t applied, excess; /* the part that paid taxes, the part credited to the enterprise */
    ledger_balance b;        /* the declaration's balance afterwards */
    int cleared;             /* cleared by the system (green channel, taxes now covered) */
} pay_settled;

/* Money for declaration m (money: the "paid" or "paid_by_credit" entry to append, its amount):
 * late-payment interest when the goods were released unpaid, the entry, the guarantees it
 * releases (a joint guarantee revolves), the excess credited to the enterprise, and the
 * automatic clearance of a green declaration now covered. */
int pay_settle(db_conn *c, pay_settle_ctx *s, const decl_row *m, const ledger_row *money,
               pay_settled *out);
/* The balance of a declaration's ledger. 0 or <0. */
int pay_balance(db_conn *c, const char *decl_id, ledger_balance *b);
/* Appends one ledger entry and its audit event ("ledger.<kind>"). Returns its seq or <0. */
int pay_ledger_append(db_conn *c, const char *decl_id, int status, ledger_row *r, const svc_req *req);
/* Whether a declaration in this status owes its taxes (not cancelled, invalidated, ...). */
int pay_owes_taxes(int status);
/* A whole VND amount (string or integer) in (0, 10^15]: 0 and *out set, or -1 with an error at
 * path (decimal, amount_not_positive, amount_too_large). */
int pay_amount(json_t *v, const char *path, errs *e, int64_t *out);
/* 11 or 12 digits (the 12th is the amendment digit). */
int pay_is_decl_number(const char *dn);
/* "1234567" for VND amounts in messages and replies. */
json_t *pay_money(int64_t v);
/* A ledger row as a core ledger entry (kind, amount, booking day, guarantee end). */
void pay_entry_of(const ledger_row *r, ledger_entry *e);
/* 1 for a priority (AEO) enterprise, 0 otherwise, <0 on a storage error. */
int pay_is_aeo(db_conn *c, const char *enterprise);
/* One CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break), followed by
 * "," or, when last, by CRLF. */
void pay_csv_field(FILE *f, const char *v, int last);
/* Closes an open_memstream(text, len) of CSV: the text/csv reply (or 500, text freed). */
svc_reply pay_csv_reply(FILE *f, char **text, size_t *len);

/* ---- reports (service/statements.c) ----------------------------------------------------------- */

/* GET /enterprises/{tax_code}/statement?from=&to= | ?month=YYYY-MM [&format=csv]: the raw query
 * values (NULL when absent) are validated here, every error at once (422, the parameter's name
 * as the path); CSV with format=csv, or without format when accept_csv (Accept: text/csv). */
svc_reply svc_enterprise_statement(app *a, const svc_req *req, const char *enterprise,
                                   const char *from, const char *to, const char *month,
                                   const char *format, int accept_csv);
/* GET /debts/overdue[?min_days=N]: enterprises whose ledger has debts past their due date. */
svc_reply svc_debts_overdue(app *a, const svc_req *req, const char *min_days);
/* Inside a transaction: the days the oldest debt of the enterprise is overdue on `today`, as
 * derived from its ledger (ledger_debt_of), counting only debts overdue more than min_days
 * (0 when none: cheap then, declarations registered in the last min_days days are not read);
 * *amount (when set) gets what those debts leave unpaid. <0 on a storage error. */
int pay_overdue_days(db_conn *c, const char *enterprise, date_ymd today, int min_days,
                     int64_t *amount);

#endif
