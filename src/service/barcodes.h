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
