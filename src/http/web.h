/* The web portal in the HTTP server: static pages, bearer-or-cookie authentication
 * with the CSRF check, and the e-Office routes. */
#ifndef ECUSTOMS_HTTP_WEB_H
#define ECUSTOMS_HTTP_WEB_H

#include "http/routes.h"
#include "service/app.h"

extern const char *http_web_dir; /* the folder of the pages (<data>/web) */

/* GET / and /web/<file>: 1 when handled (rs filled), 0 when the URL is not a page. */
int http_web_static(const http_request *rq, http_response *rs);

/* Who is asking: a bearer token, else the session cookie — then a state-changing request must
 * come from our origin and carry the session's CSRF token. 1 ok (*session_id set when by
 * cookie), 0 refused (rs holds the 401/403). */
int http_authenticate(app *a, const http_request *rq, svc_req *req, http_response *rs,
                      const char **session_id);

/* POST /api/v1/session (a public route): reads the body, signs in, sets the cookie. */
int http_session_login(app *a, const http_request *rq, http_response *rs);
/* Sets the Set-Cookie that removes the session cookie (sign-out). */
void http_session_clear_cookie(const http_request *rq, http_response *rs);

#endif
