/* e-C/O: certificates of origin lodged electronically by the exporting country's
 * authority (role agency or asw), verified when a declaration claims an FTA rate with them and
 * consumed at registration (IDC). */
#ifndef ECUSTOMS_SERVICE_CERTIFICATES_H
#define ECUSTOMS_SERVICE_CERTIFICATES_H

#include "codec/json_certificate.h"
#include "core/decl.h"
#include "core/tax.h"
#include "service/app.h"
#include "store/db.h"
#include "util/errs.h"

/* POST /certificates-of-origin */
svc_reply svc_cert_create(app *a, const svc_req *req, const cert_in *in, errs *e);
/* GET /certificates-of-origin/{number} (customs, the importer, the party that lodged it) */
svc_reply svc_cert_get(app *a, const svc_req *req, const char *number);
/* GET /reference/co-forms: the forms of proof of origin accepted, their agreement, parties
 * (issuing countries) and origin criteria (any authenticated party). */
svc_reply svc_cert_forms(app *a);

/* Why each claimed certificate was refused (per item, "" when accepted or not claimed). */
typedef struct cert_check {
    int n;
    char (*why)[128];
} cert_check;

/* Before the tax engine: checks every item's certificate_of_origin against the registry as of
 * `date` (exists, form, issuing country = origin, HS at 6 digits, within 12 months of issue,
 * quantity left). A refused claim is removed from d (the item is assessed without it) and its
 * reason kept in ck. */
void cert_verify(app *a, decl *d, date_ymd date, const char *own_id, cert_check *ck);
/* After the tax engine: states each refusal in the item's import duty note. Frees ck. */
void cert_annotate(cert_check *ck, tax_result *tr);

/* Inside the registration transaction: consumes the quantity of every accepted claim; a
 * certificate exhausted meanwhile (a racing declaration) is an error at
 * /items/N/certificate_of_origin. Returns 0 or <0 on a storage error. */
int cert_consume(db_conn *c, const decl *d, const char *decl_id, errs *e);

#endif
