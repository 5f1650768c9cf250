/* Unit tests for src/core/validate.c: business rules on a decoded declaration. Each test
 * decodes the valid fixture (tests/unit/decl_fixture.h), breaks one rule and expects exactly
 * the error(s) of that rule. The tariff check is skipped (tariff NULL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "decl_fixture.h"

typedef fixture_ctx ctx;

static int setup_export(void **state)
{
    fixture_setup(state);
    ctx *c = *state;
    json_decref(c->j);
    c->j = fixture_load(FIXTURE_EXPORT);
    return 0;
}

/* Decodes (which must succeed) then validates; returns decl_validate's result. */
static int check(ctx *c)
{
    decl_release(&c->d);
    errs_init(c->e);
    if (json_decl_decode(c->j, &c->d, c->e) != 0) {
        dump_errs(c->e);
        fail_msg("the fixture no longer decodes");
    }
    return decl_validate(&c->d, NULL, c->e);
}

/* Exactly one error, with this code and path. */
#define assert_only_err(c, code, path)                                                             \
    do {                                                                                           \
        assert_err((c)->e, code, path);                                                            \
        if ((c)->e->n != 1) {                                                                      \
            dump_errs((c)->e);                                                                     \
            fail_msg("expected 1 error, got %d", (c)->e->n);                                       \
        }                                                                                          \
    } while (0)

static void valid_import(void **state)
{
    ctx *c = *state;
    assert_int_equal(check(c), 0);
    assert_no_errs(c->e);
}

static void valid_export(void **state)
{
    ctx *c = *state;
    /* an export discharges abroad (USLAX) and needs no bill of lading by road */
    assert_int_equal(check(c), 0);
    assert_no_errs(c->e);
}

static void errors_are_appended(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/0", "hs_code", "8517130");
    assert_int_equal(check(c), -1);
    /* decl_validate appends to what is already there and reports only its own */
    errs_add(c->e, "earlier", "/x", "kept");
    decl_validate(&c->d, NULL, c->e);
    assert_int_equal(c->e->n, 3);
    assert_string_equal(c->e->items[1].code, "earlier");
}

static void hs_seven_digits(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/0", "hs_code", "8517130");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "hs_format", "/items/0/hs_code");
}

static void hs_non_digit(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/1", "hs_code", "8504401A");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "hs_format", "/items/1/hs_code");
}

static void negative_quantity(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/1", "quantity", "-5000");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "positive", "/items/1/quantity");
}

static void zero_quantity(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/1", "quantity", "0");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "positive", "/items/1/quantity");
}

static void negative_price_and_value(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/1", "unit_price", "-5");
    set_str(c->j, "/items/1", "net_weight_kg", "-1");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "non_negative", "/items/1/unit_price");
    assert_err(c->e, "non_negative", "/items/1/net_weight_kg");
}

static void value_tolerance(void **state)
{
    ctx *c = *state;
    /* 200 x 500 = 100000: up to 1 currency unit of difference is tolerated */
    set_str(c->j, "/items/0", "value", "100001");
    set_str(c->j, "/invoice", "total", "125001");
    assert_int_equal(check(c), 0);
    set_str(c->j, "/items/0", "value", "99999");
    set_str(c->j, "/invoice", "total", "124999");
    assert_int_equal(check(c), 0);
}

static void value_mismatch(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/0", "value", "100001.0001");
    set_str(c->j, "/invoice", "total", "125001.0001");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 1); /* the total is consistent with the items: no total error */
    assert_err(c->e, "value_mismatch", "/items/0/value");
}

static void value_mismatch_fractional_quantity(void **state)
{
    ctx *c = *state;
    /* 2.5 x 10 = 25: quantity decimals are scaled away, not multiplied in */
    set_str(c->j, "/items/1", "quantity", "2.5");
    set_str(c->j, "/items/1", "unit_price", "10000");
    assert_int_equal(check(c), 0);
    set_str(c->j, "/items/1", "unit_price", "10001");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "value_mismatch", "/items/1/value");
}

static void invoice_total_mismatch(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "total", "125001.0001");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "total_mismatch", "/invoice/total");
}

static void invoice_total_positive(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "total", "0");
    set_str(c->j, "/invoice", "freight", "-1");
    set_str(c->j, "/invoice", "insurance", "-0.5");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 3);
    assert_err(c->e, "positive", "/invoice/total");
    assert_err(c->e, "non_negative", "/invoice/freight");
    assert_err(c->e, "non_negative", "/invoice/insurance");
}

static void bad_currency(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "currency", "XYZ");
    set_str(c->j, "/invoice", "freight_currency", "usd");
    assert_int_equal(check(c), -1);
    /* the insurance currency defaults to the (bad) invoice currency */
    assert_int_equal(c->e->n, 3);
    assert_err(c->e, "currency", "/invoice/currency");
    assert_err(c->e, "currency", "/invoice/freight_currency");
    assert_err(c->e, "currency", "/invoice/insurance_currency");
}

static void bad_incoterm(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "incoterm", "FOX");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "incoterm", "/invoice/incoterm");
}

static void bad_locode(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/transport", "port_of_loading", "XXSHK");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "locode", "/transport/port_of_loading");
}

static void bad_container(void **state)
{
    ctx *c = *state;
    json_array_set_new(at(c->j, "/transport/containers"), 1, json_string("CSQU3054384"));
    assert_int_equal(check(c), -1);
    assert_only_err(c, "container", "/transport/containers/1");
}

