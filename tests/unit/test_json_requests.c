/* Unit tests for the request decoders of src/codec/ other than the declaration's
 * (test_json_decl.c): each reports every error of a body at once, with its code and path, and fills
 * its struct from a good body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/json_audit_case.h"
#include "codec/json_certificate.h"
#include "codec/json_credit.h"
#include "codec/json_decl_action.h"
#include "codec/json_fields.h"
#include "codec/json_fx.h"
#include "codec/json_gate.h"
#include "codec/json_guarantee.h"
#include "codec/json_mandate.h"
#include "codec/json_permit.h"
#include "codec/json_risk.h"
#include "util/decimal.h"

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    assert_non_null(j);
    return j;
}

/* 1 when e holds an error of code at path. */
static int has(const errs *e, const char *code, const char *path)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->items[i].code, code) && !strcmp(e->items[i].path, path))
            return 1;
    return 0;
}

static errs *new_errs(void)
{
    errs *e = malloc(sizeof *e);
    assert_non_null(e);
    errs_init(e);
    return e;
}

static void body_begin(void **state)
{
    (void)state;
    static const char *const allowed[] = {"a", NULL};
    errs *e = new_errs();
    json_t *arr = parse("[1]");
    assert_int_equal(json_body_begin(arr, allowed, e), -1);
    assert_true(has(e, "type", ""));
    errs_init(e);
    json_t *obj = parse("{\"a\": 1, \"b\": 2, \"c\": 3}");
    assert_int_equal(json_body_begin(obj, allowed, e), 0);
    assert_int_equal(e->n, 2);
    assert_true(has(e, "unknown_field", "/b") && has(e, "unknown_field", "/c"));
    json_decref(arr);
    json_decref(obj);
    free(e);
}

static void permit(void **state)
{
    (void)state;
    errs *e = new_errs();
    permit_in p;
    json_t *good =
        parse("{\"number\": \"GP-1\", \"enterprise\": \"0101234567\", \"agency\": \"MOH\","
              " \"hs_codes\": [\"3004\", \"30049099\"], \"quantity\": \"12.5\", \"unit\": \"KGM\","
              " \"valid_from\": \"2026-01-01\", \"valid_to\": \"2026-12-31\"}");
    json_permit_decode(good, &p, e);
    assert_int_equal(e->n, 0);
    assert_string_equal(p.number, "GP-1");
    assert_int_equal(p.n_hs, 2);
    assert_string_equal(p.hs_codes, "3004,30049099");
    assert_false(p.has_procedure);
    assert_true(p.quantity > 0);
    assert_int_equal(p.valid_to, 20261231);
    /* every error at once */
    json_t *bad = parse(
        "{\"number\": \"\", \"enterprise\": \"12ab\", \"agency\": 7, \"hs_codes\": [\"30\", 5],"
        " \"quantity\": \"-1\", \"unit\": \"KGM\", \"valid_from\": \"2026-12-31\","
        " \"valid_to\": \"2026-01-01\", \"extra\": 1}");
    errs_init(e);
    json_permit_decode(bad, &p, e);
    assert_true(has(e, "unknown_field", "/extra"));
    assert_true(has(e, "type", "/number"));
    assert_true(has(e, "tax_code", "/enterprise"));
    assert_true(has(e, "type", "/agency"));
    assert_true(has(e, "decimal", "/quantity"));
    assert_true(has(e, "date_order", "/valid_to"));
    assert_true(has(e, "hs_code", "/hs_codes/0") && has(e, "hs_code", "/hs_codes/1"));
    /* a revocation carries at most a reason */
    json_t *rev = parse("{\"reason\": \"x\", \"why\": 1}");
    errs_init(e);
    assert_int_equal(json_permit_revocation_check(rev, e), -1);
    assert_true(has(e, "unknown_field", ""));
    errs_init(e);
    assert_int_equal(json_permit_revocation_check(NULL, e), 0);
    json_decref(good);
    json_decref(bad);
    json_decref(rev);
    free(e);
}

