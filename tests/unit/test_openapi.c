/* data/openapi.json: parses, is OpenAPI 3.0.3, and documents every route of the route table
 * (src/http/routes.c, http_routes) serves (with the right methods), the bearer scheme, the error
 * shape and the exact field lists of the strict declaration decoder (src/codec/json_decl.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "service/app.h"
#include "http/routes.h"

#include "codec/json_decl.h"
#include "codec/json_credit.h"

/* service/credits.c (its header pulls in the whole application) */
#include <jansson.h>

static json_t *doc;
static void read_route_table(void);

static int load(void **state)
{
    json_error_t je;
    (void)state;
    read_route_table();
    doc = json_load_file(ECUSTOMS_DATA_DIR "/openapi.json", JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        fprintf(stderr, "openapi.json: %s at line %d column %d\n", je.text, je.line, je.column);
    return 0;
}

static int unload(void **state)
{
    (void)state;
    json_decref(doc);
    return 0;
}

typedef struct route {
    const char *path;
    const char *methods[8]; /* lower case, NULL-terminated */
    int public;             /* no bearer token */
} route;

/* Every route of the router, read from its table (http_routes), grouped by path. */
static route routes[128];
static size_t n_routes;
static char lower[128][8][8];
static int method_public[128]
                        [8]; /* a path may mix: POST /api/v1/session signs in, without a token */

static void read_route_table(void)
{
    n_routes = 0;
    for (size_t i = 0; i < http_n_routes; i++) {
        const http_route *hr = &http_routes[i];
        size_t k = 0;
        while (k < n_routes && strcmp(routes[k].path, hr->pattern))
            k++;
        if (k == n_routes) {
            assert_true(n_routes < 128);
            routes[n_routes++] =
                (route){.path = hr->pattern, .public = hr->access == HTTP_ROUTE_PUBLIC};
        }
        size_t m = 0;
        while (routes[k].methods[m])
            m++;
        assert_true(m < 7);
        for (size_t j = 0; hr->method[j] && j < 7; j++)
            lower[k][m][j] = (char)(hr->method[j] - 'A' + 'a');
        routes[k].methods[m] = lower[k][m];
        method_public[k][m] = hr->access == HTTP_ROUTE_PUBLIC;
        if (!method_public[k][m])
            routes[k].public = 0;
    }
}

static const char *const all_methods[] = {"get",   "put",  "post",    "delete",
                                          "patch", "head", "options", "trace"};

static void parses_as_openapi_303(void **state)
{
    (void)state;
    assert_non_null(doc);
    assert_true(json_is_object(doc));
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");
    assert_non_null(json_object_get(json_object_get(doc, "info"), "title"));
    assert_non_null(json_object_get(json_object_get(doc, "info"), "version"));
}

static void every_route_documented(void **state)
{
    (void)state;
    json_t *paths = json_object_get(doc, "paths");
    assert_true(json_is_object(paths));
    for (size_t i = 0; i < n_routes; i++) {
        json_t *p = json_object_get(paths, routes[i].path);
        if (!p)
            fail_msg("path %s is not documented", routes[i].path);
        /* exactly the served methods */
        for (size_t m = 0; m < sizeof all_methods / sizeof *all_methods; m++) {
            int served = 0;
            for (const char *const *k = routes[i].methods; *k; k++)
                served |= strcmp(*k, all_methods[m]) == 0;
            json_t *op = json_object_get(p, all_methods[m]);
            if (served && !json_is_object(op))
                fail_msg("%s %s is not documented", all_methods[m], routes[i].path);
            if (!served && op)
                fail_msg("%s %s is documented but not served", all_methods[m], routes[i].path);
            if (op && !json_object_get(json_object_get(op, "responses"), "200") &&
                !json_object_get(json_object_get(op, "responses"), "201"))
                fail_msg("%s %s has no success response", all_methods[m], routes[i].path);
        }
    }
    /* and nothing else */
    assert_int_equal(json_object_size(paths), n_routes);
}

static void bearer_auth(void **state)
{
    (void)state;
    json_t *scheme = json_object_get(
        json_object_get(json_object_get(doc, "components"), "securitySchemes"), "bearerAuth");
    assert_string_equal(json_string_value(json_object_get(scheme, "type")), "http");
    assert_string_equal(json_string_value(json_object_get(scheme, "scheme")), "bearer");
    json_t *sec = json_object_get(doc, "security");
    assert_int_equal(json_array_size(sec), 1);
    assert_non_null(json_object_get(json_array_get(sec, 0), "bearerAuth"));

    json_t *paths = json_object_get(doc, "paths");
    for (size_t i = 0; i < n_routes; i++)
        for (const char *const *m = routes[i].methods; *m; m++) {
            json_t *op = json_object_get(json_object_get(paths, routes[i].path), *m);
            json_t *osec = json_object_get(op, "security");
            json_t *resp = json_object_get(op, "responses");
            int pub = method_public[i][m - routes[i].methods];
            if (pub) {
                /* public: explicitly no security */
                assert_true(json_is_array(osec));
                assert_int_equal(json_array_size(osec), 0);
            } else {
                assert_null(osec); /* inherits bearerAuth */
                if (!json_object_get(resp, "401"))
                    fail_msg("%s %s lacks a 401 response", *m, routes[i].path);
            }
            /* every body-carrying request can be refused as malformed, too large or invalid */
            if (!pub && (!strcmp(*m, "post") || !strcmp(*m, "put")))
                for (const char *const *c = (const char *const[]){"400", "413", "422", NULL}; *c;
                     c++)
                    if (!json_object_get(resp, *c))
                        fail_msg("%s %s lacks a %s response", *m, routes[i].path, *c);
        }
}

static void error_schema(void **state)
{
    (void)state;
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    json_t *err = json_object_get(schemas, "Error");
    assert_non_null(err);
    json_t *item =
        json_object_get(json_object_get(json_object_get(err, "properties"), "errors"), "items");
    json_t *props = json_object_get(item, "properties");
    assert_non_null(json_object_get(props, "code"));
    assert_non_null(json_object_get(props, "path"));
    assert_non_null(json_object_get(props, "message"));
    assert_int_equal(json_array_size(json_object_get(item, "required")), 3);
    /* every documented error status used anywhere is one the server produces */
    /* 429: sign-in throttling; 503: storage_unavailable / database_unavailable (any route) and
     * /healthz while the storage fails or the database server is unreachable */
    static const char *const codes[] = {"400", "401", "403", "404", "409",
                                        "413", "422", "429", "503"};
    enum { N_CODES = sizeof codes / sizeof *codes };
    json_t *responses = json_object_get(json_object_get(doc, "components"), "responses");
    json_t *paths = json_object_get(doc, "paths");
    const char *pk, *mk, *rk;
    json_t *pv, *mv, *rv;
    int seen[N_CODES] = {0};
    json_object_foreach(paths, pk, pv)
    {
        json_object_foreach(pv, mk, mv)
        {
            json_object_foreach(json_object_get(mv, "responses"), rk, rv)
            {
                int ok = !strcmp(rk, "200") || !strcmp(rk, "201") || !strcmp(rk, "default");
                for (int i = 0; i < N_CODES; i++)
                    if (!strcmp(rk, codes[i]))
                        ok = seen[i] = 1;
                if (!ok)
                    fail_msg("%s %s: unexpected response %s", mk, pk, rk);
                const char *r = json_string_value(json_object_get(rv, "$ref"));
                if (r) {
                    assert_true(strncmp(r, "#/components/responses/", 23) == 0);
                    assert_non_null(json_object_get(responses, r + 23));
                }
            }
        }
    }
    for (int i = 0; i < N_CODES; i++)
        if (!seen[i])
            fail_msg("status %s never documented", codes[i]);
}

/* The schema's property names must be exactly the decoder's allowed keys. */
static void expect_props(const char *schema, const char *const *keys)
{
    json_t *s =
        json_object_get(json_object_get(json_object_get(doc, "components"), "schemas"), schema);
    json_t *props = json_object_get(s, "properties");
    size_t n = 0;
    if (!props)
        fail_msg("schema %s missing", schema);
    assert_true(json_is_false(json_object_get(s, "additionalProperties")));
    for (; keys[n]; n++)
        if (!json_object_get(props, keys[n]))
            fail_msg("schema %s lacks %s", schema, keys[n]);
    assert_int_equal(json_object_size(props), n);
}

static void declaration_fields_match_decoder(void **state)
{
    (void)state;
    /* the decoder's own lists: the document must follow the code, not a copy of it */
    const char *const *top = json_decl_keys;
    const char *const *party_keys = json_decl_party_keys;
    const char *const *transport = json_decl_transport_keys;
    const char *const *invoice = json_decl_invoice_keys;
    const char *const *item = json_decl_item_keys;
    const char *const *co = json_decl_co_keys;
    static const char *const packages[] = {"count", "unit", NULL};
    static const char *const cancel[] = {"reason_code", "reason", NULL};
    static const char *const decision[] = {
        "decision",     "passed", "violation",       "findings", "additional_tax",
        "reassessment", "note",   "storage_address", "measure",  NULL};
    static const char *const rule[] = {"name",
                                       "hs_prefix",
                                       "origin",
                                       "importer",
                                       "declarant",
                                       "type_code",
                                       "customs_office",
                                       "min_value_vnd",
                                       "max_unit_value_vnd",
                                       "valid_from",
                                       "valid_to",
                                       "action",
                                       "priority",
                                       "active",
                                       "id",
                                       "shipper",
                                       "duplicate_document",
                                       NULL};
    const char *settings[APP_RISK_SETTINGS + 1] = {NULL}; /* the decoder's own list */
    for (size_t i = 0; i < APP_RISK_SETTINGS; i++)
        settings[i] = app_risk_settings[i].json;
    static const char *const rate[] = {"currency", "vnd_per_unit", "valid_from",
                                       "valid_to", "source",       NULL};
    expect_props("ImportDeclaration", top);
    expect_props("ExportDeclaration", top);
    expect_props("VnParty", party_keys);
    expect_props("ForeignParty", party_keys);
    expect_props("Transport", transport);
    expect_props("Invoice", invoice);
    expect_props("Item", item);
    expect_props("CertificateOfOrigin", co);
    expect_props("Packages", packages);
    expect_props("Cancellation", cancel);
    expect_props("Decision", decision);
    expect_props("RuleInput", rule);
    expect_props("RiskSettings", settings);
    expect_props("ExchangeRate", rate);
    /* e-Payment: enterprise credit */
    expect_props("CreditApplicationInput", json_credit_apply_keys);
    expect_props("RefundRequestInput", json_refund_request_keys);
    expect_props("RefundDecisionInput", json_refund_decision_keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_as_openapi_303),
        cmocka_unit_test(every_route_documented),
        cmocka_unit_test(bearer_auth),
        cmocka_unit_test(error_schema),
        cmocka_unit_test(declaration_fields_match_decoder),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
