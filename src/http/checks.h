/* Checks on a request made before routing, kept free of libmicrohttpd so that they can be
 * fuzzed (tests/fuzz/fuzz_http_request.c) and unit-tested on their own. */
#ifndef ECUSTOMS_HTTP_CHECKS_H
#define ECUSTOMS_HTTP_CHECKS_H

/* Request smuggling: fed every header of a request, tells whether its framing is ambiguous. */
typedef struct http_framing {
    int n_length, lengths_differ, chunked, n_te;
    const char *first_length; /* borrowed: the headers outlive the check */
} http_framing;

void http_framing_add(http_framing *f, const char *name, const char *value);
/* Why the framing is refused (NULL if it is not). A proxy in front and this server must agree on
 * where a request ends, so any framing two parsers could read differently is refused: two
 * different Content-Length values (RFC 9112 6.3 allows repeating one value), Content-Length
 * together with Transfer-Encoding, or more than one Transfer-Encoding header. */
const char *http_framing_problem(const http_framing *f);

#endif
