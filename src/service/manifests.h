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

svc_reply svc_gate_event(app *a, const svc_req *req, json_t *body);
svc_reply svc_container_get(app *a, const svc_req *req, const char *number);
svc_reply svc_hold_open(app *a, const svc_req *req, json_t *body);
svc_reply svc_hold_release(app *a, const svc_req *req, const char *id);

/* Barcodes of a registered declaration (SVG in reply.text) and the QR signing key. */
svc_reply svc_decl_barcode(app *a, const svc_req *req, const char *number, int png);
svc_reply svc_decl_qr(app *a, const svc_req *req, const char *number, int png);
svc_reply svc_barcode_public_key(app *a);
/* The QR signing key lives in a file of mode 0600, never in the database. svc_signing_key_file
 * sets its path (serve --signing-key; NULL or unset: svc_signing_key_default_path of the
 * database); svc_signing_key_prepare loads it at start, moving a key that an older version kept
 * in the settings table into the file (and deleting it there) or creating a new one. 0, or -1
 * with err set (an unreadable or group/world-readable file, or a missing file named explicitly,
 * refuses to start; the default file is created when missing). */
void svc_signing_key_file(const char *path);
void svc_signing_key_default_path(const char *db_path, char *out, size_t n);
int svc_signing_key_prepare(app *a, char *err, size_t n);

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
