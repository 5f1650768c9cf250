/* e-Payment storage: banks' public keys, payments (idempotent by bank + transaction id) and
 * the append-only tax ledger of declarations. Portable SQL, like store.c. */
#ifndef ECUSTOMS_STORE_STORE_PAYMENTS_H
#define ECUSTOMS_STORE_STORE_PAYMENTS_H

#include <stdint.h>

#include "store/db.h"

/* Creates the e-Payment tables (called by store_open). */
int store_payments_schema(db_conn *c);

/* ---- banks' signature keys (PEM) ----------------------------------------------------------- */
int store_bank_key_put(db_conn *c, const char *party, const char *pem, int64_t at);
/* 1 and *pem (heap) set, 0 none, <0 error */
int store_bank_key_get(db_conn *c, const char *party, char **pem);

/* ---- ledger (append-only) ------------------------------------------------------------------ */
typedef struct ledger_row {
    int seq;
    int64_t at;
    char kind[16];
    int64_t amount;
    char party[14];     /* the enterprise the entry concerns */
    char bank[14];      /* the bank for paid / guaranteed entries, "" otherwise */
    char bank_txn[65];
    char note[160];
    int32_t due;        /* guaranteed entries: the date the guarantee ends (yyyymmdd), else 0 */
} ledger_row;

/* Appends an entry; returns its sequence number (1, 2, ...) or <0. */
int store_ledger_append(db_conn *c, const char *decl_id, const ledger_row *r);
/* Entries oldest first; returns the count (fills up to max) or <0. */
int store_ledger_list(db_conn *c, const char *decl_id, ledger_row *out, int max);
/* Sum of one kind of entry of an enterprise over all its declarations (e.g. its credit). */
int64_t store_ledger_party_sum(db_conn *c, const char *party, const char *kind);

/* ---- payments -------------------------------------------------------------------------------- */
typedef struct payment_row {
    char bank[14];
    char bank_txn[65];
    char request_hash[65];
    char payer[64];
    char paid_at[40];
    int64_t total;
    int status;
    char *response;     /* heap */
    int64_t created_at;
    char kind[12];      /* payment | guarantee (one id space per bank) */
} payment_row;

int store_payment_get(db_conn *c, const char *bank, const char *bank_txn, payment_row *out);
int store_payment_put(db_conn *c, const payment_row *r);
/* A bank's payments (kind "payment") booked in [from, to) (unix s), oldest first (response not
 * read). Returns the count (fills up to max) or <0. */
int store_payments_of_bank(db_conn *c, const char *bank, int64_t from, int64_t to,
                           payment_row *out, int max);

/* Declarations a bank still guarantees (sum of its guaranteed entries > 0). */
typedef struct due_row {
    char decl_id[33];
    int64_t guaranteed;
    int32_t due;
} due_row;
int store_ledger_guaranteed_by(db_conn *c, const char *bank, due_row *out, int max);

#endif
