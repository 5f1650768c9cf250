/* The customs exchange rates body decoded (PUT /reference/exchange-rates, the administration):
 * {"rates": [{currency, vnd_per_unit, valid_from, valid_to, source}, ...], "confirm": true?}.
 * Syntax only, every error at once; overlaps with stored rates are the service's. */
#ifndef ECUSTOMS_CODEC_JSON_FX_H
#define ECUSTOMS_CODEC_JSON_FX_H

#include <jansson.h>
#include <stdint.h>

#include "util/date.h"
#include "util/errs.h"

#define FX_MAX_RATES 512

typedef struct fx_in {
    char currency[4];     /* ISO 4217 */
    int64_t vnd_per_unit; /* DECIMAL_SCALE_FX, > 0 */
    date_ymd valid_from, valid_to;
    char source[96]; /* "customs administration" when not given */
} fx_in;

typedef struct fx_rates_in {
    fx_in *rates; /* heap: json_fx_rates_release */
    int n;
    int confirm; /* "confirm": true */
} fx_rates_in;

/* Decodes the rates into x (zeroed first). -1 with one "shape" error at "" when the body is not
 * {"rates": [1-512 rates], "confirm"?} (nothing allocated), -2 when out of memory, otherwise 0
 * with every other error appended to e. */
int json_fx_rates_decode(json_t *body, fx_rates_in *x, errs *e);
void json_fx_rates_release(fx_rates_in *x);

#endif
