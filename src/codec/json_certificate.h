/* The e-C/O body decoded: a certificate of origin lodged by the exporting country's authority
 * (POST /certificates-of-origin). Syntax and the rules that need no reference data beyond core/
 * (the form, its origin criteria, the country code), every error at once; what needs the tariff,
 * the agreements' parties or today's date is the service's. */
#ifndef ECUSTOMS_CODEC_JSON_CERTIFICATE_H
#define ECUSTOMS_CODEC_JSON_CERTIFICATE_H

#include <jansson.h>
#include <stdint.h>

#include "core/origin.h"
#include "util/date.h"
#include "util/errs.h"

#define CERT_MAX_ITEMS 64

typedef struct cert_item_in {
    char hs6[7];       /* 6 digits ("" when missing or malformed) */
    int64_t quantity;  /* DECIMAL_SCALE_QTY, > 0 */
    int64_t fob_value; /* DECIMAL_SCALE_AMOUNT, >= 0 */
    char origin_criterion[16];
} cert_item_in;

typedef struct cert_in {
    char form[16];
    const origin_form *of; /* the form, when Vietnam accepts it */
    char number[48];
    char issuing_country[3];
    int country_ok;      /* issuing_country is an ISO 3166 alpha-2 code */
    date_ymd issue_date; /* 0 when missing or malformed */
    char exporter[256];
    char importer[14];       /* a tax code: 10 or 13 digits */
    char invoice_number[48]; /* "" when not given */
    char transport_ref[48];  /* "" when not given */
    cert_item_in items[CERT_MAX_ITEMS];
    int n;
} cert_in;

/* Decodes a certificate into c (zeroed first). A body that is not an object is one "type" error. */
void json_certificate_decode(json_t *body, cert_in *c, errs *e);

#endif
