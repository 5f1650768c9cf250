/* office add|list: Vietnam's customs offices, the same rules as the API
 * (PUT /api/v1/customs-offices/{code}); every change is audited in the "customs_offices" chain
 * with the actor "CLI". */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "service/app.h"
#include "service/offices.h"

int cmd_office(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *code = cli_opt(argc, argv, "--code"),
               *name = cli_opt(argc, argv, "--name"), *prov = cli_opt(argc, argv, "--province");
    int add = argc >= 2 && !strcmp(argv[1], "add"), list = argc >= 2 && !strcmp(argv[1], "list");
    if (!db || (!add && !list) || (add && (!code || !name))) {
        fprintf(stderr, "usage: ecustoms office add --db FILE --code CODE --name NAME [--province "
                        "P] [--closed]\n"
                        "       ecustoms office list --db FILE\n");
        return 2;
    }
    if (add && !offices_code_valid(code)) {
        fprintf(stderr, "--code: 2 digits (the provincial department) and 2 capital letters or "
                        "digits, such as 02CI\n");
        return 2;
    }
    app a;
    if (app_open(&a, db, cli_data_dir()) != 0)
        return 1;
    svc_reply r;
    if (add) {
        svc_req req = {.party = "CLI", .role = "admin"};
        json_t *body =
            json_pack("{s:s,s:b}", "name", name, "active", !cli_flag(argc, argv, "--closed"));
        if (prov)
            json_object_set_new(body, "province", json_string(prov));
        errs e; /* the service answers the decoder's errors, as it does for HTTP */
        office_in in;
        errs_init(&e);
        json_office_decode(body, &in, &e);
        r = svc_office_put(&a, &req, code, &in, &e);
        json_decref(body);
    } else
        r = svc_offices_list(&a);
    int rc = r.code == SVC_OK ? 0 : r.code == SVC_INVALID ? 2 : 1;
    if (rc)
        cli_print_errors(r.body);
    else if (add)
        printf("%s %s\n", code, name);
    else {
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(r.body, "offices"), i, o)
            printf("%s\t%s\t%s\t%s\n", json_string_value(json_object_get(o, "code")),
                   json_is_true(json_object_get(o, "active")) ? "active" : "closed",
                   json_string_value(json_object_get(o, "name")),
                   json_string_value(json_object_get(o, "province")));
    }
    json_decref(r.body);
    app_close(&a);
    return rc;
}
