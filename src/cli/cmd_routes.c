/* ecustoms routes: the HTTP route table (method, pattern, access), one route a line, for the
 * authorization matrix test (tests/api/test_authz.py) and for operators. */
#include <stdio.h>

#include "cli/cli.h"
#include "http/routes.h"

int cmd_routes(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < http_n_routes; i++)
        printf("%s\t%s\t%s\n", http_routes[i].method, http_routes[i].pattern,
               http_routes[i].access == HTTP_ROUTE_PUBLIC ? "public" : "bearer");
    return 0;
}
