/* The tax ledger of a declaration (e-Payment, issue 6): append-only entries, balances derived.
 *
 * Entries are never updated or deleted; every balance is a sum over them:
 *   assessed    = sum(assessed) + sum(interest)   (re-assessments are signed deltas)
 *   paid        = sum(paid) - sum(credit) - sum(refund)   (net money kept for this declaration)
 *   guaranteed  = sum(guaranteed)                 (bank guarantees securing the debt)
 *   outstanding = max(0, assessed - paid - guaranteed)
 *   surplus     = max(0, paid - assessed)         (overpaid, not yet moved to a credit)
 * A "credit" entry moves an overpayment to the enterprise's credit; a "refund" pays it back. */
#ifndef ECUSTOMS_CORE_LEDGER_H
#define ECUSTOMS_CORE_LEDGER_H

#include <stdint.h>

typedef enum ledger_kind {
    LE_ASSESSED,    /* at registration; signed delta after an amendment or an inspection */
    LE_PAID,        /* money received through a bank */
    LE_GUARANTEED,  /* a bank guarantee (separate or joint) */
    LE_CREDIT,      /* overpayment moved to the enterprise's credit */
    LE_REFUND,      /* money given back */
    LE_INTEREST,    /* late-payment interest */
    LE_COUNT
} ledger_kind;

typedef struct ledger_entry {
    ledger_kind kind;
    int64_t amount;  /* VND */
} ledger_entry;

typedef struct ledger_balance {
    int64_t assessed, paid, guaranteed, credited, refunded, interest;
    int64_t outstanding, surplus;
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

#endif
