/* Documents attached to declarations: invoices, packing lists, bills of
 * lading, contracts, C/Os, permits, value declarations and photos from the declarant; inspection
 * photos and scanner images from the officer. PDF, JPEG, PNG or XML, recognised by their bytes.
 * The bytes are stored by SHA-256 (store/store_attachments.h), the hash goes into the
 * declaration's hash-chained "attach" event, and every read re-hashes the bytes and compares them
 * with both: a swapped attachment is refused, never served. */
#ifndef ECUSTOMS_SERVICE_ATTACHMENTS_H
#define ECUSTOMS_SERVICE_ATTACHMENTS_H

#include <stddef.h>

#include "service/app.h"

#define ATTACH_MAX_FILE (4 * 1024 * 1024)  /* bytes per file */
#define ATTACH_MAX_DECL (16 * 1024 * 1024) /* bytes per declaration, all files together */
#define ATTACH_MAX_COUNT 50                /* files per declaration */

/* Whether a URL path is an upload's or a replacement's (.../attachments or .../attachments/{id}:
 * the HTTP server lets its body grow to ATTACH_MAX_FILE). */
int svc_attach_is_upload_path(const char *url);

/* POST /api/v1/declarations/{n}/attachments?filename=&kind= with the raw bytes as the body.
 * too_big: the body was over ATTACH_MAX_FILE and dropped (reported with the other errors). */
svc_reply svc_attach_upload(app *a, const svc_req *req, const char *number, const char *kind,
                            const char *filename, const char *content_type, const char *body,
                            size_t len, int too_big);
/* DELETE /api/v1/declarations/{n}/attachments/{id}: the declarant removes one of its documents
 * before clearance (409 attachment_locked from then on); a hash-chained "attachment_deleted"
 * event records it with the person. 200 with the removed attachment's description. */
svc_reply svc_attach_delete(app *a, const svc_req *req, const char *number, const char *id);
/* PUT /api/v1/declarations/{n}/attachments/{id}?filename=[&kind=] with the new bytes as the body:
 * the same attachment (id, place in the list) with another file, before clearance; an
 * "attachment_replaced" event records the new SHA-256 beside the previous one. 200. */
svc_reply svc_attach_replace(app *a, const svc_req *req, const char *number, const char *id,
                             const char *kind, const char *filename, const char *content_type,
                             const char *body, size_t len, int too_big);
/* GET /api/v1/declarations/{n}/attachments */
svc_reply svc_attach_list(app *a, const svc_req *req, const char *number);
/* GET /api/v1/declarations/{n}/attachments/{id}: the bytes (reply.text, text_len, content_type). */
svc_reply svc_attach_get(app *a, const svc_req *req, const char *number, const char *id);

#endif
