/* ecustoms mandate grant|revoke|list: an enterprise's mandates to declarants,
 * for the customs administration's desk (the enterprise itself uses the API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "service/admin.h"
#include "store/store.h"
#include "store/store_mandates.h"
#include "util/date.h"

typedef struct mcli_ctx {
    mandate_row m;
    int revoke;
} mcli_ctx;

int cmd_mandate(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *ent = cli_opt(argc, argv, "--enterprise");
    const char *dcl = cli_opt(argc, argv, "--declarant"), *from = cli_opt(argc, argv, "--from");
    const char *to = cli_opt(argc, argv, "--to");
    mcli_ctx x = {0};
    int ok = argc >= 2 && db && ent && dcl && strlen(ent) < 14 && strlen(dcl) < 14 &&
             (!strcmp(argv[1], "grant") || !strcmp(argv[1], "revoke"));
    x.revoke = ok && !strcmp(argv[1], "revoke");
    x.m.valid_from = date_today();
    x.m.valid_to = date_add_days(x.m.valid_from, 365);
    if (ok && ((from && date_parse(from, &x.m.valid_from) != 0) ||
               (to && date_parse(to, &x.m.valid_to) != 0) || x.m.valid_to < x.m.valid_from))
        ok = 0;
    if (!ok) {
        fprintf(stderr,
                "usage: ecustoms mandate grant --db FILE --enterprise TAX_CODE --declarant TAX_CODE"
                " [--from YYYY-MM-DD] [--to YYYY-MM-DD (default: a year)]\n"
                "       ecustoms mandate revoke --db FILE --enterprise TAX_CODE --declarant "
                "TAX_CODE\n");
        return 2;
    }
    snprintf(x.m.enterprise, sizeof x.m.enterprise, "%s", ent);
    snprintf(x.m.declarant, sizeof x.m.declarant, "%s", dcl);
    snprintf(x.m.granted_by, sizeof x.m.granted_by, "%s", ent);
    x.m.granted_at = (int64_t)time(NULL);
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    int n = 0;
    svc_code rc = x.revoke ? svc_admin_mandate_revoke(st, &admin, ent, dcl, &n)
                           : svc_admin_mandate_grant(st, &admin, &x.m);
    store_close(st);
    if (rc == SVC_NOT_FOUND) {
        fprintf(stderr, "mandate: unknown enterprise or declarant (ecustoms party add first)\n");
        return 1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "mandate: the database refused the change\n");
        return 1;
    }
    if (x.revoke)
        printf("revoked %d mandate(s) of %s to %s\n", n, ent, dcl);
    else
        printf("mandate %lld: %s acts for %s\n", (long long)x.m.id, dcl, ent);
    return 0;
}
