/* service/kernel.c and the outcome mapping of http/routes.c: the injectable clock, role checks,
 * the request hash an Idempotency-Key binds to, stored outcomes, statuses, the route table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/routes.h"
#include "service/kernel.h"

static int64_t fixed_clock(void) { return 1767225599; } /* 2025-12-31T23:59:59Z */

static void clock_is_injectable(void **state)
{
    (void)state;
    int64_t real = svc_now();
    assert_true(real > 1700000000);
    svc_set_clock(fixed_clock);
    assert_int_equal(svc_now(), 1767225599);
    svc_job j = svc_job_start(NULL);
    assert_int_equal(j.now, 1767225599); /* a write job stamps its rows with the one clock */
    svc_set_clock(NULL);
    assert_true(svc_now() >= real);
}

static void roles(void **state)
{
    (void)state;
    svc_req officer = {.party = "0000000000", .role = "officer"};
    svc_req declarant = {.party = "0101234567", .role = "declarant"};
    svc_req bank = {.party = "0101234567", .role = "bank"};
    assert_true(svc_is_customs(&officer));
    assert_false(svc_is_customs(&declarant));
    assert_true(svc_role_is(&declarant, "declarant"));
    assert_true(svc_is_enterprise(&declarant, "0101234567"));
    assert_false(svc_is_enterprise(&declarant, "0301234568"));
    assert_false(
        svc_is_enterprise(&bank, "0101234567")); /* same code, not the enterprise's token */
}

/* The request hash is SHA-256 of "METHOD path\n" followed by the exact body. */
static void request_hash(void **state)
{
    (void)state;
    char h[65], expect[65];
    const char *body = "{\"a\":1}";
    svc_request_hash("POST", "/api/v1/declarations", body, strlen(body), h);
    const char *whole = "POST /api/v1/declarations\n{\"a\":1}";
    svc_sha256_hex(whole, strlen(whole), expect);
    assert_string_equal(h, expect);
    svc_request_hash("POST", "/api/v1/declarations/x/register", NULL, 0, h);
    whole = "POST /api/v1/declarations/x/register\n";
    svc_sha256_hex(whole, strlen(whole), expect);
    assert_string_equal(h, expect);
    /* another body, another hash */
    svc_request_hash("POST", "/api/v1/declarations", "{\"a\":2}", 7, h);
    assert_string_not_equal(h, expect);
    /* the digest written out: FIPS 180-2's example */
    svc_sha256_hex("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void outcomes_stored_and_mapped(void **state)
{
    (void)state;
    static const struct {
        svc_code code;
        int status;
    } map[] = {{SVC_OK, 200},           {SVC_CREATED, 201},   {SVC_BAD_REQUEST, 400},
               {SVC_UNAUTHORIZED, 401}, {SVC_FORBIDDEN, 403}, {SVC_NOT_FOUND, 404},
               {SVC_CONFLICT, 409},     {SVC_INVALID, 422},   {SVC_ERROR, 500}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        assert_int_equal(http_status_of(map[i].code), map[i].status);
        /* stored as the numbers databases already hold, and read back */
        assert_int_equal(svc_code_stored(map[i].code), map[i].status);
        assert_int_equal(svc_code_from_stored(map[i].status), map[i].code);
    }
    assert_int_equal(http_status_of((svc_code)0), 500); /* no outcome is a service bug */
    assert_int_equal(svc_code_from_stored(299), SVC_ERROR);
}

static void fail_keeps_reply_and_rolls_back(void **state)
{
    (void)state;
    svc_req req = {.party = "0101234567", .role = "declarant"};
    svc_job j = svc_job_start(&req);
    int rc = svc_fail(&j, svc_error(SVC_CONFLICT, "illegal_transition", "no"));
    assert_int_equal(rc, 1); /* non-zero: the writer rolls the job back */
    assert_int_equal(j.reply.code, SVC_CONFLICT);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j.reply.body, "errors"), 0), "code")),
                        "illegal_transition");
    json_decref(j.reply.body);
}

/* One row per method and pattern; every pattern absolute; only the four public routes public
 * (health, metrics, the OpenAPI document, and signing in to the web portal). */
static void route_table_is_well_formed(void **state)
{
    (void)state;
    int public = 0;
    for (size_t i = 0; i < http_n_routes; i++) {
        const http_route *r = &http_routes[i];
        assert_non_null(r->fn);
        assert_int_equal(r->pattern[0], '/');
        public += r->access == HTTP_ROUTE_PUBLIC;
        for (size_t k = i + 1; k < http_n_routes; k++)
            if (!strcmp(r->method, http_routes[k].method) &&
                !strcmp(r->pattern, http_routes[k].pattern))
                fail_msg("%s %s is in the table twice", r->method, r->pattern);
    }
    assert_int_equal(public, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clock_is_injectable),
        cmocka_unit_test(roles),
        cmocka_unit_test(request_hash),
        cmocka_unit_test(outcomes_stored_and_mapped),
        cmocka_unit_test(fail_keeps_reply_and_rolls_back),
        cmocka_unit_test(route_table_is_well_formed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
