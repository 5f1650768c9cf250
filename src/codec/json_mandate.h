/* The mandate body decoded (POST /enterprises/{tax_code}/mandates): an enterprise lets a
 * declarant (a customs broker) declare for it. Syntax only, every error at once; that the
 * declarant is not the enterprise itself is the service's. */
#ifndef ECUSTOMS_CODEC_JSON_MANDATE_H
#define ECUSTOMS_CODEC_JSON_MANDATE_H

#include <jansson.h>

#include "util/date.h"
#include "util/errs.h"

typedef struct mandate_in {
    char declarant[14];  /* "" when missing */
    date_ymd valid_from; /* `today` when not given */
    date_ymd valid_to;
} mandate_in;

/* Decodes a mandate into m (zeroed first); today is valid_from's default. */
void json_mandate_decode(json_t *body, date_ymd today, mandate_in *m, errs *e);

#endif
