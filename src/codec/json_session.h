/* The web portal's sign-in bodies decoded: POST /session {username, password[, role]} and PUT
 * /session {role}. Syntax only; the strings are borrowed from the body (they live as long as
 * it). */
#ifndef ECUSTOMS_CODEC_JSON_SESSION_H
#define ECUSTOMS_CODEC_JSON_SESSION_H

#include <jansson.h>

#include "util/errs.h"

typedef struct login_in {
    const char *username; /* 1-63 characters */
    const char *password; /* 1-200 characters */
    const char *role;     /* NULL when not given */
} login_in;

/* Decodes a sign-in into l, every error at once. */
void json_login_decode(json_t *body, login_in *l, errs *e);
/* A role change: only "role", a string. 0 and *role set, or -1 with the one error appended
 * ("unknown_field" or "role", path ""). */
int json_session_role_decode(json_t *body, const char **role, errs *e);

#endif
