/* e-Payment storage: banks' public keys, payments (idempotent by bank + transaction id) and
 * the append-only tax ledger of declarations. Portable SQL, like store.c. */
#ifndef ECUSTOMS_STORE_STORE_PAYMENTS_H
#define ECUSTOMS_STORE_STORE_PAYMENTS_H

#include <stdint.h>

#include "store/db.h"

/* Tables: src/store/schema.sql. */

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
    char party[14]; /* the enterprise the entry concerns */
    char bank[14];  /* the bank for paid / guaranteed entries, "" otherwise */
    char bank_txn[65];
    char note[160];
    int32_t due; /* guaranteed entries: the date the guarantee ends (yyyymmdd), else 0 */
} ledger_row;

/* Appends an entry; returns its sequence number (1, 2, ...) or <0. */
int store_ledger_append(db_conn *c, const char *decl_id, const ledger_row *r);
/* The same with its sequence number known (seq > 0: the caller read the declaration's whole
 * ledger in this transaction, and seq is one past its last entry): a read less. seq <= 0: looked
 * up, as store_ledger_append. */
int store_ledger_append_seq(db_conn *c, const char *decl_id, const ledger_row *r, int seq);
/* Inserts an entry with its seq (r->seq) as it is, without keeping ledger_unpaid: for a writer
 * that knows the declaration's whole ledger (db seed) and writes ledger_unpaid's row itself
 * (store_ledger_unpaid_put) when the balance stays above zero. */
int store_ledger_insert(db_conn *c, const char *decl_id, const ledger_row *r);
int store_ledger_unpaid_put(db_conn *c, const char *decl_id, const char *party,
                            const char *first_party, int64_t assessed_at);
/* Entries oldest first; returns the count (fills up to max) or <0. */
int store_ledger_list(db_conn *c, const char *decl_id, ledger_row *out, int max);
/* The same in two halves: started ahead (db_send: on a database server it goes with the next
 * statement that waits), then read (the count, as above; the statement reset). */
int store_ledger_list_send(db_conn *c, const char *decl_id, db_stmt **st);
int store_ledger_list_read(db_conn *c, db_stmt *st, ledger_row *out, int max);
/* Sum of one kind of entry of an enterprise over all its declarations (e.g. its credit). */
int64_t store_ledger_party_sum(db_conn *c, const char *party, const char *kind);

/* Declarations whose tax is not all paid (assessed + interest > paid, core/ledger.h) and that
 * were assessed before `before` (unix s): of one enterprise (party), or of every one (NULL,
 * ordered by enterprise). Returns the count (fills up to max) or <0. */
typedef struct unpaid_row {
    char decl_id[33];
    char party[14];
} unpaid_row;
int store_ledger_unpaid(db_conn *c, const char *party, int64_t before, unpaid_row *out, int max);
/* The same for one enterprise in two halves: started ahead (db_send, sent with the next statement
 * that waits), then read (the count, as above; the statement reset). */
int store_ledger_unpaid_send(db_conn *c, const char *party, int64_t before, db_stmt **st);
int store_ledger_unpaid_read(db_conn *c, db_stmt *st, unpaid_row *out, int max);
/* The declarations of an enterprise with ledger entries, the first one before `before` (unix s),
 * oldest first. Returns the count (fills up to max) or <0. */
int store_ledger_decls_of(db_conn *c, const char *party, int64_t before, char (*decl_ids)[33],
                          int max);

/* ---- payments -------------------------------------------------------------------------------- */
typedef struct payment_row {
    char bank[14];
    char bank_txn[65];
    char request_hash[65];
    char payer[64];
    char paid_at[40];
    int64_t total;
    int status;
    char *response; /* heap */
    int64_t created_at;
    char kind[12]; /* payment | guarantee (one id space per bank) */
} payment_row;

int store_payment_get(db_conn *c, const char *bank, const char *bank_txn, payment_row *out);
int store_payment_put(db_conn *c, const payment_row *r);
/* A bank's payments (kind "payment") booked in [from, to) (unix s), oldest first (response not
 * read). Returns the count (fills up to max) or <0. */
int store_payments_of_bank(db_conn *c, const char *bank, int64_t from, int64_t to, payment_row *out,
                           int max);

/* Declarations a bank still guarantees (sum of its guaranteed entries > 0). */
typedef struct due_row {
    char decl_id[33];
    int64_t guaranteed;
    int32_t due;
} due_row;
int store_ledger_guaranteed_by(db_conn *c, const char *bank, due_row *out, int max);

/* ---- guarantees: their terms (what they secure is in the ledger, kind "guaranteed") --------- */
typedef struct guarantee_row {
    char bank[14];
    char id[51];
    char type[12]; /* separate | joint */
    char enterprise[14];
    int64_t amount;      /* the ceiling; a joint guarantee's released amounts are used again */
    int32_t valid_until; /* yyyymmdd */
    int64_t created_at;
} guarantee_row;

/* Stores the terms and the declarations covered, in order (decl ids). */
int store_guarantee_put(db_conn *c, const guarantee_row *g, const char (*decl_ids)[33], int n);
/* 1 found, 0 not (a guarantee given before the terms were kept), <0 error */
int store_guarantee_get(db_conn *c, const char *bank, const char *id, guarantee_row *out);
/* The covered declarations in the guarantee's order; returns the count (fills up to max). */
int store_guarantee_decls(db_conn *c, const char *bank, const char *id, char (*decl_ids)[33],
                          int max);
/* What the guarantee secures now: the sum of its "guaranteed" entries (releases are negative). */
int64_t store_guarantee_used(db_conn *c, const char *bank, const char *id);

/* ---- enterprise credit: held on the declarations whose overpayment made it ---------------- */
typedef struct credit_row {
    char decl_id[33];
    int64_t credited, used, refunded; /* left = credited - used - refunded */
    int64_t first_at;
} credit_row;

/* Per declaration of the enterprise with credit entries, oldest credit first; only_available:
 * just those with credit left. Returns the count (fills up to max) or <0. */
int store_credit_sources(db_conn *c, const char *party, int only_available, credit_row *out,
                         int max);

/* Refund requests of enterprise credit (requested -> approved | rejected by an officer). */
typedef struct refund_row {
    int64_t id;
    char party[14];
    int64_t amount;
    char status[12];
    char reason[160];
    char requested_by[14];
    int64_t requested_at;
    char decided_by[14];
    int64_t decided_at;
    char note[160];
    char declaration[13]; /* a claim raised by an accepted amendment: its declaration ("" else) */
} refund_row;

/* Inserts a new request, or records the decision on an existing one (status, decided_*, note). */
int store_refund_put(db_conn *c, const refund_row *r);
int store_refund_get(db_conn *c, int64_t id, refund_row *out); /* 1/0/<0 */
int store_refunds_of(db_conn *c, const char *party, refund_row *out, int max);

#endif
