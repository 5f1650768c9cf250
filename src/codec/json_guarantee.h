/* The e-Payment guarantee body decoded (POST /guarantees): a bank guarantees one declaration
 * (separate) or several of one enterprise (joint). Syntax only, every error at once; whether the
 * declarations exist and belong to the enterprise, and whether valid_until is past, is the
 * service's. */
#ifndef ECUSTOMS_CODEC_JSON_GUARANTEE_H
#define ECUSTOMS_CODEC_JSON_GUARANTEE_H

#include <jansson.h>
#include <stdint.h>

#include "codec/json_payment.h"
#include "util/date.h"
#include "util/errs.h"

typedef struct guarantee_in {
    char id[51];   /* guarantee_id */
    char type[12]; /* "separate" or "joint" (as sent: an error when neither) */
    char enterprise[14];
    date_ymd valid_until;      /* 0 when missing or malformed */
    int64_t amount;            /* VND */
    pay_line lines[MAX_LINES]; /* the declarations covered (amount unused); decl "" if malformed */
    int n;                     /* 0 when 'declarations' is not a usable array */
} guarantee_in;

/* Decodes a guarantee into g (zeroed first). A body that is not an object is one "type" error. */
void json_guarantee_decode(json_t *body, guarantee_in *g, errs *e);

#endif
