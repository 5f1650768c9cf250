/* JSON encoding of tax results and tariff lookups. */
#ifndef ECUSTOMS_CODEC_JSON_TAX_H
#define ECUSTOMS_CODEC_JSON_TAX_H

#include <jansson.h>

#include "core/decl.h"
#include "core/tariff.h"
#include "core/tax.h"

json_t *json_tax_result(const tax_result *r, const decl *d);
json_t *json_tariff_line(const tariff_line *l, const tax_tables *tt, const char *origin,
                         date_ymd date);

#endif
