/* VASSCM (service/gate.c): gate-in and gate-out decisions for port operators, a container's
 * history, and the holds officers open and release. */
#ifndef ECUSTOMS_SERVICE_GATE_H
#define ECUSTOMS_SERVICE_GATE_H

#include "codec/json_gate.h"
#include "service/app.h"

svc_reply svc_gate_event(app *a, const svc_req *req, const gate_event_in *in, errs *e);
/* Inside a job: the manifest rows of a container that are still open, i.e. on manifests newer
 * than the last one the container was allowed out on (rows are newest manifest first, as
 * store_mctr_by_container returns them). Returns the number of open rows (a prefix of rows),
 * *n_all the number of rows read, or <0 on error. */
struct mctr_row;
int svc_ctr_open_rows(db_conn *c, const char *container, struct mctr_row *rows, int max,
                      int *n_all);
/* 1 when the calling port operator is bound to a location of the port of loc (its first five
 * characters), 0 when not, -1 on a storage error. */
int svc_operator_at(app *a, const svc_req *req, const char *loc);
/* POST /api/v1/containers/{number}/manifest-permissions (officer): lets one more carrier put a
 * container that is on another carrier's open manifest on its own manifest. */
svc_reply svc_container_permit(app *a, const svc_req *req, const char *number,
                               const container_permit_in *in, errs *e);
svc_reply svc_container_get(app *a, const svc_req *req, const char *number);
svc_reply svc_hold_open(app *a, const svc_req *req, const hold_in *in, errs *e);
svc_reply svc_hold_release(app *a, const svc_req *req, const char *id);

#endif
