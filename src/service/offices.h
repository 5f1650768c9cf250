/* Vietnam's customs offices: a reference table seeded from
 * data/reference/customs_offices.tsv and managed by the administration; a declaration to an office
 * not in it (or closed) is refused at the door. */
#ifndef ECUSTOMS_SERVICE_OFFICES_H
#define ECUSTOMS_SERVICE_OFFICES_H

#include "codec/json_office.h"
#include "service/app.h"
#include "util/errs.h"

/* At start: seeds the table from data_dir/reference/customs_offices.tsv when it is empty.
 * Returns 0 or <0 (errors logged). */
int offices_seed(app *a, const char *data_dir);
/* Appends customs_office_unknown / customs_office_closed at /customs_office when code is not an
 * active office. Cached (60 s); a code not in the cache is read from the table (one key lookup), so
 * an office added by another process (the CLI) is seen at once. */
void offices_check(app *a, const char *code, errs *e);
void offices_free(app *a);

/* GET /customs-offices (any authenticated party) */
svc_reply svc_offices_list(app *a);
/* PUT /customs-offices/{code} (admin): {"name", "province"?, "kind"?, "active"?}; audited in the
 * "customs_offices" chain. */
svc_reply svc_office_put(app *a, const svc_req *req, const char *code, const office_in *in,
                         errs *e);
/* The code format: 2 digits (the provincial department) + 2 capital letters or digits. */
int offices_code_valid(const char *code);

#endif
