/* A small HTTP client for the CLI and the load tool (libcurl, one handle per thread so
 * connections are kept alive). */
#ifndef ECUSTOMS_CLI_CLIENT_H
#define ECUSTOMS_CLI_CLIENT_H

#include <stddef.h>

typedef struct client client;

client *client_new(const char *base_url, const char *token);
/* Every client made afterwards connects from this local address (e.g. 127.0.0.2: on Linux a
 * connection to any 127.x address otherwise comes from 127.0.0.1). NULL: the system's choice. */
void client_set_source_address(const char *ip);
void client_free(client *c);
/* Sends method path [body]; returns the HTTP status (or -1 on a transport error). The
 * response body is available through client_body until the next call. */
int client_call(client *c, const char *method, const char *path, const char *body,
                const char *idempotency_key);
const char *client_body(const client *c);

#endif
