/* Tariff and taxes as a service (service/tariff_tax.c): quotes, tariff lookups, customs
 * exchange rates. */
#ifndef ECUSTOMS_SERVICE_TARIFF_TAX_H
#define ECUSTOMS_SERVICE_TARIFF_TAX_H

#include "codec/json_fx.h"
#include "service/app.h"

/* d: the declaration json_decl_decode read (the caller releases it), e: its errors */
svc_reply svc_tax_quote(app *a, const svc_req *req, const decl *d, errs *e, date_ymd date);
svc_reply svc_tariff_get(app *a, const char *hs, const char *origin, date_ymd date);
svc_reply svc_tariff_search(app *a, const char *q);
svc_reply svc_fx_list(app *a, date_ymd date);
/* in: the rates json_fx_rates_decode read, decoded its return (-1 not the expected shape, -2 out
 * of memory), e its errors */
svc_reply svc_fx_put(app *a, const svc_req *req, const fx_rates_in *in, int decoded, errs *e);

#endif
