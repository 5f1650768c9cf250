/* The HTTP API (libmicrohttpd + jansson) under /api/v1: thin handlers that decode the request,
 * call a service/ use case and encode its reply. */
#ifndef ECUSTOMS_HTTP_SERVER_H
#define ECUSTOMS_HTTP_SERVER_H

#include "service/app.h"

typedef struct http_server http_server;

/* Starts serving on host:port (port 0 = any free port; the chosen one is written to *port). */
int http_start(app *a, const char *host, int *port, int max_connections, http_server **out);
void http_stop(http_server *s);

#endif
