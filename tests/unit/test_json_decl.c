/* Unit tests for src/codec/json_decl.c: the strict JSON decoder of declarations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "decl_fixture.h"

typedef fixture_ctx ctx;

static int decode(ctx *c)
{
    decl_release(&c->d);
    errs_init(c->e);
    return json_decl_decode(c->j, &c->d, c->e);
}

static void full_import_decodes(void **state)
{
    ctx *c = *state;
    assert_int_equal(decode(c), 0);
    assert_no_errs(c->e);
    decl *d = &c->d;
    assert_int_equal(d->kind, DECL_IMPORT);
    assert_string_equal(d->type_code, "A11");
    assert_string_equal(d->customs_office, "02CI");
    assert_string_equal(d->declarant, "0309999999");
    assert_string_equal(d->importer.tax_code, "0101234567");
    assert_string_equal(d->importer.name, "Hanoi Electronics Import JSC");
    assert_string_equal(d->importer.country, "VN");
    assert_string_equal(d->exporter.tax_code, "");
    assert_string_equal(d->exporter.country, "CN");
    assert_string_equal(d->exporter.address, "Nanshan, Shenzhen");
    assert_int_equal(d->transport.mode, 2);
    assert_int_equal(d->transport.n_bl, 1);
    assert_string_equal(d->transport.bills_of_lading[0], "COSU6123456780");
    assert_string_equal(d->transport.port_of_loading, "CNSHK");
    assert_string_equal(d->transport.port_of_discharge, "VNHPH");
    assert_int_equal(d->transport.arrival_date, 20261120);
    assert_string_equal(d->transport.vessel, "COSCO HAIPHONG");
    assert_int_equal(d->transport.n_containers, 2);
    assert_string_equal(d->transport.containers[0], "MSCU1234566");
    assert_string_equal(d->transport.containers[1], "CSQU3054383");
    assert_int_equal(d->packages_count, 120);
    assert_string_equal(d->packages_unit, "CT");
    assert_int_equal(d->gross_weight_kg, 18505000);
    assert_string_equal(d->invoice.number, "SZ-2026-1101");
    assert_int_equal(d->invoice.date, 20261101);
    assert_string_equal(d->invoice.currency, "USD");
    assert_string_equal(d->invoice.incoterm, "FOB");
    assert_int_equal(d->invoice.total, 1250000000);
    assert_int_equal(d->invoice.freight, 18000000);
    assert_int_equal(d->invoice.insurance, 2502500);
    /* defaults */
    assert_string_equal(d->invoice.freight_currency, "USD");
    assert_string_equal(d->invoice.insurance_currency, "USD");
    assert_string_equal(d->invoice.allocation, "value");
    assert_int_equal(d->n_items, 2);
    decl_item *it = &d->items[0];
    assert_string_equal(it->hs_code, "85171300");
    assert_string_equal(it->origin, "CN");
    assert_int_equal(it->quantity, 5000000);
    assert_string_equal(it->unit, "PCE");
    assert_int_equal(it->unit_price, 2000000);
    assert_int_equal(it->value, 1000000000);
    assert_int_equal(it->net_weight_kg, 1102500);
    assert_int_equal(it->alcohol_pct, -1); /* absent */
    assert_string_equal(it->co_form, "E");
    assert_string_equal(it->co_number, "E2026CN0001234");
    assert_int_equal(it->n_permits, 1);
    assert_string_equal(it->permits[0], "MIC-2026-001");
    assert_string_equal(d->items[1].co_form, "");
    assert_int_equal(d->items[1].n_permits, 0);
    assert_int_equal(d->items[1].net_weight_kg, 0);
}

static void full_export_decodes(void **state)
{
    ctx *c = *state;
    json_decref(c->j);
    c->j = fixture_load(FIXTURE_EXPORT);
    assert_int_equal(decode(c), 0);
    assert_no_errs(c->e);
    assert_int_equal(c->d.kind, DECL_EXPORT);
    assert_string_equal(c->d.exporter.tax_code, "0201234567");
    assert_int_equal(c->d.transport.mode, 4); /* the mode may be a one-character string */
    assert_int_equal(c->d.transport.n_containers, 0);
    assert_null(c->d.transport.containers);
    assert_int_equal(c->d.gross_weight_kg, 5000000); /* JSON integers are accepted */
    assert_int_equal(c->d.invoice.total, 10000000);
    assert_int_equal(c->d.items[0].quantity, 1000000);
}

static void optional_fields(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/1", "alcohol_percent", "40.5");
    set_str(c->j, "/items/1", "producer", "Shenzhen Power Co");
    set_str(c->j, "/invoice", "freight_currency", "EUR");
    set_str(c->j, "/invoice", "allocation", "weight");
    set(c->j, "/items/1", "certificate_of_origin", json_null());
    assert_int_equal(decode(c), 0);
    assert_int_equal(c->d.items[1].alcohol_pct, 4050);
    assert_string_equal(c->d.items[1].producer, "Shenzhen Power Co");
    assert_string_equal(c->d.invoice.freight_currency, "EUR");
    assert_string_equal(c->d.invoice.insurance_currency, "USD");
    assert_string_equal(c->d.invoice.allocation, "weight");
}

