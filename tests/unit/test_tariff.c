/* Rate-cell parser (every shape of the source file), canonical round trip, loader and lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/json_tax.h"
#include "core/tariff.h"

static tariff_rate parse_ok(const char *cell)
{
    tariff_rate r;
    char why[160] = "";
    int rc = tariff_rate_parse(cell, &r, why, sizeof why);
    if (rc != 0)
        fprintf(stderr, "parse '%s': %s\n", cell, why);
    assert_int_equal(rc, 0);
    return r;
}

/* parse -> format -> parse gives the same structure */
static void roundtrip(const char *cell)
{
    tariff_rate a = parse_ok(cell), b;
    char buf[256], why[160];
    assert_true(tariff_rate_format(&a, buf, sizeof buf) >= 0);
    assert_int_equal(tariff_rate_parse(buf, &b, why, sizeof why), 0);
    a.text = b.text = NULL;
    assert_memory_equal(&a, &b, sizeof a);
}

static void test_plain_and_decimal(void **s)
{
    (void)s;
    tariff_rate r = parse_ok("5");
    assert_int_equal(r.kind, RATE_AD_VALOREM);
    assert_int_equal(r.pct, 500);
    r = parse_ok("12,5"); /* decimal comma */
    assert_int_equal(r.pct, 1250);
    r = parse_ok("7.5");
    assert_int_equal(r.pct, 750);
    r = parse_ok("");
    assert_int_equal(r.kind, RATE_NONE);
    r = parse_ok("*");
    assert_int_equal(r.kind, RATE_EXCLUDED);
    r = parse_ok("Q");
    assert_int_equal(r.kind, RATE_QUOTA);
    assert_int_equal(r.out_of_quota_pct, -1);
}

static void test_exceptions(void **s)
{
    (void)s;
    tariff_rate r = parse_ok("0 (-KH, LA)");
    assert_int_equal(r.pct, 0);
    assert_int_equal(r.n_excluded, 2);
    assert_string_equal(r.excluded[1], "LA");
    r = parse_ok("0(-KH)");
    assert_int_equal(r.n_excluded, 1);
    r = parse_ok("0(-MM)(GIC)");
    assert_int_equal(r.n_excluded, 1);
    assert_int_equal(r.gic, 1);
    r = parse_ok("0(-KH, MY, PH, )"); /* trailing separator in the source */
    assert_int_equal(r.n_excluded, 3);
    r = parse_ok("30 (-BN,KH,ID,MY,MM,PH,CN)");
    assert_int_equal(r.n_excluded, 7);
    assert_int_equal(r.pct, 3000);
    r = parse_ok("0(-ID, MY )");
    assert_int_equal(r.n_excluded, 2);
}

static void test_override_quota_relative(void **s)
{
    (void)s;
    tariff_rate r = parse_ok("15; M: 18");
    assert_int_equal(r.pct, 1500);
    assert_int_equal(r.n_overrides, 1);
    assert_string_equal(r.overrides[0].country, "MX");
    assert_int_equal(r.overrides[0].pct, 1800);
    r = parse_ok("2,7; M: 5,4");
    assert_int_equal(r.overrides[0].pct, 540);
    r = parse_ok("40 (NHN: 80)");
    assert_int_equal(r.pct, 4000);
    assert_int_equal(r.out_of_quota_pct, 8000);
    r = parse_ok("60 (NHN: 127.5)");
    assert_int_equal(r.out_of_quota_pct, 12750);
    r = parse_ok("150% thuế MFN");
    assert_int_equal(r.of_mfn_pct, 150);
}

static void test_alternatives(void **s)
{
    (void)s;
    /* the highest alternative applies */
    tariff_rate r = parse_ok("0/5");
    assert_int_equal(r.kind, RATE_AD_VALOREM);
    assert_int_equal(r.n_alternatives, 2);
    assert_int_equal(r.pct, 500);
    r = parse_ok("0 (-MM, TH)/0/0");
    assert_int_equal(r.n_alternatives, 3);
    assert_int_equal(r.n_excluded, 2);
    r = parse_ok("0(-KH, MY)/0(-LA, KR)"); /* exclusions are united: conservative */
    assert_int_equal(r.n_excluded, 4);
    r = parse_ok("1,2/0; M: 1,9/0");
    assert_int_equal(r.pct, 120);
    assert_int_equal(r.overrides[0].pct, 190);
    r = parse_ok("*/0"); /* part of the line excluded: whole line treated as excluded */
    assert_int_equal(r.kind, RATE_EXCLUDED);
    r = parse_ok("14/8.6/1.7");
    assert_int_equal(r.pct, 1400);
    r = parse_ok("0/1,8/0/1,8; M: 0/2,7/0/2,7");
    assert_int_equal(r.n_alternatives, 4);
    assert_int_equal(r.overrides[0].pct, 270);
}

static void test_reference_specific_mixed(void **s)
{
    (void)s;
    tariff_rate r = parse_ok("Theo hướng dẫn tại khoản 1.1 Chương 98");
    assert_int_equal(r.kind, RATE_REFERENCE);
    assert_string_equal(r.ref, "98:1.1");
    r = parse_ok("Theo hướng dẫn tại điểm b.5.3 và b.5.4 khoản 2.2 Chương 98");
    assert_string_equal(r.ref, "98:2.2/b.5.3,b.5.4");
    r = parse_ok("USD 5000/C62");
    assert_int_equal(r.kind, RATE_SPECIFIC);
    assert_int_equal(r.specific_amount, 50000000);
    assert_string_equal(r.specific_currency, "USD");
    assert_string_equal(r.specific_unit, "C62");
    r = parse_ok("150% + USD 10000/C62");
    assert_int_equal(r.kind, RATE_MIXED);
    assert_int_equal(r.pct, 15000);
}

