/* The e-Payment bodies decoded: a bank's payment report (POST /payments) and the amount and
 * declaration-number fields the credit and refund requests share. Every error at once. */
#ifndef ECUSTOMS_CODEC_JSON_PAYMENT_H
#define ECUSTOMS_CODEC_JSON_PAYMENT_H

#include <jansson.h>
#include <stdint.h>

#include "util/date.h"
#include "util/errs.h"

#define MAX_LINES 100 /* payment lines, or declarations of a guarantee */

typedef struct pay_line {
    char decl[16];  /* declaration number */
    int64_t amount; /* VND */
} pay_line;

typedef struct payment_in {
    char txn[65]; /* bank_transaction_id */
    char payer[64];
    char paid_at[40];     /* as sent */
    date_ymd paid_date;   /* its legal day (Vietnam's: 20:00Z is already the next day in Hanoi) */
    int64_t paid_instant; /* a timestamp's instant (Unix seconds), when paid_has_time */
    int paid_has_time;    /* paid_at was a timestamp, not a bare date */
    pay_line lines[MAX_LINES];
    int n;
    int64_t total; /* of the lines' valid amounts */
} payment_in;

/* Decodes a payment report into p (zeroed first). Declarations are checked for syntax only. */
void json_payment_decode(json_t *body, payment_in *p, errs *e);

/* A whole VND amount (string or integer) in (0, 10^15]: 0 and *out set, or -1 with an error at
 * path (decimal, amount_not_positive, amount_too_large). */
int json_vnd_amount(json_t *v, const char *path, errs *e, int64_t *out);

/* 1 when dn is 11 or 12 digits (the 12th is the amendment digit). */
int json_decl_number_ok(const char *dn);

#endif
