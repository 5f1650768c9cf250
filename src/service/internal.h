/* Helpers shared by the service modules (not part of the service API). */
#ifndef ECUSTOMS_SERVICE_INTERNAL_H
#define ECUSTOMS_SERVICE_INTERNAL_H

#include "service/app.h"

void svc_sha256_hex(const void *data, size_t n, char out[65]);
/* Inside a transaction: 1 and *out set when req's Idempotency-Key was already answered. */
int svc_idem_lookup(db_conn *c, const svc_req *req, svc_reply *out);
/* Inside a transaction: remembers the reply to req's Idempotency-Key (no-op without a key). */
int svc_idem_save(db_conn *c, const svc_req *req, svc_code code, json_t *body, int64_t now);

int svc_role_is(const svc_req *req, const char *role);
int svc_is_customs(const svc_req *req); /* officer, risk_officer, admin */

#endif
