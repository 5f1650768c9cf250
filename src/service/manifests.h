/* e-Manifest (service/manifests.c): manifests of carriers, and the link between declarations
 * and bills of lading (the registration hook, the reconciliation shown on a declaration).
 * Gate decisions and holds: service/gate.h; barcodes: service/barcodes.h. */
#ifndef ECUSTOMS_SERVICE_MANIFESTS_H
#define ECUSTOMS_SERVICE_MANIFESTS_H

#include "codec/json_manifest.h"
#include "core/decl.h"
#include "service/app.h"

/* m: the decoded manifest (its bills of lading get their screening holds here), e: its errors */
svc_reply svc_manifest_create(app *a, const svc_req *req, manifest_in *m, errs *e);
svc_reply svc_manifest_amend(app *a, const svc_req *req, const char *id, manifest_in *m, errs *e);
svc_reply svc_manifest_get(app *a, const svc_req *req, const char *id);

/* Reconciliation of a declaration with the manifests, for GET declaration: decl_header is the
 * submitted document without its items (the view's "declaration"; borrowed). NULL when not
 * applicable (exports, modes other than air/sea, not registered). */
json_t *svc_manifest_check(app *a, json_t *decl_header);

/* Inside the registration (or amendment) write job: links the declaration to its bills of
 * lading and returns the warnings (JSON array, maybe empty) for sea/air imports whose bills are
 * not (yet) in a manifest for the port of discharge: registration may precede arrival, release
 * at the gate may not. NULL on a storage error (*rc set). */
json_t *svc_manifest_on_register(db_conn *c, const char *decl_id, const decl *d, int *rc);
/* The same with the first bill of lading's manifest look-up started ahead by svc_manifest_send
 * (*st NULL when there is none to make; on a database server it goes with the next statement that
 * waits); sent (or NULL) is read or reset. */
int svc_manifest_send(db_conn *c, const decl *d, db_stmt **st);
/* fresh: the declaration's first registration (it has no links to replace) */
json_t *svc_manifest_on_register_sent(db_conn *c, const char *decl_id, const decl *d, db_stmt *sent,
                                      int fresh, int *rc);
/* Those warnings alone (reads only): the same for every declaration of one document while the
 * manifests do not change (db seed computes them once per template). */
json_t *svc_manifest_warnings(db_conn *c, const decl *d, int *rc);

#endif
