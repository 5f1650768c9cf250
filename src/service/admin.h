/* Administration: the writes an administrator makes from the command line (`ecustoms db init`,
 * `party add|key`, `token create`, `agency bind`, `risk import|activate`). They go through
 * service/ like every HTTP write: the caller's role is checked (admin), the write is one job on
 * the single writer, and the outcome is an svc_code. The CLI calls them as the built-in
 * administrator (svc_admin_cli). */
#ifndef ECUSTOMS_SERVICE_ADMIN_H
#define ECUSTOMS_SERVICE_ADMIN_H

#include "codec/risk_csv.h"
#include "service/app.h"

/* The identity of the command line: the customs administration's own party, role admin. */
svc_req svc_admin_cli(void);

/* Creates the schema's first rows: the customs party and, with demo, the demo enterprises, risk
 * rules, sampling settings and exchange rates (data_dir/tax/exchange_rates_demo.tsv; *n_fx
 * counts them). Works on a store alone: the application is not open yet. */
svc_code svc_admin_db_init(store *st, const svc_req *req, const char *data_dir, int demo, int *n_fx);

/* A new bearer token for party with role (and, for a port operator, the location it is bound to);
 * the token (hex) in out, shown once: only its hash is stored. SVC_NOT_FOUND: no such party. */
svc_code svc_admin_token_create(store *st, const svc_req *req, const char *party_code, const char *role,
                                const char *location, char out[65]);

svc_code svc_admin_party_put(store *st, const svc_req *req, const party *p);

/* A bank's ECDSA P-256 public key (PEM). SVC_NOT_FOUND: no party; SVC_CONFLICT: not a bank. */
svc_code svc_admin_bank_key_put(store *st, const svc_req *req, const char *party_code, const char *pem);

/* Lets party issue e-Permits for agency's procedures. SVC_NOT_FOUND: no such party. */
svc_code svc_admin_agency_bind(store *st, const svc_req *req, const char *party_code, const char *agency);

/* Loads a labelled risk history (with outcomes when `outcomes`). A declaration already present
 * refuses the whole import (SVC_CONFLICT; *duplicates and first_duplicate say which). */
svc_code svc_admin_risk_import(store *st, const svc_req *req, const risk_csv_row *rows, size_t n,
                               int outcomes, size_t *duplicates, char first_duplicate[33]);

/* Makes a stored model the one the server scores with. SVC_NOT_FOUND: no such version. */
svc_code svc_admin_risk_activate(store *st, const svc_req *req, int64_t version);

#endif
