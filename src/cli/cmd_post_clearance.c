/* audit candidates|open|cases|findings|assess: post-clearance audit from the console,
 * through the same use cases as the API (service/post_clearance.h), acting as the customs officer
 * "CLI"; every step is audited like the API's. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "service/app.h"
#include "service/post_clearance.h"

static void print_case(json_t *c)
{
    printf("case %s %s declaration %s enterprise %s additional_tax %s interest %s\n",
           json_string_value(json_object_get(c, "id")),
           json_string_value(json_object_get(c, "status")),
           json_string_value(json_object_get(c, "declaration")),
           json_string_value(json_object_get(c, "enterprise")),
           json_string_value(json_object_get(c, "additional_tax")),
           json_string_value(json_object_get(c, "interest")));
}

int cmd_post_clearance(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *sub = argv[1];
    const char *number = cli_opt(argc, argv, "--declaration"),
               *reason = cli_opt(argc, argv, "--reason"), *id = cli_opt(argc, argv, "--case"),
               *findings = cli_opt(argc, argv, "--findings");
    int ok = db && (!strcmp(sub, "candidates") || !strcmp(sub, "cases") ||
                    (!strcmp(sub, "open") && number && reason) ||
                    (!strcmp(sub, "findings") && id && findings) || (!strcmp(sub, "assess") && id));
    if (!ok) {
        fprintf(stderr,
                "usage: ecustoms audit candidates --db FILE [--limit N]\n"
                "       ecustoms audit open --db FILE --declaration NUMBER --reason TEXT\n"
                "       ecustoms audit cases --db FILE [--status open|findings|assessed|closed]\n"
                "       ecustoms audit findings --db FILE --case ID --findings TEXT [--violation "
                "--additional-tax VND]\n"
                "       ecustoms audit assess --db FILE --case ID\n");
        return 2;
    }
    app a;
    if (app_open(&a, db, cli_data_dir()) != 0)
        return 1;
    svc_req req = {.party = "CLI", .role = "officer"};
    svc_reply r;
    json_t *body = NULL;
    errs e; /* the service answers the decoder's errors, as it does for HTTP */
    errs_init(&e);
    if (!strcmp(sub, "candidates"))
        r = svc_pca_candidates(&a, &req, cli_opt(argc, argv, "--limit"));
    else if (!strcmp(sub, "cases"))
        r = svc_pca_list(&a, &req, cli_opt(argc, argv, "--status"));
    else if (!strcmp(sub, "open")) {
        body = json_pack("{s:s,s:s}", "declaration", number, "reason", reason);
        audit_case_in in;
        json_audit_case_decode(body, &in, &e);
        r = svc_pca_open(&a, &req, &in, &e);
    } else if (!strcmp(sub, "findings")) {
        const char *tax = cli_opt(argc, argv, "--additional-tax");
        body = json_pack("{s:b,s:s}", "violation", cli_flag(argc, argv, "--violation"), "findings",
                         findings);
        if (tax)
            json_object_set_new(body, "additional_tax", json_string(tax));
        audit_findings_in in;
        json_audit_findings_decode(body, &in, &e);
        r = svc_pca_findings(&a, &req, id, &in, &e);
    } else
        r = svc_pca_assess(&a, &req, id);
    json_decref(body);
    int rc = r.code == SVC_OK || r.code == SVC_CREATED ? 0 : r.code == SVC_INVALID ? 2 : 1;
    if (rc)
        cli_print_errors(r.body);
    else if (!strcmp(sub, "candidates")) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(r.body, "candidates"), i, c)
        {
            printf("%s\t%s\t%lld\t", json_string_value(json_object_get(c, "declaration")),
                   json_string_value(json_object_get(c, "enterprise")),
                   (long long)json_integer_value(json_object_get(c, "score")));
            size_t k;
            json_t *why;
            json_array_foreach(json_object_get(c, "reasons"), k, why)
                printf("%s%s", k ? "," : "", json_string_value(json_object_get(why, "code")));
            printf("\n");
        }
    } else if (!strcmp(sub, "cases")) {
        size_t i;
        json_t *c;
        json_array_foreach(json_object_get(r.body, "cases"), i, c) print_case(c);
    } else
        print_case(r.body);
    json_decref(r.body);
    app_close(&a);
    return rc;
}