static void missing_fields_all_reported(void **state)
{
    ctx *c = *state;
    del(c->j, "", "customs_office");
    del(c->j, "/invoice", "currency");
    del(c->j, "/items/0", "hs_code");
    del(c->j, "/items/1", "quantity");
    del(c->j, "/importer", "tax_code"); /* required for the Vietnamese importer */
    del(c->j, "/exporter", "country");  /* required for the foreign party */
    set(c->j, "/transport", "port_of_loading", json_null()); /* null counts as missing */
    set_str(c->j, "/importer", "name", "");                  /* empty required string */
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 8);
    assert_err(c->e, "required", "/customs_office");
    assert_err(c->e, "required", "/invoice/currency");
    assert_err(c->e, "required", "/items/0/hs_code");
    assert_err(c->e, "required", "/items/1/quantity");
    assert_err(c->e, "required", "/importer/tax_code");
    assert_err(c->e, "required", "/exporter/country");
    assert_err(c->e, "required", "/transport/port_of_loading");
    assert_err(c->e, "required", "/importer/name");
}

static void missing_objects(void **state)
{
    ctx *c = *state;
    del(c->j, "", "kind");
    del(c->j, "", "invoice");
    del(c->j, "", "items");
    del(c->j, "", "packages");
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 4);
    assert_err(c->e, "required", "/kind");
    assert_err(c->e, "required", "/invoice");
    assert_err(c->e, "required", "/items");
    assert_err(c->e, "required", "/packages");
}

static void export_party_requirements(void **state)
{
    ctx *c = *state;
    json_decref(c->j);
    c->j = fixture_load(FIXTURE_EXPORT);
    del(c->j, "/exporter", "tax_code");
    del(c->j, "/importer", "country");
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "required", "/exporter/tax_code");
    assert_err(c->e, "required", "/importer/country");
}

static void unknown_fields(void **state)
{
    ctx *c = *state;
    set_str(c->j, "", "insurnce", "250");
    set_str(c->j, "/items/1", "colour", "black");
    set(c->j, "/invoice", "discount", json_integer(5));
    set_str(c->j, "/items/0/certificate_of_origin", "issuer", "MOIT");
    set_str(c->j, "/packages", "kind", "box");
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 5);
    assert_err(c->e, "unknown_field", "/insurnce");
    assert_err(c->e, "unknown_field", "/items/1/colour");
    assert_err(c->e, "unknown_field", "/invoice/discount");
    assert_err(c->e, "unknown_field", "/items/0/certificate_of_origin/issuer");
    assert_err(c->e, "unknown_field", "/packages/kind");
}

static void json_real_refused_for_money(void **state)
{
    ctx *c = *state;
    set(c->j, "/invoice", "total", json_real(125000.0));
    set(c->j, "/items/0", "unit_price", json_real(200.5));
    set(c->j, "/items/1", "quantity", json_real(5000));
    set(c->j, "", "gross_weight_kg", json_real(1850.5));
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 4);
    assert_err(c->e, "type", "/invoice/total");
    assert_err(c->e, "type", "/items/0/unit_price");
    assert_err(c->e, "type", "/items/1/quantity");
    assert_err(c->e, "type", "/gross_weight_kg");
}

static void malformed_decimals(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/invoice", "total", "1e5");
    set_str(c->j, "/invoice", "freight", "1800.12345");
    set_str(c->j, "/items/0", "value", "1000000000000000");
    set_str(c->j, "/items/1", "value", "25,000"); /* no decimal comma in the API */
    set(c->j, "/items/1", "unit_price", json_true());
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 5);
    assert_err(c->e, "decimal", "/invoice/total");
    assert_err(c->e, "decimal_scale", "/invoice/freight");
    assert_err(c->e, "out_of_range", "/items/0/value");
    assert_err(c->e, "decimal", "/items/1/value");
    assert_err(c->e, "type", "/items/1/unit_price");
}

static void integer_range(void **state)
{
    ctx *c = *state;
    /* 10^15 and more is refused whatever the spelling */
    set(c->j, "/invoice", "total", json_integer(1000000000000000LL));
    /* 15 digits would not fit an int64 once scaled by 10^4: refused, never wrapped */
    set(c->j, "", "gross_weight_kg", json_integer(999999999999999LL));
    set(c->j, "/items/0", "quantity", json_integer(-999999999999999LL));
    /* the largest integer that fits at scale 4 is accepted */
    set(c->j, "/items/1", "value", json_integer(922337203685477LL));
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 3);
    assert_err(c->e, "out_of_range", "/invoice/total");
    assert_err(c->e, "out_of_range", "/gross_weight_kg");
    assert_err(c->e, "out_of_range", "/items/0/quantity");
    assert_int_equal(c->d.items[1].value, 9223372036854770000LL);
}

