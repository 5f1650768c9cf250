/* JSON encoders of the tax engine's results and of tariff lines (jansson). Amounts are decimal
 * strings so no client ever parses money as a float. */
#ifndef ECUSTOMS_CODEC_JSON_TAX_H
#define ECUSTOMS_CODEC_JSON_TAX_H

#include <jansson.h>

#include "core/decl.h"
#include "core/tariff.h"
#include "core/tax.h"

json_t *json_tax_result(const tax_result *r, const decl *d);
json_t *json_tariff_line(const tariff_line *l, const tax_tables *tt, const char *origin,
                         date_ymd date);
/* Added: one rate cell, canonical text + structured fields. */
json_t *json_tariff_rate(const tariff_rate *r);

#endif