static void test_bad_cells(void **s)
{
    (void)s;
    const char *bad[] = {"abc", "5%",  "0 (-K)",  "15; Z: 18",      "0 (-KH",   "1/2/3/4/5",
                         "-5",  "5 6", "0 (XYZ)", "Theo hướng dẫn", "USD x/C62"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tariff_rate r;
        char why[160] = "";
        assert_int_equal(tariff_rate_parse(bad[i], &r, why, sizeof why), -1);
        assert_true(why[0] != '\0'); /* always says why */
    }
}

static void test_roundtrip(void **s)
{
    (void)s;
    const char *cells[] = {"5",
                           "12,5",
                           "*",
                           "",
                           "Q",
                           "0 (-KH, LA)",
                           "0(-MM)(GIC)",
                           "15; M: 18",
                           "0/5",
                           "0 (-MM, TH)/0/0",
                           "40 (NHN: 80)",
                           "150% thuế MFN",
                           "Theo hướng dẫn tại khoản 1.1 Chương 98",
                           "*/0",
                           "0/*/*",
                           "1,2/0; M: 1,9/0",
                           "USD 5000/C62",
                           "5% + USD 3000/C62"};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++)
        roundtrip(cells[i]);
}

static tariff *load_real(void)
{
    errs *e = calloc(1, sizeof *e);
    tariff *t = NULL;
    int rc = tariff_load(ECUSTOMS_DATA_DIR "/tariff", &t, e);
    for (int i = 0; i < e->n; i++)
        fprintf(stderr, "%s %s %s\n", e->items[i].code, e->items[i].path, e->items[i].message);
    assert_int_equal(rc, 0);
    free(e);
    return t;
}

static void test_load_find(void **s)
{
    (void)s;
    tariff *t = load_real();
    const tariff_line *l;
    assert_true(tariff_count(t) > 11800);
    l = tariff_find(t, 85171300);
    assert_non_null(l);
    assert_string_equal(l->desc_en, "- - Smartphones");
    assert_int_equal(l->mfn->pct, 0);
    assert_null(tariff_find(t, 85171399));
    assert_null(tariff_find(t, 0));
    l = tariff_find(t, 87032259);
    assert_non_null(l);
    assert_int_equal(l->mfn->pct, 7000);
    assert_int_equal(l->standard->pct, 10500);
    /* in the 2026 file "150% thuế MFN" only appears next to a Chapter 98 reference MFN: the
     * ordinary rate resolves to the same reference (the numeric case is in test_tax) */
    l = tariff_find(t, 87021041);
    assert_int_equal(l->standard->kind, RATE_REFERENCE);
    assert_int_equal(l->standard->of_mfn_pct, 150);
    /* lines in code order */
    for (size_t i = 1; i < tariff_count(t); i++)
        assert_true(tariff_at(t, i - 1)->hs8 < tariff_at(t, i)->hs8);
    /* procedures attached */
    l = tariff_find(t, 1012100);
    assert_non_null(l);
    assert_true(l->n_procedures >= 1);
    assert_string_equal(l->procedures[0].agency, "MARD");
    /* CKD line: reference rate, unresolved (no rate in chapter98_specific.tsv) */
    l = tariff_find(t, 87021010);
    assert_int_equal(l->mfn->kind, RATE_REFERENCE);
    assert_non_null(tariff_reference_find(t, "98:1.1"));
    assert_true(tariff_memory(t) > 1000000);
    tariff_free(t);
}

static void test_nearest_search_names(void **s)
{
    (void)s;
    tariff *t = load_real();
    const tariff_line *out[5];
    size_t n = tariff_nearest(t, 85171399, out, 3);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i]->hs8 / 10000, 8517); /* same heading first */
    n = tariff_search(t, "SMARTPHONES", out, 5);
    assert_true(n >= 1);
    assert_int_equal(out[0]->hs8, 85171300);
    n = tariff_search(t, "Điện thoại thông minh", out, 5);
    assert_true(n >= 1);
    assert_string_equal(tariff_fta_name(FTA_ACFTA), "ACFTA");
    assert_string_equal(tariff_fta_name(FTA_RCEP_F), "RCEP_F");
    assert_int_equal(tariff_fta_from_name("EVFTA"), FTA_EVFTA);
    assert_int_equal(tariff_fta_from_name("XX"), -1);
    /* JSON of a tariff line without origin */
    json_t *j = json_tariff_line(tariff_find(t, 85171300), NULL, NULL, 20250101);
    assert_string_equal(json_string_value(json_object_get(j, "hs_code")), "85171300");
    assert_non_null(json_object_get(json_object_get(j, "rates"), "ACFTA"));
    json_decref(j);
    tariff_free(t);
}

static void test_load_errors(void **s)
{
    (void)s;
    errs *e = calloc(1, sizeof *e);
    tariff *t = NULL;
    assert_int_equal(tariff_load("/nonexistent", &t, e), -1);
    assert_null(t);
    assert_string_equal(e->items[0].code, "tariff_missing");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_decimal),
        cmocka_unit_test(test_exceptions),
        cmocka_unit_test(test_override_quota_relative),
        cmocka_unit_test(test_alternatives),
        cmocka_unit_test(test_reference_specific_mixed),
        cmocka_unit_test(test_bad_cells),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_load_find),
        cmocka_unit_test(test_nearest_search_names),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
