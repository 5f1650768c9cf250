/* The HTTP API (libmicrohttpd + jansson) under /api/v1: thin handlers that decode the request,
 * call a service/ use case and encode its reply. */
#ifndef ECUSTOMS_HTTP_SERVER_H
#define ECUSTOMS_HTTP_SERVER_H

#include "service/app.h"

typedef struct http_server http_server;

/* What one client may hold, and how the server is reached. Zero fields take the defaults below. */
typedef struct http_options {
    const char *host;         /* IPv4 address to listen on */
    int port;                 /* 0 = any free port; the chosen one is written back */
    int max_connections;      /* all clients together (default 1000) */
    int max_per_address;      /* one client address (default 256: a quarter of the total, so
                               * one address cannot take the others' share) */
    int request_timeout;      /* seconds to receive a whole request, headers and body, counted
                               * from the end of the previous one (default 10; not only idle
                               * time: a client sending a byte a second is cut too) */
    const char *tls_cert_pem; /* both set: HTTPS only (libmicrohttpd + GnuTLS) */
    const char *tls_key_pem;
    int allow_plain_bearer; /* accept bearer tokens over plain HTTP from non-loopback peers */
} http_options;

#define HTTP_DEFAULT_MAX_CONNECTIONS 1000
#define HTTP_DEFAULT_MAX_PER_ADDRESS 256
#define HTTP_DEFAULT_REQUEST_TIMEOUT 10

/* Starts serving (o->port is updated to the bound port). */
int http_start_opts(app *a, http_options *o, http_server **out);
/* Starts serving on host:port with the defaults (port 0 = any free port, written to *port). */
int http_start(app *a, const char *host, int *port, int max_connections, http_server **out);
void http_stop(http_server *s);

#endif
