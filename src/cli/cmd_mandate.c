/* ecustoms mandate grant|revoke|list: an enterprise's mandates to declarants (issue 15 #5),
 * for the customs administration's desk (the enterprise itself uses the API). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "store/store.h"
#include "store/store_mandates.h"
#include "util/date.h"

typedef struct mcli_ctx {
    mandate_row m;
    int revoke;
    int n;
} mcli_ctx;

static int mcli_job(db_conn *c, void *ctx)
{
    mcli_ctx *x = ctx;
    if (!x->revoke) {
        party p;
        int rc = store_party_get(c, x->m.enterprise, &p);
        if (rc <= 0 || (rc = store_party_get(c, x->m.declarant, &p)) <= 0)
            return rc == 0 ? 1 : rc;
        x->m.id = store_sequence_next(c, "mandate");
        if (x->m.id < 0)
            return (int)x->m.id;
        x->n = 1;
        return store_mandate_put(c, &x->m);
    }
    mandate_row rows[64];
    int n = store_mandate_list(c, x->m.enterprise, x->m.declarant, rows, 64);
    if (n < 0)
        return n;
    for (int i = 0; i < n; i++) {
        if (rows[i].revoked_at)
            continue;
        rows[i].revoked_at = (int64_t)time(NULL);
        snprintf(rows[i].revoked_by, sizeof rows[i].revoked_by, "CUSTOMS-CLI");
        int rc = store_mandate_put(c, &rows[i]);
        if (rc)
            return rc;
        x->n++;
    }
    return 0;
}

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
        fprintf(stderr, "usage: ecustoms mandate grant --db FILE --enterprise TAX_CODE --declarant TAX_CODE"
                        " [--from YYYY-MM-DD] [--to YYYY-MM-DD (default: a year)]\n"
                        "       ecustoms mandate revoke --db FILE --enterprise TAX_CODE --declarant TAX_CODE\n");
        return 2;
    }
    snprintf(x.m.enterprise, sizeof x.m.enterprise, "%s", ent);
    snprintf(x.m.declarant, sizeof x.m.declarant, "%s", dcl);
    snprintf(x.m.granted_by, sizeof x.m.granted_by, "%s", ent);
    x.m.granted_at = (int64_t)time(NULL);
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    int rc = store_write(st, mcli_job, &x);
    store_close(st);
    if (rc == 1) {
        fprintf(stderr, "mandate: unknown enterprise or declarant (ecustoms party add first)\n");
        return 1;
    }
    if (rc != 0) {
        fprintf(stderr, "mandate: the database refused the change\n");
        return 1;
    }
    if (x.revoke)
        printf("revoked %d mandate(s) of %s to %s\n", x.n, ent, dcl);
    else
        printf("mandate %lld: %s acts for %s\n", (long long)x.m.id, dcl, ent);
    return 0;
}
