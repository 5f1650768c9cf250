/* The tax ledger of a declaration (e-Payment): append-only entries, balances derived.
 *
 * Entries are never updated or deleted; every balance is a sum over them:
 *   assessed    = sum(assessed) + sum(interest)   (re-assessments are signed deltas)
 *   paid        = sum(paid) + sum(paid_by_credit) - sum(credit)
 *                                                 (net money kept for this declaration)
 *   guaranteed  = sum(guaranteed)                 (bank guarantees securing the debt)
 *   outstanding = max(0, assessed - paid - guaranteed)
 *   surplus     = max(0, paid - assessed)         (overpaid, not yet moved to a credit)
 *   credit_left = sum(credit) - sum(credit_used) - sum(refunded)
 *                                                 (enterprise credit still held here)
 * A "credit" entry moves an overpayment out of the declaration to the enterprise's credit. The
 * credit is spent on another declaration of the enterprise ("credit_used" here, "paid_by_credit"
 * there) or paid back ("refunded"); neither changes this declaration's own balance. */
#ifndef ECUSTOMS_CORE_LEDGER_H
#define ECUSTOMS_CORE_LEDGER_H

#include <stdint.h>

#include "util/date.h"

typedef enum ledger_kind {
    LE_ASSESSED,       /* at registration; signed delta after an amendment or an inspection */
    LE_PAID,           /* money received through a bank */
    LE_GUARANTEED,     /* a bank guarantee (separate or joint) */
    LE_CREDIT,         /* overpayment moved to the enterprise's credit */
    LE_REFUNDED,       /* credit paid back to the enterprise (an officer's refund decision) */
    LE_INTEREST,       /* late-payment interest */
    LE_CREDIT_USED,    /* credit held on this declaration spent on another one */
    LE_PAID_BY_CREDIT, /* tax paid out of the enterprise's credit */
    LE_COUNT
} ledger_kind;

typedef struct ledger_entry {
    ledger_kind kind;
    int64_t amount; /* VND */
    date_ymd on;    /* the day it was booked (UTC); 0 when unknown */
    date_ymd due;   /* guaranteed entries: the day the guarantee ends, else 0 */
} ledger_entry;

typedef struct ledger_balance {
    int64_t assessed, paid, guaranteed, credited, refunded, interest, credit_used, paid_by_credit;
    int64_t outstanding, surplus, credit_left;
} ledger_balance;

const char *ledger_kind_name(ledger_kind k);
/* Returns the kind named s, or LE_COUNT. */
ledger_kind ledger_kind_parse(const char *s);

void ledger_balance_of(const ledger_entry *e, int n, ledger_balance *out);

/* Splits a payment of `amount` on a declaration with balance b: the part that pays assessed tax
 * (*applied) and the excess (*excess), which becomes a credit of the enterprise. A declaration
 * that owes nothing any more (cancelled: pass owed = 0) turns the whole amount into excess. */
void ledger_split_payment(const ledger_balance *b, int64_t amount, int owed, int64_t *applied,
                          int64_t *excess);

/* How much of the guarantees securing a declaration (balance b, before the payment) a payment
 * that pays `applied` releases: the payment first pays the tax no guarantee secures, then the
 * guaranteed part, which the guarantors no longer owe. */
int64_t ledger_guarantee_release(const ledger_balance *b, int64_t applied);

/* AEO ("priority") enterprises pay the taxes of a month by the 10th of the next month
 * (Law 107/2016 Art. 9): the deadline of what was released on day d. */
date_ymd ledger_aeo_deadline(date_ymd d);

/* What a declaration's ledger leaves unpaid and when it falls due (docs/architecture.md,
 * "Overdue debts"). The debt is the tax not paid: assessed (+ interest) - paid, guarantees not
 * deducted (a guarantee secures the debt, it does not pay it). Its due date:
 *   - AEO enterprise, goods released: the 10th of the month after the release (or after a later
 *     additional assessment);
 *   - released or not, secured by a guarantee: the day the (latest) guarantee ends;
 *   - released without guarantee (e.g. additional tax assessed after clearance): the release
 *     day, or the day of the later assessment;
 *   - not released and not guaranteed: none (the goods wait for the payment; nothing is owed
 *     "late" before release — 0).
 * The due date is never before the day of the first assessment, which lets the overdue query
 * skip recent declarations. `released` is the day of clearance, 0 when not released. */
typedef struct ledger_debt {
    int64_t unpaid; /* > 0: something is owed */
    date_ymd due;   /* 0: not due (see above) */
} ledger_debt;
void ledger_debt_of(const ledger_entry *e, int n, int aeo, date_ymd released, ledger_debt *out);
/* Days a debt is overdue on `today` (paying on the due date is on time): 0 when not overdue. */
int32_t ledger_days_overdue(const ledger_debt *d, date_ymd today);

#endif
