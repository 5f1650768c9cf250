/* The e-Permit bodies decoded: a permit an agency issues (POST /permits) and its revocation
 * (POST /permits/{number}/revocation). Syntax only, every error at once; whether the agency may
 * issue for those HS codes (the tariff's procedures) is the service's rule. */
#ifndef ECUSTOMS_CODEC_JSON_PERMIT_H
#define ECUSTOMS_CODEC_JSON_PERMIT_H

#include <jansson.h>
#include <stdint.h>

#include "util/date.h"
#include "util/errs.h"

#define PERMIT_MAX_HS 16

typedef struct permit_in {
    char number[48];
    char enterprise[14]; /* a tax code: 10 or 13 digits */
    char agency[16];
    char procedure[64]; /* legal reference, "" when not given */
    int has_procedure;
    int64_t quantity; /* DECIMAL_SCALE_QTY, > 0 */
    char unit[8];
    date_ymd valid_from, valid_to;
    char hs[PERMIT_MAX_HS][9]; /* HS prefixes of 4, 6 or 8 digits, in the order given */
    int n_hs;
    char hs_codes[256]; /* the same, comma-separated (as stored) */
} permit_in;

/* Decodes a permit into p (zeroed first). A body that is not an object is one "type" error. */
void json_permit_decode(json_t *body, permit_in *p, errs *e);

/* A revocation's body (may be absent): an object whose only field is "reason". 0, or -1 with
 * the one error appended (path "": "type" or "unknown_field"). */
int json_permit_revocation_check(json_t *body, errs *e);

#endif