static void duplicate_container(void **state)
{
    ctx *c = *state;
    json_array_append_new(at(c->j, "/transport/containers"), json_string("MSCU1234566"));
    assert_int_equal(check(c), -1);
    assert_only_err(c, "duplicate", "/transport/containers/2");
}

static void sea_container_needs_containers_and_bl(void **state)
{
    ctx *c = *state;
    del(c->j, "/transport", "containers");
    set(c->j, "/transport", "bills_of_lading", json_array());
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "required", "/transport/containers");
    assert_err(c->e, "required", "/transport/bills_of_lading");
}

static void transport_mode_range(void **state)
{
    ctx *c = *state;
    set(c->j, "/transport", "mode", json_integer(7));
    assert_int_equal(check(c), -1);
    assert_only_err(c, "transport_mode", "/transport/mode");
    set(c->j, "/transport", "mode", json_integer(9)); /* other: no containers needed */
    assert_int_equal(check(c), 0);
}

static void type_code_wrong_kind(void **state)
{
    ctx *c = *state;
    set_str(c->j, "", "type_code", "B11"); /* an export code on an import */
    assert_int_equal(check(c), -1);
    assert_only_err(c, "type_code_kind", "/type_code");
}

static void type_code_unknown(void **state)
{
    ctx *c = *state;
    set_str(c->j, "", "type_code", "Z99");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "type_code", "/type_code");
}

static void export_type_code_on_export(void **state)
{
    ctx *c = *state;
    set_str(c->j, "", "type_code", "A11"); /* an import code on an export */
    assert_int_equal(check(c), -1);
    assert_only_err(c, "type_code_kind", "/type_code");
}

static void allocation_by_weight(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "allocation", "weight");
    assert_int_equal(check(c), -1); /* item 1 has no net weight */
    assert_only_err(c, "required", "/items/1/net_weight_kg");
    set_str(c->j, "/items/1", "net_weight_kg", "500");
    assert_int_equal(check(c), 0);
    del(c->j, "/items/0", "net_weight_kg");
    del(c->j, "/items/1", "net_weight_kg");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "required", "/items/0/net_weight_kg");
    assert_err(c->e, "required", "/items/1/net_weight_kg");
}

static void allocation_enum(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "allocation", "volume");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "enum", "/invoice/allocation");
}

static void import_discharge_outside_vn(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/transport", "port_of_discharge", "CNSHA");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "locode", "/transport/port_of_discharge");
    set_str(c->j, "/transport", "port_of_discharge", "ZZZZZ"); /* non-tariff place */
    assert_int_equal(check(c), 0);
}

static void parties(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/exporter", "country", "XX");
    set_str(c->j, "/importer", "country", "CN");
    set_str(c->j, "/importer", "tax_code", "01012345");
    set_str(c->j, "", "declarant", "03099999X9");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 4);
    assert_err(c->e, "country", "/exporter/country");
    assert_err(c->e, "country", "/importer/country");
    assert_err(c->e, "tax_code", "/importer/tax_code");
    assert_err(c->e, "tax_code", "/declarant");
}

static void export_parties(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/exporter", "country", "TH"); /* the declaring enterprise must be VN */
    set_str(c->j, "/importer", "country", "ZZ");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "country", "/exporter/country");
    assert_err(c->e, "country", "/importer/country");
}

static void customs_office_shape(void **state)
{
    ctx *c = *state;
    set_str(c->j, "", "customs_office", "02ci");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "office", "/customs_office");
    set_str(c->j, "", "customs_office", "0");
    assert_int_equal(check(c), -1);
    assert_only_err(c, "office", "/customs_office");
}

static void item_origin_unit_alcohol(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/0", "origin", "XX");
    set_str(c->j, "/items/0", "unit", "P-C");
    set_str(c->j, "/items/1", "alcohol_percent", "100.01");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 3);
    assert_err(c->e, "country", "/items/0/origin");
    assert_err(c->e, "unit", "/items/0/unit");
    assert_err(c->e, "range", "/items/1/alcohol_percent");
    set_str(c->j, "/items/0", "origin", "CN");
    set_str(c->j, "/items/0", "unit", "PCE");
    set_str(c->j, "/items/1", "alcohol_percent", "100");
    assert_int_equal(check(c), 0);
}

static void packages_and_weight(void **state)
{
    ctx *c = *state;
    set(c->j, "/packages", "count", json_integer(0));
    set_str(c->j, "", "gross_weight_kg", "-1");
    assert_int_equal(check(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "positive", "/packages/count");
    assert_err(c->e, "positive", "/gross_weight_kg");
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
#define TX(f) cmocka_unit_test_setup_teardown(f, setup_export, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(valid_import),
        TX(valid_export),
        T(errors_are_appended),
        T(hs_seven_digits),
        T(hs_non_digit),
        T(negative_quantity),
        T(zero_quantity),
        T(negative_price_and_value),
        T(value_tolerance),
        T(value_mismatch),
        T(value_mismatch_fractional_quantity),
        T(invoice_total_mismatch),
        T(invoice_total_positive),
        T(bad_currency),
        T(bad_incoterm),
        T(bad_locode),
        T(bad_container),
        T(duplicate_container),
        T(sea_container_needs_containers_and_bl),
        T(transport_mode_range),
        T(type_code_wrong_kind),
        T(type_code_unknown),
        TX(export_type_code_on_export),
        T(allocation_by_weight),
        T(allocation_enum),
        T(import_discharge_outside_vn),
        T(parties),
        TX(export_parties),
        T(customs_office_shape),
        T(item_origin_unit_alcohol),
        T(packages_and_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
