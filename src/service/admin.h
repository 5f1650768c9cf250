/* Administration: the writes an administrator makes from the command line (`ecustoms db init`,
 * `party add|key`, `token create|revoke`, `agency bind`, `mandate grant|revoke`, `risk
 * import|activate`). They go through service/ like every HTTP write: the caller's role is checked
 * (admin), the write is one job on the single writer, the outcome is an svc_code, and each change
 * appends an event to the administration's audit chain of its kind, in the same transaction
 * (`audit:parties`, `audit:tokens`, `audit:bank_keys`, `audit:agencies`, `audit:mandates`,
 * `audit:risk_model`; `audit:users` from users.c), so that `ecustoms audit verify` covers what
 * was done from the command line as it covers the API. The CLI calls them as the built-in
 * administrator (svc_admin_cli). */
#ifndef ECUSTOMS_SERVICE_ADMIN_H
#define ECUSTOMS_SERVICE_ADMIN_H

#include "codec/risk_csv.h"
#include "service/app.h"
#include "store/store_mandates.h"

/* The identity of the command line: the customs administration's own party, role admin. */
svc_req svc_admin_cli(void);

/* Creates the schema's first rows: the customs party and, with demo, the demo enterprises, risk
 * rules, sampling settings and exchange rates (data_dir/tax/exchange_rates_demo.tsv; *n_fx
 * counts them). Works on a store alone: the application is not open yet. */
svc_code svc_admin_db_init(store *st, const svc_req *req, const char *data_dir, int demo,
                           int *n_fx);

/* A new bearer token for party with role (and, for a port operator, the location it is bound to),
 * expiring at expires_at (0: never); the token (hex) in out, shown once: only its hash is stored.
 * SVC_NOT_FOUND: no such party. */
svc_code svc_admin_token_create(store *st, const svc_req *req, const char *party_code,
                                const char *role, const char *location, int64_t expires_at,
                                char out[65]);

/* A token acting as the person `username` (e-Office), in role (NULL: the person's only role),
 * expiring at expires_at. SVC_INVALID with *problem saying why (no such user, role not held,
 * party differs from the person's). */
svc_code svc_admin_token_for_user(store *st, const svc_req *req, const char *username,
                                  const char *role, const char *party_code, int64_t expires_at,
                                  char out[65], const char **problem);

/* Revokes a token (given in clear; only its hash is looked up). SVC_NOT_FOUND: no such token. */
svc_code svc_admin_token_revoke(store *st, const svc_req *req, const char *token);

/* The administration's desk grants a mandate (m: enterprise, declarant, validity; its id is set)
 * or revokes every mandate in force between the two (*n counts them). SVC_NOT_FOUND: unknown
 * enterprise or declarant. */
svc_code svc_admin_mandate_grant(store *st, const svc_req *req, mandate_row *m);
svc_code svc_admin_mandate_revoke(store *st, const svc_req *req, const char *enterprise,
                                  const char *declarant, int *n);

/* The parties of the demo people that db init --demo does not make (a bank, a carrier, a port
 * operator bound to VNHPH). */
svc_code svc_admin_demo_parties(store *st, const svc_req *req);

svc_code svc_admin_party_put(store *st, const svc_req *req, const party *p);

/* A bank's ECDSA P-256 public key (PEM). SVC_NOT_FOUND: no party; SVC_CONFLICT: not a bank. */
svc_code svc_admin_bank_key_put(store *st, const svc_req *req, const char *party_code,
                                const char *pem);

/* Lets party issue e-Permits for agency's procedures. SVC_NOT_FOUND: no such party. */
svc_code svc_admin_agency_bind(store *st, const svc_req *req, const char *party_code,
                               const char *agency);

/* Loads a labelled risk history (with outcomes when `outcomes`). A declaration already present
 * refuses the whole import (SVC_CONFLICT; *duplicates and first_duplicate say which). */
svc_code svc_admin_risk_import(store *st, const svc_req *req, const risk_csv_row *rows, size_t n,
                               int outcomes, size_t *duplicates, char first_duplicate[33]);

/* Makes a stored model the one the server scores with. SVC_NOT_FOUND: no such version. */
svc_code svc_admin_risk_activate(store *st, const svc_req *req, int64_t version);

#endif