static void wrong_types(void **state)
{
    ctx *c = *state;
    set_str(c->j, "", "kind", "transit");
    set_str(c->j, "", "importer", "Hanoi Electronics");
    set(c->j, "/transport", "mode", json_string("sea"));
    set(c->j, "/transport", "containers", json_string("MSCU1234566"));
    set(c->j, "/packages", "count", json_string("120"));
    set(c->j, "/items/1", "hs_code", json_integer(85044019));
    set_str(c->j, "/invoice", "date", "2026-02-30");
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 7);
    assert_err(c->e, "enum", "/kind");
    assert_err(c->e, "type", "/importer");
    assert_err(c->e, "type", "/transport/mode");
    assert_err(c->e, "type", "/transport/containers");
    assert_err(c->e, "type", "/packages/count");
    assert_err(c->e, "type", "/items/1/hs_code");
    assert_err(c->e, "date", "/invoice/date");
}

static void not_an_object(void **state)
{
    ctx *c = *state;
    json_t *arr = json_array();
    errs_init(c->e);
    assert_int_equal(json_decl_decode(arr, &c->d, c->e), -1);
    assert_int_equal(c->e->n, 1);
    assert_err(c->e, "type", "");
    json_decref(arr);

    json_array_set_new(at(c->j, "/items"), 1, json_string("item"));
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 1);
    assert_err(c->e, "type", "/items/1");
}

static void too_long_strings(void **state)
{
    ctx *c = *state;
    set_str(c->j, "/items/0", "hs_code", "851713001");
    set_str(c->j, "/invoice", "currency", "USDX");
    set_str(c->j, "/importer", "tax_code", "01012345670011");
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 3);
    assert_err(c->e, "too_long", "/items/0/hs_code");
    assert_err(c->e, "too_long", "/invoice/currency");
    assert_err(c->e, "too_long", "/importer/tax_code");
}

static void zero_items(void **state)
{
    ctx *c = *state;
    set(c->j, "", "items", json_array());
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 1);
    assert_err(c->e, "required", "/items");
    assert_int_equal(c->d.n_items, 0);
    assert_null(c->d.items);
}

static void too_many_items(void **state)
{
    ctx *c = *state;
    json_t *items = at(c->j, "/items");
    json_t *one = json_array_get(items, 1);
    while (json_array_size(items) < 1000)
        json_array_append_new(items, json_deep_copy(one));
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 1);
    assert_err(c->e, "too_many", "/items");
    assert_int_equal(c->d.n_items, DECL_MAX_ITEMS); /* the first 999 are still decoded */
    assert_string_equal(c->d.items[998].hs_code, "85044019");

    /* exactly 999 is fine */
    json_array_remove(items, 999);
    assert_int_equal(decode(c), 0);
    assert_int_equal(c->d.n_items, 999);
}

static void too_many_bls_permits_containers(void **state)
{
    ctx *c = *state;
    json_t *bl = at(c->j, "/transport/bills_of_lading");
    for (int i = 0; i < DECL_MAX_BL; i++)
        json_array_append_new(bl, json_sprintf("BL%03d", i));
    json_t *pm = at(c->j, "/items/0/permits");
    for (int i = 0; i < DECL_MAX_PERMITS; i++)
        json_array_append_new(pm, json_sprintf("P-%d", i));
    json_array_append_new(at(c->j, "/transport/containers"), json_integer(1));
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 3);
    assert_err(c->e, "too_many", "/transport/bills_of_lading");
    assert_err(c->e, "too_many", "/items/0/permits/8");
    assert_err(c->e, "type", "/transport/containers/2");
    assert_int_equal(c->d.transport.n_bl, DECL_MAX_BL);
    assert_int_equal(c->d.items[0].n_permits, DECL_MAX_PERMITS);
    assert_int_equal(c->d.transport.n_containers, 2);
}

static void certificate_of_origin_shape(void **state)
{
    ctx *c = *state;
    del(c->j, "/items/0/certificate_of_origin", "number");
    set_str(c->j, "/items/1", "certificate_of_origin", "E");
    assert_int_equal(decode(c), -1);
    assert_int_equal(c->e->n, 2);
    assert_err(c->e, "required", "/items/0/certificate_of_origin/number");
    assert_err(c->e, "type", "/items/1/certificate_of_origin");
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(full_import_decodes),
        T(full_export_decodes),
        T(optional_fields),
        T(missing_fields_all_reported),
        T(missing_objects),
        T(export_party_requirements),
        T(unknown_fields),
        T(json_real_refused_for_money),
        T(malformed_decimals),
        T(integer_range),
        T(wrong_types),
        T(not_an_object),
        T(too_long_strings),
        T(zero_items),
        T(too_many_items),
        T(too_many_bls_permits_containers),
        T(certificate_of_origin_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
