/* Mandates: a declarant acts for an enterprise only under a mandate that the
 * enterprise granted (valid from/to, revocable); the enterprise's own declarants need none.
 * Same conventions as app.h. */
#ifndef ECUSTOMS_SERVICE_MANDATES_H
#define ECUSTOMS_SERVICE_MANDATES_H

#include "codec/json_mandate.h"
#include "service/app.h"
#include "store/store_mandates.h"
#include "util/date.h"

/* Inside a job: 1 when declarant may act for enterprise on date (it is the enterprise, or holds
 * a mandate in force), 0 when not, <0 on error. */
int svc_mandate_allows(db_conn *c, const char *enterprise, const char *declarant, date_ymd date);

/* POST /api/v1/enterprises/{tax_code}/mandates {declarant, valid_from?, valid_to}: by the
 * enterprise itself (a declarant token of that tax code) or an administrator. */
/* A mandate as the API and its audit events show it (new reference). */
json_t *svc_mandate_view(const mandate_row *m);

svc_reply svc_mandate_grant(app *a, const svc_req *req, const char *tax_code, const mandate_in *in,
                            errs *e);
/* GET /api/v1/enterprises/{tax_code}/mandates: the enterprise, customs. */
svc_reply svc_mandate_list(app *a, const svc_req *req, const char *tax_code);
/* POST /api/v1/enterprises/{tax_code}/mandates/{id}/revocation */
svc_reply svc_mandate_revoke(app *a, const svc_req *req, const char *tax_code, const char *id);

#endif
