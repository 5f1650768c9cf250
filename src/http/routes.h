/* Routing: method + path -> service call, through the route table http_routes. */
#ifndef ECUSTOMS_HTTP_ROUTES_H
#define ECUSTOMS_HTTP_ROUTES_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#include "service/app.h"

typedef struct http_request {
    struct MHD_Connection *conn;
    const char *method;
    const char *url;
    const char *body; /* NUL-terminated, may be NULL */
    size_t body_len;
    int body_too_big;
} http_request;

typedef struct http_response {
    int status;
    json_t *json; /* sent when text is NULL; reference taken */
    char *text;   /* heap, freed by the server */
    size_t text_len;
    const char *content_type;
    char set_cookie[160]; /* a Set-Cookie header to send, "" = none */
    int web;              /* a page: send the browser security headers */
    const char *csp;      /* a Content-Security-Policy header to send (static), NULL = none */
} http_response;

void routes_dispatch(app *a, const http_request *rq, http_response *rs);

/* The route table (routes.c): one row per method and path pattern ("{name}" = one segment). */
typedef enum http_route_access {
    HTTP_ROUTE_PUBLIC, /* no token */
    HTTP_ROUTE_BEARER, /* a valid bearer token; the service checks its role */
} http_route_access;

struct route_ctx;
typedef struct http_route {
    const char *method;  /* GET, POST, PUT, DELETE */
    const char *pattern; /* e.g. /api/v1/declarations/{id}/register */
    void (*fn)(struct route_ctx *c);
    http_route_access access;
} http_route;

extern const http_route http_routes[];
extern const size_t http_n_routes;

/* The HTTP status of a service outcome. */
int http_status_of(svc_code code);

/* Where GET /api/v1/openapi.json reads the document from (data/openapi.json). */
extern const char *http_openapi_path;

void http_metric_registration(int channel);
char *http_metrics_text(app *a);
/* /healthz: the status code and body (storage faults included) */
int http_health(app *a, json_t **out);

#endif
