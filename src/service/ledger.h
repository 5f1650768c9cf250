/* The tax ledger of a declaration, as the other features use it (service/payments.c): the hooks
 * the clearance write jobs call inside their transaction (assessment, release of an AEO
 * declaration, closing), settling money against a declaration, and the small helpers the
 * e-Payment files share. */
#ifndef ECUSTOMS_SERVICE_LEDGER_H
#define ECUSTOMS_SERVICE_LEDGER_H

#include <stdio.h>

#include "codec/json_fields.h" /* json_money: the amounts of the ledger as the API writes them */
#include "core/ledger.h"
#include "service/app.h"
#include "store/store_payments.h"

/* ---- hooks for the clearance write jobs (inside the writer's transaction) ------------------ */

/* Brings the assessed total of the ledger to `total_tax` (an "assessed" entry with the delta,
 * none when unchanged) and audits it as a "ledger.assessed" event. */
int pay_ledger_assess(db_conn *c, const char *decl_id, const char *party, int status,
                      int64_t total_tax, int64_t now, const svc_req *req, const char *why);
/* The same with the declaration's ledger read started ahead by store_ledger_list_send (nothing
 * may write the ledger in between), which is read here (sent NULL: read here). */
int pay_ledger_assess_sent(db_conn *c, db_stmt *sent, const char *decl_id, const char *party,
                           int status, int64_t total_tax, int64_t now, const svc_req *req,
                           const char *why);
/* The same with the ledger read by the caller: rows[0..n) as store_ledger_list_read gave them
 * with max PAY_LEDGER_READ_MAX (n above it: not all of them). */
#define PAY_LEDGER_READ_MAX 255
int pay_ledger_assess_read(db_conn *c, const ledger_row *rows, int n, const char *decl_id,
                           const char *party, int status, int64_t total_tax, int64_t now,
                           const svc_req *req, const char *why);
/* Adds `amount` to the assessment (e.g. additional tax after an inspection). */
int pay_ledger_add(db_conn *c, const char *decl_id, const char *party, int status, int64_t amount,
                   int64_t now, const svc_req *req, const char *why);
/* What still stands between the declaration and its clearance: the amount neither paid nor
 * guaranteed (>= 0; always 0 for AEO enterprises, which pay monthly), or <0 on a storage error. */
int64_t pay_clearance_missing(db_conn *c, const char *decl_id, const char *enterprise);
/* After registration: a green declaration of an AEO enterprise is released (cleared) at once, its
 * taxes falling into the enterprise's monthly statement (due the 10th of the next month). aeo:
 * whether the enterprise is one (pay_is_aeo), as the caller read it in this transaction.
 * Returns 1 when cleared, 0 when not, <0 on a storage error. */
int pay_on_registered(db_conn *c, const char *decl_id, int aeo, int64_t now, const svc_req *req);
/* After cancellation or invalidation: the declaration owes nothing any more. Its assessment goes
 * to 0, what was paid on it becomes the enterprise's credit, and its guarantees are released (a
 * joint one then covers the enterprise's other waiting declarations). */
/* A green declaration released by the system when its taxes are covered (or its enterprise is
 * AEO) and nothing else blocks it (after the last inspection result). 1 cleared, 0 not,
 * <0 error. */
int pay_clear_if_covered(db_conn *c, const char *decl_id, const char *enterprise, int64_t now,
                         const svc_req *req, const char *why);
/* A refund claim (requested, for an officer to decide) of amount overpaid on declaration
 * `number` after an accepted amendment lowered its taxes. 0 or <0. */
int pay_refund_claim(db_conn *c, const char *enterprise, const char *number, int64_t amount,
                     const char *reason, const svc_req *req, int64_t now);
int pay_on_closed(db_conn *c, const char *decl_id, const char *enterprise, int status, int64_t now,
                  const svc_req *req, const char *why);

/* ---- settling a declaration's taxes (payments, credit, guarantees) -------------------------- */

/* Who settles, when, and the reference written in notes and events. */
typedef struct pay_settle_ctx {
    const svc_req *req;
    int64_t now;
    date_ymd paid_date; /* the day the money was paid: late-payment interest runs to it */
    char txn[65];       /* the bank transaction, "" when the money does not come from a bank */
    char ref[96];       /* e.g. "payment TX-1", "credit applied" */
    json_t *revolved;   /* when set, declarations a joint guarantee covered again are added */
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
int pay_ledger_append(db_conn *c, const char *decl_id, int status, ledger_row *r,
                      const svc_req *req);
/* Whether a declaration in this status owes its taxes (not cancelled, invalidated, ...). */
int pay_owes_taxes(int status);
/* A ledger row as a core ledger entry (kind, amount, booking day, guarantee end). */
void pay_entry_of(const ledger_row *r, ledger_entry *e);
/* 1 for a priority (AEO) enterprise, 0 otherwise, <0 on a storage error. */
int pay_is_aeo(db_conn *c, const char *enterprise);
/* One CSV field (RFC 4180: quoted when it holds a comma, a quote or a line break), followed by
 * "," or, when last, by CRLF. */
void pay_csv_field(FILE *f, const char *v, int last);
/* Closes an open_memstream(text, len) of CSV: the text/csv reply (or 500, text freed). */
svc_reply pay_csv_reply(FILE *f, char **text, size_t *len);

#endif
