/* The web portal's side of the HTTP server: static pages from the data directory,
 * authentication by bearer token or session cookie (with its CSRF check), and the e-Office
 * routes (session, lists, worklists, claims, notifications). */
#include "http/web.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "service/office.h"
#include "service/users.h"
#include "util/file.h"

const char *http_web_dir; /* <data>/web, set by `serve` */

static void reply(http_response *rs, svc_reply r)
{
    rs->status = http_status_of(r.code);
    rs->json = r.body;
}

static void error(http_response *rs, int status, const char *code, const char *msg)
{
    rs->status = status;
    rs->json = json_pack("{s:[{s:s,s:s,s:s}]}", "errors", "code", code, "path", "", "message", msg);
}

static const char *header(const http_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* ---- static files ---------------------------------------------------------------------------- */

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".ico", "image/x-icon"},
};

/* Only plain names under web/: letters, digits, '-', '_', '.', one optional sub-folder. */
static int safe_name(const char *p)
{
    if (!*p || *p == '.' || strstr(p, ".."))
        return 0;
    int slashes = 0;
    for (const char *c = p; *c; c++) {
        if (*c == '/')
            slashes++;
        else if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
            return 0;
    }
    return slashes <= 1;
}

int http_web_static(const http_request *rq, http_response *rs)
{
    const char *name;
    if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
        return 0;
    if (!strcmp(rq->url, "/") || !strcmp(rq->url, "/index.html"))
        name = "index.html";
    else if (!strncmp(rq->url, "/web/", 5))
        name = rq->url + 5;
    else
        return 0;
    const char *ext = strrchr(name, '.'), *type = NULL;
    for (size_t i = 0; ext && i < sizeof types / sizeof *types; i++)
        if (!strcmp(ext, types[i].ext))
            type = types[i].type;
    char path[1024];
    if (!type || !safe_name(name) || !http_web_dir ||
        snprintf(path, sizeof path, "%s/%s", http_web_dir, name) >= (int)sizeof path ||
        !(rs->text = file_read_all(path, &rs->text_len))) {
        error(rs, 404, "not_found", "no such page");
        return 1;
    }
    rs->status = 200;
    rs->content_type = type;
    rs->web = 1;
    return 1;
}

/* ---- authentication -------------------------------------------------------------------------- */

static int state_changing(const char *m)
{
    return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

/* A browser names the page that sent a request in Origin; it must be this server. */
static int same_origin(const http_request *rq)
{
    const char *origin = header(rq, "Origin"), *host = header(rq, "Host");
    if (!origin)
        return 1; /* not a browser's cross-origin request (curl, the CLI) */
    const char *p = strstr(origin, "://");
    return host && p && !strcmp(p + 3, host);
}

int http_authenticate(app *a, const http_request *rq, svc_req *req, http_response *rs,
                      const char **session_id)
{
    const char *authz = header(rq, "Authorization");
    *session_id = NULL;
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0 || strlen(authz + 7) < 16 ||
            svc_authenticate(a, authz + 7, req) != 1) {
            error(rs, 401, "unauthorized", "a valid bearer token is required");
            return 0;
        }
        return 1;
    }
    const char *sid = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    char csrf[65];
    int rc = sid ? svc_session_authenticate(a, sid, req, csrf) : 0;
    if (rc < 0) {
        error(rs, 500, "storage", "cannot read the session");
        return 0;
    }
    if (rc != 1) {
        error(rs, 401, "unauthorized", "a valid bearer token or a signed-in session is required");
        return 0;
    }
    if (state_changing(rq->method)) {
        /* the cookie goes with every request the browser makes, also ones another site
         * triggers: a change needs the session's CSRF token, which only our pages can read */
        const char *t = header(rq, "X-CSRF-Token");
        if (!same_origin(rq)) {
            error(rs, 403, "csrf", "the request comes from another origin");
            return 0;
        }
        if (!t || strlen(t) != strlen(csrf) || CRYPTO_memcmp(t, csrf, strlen(csrf)) != 0) {
            error(rs, 403, "csrf", "send the session's CSRF token in X-CSRF-Token");
            return 0;
        }
    }
    *session_id = sid;
    return 1;
}

/* ---- sign-in --------------------------------------------------------------------------------- */

static void set_cookie(const http_request *rq, http_response *rs, const char *value, int max_age)
{
    const char *proto = header(rq, "X-Forwarded-Proto");
    int tls = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_PROTOCOL) != NULL ||
              (proto && !strcasecmp(proto, "https"));
    snprintf(rs->set_cookie, sizeof rs->set_cookie,
             "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", SESSION_COOKIE, value,
             max_age, tls ? "; Secure" : "");
}

void http_session_clear_cookie(const http_request *rq, http_response *rs)
{
    set_cookie(rq, rs, "", 0);
}

int http_session_login(app *a, const http_request *rq, http_response *rs)
{
    char sid[65];
    /* a public route: its body is read here (the router parses bodies after authentication) */
    const char *ct = header(rq, "Content-Type");
    if (!same_origin(rq)) {
        error(rs, 403, "csrf", "sign in from this server's own page");
        return 1;
    }
    if (rq->body_too_big) {
        error(rs, 413, "too_large", "the body exceeds 1 MiB");
        return 1;
    }
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        error(rs, 400, "content_type", "send Content-Type: application/json");
        return 1;
    }
    json_error_t je;
    json_t *body = json_loadb(rq->body ? rq->body : "", rq->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!body) {
        char msg[200];
        snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", je.line, je.column,
                 je.text);
        error(rs, 400, "malformed_json", msg);
        return 1;
    }
    errs e; /* on the stack (docs/architecture.md, "Memory") */
    login_in in;
    errs_init(&e);
    json_login_decode(body, &in, &e);
    svc_reply r = svc_session_login(a, &in, &e, sid);
    json_decref(body);
    reply(rs, r);
    if (r.code == SVC_OK)
        set_cookie(rq, rs, sid, SESSION_ABSOLUTE_S);
    return 1;
}