static void certificate(void **state)
{
    (void)state;
    errs *e = new_errs();
    cert_in *c = malloc(sizeof *c);
    json_t *bad =
        parse("{\"form\": \"Z\", \"number\": \"E1\", \"issuing_country\": \"XX\","
              " \"issue_date\": \"2026-02-30\", \"exporter\": \"A\", \"importer\": \"123\","
              " \"items\": [{\"hs6\": \"12345\", \"quantity\": \"0\", \"fob_value\": \"-1\","
              " \"origin_criterion\": \"WO\"}, 3]}");
    json_certificate_decode(bad, c, e);
    assert_true(has(e, "co_form", "/form"));
    assert_true(has(e, "country", "/issuing_country"));
    assert_true(has(e, "date", "/issue_date"));
    assert_true(has(e, "tax_code", "/importer"));
    assert_true(has(e, "hs_code", "/items/0/hs6"));
    assert_true(has(e, "decimal", "/items/0/quantity"));
    assert_true(has(e, "decimal", "/items/0/fob_value"));
    assert_true(has(e, "type", "/items/1"));
    assert_null(c->of);
    assert_int_equal(c->issue_date, 0);
    json_t *good =
        parse("{\"form\": \"E\", \"number\": \"E1\", \"issuing_country\": \"CN\","
              " \"issue_date\": \"2026-02-03\", \"exporter\": \"A\", \"importer\": \"0101234567\","
              " \"items\": [{\"hs6\": \"851713\", \"quantity\": \"10\", \"fob_value\": \"100\","
              " \"origin_criterion\": \"WO\"}]}");
    errs_init(e);
    json_certificate_decode(good, c, e);
    assert_int_equal(e->n, 0);
    assert_non_null(c->of);
    assert_true(c->country_ok);
    assert_int_equal(c->n, 1);
    assert_string_equal(c->items[0].hs6, "851713");
    json_decref(bad);
    json_decref(good);
    free(c);
    free(e);
}

static void guarantee(void **state)
{
    (void)state;
    errs *e = new_errs();
    guarantee_in *g = malloc(sizeof *g);
    json_t *bad =
        parse("{\"guarantee_id\": \"G1\", \"type\": \"separate\", \"enterprise\": \"0101234567\","
              " \"amount\": 0, \"valid_until\": \"2026-13-01\", \"declarations\": [\"1\", \"2\"]}");
    json_guarantee_decode(bad, g, e);
    assert_true(has(e, "amount_not_positive", "/amount"));
    assert_true(has(e, "date", "/valid_until"));
    assert_true(has(e, "separate_one_declaration", "/declarations"));
    json_t *good =
        parse("{\"guarantee_id\": \"G1\", \"type\": \"joint\", \"enterprise\": \"0101234567\","
              " \"amount\": \"5000000\", \"valid_until\": \"2026-12-01\","
              " \"declarations\": [\"100000000012\", \"x\"]}");
    errs_init(e);
    json_guarantee_decode(good, g, e);
    assert_int_equal(e->n, 1);
    assert_true(has(e, "declaration", "/declarations/1"));
    assert_int_equal(g->n, 2);
    assert_string_equal(g->lines[0].decl, "100000000012");
    assert_int_equal(g->amount, 5000000);
    json_decref(bad);
    json_decref(good);
    free(g);
    free(e);
}

static void credits(void **state)
{
    (void)state;
    errs *e = new_errs();
    credit_apply_in ca;
    json_t *b = parse("{\"amount\": \"x\", \"declaration\": \"12\", \"note\": 1}");
    json_credit_apply_decode(b, &ca, e);
    assert_true(has(e, "decimal", "/amount"));
    assert_true(has(e, "declaration", "/declaration"));
    assert_true(has(e, "unknown_field", "/note"));
    refund_decision_in rd;
    json_t *d = parse("{\"note\": \"ok\"}");
    errs_init(e);
    json_refund_decision_decode(d, &rd, e);
    assert_true(has(e, "required", "/approve"));
    assert_string_equal(rd.note, "ok");
    refund_request_in rr;
    json_t *r = parse("{\"amount\": 250000, \"reason\": \"overpaid\"}");
    errs_init(e);
    json_refund_request_decode(r, &rr, e);
    assert_int_equal(e->n, 0);
    assert_int_equal(rr.amount, 250000);
    assert_string_equal(rr.reason, "overpaid");
    json_decref(b);
    json_decref(d);
    json_decref(r);
    free(e);
}

