/* Routing of /api/v1: method + path -> service call. */
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
    const char *body;       /* NUL-terminated, may be NULL */
    size_t body_len;
    int body_too_big;
} http_request;

typedef struct http_response {
    int status;
    json_t *json;           /* sent when text is NULL; reference taken */
    char *text;             /* heap, freed by the server */
    size_t text_len;
    const char *content_type;
    char set_cookie[160];   /* a Set-Cookie header to send, "" = none */
    int web;                /* a page: send the browser security headers */
} http_response;

void routes_dispatch(app *a, const http_request *rq, http_response *rs);

void http_metric_registration(int channel);
char *http_metrics_text(app *a);

#endif
