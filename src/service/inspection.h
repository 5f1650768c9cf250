/* Specialised inspection: what each registered item still owes to the
 * agencies (procedures of stage before_clearance and after_clearance of
 * data/tariff/procedures.tsv), the results the agencies record, the clearance gate, release for
 * storage pending results (Decree 08/2015 Art. 32 as amended by Decree 59/2018) and the agencies'
 * after-clearance obligations.
 *
 * As for permits (service/permits.c), only procedures of a *connected* agency are owed: one with
 * at least one bound party (`ecustoms agency bind`); the others are still handled on paper. */
#ifndef ECUSTOMS_SERVICE_INSPECTION_H
#define ECUSTOMS_SERVICE_INSPECTION_H

#include "core/decl.h"
#include "codec/json_inspection.h"
#include "service/app.h"
#include "store/store.h"
#include "store/store_permits.h"

/* Days an after_clearance procedure may take after clearance before it is overdue. Not from a
 * legal text (the circulars require the certificate before the goods are put on the market and
 * set no day count): the agency's working deadline, shown with each obligation. */
#define INSP_AFTER_CLEARANCE_DAYS 30

/* Inside the registration (fresh: nothing recorded yet) or amendment job: records what each item
 * of d owes (an amendment keeps the status decided for the same line, procedure and HS code)
 * and, when owed is not NULL, returns the list as the IDC answer shows it (new reference).
 * 0 or <0. */
int insp_on_register(db_conn *c, const tariff *t, const decl *d, const char *decl_id, int64_t now,
                     int fresh, json_t **owed);
/* The agencies d's items owe procedures to, and whether each is connected: one look-up for all
 * of them (up to STORE_AGENCY_SLOTS), started ahead by insp_agencies_send (on a database server
 * it goes with the next statement that waits) and read by insp_on_register_sent, which takes
 * them over; insp_agencies_unsend resets a look-up that will not be read. */
typedef struct insp_agencies {
    const char *agency[STORE_AGENCY_SLOTS];
    int connected[STORE_AGENCY_SLOTS];
    int n;
    db_stmt *st; /* started, not read yet (NULL: read, or nothing to ask) */
} insp_agencies;
int insp_agencies_send(db_conn *c, const tariff *t, const decl *d, insp_agencies *a);
void insp_agencies_unsend(db_conn *c, insp_agencies *a);
int insp_on_register_sent(db_conn *c, const tariff *t, const decl *d, const char *decl_id,
                          int64_t now, int fresh, insp_agencies *a, json_t **owed);

/* Inside a clearing job: adds `inspection_pending` / `inspection_failed` (409) per procedure and
 * item that blocks clearance. Returns the number of blocking procedures, or <0. */
int insp_clearance_blocks(db_conn *c, const char *decl_id, errs *e);

/* Inside a transaction: adds "procedures_owed" (with results) and, when released for storage,
 * "released_for_storage" to a declaration view. 0 or <0. */
int insp_attach(db_conn *c, const tariff *t, const char *decl_id, json_t *view);

/* POST /declarations/{number}/inspection-results: an agency records a result for items of
 * a declaration, or the declarant references a result already issued for its goods. */
/* in: as json_insp_result_decode decoded it (the declarant's fields for a declarant, else the
 * agency's), e its errors; the item lines are checked here, against the declaration */
svc_reply svc_inspection_result(app *a, const svc_req *req, const char *number,
                                const insp_result_in *in, errs *e);
/* GET /agencies/me/obligations: the calling agency's after-clearance obligations. */
svc_reply svc_agency_obligations(app *a, const svc_req *req);

/* Officer decisions outside the lifecycle: "release_for_storage" (storage_address) and
 * "inspection_failure" (measure: re_export | destruction). 1 when decision is one of them
 * (*out set), 0 otherwise. */
int svc_insp_decision(app *a, const svc_req *req, const char *number, const char *decision,
                      const insp_decision_in *in, errs *e, svc_reply *out);

/* Defined in service/clearance.c: the declaration as the caller may see it (the view of GET). */
json_t *svc_decl_view_row(const decl_row *r, const svc_req *req);

#endif
