/* e-Manifest and VASSCM use cases (issue 5): manifests of carriers, the link between
 * declarations and bills of lading, gate decisions of port operators, container history and
 * customs holds. Same conventions as app.h. */
#ifndef ECUSTOMS_SERVICE_MANIFESTS_H
#define ECUSTOMS_SERVICE_MANIFESTS_H

#include <openssl/evp.h>
#include "core/decl.h"
#include "service/app.h"

svc_reply svc_manifest_create(app *a, const svc_req *req, json_t *body);
svc_reply svc_manifest_amend(app *a, const svc_req *req, const char *id, json_t *body);
svc_reply svc_manifest_get(app *a, const svc_req *req, const char *id);

/* Reconciliation of a declaration (its stored JSON) with the manifests: for GET declaration.
 * NULL when not applicable (exports, modes other than air/sea, not registered). */
json_t *svc_manifest_check(app *a, const char *decl_doc);

/* Inside the registration (or amendment) write job: links the declaration to its bills of
 * lading and returns the warnings (JSON array, maybe empty) for sea/air imports whose bills are
 * not (yet) in a manifest for the port of discharge: registration may precede arrival, release
 * at the gate may not. NULL on a storage error (*rc set). */
json_t *svc_manifest_on_register(db_conn *c, const char *decl_id, const decl *d, int *rc);

/* Inside a job: the manifest rows of a container that are still open, i.e. on manifests newer
 * than the last one the container was allowed out on (rows are newest manifest first, as
 * store_mctr_by_container returns them). Returns the number of open rows (a prefix of rows),
 * *n_all the number of rows read, or <0 on error. */
struct mctr_row;
int svc_ctr_open_rows(db_conn *c, const char *container, struct mctr_row *rows, int max,
                      int *n_all);

svc_reply svc_gate_event(app *a, const svc_req *req, json_t *body);
/* 1 when the calling port operator is bound to a location of the port of loc (its first five
 * characters), 0 when not, -1 on a storage error. */
int svc_operator_at(app *a, const svc_req *req, const char *loc);
/* POST /api/v1/containers/{number}/manifest-permissions (officer): lets one more carrier put a
 * container that is on another carrier's open manifest on its own manifest. */
svc_reply svc_container_permit(app *a, const svc_req *req, const char *number, json_t *body);
svc_reply svc_container_get(app *a, const svc_req *req, const char *number);
svc_reply svc_hold_open(app *a, const svc_req *req, json_t *body);
svc_reply svc_hold_release(app *a, const svc_req *req, const char *id);

/* Barcodes of a registered declaration (SVG in reply.text) and the QR signing key. */
svc_reply svc_decl_barcode(app *a, const svc_req *req, const char *number, int png);
svc_reply svc_decl_qr(app *a, const svc_req *req, const char *number, int png);
svc_reply svc_barcode_public_key(app *a);

/* A decoded declaration QR payload. */
typedef struct barcode_payload {
    char number[16];
    char status[24];
    char enterprise[16];
    char containers[6000];
    char issued_at[24];
    int signature_valid;
} barcode_payload;

/* Splits and verifies a scanned QR payload with the customs public key (offline: no database).
 * -1 (why set) when it is not a declaration barcode; 0 otherwise, out->signature_valid telling
 * whether the signature holds. */
int barcode_payload_verify(EVP_PKEY *pub, const char *payload, barcode_payload *out, char *why,
                           size_t why_size);
/* POST /api/v1/supervision/scan */
svc_reply svc_supervision_scan(app *a, const svc_req *req, json_t *body);

#endif