static void gate(void **state)
{
    (void)state;
    errs *e = new_errs();
    gate_event_in g;
    json_t *bad = parse("{\"type\": \"fly\", \"container\": \"MSCU1234567\", \"seal\": \"\"}");
    json_gate_event_decode(bad, &g, e);
    assert_true(has(e, "enum", "/type"));
    assert_true(has(e, "container_number", "/container"));
    assert_true(has(e, "required", "/location"));
    assert_true(has(e, "required", "/seal"));
    json_t *good = parse(
        "{\"type\": \"gate_out\", \"container\": \"MSCU1234566\", \"location\": \"VNHPH-TC01\","
        " \"seal\": \"S1\"}");
    errs_init(e);
    json_gate_event_decode(good, &g, e);
    assert_int_equal(e->n, 0);
    assert_int_equal(g.type, GATE_OUT);
    assert_string_equal(g.location, "VNHPH-TC01");
    hold_in h;
    json_t *hold = parse("{\"subject\": \"MSCU1234566\"}");
    errs_init(e);
    assert_int_equal(json_hold_decode(hold, &h, e), -1);
    assert_true(has(e, "hold", ""));
    json_decref(bad);
    json_decref(good);
    json_decref(hold);
    free(e);
}

static void decisions(void **state)
{
    (void)state;
    errs *e = new_errs();
    decl_decision_in d;
    json_t *b =
        parse("{\"decision\": \"inspection\", \"violation\": true, \"additional_tax\": \"-5\"}");
    json_decl_decision_decode(b, &d, e);
    assert_true(has(e, "decimal", "/additional_tax"));
    assert_true(has(e, "required", "/findings"));
    assert_int_equal(d.act, ACT_INSPECTION_DONE);
    json_t *st = parse("{\"decision\": \"release_for_storage\", \"storage_address\": \"Dock 4\"}");
    errs_init(e);
    json_decl_decision_decode(st, &d, e);
    assert_int_equal(d.kind, DECISION_INSPECTION);
    assert_int_equal(e->n, 0);
    amend_review_in ar;
    json_t *rv = parse("{\"accept\": false}");
    errs_init(e);
    json_amend_review_decode(rv, &ar, e);
    assert_true(has(e, "required", "/note"));
    assert_false(ar.accept);
    decl_cancel_in c;
    json_t *cn = parse("{\"reason\": \"x\"}");
    errs_init(e);
    json_decl_cancel_decode(cn, &c, e);
    assert_true(has(e, "required", "/reason_code"));
    json_decref(b);
    json_decref(st);
    json_decref(rv);
    json_decref(cn);
    free(e);
}

static void others(void **state)
{
    (void)state;
    errs *e = new_errs();
    mandate_in m;
    json_t *mb = parse("{\"declarant\": \"0312345678\", \"valid_to\": \"2026-01-01\"}");
    json_mandate_decode(mb, 20260601, &m, e);
    assert_true(has(e, "date_order", "/valid_to"));
    assert_int_equal(m.valid_from, 20260601);
    audit_findings_in f;
    json_t *fb = parse("{\"violation\": true, \"findings\": \"under-valued\"}");
    errs_init(e);
    json_audit_findings_decode(fb, &f, e);
    assert_true(has(e, "required", "/additional_tax"));
    assert_string_equal(f.findings, "under-valued");
    fx_rates_in fx;
    json_t *xb = parse("{\"rates\": [{\"currency\": \"USD\", \"vnd_per_unit\": \"25000\","
                       " \"valid_from\": \"2026-01-02\", \"valid_to\": \"2026-01-01\"}, 1]}");
    errs_init(e);
    assert_int_equal(json_fx_rates_decode(xb, &fx, e), 0);
    assert_true(has(e, "date", "/rates/0"));
    assert_true(has(e, "shape", "/rates/1"));
    assert_string_equal(fx.rates[0].source, "customs administration");
    json_fx_rates_release(&fx);
    json_t *xs = parse("{\"rates\": []}");
    errs_init(e);
    assert_int_equal(json_fx_rates_decode(xs, &fx, e), -1);
    assert_null(fx.rates);
    risk_rule r;
    json_t *rb = parse("{\"action\": \"green\", \"priority\": \"1\"}");
    errs_init(e);
    json_risk_rule_decode(rb, 7, &r, e);
    assert_true(has(e, "required", "/name"));
    assert_true(has(e, "enum", "/action"));
    assert_true(has(e, "type", "/priority"));
    assert_int_equal(r.id, 7);
    assert_true(r.active);
    json_decref(mb);
    json_decref(fb);
    json_decref(xb);
    json_decref(xs);
    json_decref(rb);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_begin), cmocka_unit_test(permit),  cmocka_unit_test(certificate),
        cmocka_unit_test(guarantee),  cmocka_unit_test(credits), cmocka_unit_test(gate),
        cmocka_unit_test(decisions),  cmocka_unit_test(others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
