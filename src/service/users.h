/* e-Office people: users with roles, passwords (scrypt), web sessions with CSRF tokens, sign-in
 * throttling, tokens issued to a person, and the person in audit events. */
#ifndef ECUSTOMS_SERVICE_USERS_H
#define ECUSTOMS_SERVICE_USERS_H

#include "codec/json_session.h"
#include "service/app.h"
#include "store/store_users.h"
#include "util/errs.h"

#define SESSION_IDLE_S 1800      /* a session unused for 30 min ends */
#define SESSION_ABSOLUTE_S 43200 /* and every session ends 12 h after sign-in */
#define SESSION_COOKIE "ecs_session"

/* 1 when role is one ecustoms knows (declarant, officer, risk_officer, manager, admin, ...). */
int svc_role_valid(const char *role);
/* The roles as one comma-separated line, for usage messages. */
const char *svc_roles_list(void);

/* scrypt (N=2^15, r=8, p=1, 16-byte salt) as "scrypt$15$8$1$salt$hash". 0 or -1. */
int svc_password_hash(const char *password, char out[256]);
/* 1 matches, 0 not (also for a malformed stored value). */
int svc_password_verify(const char *password, const char *stored);

/* Adds a person (or updates one: name, office, password, party; roles are added). Validates
 * every field (errors in e, all at once). 0 ok, 1 invalid (e filled), <0 storage error. */
/* by: the administrator adding the person (role admin), recorded in the audit chain audit:users. */
int svc_user_add(store *st, const svc_req *by, const user_row *u, const char *password, errs *e);

/* POST /session: {"username","password"[,"role"]} -> 200 with the person, the role acting and
 * the CSRF token; session_id (48 hex) is the cookie value to set. A wrong password and an
 * unknown user get the same 401; repeated failures are throttled (429). */
svc_reply svc_session_login(app *a, const login_in *in, errs *e, char session_id[65]);
/* Cookie -> who is asking. 1 ok (csrf filled), 0 unknown or expired, <0 error. */
int svc_session_authenticate(app *a, const char *session_id, svc_req *req, char csrf[65]);
/* GET /session: the person, role, roles and CSRF token of the session (or of the token). */
svc_reply svc_session_get(app *a, const svc_req *req, const char *session_id);
/* PUT /session {"role"}: act in another of the person's roles. */
/* role: what json_session_role_decode found (NULL when e holds its error) */
svc_reply svc_session_put(app *a, const svc_req *req, const char *session_id, const char *role,
                          errs *e);
svc_reply svc_session_delete(app *a, const char *session_id);

/* Adds "user" and "user_name" of the person acting to an event's detail (a new object when
 * detail is NULL and a person acts; NULL stays NULL for machine tokens). Returns detail. */
json_t *svc_event_actor(const svc_req *req, json_t *detail);

/* Inside a write job: appends an event to the hash chain "audit:<chain>" (risk_rules,
 * risk_settings, holds, refunds, container_permissions, mandates — changes that belong to no
 * declaration), with the party, role and person acting (audit_log_append); detail is borrowed.
 * `ecustoms audit verify` checks these chains like the declarations'; GET /admin/audit?chain=
 * reads them. */
int svc_audit_append(db_conn *c, const svc_req *req, const char *chain, int64_t at,
                     const char *action, json_t *detail);

#endif
