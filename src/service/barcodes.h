/* Barcodes of a registered declaration (service/barcodes.c): Code 128 and signed QR, the QR
 * signing key, and the scan at supervision (online, or offline with the public key). */
#ifndef ECUSTOMS_SERVICE_BARCODES_H
#define ECUSTOMS_SERVICE_BARCODES_H

#include <openssl/evp.h>

#include "service/app.h"

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
/* scanned: the payload json_scan_decode found (NULL when e holds its error) */
svc_reply svc_supervision_scan(app *a, const svc_req *req, const char *scanned, errs *e);

#endif
