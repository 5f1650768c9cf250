/* agency bind: lets a party (with tokens of role agency) issue e-Permits for the procedures of
 * an agency code of data/tariff/procedures.tsv. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "service/admin.h"

int cmd_agency(int argc, char **argv)
{
    static const char *const agencies[] = {"GOV",  "MARD",   "MIC",  "MOC", "MOD", "MOF", "MOH",
                                           "MOIT", "MOLISA", "MOST", "MOT", "MPS", "SBV", NULL};
    const char *db = cli_opt(argc, argv, "--db"), *pc = cli_opt(argc, argv, "--party"),
               *ag = cli_opt(argc, argv, "--agency");
    if (argc < 2 || strcmp(argv[1], "bind") != 0 || !db || !pc || !ag) {
        fprintf(stderr, "usage: ecustoms agency bind --db FILE --party CODE --agency CODE\n");
        return 2;
    }
    int ok = 0;
    for (int i = 0; agencies[i]; i++)
        ok |= strcmp(agencies[i], ag) == 0;
    if (!ok) {
        fprintf(stderr,
                "--agency: one of the agency codes of data/tariff/procedures.tsv "
                "(GOV, MARD, MIC, MOC, MOD, MOF, MOH, MOIT, MOLISA, MOST, MOT, MPS, SBV)\n");
        return 2;
    }
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    svc_code rc = svc_admin_agency_bind(st, &admin, pc, ag);
    store_close(st);
    if (rc == SVC_NOT_FOUND) {
        fprintf(stderr, "no party with tax code %s (add it with `ecustoms party add`)\n", pc);
        return 1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "cannot store the binding\n");
        return 1;
    }
    printf("%s %s\n", pc, ag);
    return 0;
}
