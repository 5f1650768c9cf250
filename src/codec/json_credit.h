/* The bodies of an enterprise's credit and refunds decoded: applying credit to a declaration
 * (POST /enterprises/{tax_code}/credits/apply), asking for a refund (POST .../refunds) and an
 * officer's decision on it (POST .../refunds/{id}/decision). Syntax only, every error at once. */
#ifndef ECUSTOMS_CODEC_JSON_CREDIT_H
#define ECUSTOMS_CODEC_JSON_CREDIT_H

#include <jansson.h>
#include <stdint.h>

#include "util/errs.h"

/* The strict bodies' fields (data/openapi.json must list exactly these:
 * tests/unit/test_openapi.c). */
extern const char *const json_credit_apply_keys[];
extern const char *const json_refund_request_keys[];
extern const char *const json_refund_decision_keys[];

typedef struct credit_apply_in {
    int64_t amount; /* VND, 0 when missing or invalid */
    char decl[16];  /* the declaration to pay: 11-12 digits */
} credit_apply_in;

typedef struct refund_request_in {
    int64_t amount;   /* VND */
    char reason[160]; /* "" when not given (UTF-8, cut at a character boundary) */
} refund_request_in;

typedef struct refund_decision_in {
    int approve;    /* 1 refund, 0 reject */
    char note[160]; /* "" when not given */
} refund_decision_in;

/* Each decodes into its struct (zeroed first); a body that is not an object is one "type" error. */
void json_credit_apply_decode(json_t *body, credit_apply_in *x, errs *e);
void json_refund_request_decode(json_t *body, refund_request_in *x, errs *e);
void json_refund_decision_decode(json_t *body, refund_decision_in *x, errs *e);

#endif
