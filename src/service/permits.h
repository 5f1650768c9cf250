/* e-Permit: permits issued by licensing agencies through the single window, checked
 * and drawn down at registration (IDC). */
#ifndef ECUSTOMS_SERVICE_PERMITS_H
#define ECUSTOMS_SERVICE_PERMITS_H

#include "codec/json_permit.h"
#include "core/decl.h"
#include "core/tariff.h"
#include "service/app.h"
#include "store/db.h"
#include "util/errs.h"

/* POST /permits (role agency, bound to the permit's agency) */
svc_reply svc_permit_create(app *a, const svc_req *req, const permit_in *in, errs *e);
/* GET /permits/{number}: the issuing agency, the enterprise, customs */
svc_reply svc_permit_get(app *a, const svc_req *req, const char *number);
/* POST /permits/{number}/revocation: the issuing agency */
svc_reply svc_permit_revoke(app *a, const svc_req *req, const char *number, errs *e);

/* Inside the registration transaction: for every item whose line requires a procedure of stage
 * before_registration of an agency connected to e-Permit, finds a valid permit among the item's
 * "permits" and draws the item quantity from it (recording the use for decl_id). Problems are
 * appended to e (path /items/N/permits). Returns 0, or <0 on a storage error. */
int permits_check_and_draw(db_conn *c, const tariff *t, const decl *d, const char *decl_id,
                           const char *enterprise, date_ymd date, int64_t now, errs *e);

/* Adds items[i].permits_used to a declaration view (customs and the parties see it). */
void permits_attach_used(app *a, const char *decl_id, json_t *view);

#endif
