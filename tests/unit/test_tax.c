/* Worked examples of the tax engine. Fixtures: tests/data/tariff-fixture (real lines from
 * data/tariff plus three synthetic lines for specific, mixed and reference rates) and
 * tests/data/tax-fixture. Exchange rates are given by each test: USD 25,000, EUR 27,000.5,
 * JPY 165.25 VND. Every expected figure has its arithmetic in a comment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/json_decl.h"
#include "codec/json_tax.h"
#include "core/tariff.h"
#include "core/tax.h"
#include "core/tax_tables.h"
#include "util/decimal.h"

#define FIX ECUSTOMS_DATA_DIR "/../tests/data"
#define D2025 20250310

static tariff *T;
static tax_tables *TT;
static const tax_fx RATES[] = {{"USD", 250000000}, {"EUR", 270005000}, {"JPY", 1652500}};
static const tax_fx_table FX = {RATES, 3};

static int setup(void **s)
{
    errs *e = calloc(1, sizeof *e);
    (void)s;
    if (tariff_load(FIX "/tariff-fixture", &T, e) < 0 ||
        tax_tables_load(FIX "/tax-fixture", &TT, e) < 0) {
        for (int i = 0; i < e->n; i++)
            fprintf(stderr, "%s %s %s\n", e->items[i].code, e->items[i].path, e->items[i].message);
        free(e);
        return -1;
    }
    free(e);
    return 0;
}

static int teardown(void **s)
{
    (void)s;
    tariff_free(T);
    tax_tables_free(TT);
    return 0;
}

/* A one-item CIF import in USD; amounts in whole units. */
static decl_item ITEMS[8];
static decl D;
static tax_item_result RES_ITEMS[8];
static tax_result R;
static errs E;

static decl *one(const char *hs, const char *origin, int64_t usd, int64_t qty, const char *unit)
{
    memset(&D, 0, sizeof D);
    memset(ITEMS, 0, sizeof ITEMS);
    D.kind = DECL_IMPORT;
    strcpy(D.type_code, "A11");
    strcpy(D.invoice.currency, "USD");
    strcpy(D.invoice.incoterm, "CIF");
    D.n_items = 1;
    D.items = ITEMS;
    snprintf(ITEMS[0].hs_code, sizeof ITEMS[0].hs_code, "%s", hs);
    snprintf(ITEMS[0].origin, sizeof ITEMS[0].origin, "%s", origin);
    snprintf(ITEMS[0].unit, sizeof ITEMS[0].unit, "%s", unit);
    ITEMS[0].value = usd * 10000;
    ITEMS[0].quantity = qty * 10000;
    decl_item_attrs_none(&ITEMS[0]);
    return &D;
}

static void co(int i, const char *form, const char *number)
{
    strcpy(ITEMS[i].co_form, form);
    strcpy(ITEMS[i].co_number, number);
}

static int run(date_ymd date)
{
    errs_init(&E);
    memset(&R, 0, sizeof R);
    R.items = RES_ITEMS;
    int rc = tax_compute(T, TT, &FX, &D, date, &R, &E);
    for (int i = 0; i < E.n; i++)
        fprintf(stderr, "  [%s] %s %s\n", E.items[i].code, E.items[i].path, E.items[i].message);
    return rc;
}

#define TL(k) (R.items[0].t[k])
static int has_err(const char *code)
{
    for (int i = 0; i < E.n; i++)
        if (strcmp(E.items[i].code, code) == 0)
            return 1;
    return 0;
}

/* 1. Smartphone 85171300 from US, USD 1,000 CIF. CV = 1,000 x 25,000 = 25,000,000.
 * MFN 0 % -> 0 (B01). VAT: 8517 excluded from the 8 % reduction -> 10 % x 25,000,000 =
 * 2,500,000. */
static void t01_mfn_zero_vat_excluded(void **s)
{
    (void)s;
    one("85171300", "US", 1000, 1, "PCE");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 25000000);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 0);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B01");
    assert_int_equal(TL(TAX_VAT).pct, 1000);
    assert_int_equal(TL(TAX_VAT).amount, 2500000);
    assert_non_null(strstr(TL(TAX_VAT).note, "excluded"));
    assert_int_equal(R.total, 2500000);
}

/* 2. Same phone from KP (not a WTO member on record): ordinary rate 5 % (B03).
 * duty 25,000,000 x 5 % = 1,250,000; VAT 10 % x 26,250,000 = 2,625,000. */
static void t02_ordinary_non_wto(void **s)
{
    (void)s;
    one("85171300", "KP", 1000, 1, "PCE");
    assert_int_equal(run(D2025), 0);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B03");
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 1250000);
    assert_int_equal(TL(TAX_VAT).amount, 2625000);
}

/* 3. Beer 22030091 from DE, no C/O, USD 1,000 CIF, 500 LTR. MFN 35 % = 8,750,000.
 * SCT 65 % x (25,000,000 + 8,750,000) = 21,937,500.
 * VAT 10 % (SCT goods keep 10 %) x (25,000,000 + 8,750,000 + 21,937,500 = 55,687,500) = 5,568,750.
 * The note points at EVFTA 22 % available with EUR.1. */
static void t03_beer_mfn_sct(void **s)
{
    (void)s;
    one("22030091", "DE", 1000, 500, "LTR");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 8750000);
    assert_int_equal(TL(TAX_SCT).base, 33750000);
    assert_int_equal(TL(TAX_SCT).amount, 21937500);
    assert_int_equal(TL(TAX_VAT).base, 55687500);
    assert_int_equal(TL(TAX_VAT).amount, 5568750);
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "EVFTA 22% available"));
    assert_int_equal(R.total, 8750000 + 21937500 + 5568750);
}

/* 4. Beer from DE with EUR.1: EVFTA 22 % x 25,000,000 = 5,500,000 (B22). */
static void t04_evfta_with_co(void **s)
{
    (void)s;
    one("22030091", "DE", 1000, 500, "LTR");
    co(0, "EUR.1", "DE-123");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 5500000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B22");
    assert_string_equal(TL(TAX_IMPORT_DUTY).rate_text, "22%");
}

/* 5. Beer from CN with form E: ACFTA "0 (-KH, LA, MM, SG)" -> 0 % (B05). */
static void t05_acfta(void **s)
{
    (void)s;
    one("22030091", "CN", 1000, 500, "LTR");
    co(0, "E", "E25-0001");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 0);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B05");
    /* SCT 65 % x 25,000,000 = 16,250,000 */
    assert_int_equal(TL(TAX_SCT).amount, 16250000);
}

/* 6. Beer from SG with form E: SG is an ACFTA party but excluded by the cell's country exception:
 * MFN 35 % = 8,750,000 and the note says why. */
static void t06_acfta_country_exception(void **s)
{
    (void)s;
    one("22030091", "SG", 1000, 500, "LTR");
    co(0, "E", "E25-0002");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 8750000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B01");
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "ACFTA refused: origin SG excluded"));
}

/* 7. Form E without a C/O number: refused, MFN 35 %. */
static void t07_no_co_number(void **s)
{
    (void)s;
    one("22030091", "CN", 1000, 500, "LTR");
    co(0, "E", "");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 8750000);
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "no C/O number"));
}

/* 8. Form E for French beer: FR is not an ACFTA party -> refused, MFN. */
static void t08_not_a_party(void **s)
{
    (void)s;
    one("22030091", "FR", 1000, 500, "LTR");
    co(0, "E", "X1");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 8750000);
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "origin FR not a party"));
}

/* 9. CPTPP "15; M: 18": from MX 18 % x 25,000,000 = 4,500,000; from JP 15 % = 3,750,000. */
static void t09_cptpp_mexico_override(void **s)
{
    (void)s;
    one("22030091", "MX", 1000, 500, "LTR");
    co(0, "CPTPP", "MX-9");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 4500000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B20");
    one("22030091", "JP", 1000, 500, "LTR");
    co(0, "CPTPP", "JP-9");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 3750000);
}

/* 10. CPTPP for GB: party only from 2024-12-15. On 2024-06-01 refused (MFN 35 % = 8,750,000),
 * on 2025-03-10 granted (15 % = 3,750,000): a rate change between two dates. */
static void t10_party_validity_dates(void **s)
{
    (void)s;
    one("22030091", "GB", 1000, 500, "LTR");
    co(0, "CPTPP", "GB-1");
    assert_int_equal(run(20240601), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 8750000);
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "not a party"));
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 3750000);
}

/* 11. Refined sugar 17019910 from TH, MFN "40 (NHN: 85)": no quota allocation -> out-of-quota
 * 85 % (B14) x 25,000,000 = 21,250,000. Trade remedies AD 42.99 % + CVD 4.65 % = 47.64 % x
 * 25,000,000 = 11,910,000. VAT 8 % (reduction) x (25,000,000 + 21,250,000 + 11,910,000 =
 * 58,160,000) = 4,652,800. */
static void t11_quota_and_trade_remedy(void **s)
{
    (void)s;
    one("17019910", "TH", 1000, 1000, "KGM");
    assert_int_equal(run(D2025), 0);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B14");
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 21250000);
    assert_int_equal(TL(TAX_TRADE_REMEDY).amount, 11910000);
    assert_int_equal(TL(TAX_TRADE_REMEDY).pct, 4764);
    assert_int_equal(TL(TAX_VAT).pct, 800);
    assert_int_equal(TL(TAX_VAT).amount, 4652800);
}

/* 12. Same sugar with ATIGA form D: ATIGA 5 % x 25,000,000 = 1,250,000 (B04) beats 85 %. */
static void t12_atiga_beats_out_of_quota(void **s)
{
    (void)s;
    one("17019910", "TH", 1000, 1000, "KGM");
    co(0, "D", "D-TH-1");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 1250000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B04");
}

/* 13. Eggs 04072100 from RU with EAV: VN-EAEU cell "Q" (in-quota only) -> refused; MFN
 * "40 (NHN: 80)" out-of-quota 80 % x 25,000,000 = 20,000,000. */
static void t13_quota_only_refused(void **s)
{
    (void)s;
    one("04072100", "RU", 1000, 1000, "KGM");
    co(0, "EAV", "RU-1");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 20000000);
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "in-quota only"));
}

/* 14. Petrol 27101224 from SG, 1,000 LTR, USD 700 CIF, 2025: CV 17,500,000; MFN 10 % =
 * 1,750,000; EPT 1,000 x 2,000 = 2,000,000 (Resolution 60/2024); VAT 10 % (petroleum keeps
 * 10 %) x (17,500,000 + 1,750,000 + 2,000,000 = 21,250,000) = 2,125,000. */
static void t14_petrol_ept(void **s)
{
    (void)s;
    one("27101224", "SG", 700, 1000, "LTR");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 1750000);
    assert_int_equal(TL(TAX_EPT).amount, 2000000);
    assert_int_equal(TL(TAX_VAT).amount, 2125000);
    assert_int_equal(TL(TAX_VAT).pct, 1000);
}

/* 15. Same petrol on 2021-06-01: EPT 4,000/LTR (Resolution 579/2018) = 4,000,000; no VAT
 * reduction then: 10 % x (17,500,000 + 1,750,000 + 4,000,000) = 2,325,000. */
static void t15_ept_rate_change(void **s)
{
    (void)s;
    one("27101224", "SG", 700, 1000, "LTR");
    assert_int_equal(run(20210601), 0);
    assert_int_equal(TL(TAX_EPT).amount, 4000000);
    assert_int_equal(TL(TAX_VAT).amount, 2325000);
}

/* 16. Plastic bags 39232119 from CN, 200 KGM, FOB USD 400 + freight USD 50 + insurance USD 10:
 * CV (400 + 50 + 10) x 25,000 = 11,500,000; MFN 12 % = 1,380,000; EPT 200 x 50,000 =
 * 10,000,000; VAT 8 % x (11,500,000 + 1,380,000 + 10,000,000 = 22,880,000) = 1,830,400. */
static void t16_plastic_bags_fob(void **s)
{
    (void)s;
    one("39232119", "CN", 400, 200, "KGM");
    strcpy(D.invoice.incoterm, "FOB");
    D.invoice.freight = 50 * 10000;
    D.invoice.insurance = 10 * 10000;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 11500000);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 1380000);
    assert_int_equal(TL(TAX_EPT).amount, 10000000);
    assert_int_equal(TL(TAX_VAT).amount, 1830400);
}

/* 17. CFR adds insurance only: CV (400 + 10) x 25,000 = 10,250,000. */
static void t17_cfr_adds_insurance(void **s)
{
    (void)s;
    one("39232119", "CN", 400, 200, "KGM");
    strcpy(D.invoice.incoterm, "CFR");
    D.invoice.freight = 50 * 10000;
    D.invoice.insurance = 10 * 10000;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 10250000);
}

/* 18. Plastic bags declared in PCE: EPT is per KGM -> ept_unit_mismatch. */
static void t18_ept_unit_mismatch(void **s)
{
    (void)s;
    one("39232119", "CN", 400, 200, "PCE");
    assert_int_equal(run(D2025), -1);
    assert_true(has_err("ept_unit_mismatch"));
    assert_string_equal(E.items[0].path, "/items/0/unit");
}

/* 19. Medicine 30049099 from US: duty 0; VAT 5 % (no reduction: only 10 % goods are reduced)
 * x 25,000,000 = 1,250,000. */
static void t19_vat_5(void **s)
{
    (void)s;
    one("30049099", "US", 1000, 10, "KGM");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_VAT).pct, 500);
    assert_int_equal(TL(TAX_VAT).amount, 1250000);
}

/* 20. Urea 31021000 from RU: MFN 6 % x 25,000,000 = 1,500,000; VAT: not subject (exempt) -> 0. */
static void t20_vat_exempt(void **s)
{
    (void)s;
    one("31021000", "RU", 1000, 1000, "KGM");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 1500000);
    assert_int_equal(TL(TAX_VAT).amount, 0);
    assert_string_equal(TL(TAX_VAT).rate_text, "exempt");
}

/* 21. Type code G13 (tax-exempt temporary import): every tax 0, legal ref Law 107/2016 Art.
 * 16(9). */
static void t21_exempt_type_code(void **s)
{
    (void)s;
    one("22030091", "DE", 1000, 500, "LTR");
    strcpy(D.type_code, "G13");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 25000000);
    assert_int_equal(R.total, 0);
    assert_string_equal(TL(TAX_IMPORT_DUTY).legal_ref, "Law 107/2016/QH13 Art. 16(9)");
    assert_non_null(strstr(TL(TAX_VAT).note, "exempt"));
}

/* 22. Export declaration: customs value computed; goods not in the export tariff (Decree 26/2023
 * Appendix I, data/tax/export_duties.tsv) carry no export duty, and no other tax. */
static void t22_export(void **s)
{
    (void)s;
    one("85171300", "VN", 1000, 1, "PCE");
    D.kind = DECL_EXPORT;
    strcpy(D.type_code, "B11");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.customs_value, 25000000);
    assert_int_equal(R.total, 0);
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).note, "not in the export tariff"));
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "XK");
    assert_non_null(strstr(TL(TAX_VAT).rate_text, "not subject"));
}

/* 22b. Export duty (the fixture's made-up 17 % row for 6109,
 * tests/data/tax-fixture/export_duties.tsv) on the customs value: 25,000,000 x 17 % = 4,250,000;
 * the duty line is the export duty. */
static void t22b_export_duty(void **s)
{
    (void)s;
    one("61091010", "VN", 1000, 1, "PCE");
    D.kind = DECL_EXPORT;
    strcpy(D.type_code, "B11");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.customs_value, 25000000);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 4250000);
    assert_int_equal(R.total, 4250000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).rate_text, "17%");
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).legal_ref, "Decree 26/2023"));
    assert_non_null(strstr(TL(TAX_IMPORT_DUTY).legal_ref, "unverified"));
}

/* 23. Specific duty (fixture line 87032390, MFN "USD 5000/C62"), 1 car from JP, USD 20,000 CIF:
 * duty 1 x 5,000 x 25,000 = 125,000,000 (B15). VAT 10 % (cars keep 10 %) x (500,000,000 +
 * 125,000,000) = 62,500,000. */
static void t23_specific(void **s)
{
    (void)s;
    one("87032390", "JP", 20000, 1, "C62");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 125000000);
    assert_int_equal(TL(TAX_IMPORT_DUTY).pct, -1);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B15");
    assert_string_equal(TL(TAX_IMPORT_DUTY).rate_text, "USD 5000/C62");
    assert_int_equal(TL(TAX_VAT).amount, 62500000);
}

/* 24. Ordinary rate of a specific duty: 150 % x USD 5,000 = USD 7,500 x 25,000 = 187,500,000. */
static void t24_ordinary_of_specific(void **s)
{
    (void)s;
    one("87032390", "KP", 20000, 1, "PCE");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 187500000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B03");
}

/* 25. Mixed duty (fixture 87032490, "150% + USD 10000/C62"), 2 cars, USD 40,000 CIF:
 * CV 1,000,000,000; 150 % x CV = 1,500,000,000 + 2 x 10,000 x 25,000 = 500,000,000 ->
 * 2,000,000,000 (B16). */
static void t25_mixed(void **s)
{
    (void)s;
    one("87032490", "JP", 40000, 2, "C62");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 2000000000);
    assert_string_equal(TL(TAX_IMPORT_DUTY).schedule, "B16");
}

/* 26. Specific duty with quantity in the wrong unit -> specific_unit_mismatch. */
static void t26_specific_unit(void **s)
{
    (void)s;
    one("87032390", "JP", 20000, 1000, "KGM");
    assert_int_equal(run(D2025), -1);
    assert_true(has_err("specific_unit_mismatch"));
}

/* 27. Car 87032259 (1,000-1,500 cc) from DE, USD 20,000 CIF: CV 500,000,000; MFN 70 % =
 * 350,000,000; SCT 35 % x 850,000,000 = 297,500,000; VAT 10 % x 1,147,500,000 = 114,750,000. */
static void t27_car_sct(void **s)
{
    (void)s;
    one("87032259", "DE", 20000, 1, "C62");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 350000000);
    assert_int_equal(TL(TAX_SCT).amount, 297500000);
    assert_int_equal(TL(TAX_VAT).amount, 114750000);
}

/* 28. CKD line with an MFN "per Chapter 98 guidance" and no rate in chapter98_specific.tsv:
 * rate_manual, never a guess. */
static void t28_reference_manual(void **s)
{
    (void)s;
    one("87021010", "JP", 20000, 1, "C62");
    assert_int_equal(run(D2025), -1);
    assert_true(has_err("rate_manual"));
}

/* 29. Rounding at .5 dong, halves away from zero: invoice in VND, phone from KP (ordinary 5 %),
 * value 30 VND: duty 30 x 5 % = 1.5 -> 2; VAT 10 % x 32 = 3.2 -> 3. */
static void t29_rounding_half(void **s)
{
    (void)s;
    one("85171300", "KP", 30, 1, "PCE");
    strcpy(D.invoice.currency, "VND");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 30);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 2);
    assert_int_equal(TL(TAX_VAT).amount, 3);
    assert_int_equal(decimal_round_div(-5, 2), -3);
    assert_int_equal(decimal_round_div(5, 2), 3);
}

/* 30. Multi-currency invoice: EUR, FOB, three items of EUR 100 (85171300 from US), freight USD 100
 * and insurance JPY 1,000 allocated by value (1:1:1) with largest remainders:
 * freight 1,000,000 units / 3 = 333,333 r 1 -> item 1 gets 333,334; insurance 10,000,000 / 3 ->
 * 3,333,334 / 3,333,333 / 3,333,333. Exact sums: 333,334 + 2 x 333,333 = 1,000,000.
 * Item 1 CV = 100 x 27,000.5 + 33.3334 x 25,000 + 333.3334 x 165.25
 *           = 2,700,050 + 833,335 + 55,083.34435 = 3,588,468.34435 -> 3,588,468
 * Items 2-3 = 2,700,050 + 833,332.5 + 55,083.327825 = 3,588,465.827825 -> 3,588,466. */
static void t30_multicurrency_allocation(void **s)
{
    (void)s;
    one("85171300", "US", 100, 1, "PCE");
    strcpy(D.invoice.currency, "EUR");
    strcpy(D.invoice.incoterm, "FOB");
    strcpy(D.invoice.freight_currency, "USD");
    strcpy(D.invoice.insurance_currency, "JPY");
    D.invoice.freight = 100 * 10000;
    D.invoice.insurance = 1000 * 10000;
    ITEMS[1] = ITEMS[0];
    ITEMS[2] = ITEMS[0];
    D.n_items = 3;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 3588468);
    assert_int_equal(R.items[1].customs_value, 3588466);
    assert_int_equal(R.items[2].customs_value, 3588466);
    assert_int_equal(R.customs_value, 3588468 + 2 * 3588466);
}

/* 31. Allocation by net weight: CIF-less FOB USD, items USD 100 and 300 weighing 3 kg and 1 kg,
 * freight USD 40 by weight -> 30 and 10: CVs (100 + 30) x 25,000 = 3,250,000 and
 * (300 + 10) x 25,000 = 7,750,000. By value it would be 10 and 30. */
static void t31_allocation_by_weight(void **s)
{
    (void)s;
    one("85171300", "US", 100, 1, "PCE");
    strcpy(D.invoice.incoterm, "FOB");
    strcpy(D.invoice.allocation, "weight");
    D.invoice.freight = 40 * 10000;
    ITEMS[1] = ITEMS[0];
    ITEMS[1].value = 300 * 10000;
    ITEMS[0].net_weight_kg = 3 * 10000;
    ITEMS[1].net_weight_kg = 1 * 10000;
    D.n_items = 2;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 3250000);
    assert_int_equal(R.items[1].customs_value, 7750000);
}

/* 32. Producer-specific trade remedy (fixture rows): named producer 3.04 %, others 27.83 %.
 * CV 25,000,000: 760,000 vs 6,957,500. */
static void t32_trade_remedy_producer(void **s)
{
    (void)s;
    one("72104111", "CN", 1000, 1000, "KGM");
    strcpy(ITEMS[0].producer, "Good Steel Co");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_TRADE_REMEDY).amount, 760000);
    one("72104111", "CN", 1000, 1000, "KGM");
    strcpy(ITEMS[0].producer, "Other Mill");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_TRADE_REMEDY).amount, 6957500);
    /* not from CN: no remedy */
    one("72104111", "KR", 1000, 1000, "KGM");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_TRADE_REMEDY).amount, 0);
}

/* 33. Bad input, every error at once: unknown HS (with nearest codes), 6-digit code, negative
 * value, absurd quantity, bad currency shape in freight is not reached (CIF). */
static void t33_errors_all_at_once(void **s)
{
    (void)s;
    one("85171399", "US", 1000, 1, "PCE");
    ITEMS[1] = ITEMS[0];
    strcpy(ITEMS[1].hs_code, "851713");
    ITEMS[2] = ITEMS[0];
    strcpy(ITEMS[2].hs_code, "85171300");
    ITEMS[2].value = -1;
    ITEMS[3] = ITEMS[0];
    strcpy(ITEMS[3].hs_code, "85171300");
    ITEMS[3].quantity = INT64_MAX;
    D.n_items = 4;
    assert_int_equal(run(D2025), -1);
    assert_int_equal(E.n, 4);
    assert_string_equal(E.items[0].code, "hs_unknown");
    assert_string_equal(E.items[0].path, "/items/0/hs_code");
    assert_non_null(strstr(E.items[0].message, "85171300"));
    assert_string_equal(E.items[1].code, "hs_format");
    assert_string_equal(E.items[2].code, "value_range");
    assert_string_equal(E.items[2].path, "/items/2/value");
    assert_string_equal(E.items[3].code, "value_range");
}

/* 34. Currencies: "XYZ" has no rate (fx_missing), "usd" is not an ISO code (currency_invalid). */
static void t34_currency_errors(void **s)
{
    (void)s;
    one("85171300", "US", 1000, 1, "PCE");
    strcpy(D.invoice.currency, "XYZ");
    assert_int_equal(run(D2025), -1);
    assert_true(has_err("fx_missing"));
    strcpy(D.invoice.currency, "usd");
    assert_int_equal(run(D2025), -1);
    assert_true(has_err("currency_invalid"));
}

/* 35. No exchange rate for the date: an empty fx table (the caller found no EUR rate valid on
 * the date) -> fx_missing naming the currency and the date. */
static void t35_fx_missing_for_date(void **s)
{
    (void)s;
    tax_fx_table none = {RATES, 1}; /* USD only */
    one("85171300", "US", 1000, 1, "PCE");
    strcpy(D.invoice.currency, "EUR");
    errs_init(&E);
    R.items = RES_ITEMS;
    assert_int_equal(tax_compute(T, TT, &none, &D, D2025, &R, &E), -1);
    assert_string_equal(E.items[0].code, "fx_missing");
    assert_non_null(strstr(E.items[0].message, "2025-03-10"));
    /* demo file loader picks the rate valid on the date */
    tax_fx r[8];
    int n = tax_fx_load_demo(FIX "/tax-fixture/exchange_rates_demo.tsv", 20260105, r, 8, &E);
    assert_int_equal(n, 2);
    assert_int_equal(r[0].vnd_per_unit, 260000000);
}

/* 36. Large values: USD 36,000,000,000 of the mixed-duty car (2 units): CV 9 x 10^14 VND;
 * duty 150 % = 1.35 x 10^15 + 500,000,000 with no overflow (128-bit intermediates). */
static void t36_large_values(void **s)
{
    (void)s;
    one("87032490", "JP", 36000000000LL, 2, "C62");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(R.items[0].customs_value, 900000000000000LL);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 1350000000000000LL + 500000000LL);
    one("87032490", "JP", 50000000000LL, 2, "C62"); /* 1.25 x 10^15 VND: above the ceiling */
    assert_int_equal(run(D2025), -1);
    assert_true(has_err("value_range"));
}

/* 37. Late interest: 100,000,000 x 0.03 % x 10 days = 300,000; 5,000 x 0.03 % = 1.5 -> 2. */
static void t37_late_interest(void **s)
{
    (void)s;
    assert_int_equal(tax_late_interest(100000000, 10), 300000);
    assert_int_equal(tax_late_interest(5000, 1), 2);
    assert_int_equal(tax_late_interest(1666, 1), 0);
    assert_string_equal(tax_kind_key(TAX_VAT), "vat");
    assert_string_equal(tax_kind_key(TAX_TRADE_REMEDY), "trade_remedy");
}

/* 38. JSON of a result: amounts as strings, totals are sums of items (beer case 3). */
static void t38_json(void **s)
{
    (void)s;
    one("22030091", "DE", 1000, 500, "LTR");
    assert_int_equal(run(D2025), 0);
    json_t *j = json_tax_result(&R, &D);
    json_t *it = json_array_get(json_object_get(j, "items"), 0);
    json_t *duty = json_object_get(json_object_get(it, "taxes"), "import_duty");
    assert_string_equal(json_string_value(json_object_get(duty, "amount")), "8750000");
    assert_string_equal(json_string_value(json_object_get(duty, "rate")), "35%");
    assert_string_equal(json_string_value(json_object_get(duty, "schedule")), "B01");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(j, "taxes"), "total"), "amount")),
                        "36256250");
    assert_string_equal(json_string_value(json_object_get(j, "customs_value")), "25000000");
    json_decref(j);
    /* tariff line for an origin: ACFTA offered with form E for CN, refused for SG */
    j = json_tariff_line(tariff_find(T, 22030091), TT, "SG", D2025);
    json_t *app = json_object_get(j, "applicable");
    size_t i;
    json_t *x;
    int seen = 0;
    json_array_foreach(app, i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "name")), "ACFTA") == 0) {
            seen = 1;
            assert_true(json_is_false(json_object_get(x, "available")));
        }
    }
    assert_true(seen);
    json_decref(j);
}

/* 39. Loader rejects a table row without legal_ref and a bad header (all problems listed). */
static void t39_tables_reject(void **s)
{
    (void)s;
    errs *e = calloc(1, sizeof *e);
    tax_tables *x = NULL;
    assert_int_equal(tax_tables_load("/nonexistent", &x, e), -1);
    assert_true(e->n >= 9); /* every missing file reported */
    free(e);
}

/* SCT brackets by declared attribute (sct.tsv attribute/attr_min/attr_max). Fixture rows mirror
 * data/tax. */

static int err_at(const char *code, const char *path)
{
    for (int i = 0; i < E.n; i++)
        if (strcmp(E.items[i].code, code) == 0 && strcmp(E.items[i].path, path) == 0)
            return 1;
    return 0;
}

/* 40. Car <= 9 seats, 87032459 (> 3,000 cc, line not split further) from JP, USD 20,000 CIF, engine
 * 3,500 cc: CV 20,000 x 25,000 = 500,000,000; MFN 52 % = 260,000,000; SCT 90 % (3,000-4,000 cc) x
 * (500,000,000 + 260,000,000 = 760,000,000) = 684,000,000; VAT 10 % (SCT goods excluded from the
 * reduction) x (760,000,000 + 684,000,000 = 1,444,000,000) = 144,400,000. At 4,500 cc: 110 % x
 * 760,000,000 = 836,000,000; at 6,500 cc 150 % = 1,140,000,000. */
static void t40_car_above_3000cc(void **s)
{
    (void)s;
    one("87032459", "JP", 20000, 1, "C62");
    ITEMS[0].engine_cc = 3500;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 260000000);
    assert_int_equal(TL(TAX_SCT).base, 760000000);
    assert_int_equal(TL(TAX_SCT).pct, 9000);
    assert_int_equal(TL(TAX_SCT).amount, 684000000);
    assert_string_equal(TL(TAX_SCT).rate_text, "90%");
    assert_string_equal(TL(TAX_SCT).legal_ref, "Law 106/2016/QH13 Art. 2 (SCT schedule item 4a)");
    assert_non_null(strstr(TL(TAX_SCT).note, "engine 3,500 cc: 3,000-4,000 cc bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 144400000);
    ITEMS[0].engine_cc = 4500;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 836000000);
    ITEMS[0].engine_cc = 6500;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 1140000000);
    assert_non_null(strstr(TL(TAX_SCT).note, "above 6,000 cc bracket"));
    /* bounds: "above 3,000 up to 4,000 cc" = [3001, 4001): 4,000 cc is still 90 %, 4,001 cc is 110
     * % */
    ITEMS[0].engine_cc = 4000;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).pct, 9000);
    ITEMS[0].engine_cc = 4001;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).pct, 11000);
}

/* 41. Line spanning two brackets: motor-home 87032354 (1,500-3,000 cc) from DE, USD 20,000 CIF,
 * 2,200 cc: CV 500,000,000; MFN 70 % = 350,000,000; SCT 50 % (2,000-2,500 cc) x 850,000,000 =
 * 425,000,000; VAT 10 % x (850,000,000 + 425,000,000 = 1,275,000,000) = 127,500,000. Same line at
 * 2,600 cc: 60 % x 850,000,000 = 510,000,000. */
static void t41_spanning_line(void **s)
{
    (void)s;
    one("87032354", "DE", 20000, 1, "C62");
    ITEMS[0].engine_cc = 2200;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 350000000);
    assert_int_equal(TL(TAX_SCT).amount, 425000000);
    assert_string_equal(TL(TAX_SCT).rate_text, "50%");
    assert_non_null(strstr(TL(TAX_SCT).note, "engine 2,200 cc: 2,000-2,500 cc bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 127500000);
    ITEMS[0].engine_cc = 2600;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 510000000);
}

/* 42. 12-seat van 87029090 (8702: no split by seats) from JP, USD 30,000 CIF: CV 750,000,000; MFN
 * 70 % = 525,000,000; SCT 15 % (10-15 seats) x 1,275,000,000 = 191,250,000; VAT 10 % x
 * (1,275,000,000 + 191,250,000 = 1,466,250,000) = 146,625,000. 20 seats: 10 % = 127,500,000; 30
 * seats: 0 (not subject). */
static void t42_van_by_seats(void **s)
{
    (void)s;
    one("87029090", "JP", 30000, 1, "C62");
    ITEMS[0].seats = 12;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 525000000);
    assert_int_equal(TL(TAX_SCT).amount, 191250000);
    assert_string_equal(TL(TAX_SCT).rate_text, "15%");
    assert_non_null(strstr(TL(TAX_SCT).note, "12 seats: 10-15 seats bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 146625000);
    ITEMS[0].seats = 20;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 127500000);
    ITEMS[0].seats = 30;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 0);
    assert_string_equal(TL(TAX_SCT).rate_text, "0%");
}

/* 43. Pick-up 87042126 from US, USD 20,000 CIF, 2,800 cc: CV 500,000,000; MFN 70 % = 350,000,000;
 * SCT 20 % (2,500-3,000 cc) x 850,000,000 = 170,000,000; VAT 10 % x 1,020,000,000 = 102,000,000.
 * 2,500 cc exactly is in "up to 2,500 cc": 15 % = 127,500,000. */
static void t43_pickup(void **s)
{
    (void)s;
    one("87042126", "US", 20000, 1, "C62");
    ITEMS[0].engine_cc = 2800;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 170000000);
    assert_int_equal(TL(TAX_SCT).pct, 2000);
    assert_int_equal(TL(TAX_VAT).amount, 102000000);
    ITEMS[0].engine_cc = 2500;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 127500000);
    assert_non_null(strstr(TL(TAX_SCT).note, "up to 2,500 cc bracket"));
}

/* 44. Motorcycles on the same 50-150 cc line 87112016 from JP, USD 2,000 CIF: CV 50,000,000; MFN 75
 * % = 37,500,000. 150 cc: SCT 20 % x 87,500,000 = 17,500,000, VAT 10 % x 105,000,000 = 10,500,000.
 * 110 cc: SCT 0 (only above 125 cc is subject), VAT 10 % x 87,500,000 = 8,750,000. 125 cc: 0; 126
 * cc: 20 %. */
static void t44_motorcycles(void **s)
{
    (void)s;
    one("87112016", "JP", 2000, 1, "C62");
    ITEMS[0].engine_cc = 150;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 37500000);
    assert_int_equal(TL(TAX_SCT).amount, 17500000);
    assert_int_equal(TL(TAX_VAT).amount, 10500000);
    ITEMS[0].engine_cc = 110;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 0);
    assert_int_equal(TL(TAX_SCT).pct, 0);
    assert_non_null(strstr(TL(TAX_SCT).note, "engine 110 cc: up to 125 cc bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 8750000);
    ITEMS[0].engine_cc = 125;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).pct, 0);
    ITEMS[0].engine_cc = 126;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).pct, 2000);
}

/* 45. Air conditioner 84151020 (<= 21.10 kW) from KR, USD 1,000 CIF: CV 25,000,000; MFN 30 % =
 * 7,500,000. On 2026-03-01 (Law 66/2025): 18,000 BTU -> SCT 0, VAT 10 % x 32,500,000 = 3,250,000;
 * 36,000 BTU -> SCT 10 % x 32,500,000 = 3,250,000, VAT 10 % x 35,750,000 = 3,575,000. On 2025-03-10
 * the old row (every AC
 * <= 90,000 BTU, no attribute) applies: 10 % without a declared btu. */
static void t45_air_conditioner_btu(void **s)
{
    (void)s;
    one("84151020", "KR", 1000, 1, "C62");
    ITEMS[0].btu = 18000;
    assert_int_equal(run(20260301), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 7500000);
    assert_int_equal(TL(TAX_SCT).amount, 0);
    assert_non_null(strstr(TL(TAX_SCT).note, "18,000 BTU: up to 24,000 BTU bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 3250000);
    ITEMS[0].btu = 36000;
    assert_int_equal(run(20260301), 0);
    assert_int_equal(TL(TAX_SCT).amount, 3250000);
    assert_string_equal(TL(TAX_SCT).legal_ref, "Law 66/2025/QH15 Art. 8 (SCT schedule) item 8");
    assert_non_null(strstr(TL(TAX_SCT).note, "36,000 BTU: 24,000-90,000 BTU bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 3575000);
    ITEMS[0].btu = -1;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 3250000);
}

/* 46. Missing attribute: the line's SCT rows depend on it -> sct_attribute_required at the item's
 * JSON key, naming the line and its brackets; nothing guessed. A value outside every bracket (2,000
 * cc on a
 * "> 3,000 cc" line) -> sct_attribute_range. */
static void t46_attribute_required(void **s)
{
    (void)s;
    one("87032459", "JP", 20000, 1, "C62");
    assert_int_equal(run(D2025), -1);
    assert_true(err_at("sct_attribute_required", "/items/0/engine_cc"));
    assert_non_null(strstr(E.items[0].message, "87032459"));
    assert_non_null(strstr(E.items[0].message, "3,000-4,000 cc 90%"));
    assert_non_null(strstr(E.items[0].message, "above 6,000 cc 150%"));
    one("87029090", "JP", 30000, 1, "C62");
    assert_int_equal(run(D2025), -1);
    assert_true(err_at("sct_attribute_required", "/items/0/seats"));
    assert_non_null(strstr(E.items[0].message, "10-15 seats 15%"));
    one("22086000", "DE", 1000, 100, "LTR");
    assert_int_equal(run(D2025), -1);
    assert_true(err_at("sct_attribute_required", "/items/0/alcohol_percent"));
    one("84151020", "KR", 1000, 1, "C62");
    assert_int_equal(run(20260301), -1);
    assert_true(err_at("sct_attribute_required", "/items/0/btu"));
    one("87032459", "JP", 20000, 1, "C62");
    ITEMS[0].engine_cc = 2000;
    assert_int_equal(run(D2025), -1);
    assert_true(err_at("sct_attribute_range", "/items/0/engine_cc"));
    assert_non_null(strstr(E.items[0].message, "2,000 cc"));
    /* a line without bracketed rows ignores the attributes */
    one("87032259", "DE", 20000, 1, "C62");
    ITEMS[0].engine_cc = 1400;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 297500000);
}

/* 47. Spirits and beer still right. Vodka 22086000 from DE, USD 1,000 CIF, 100 LTR, 40 % vol: CV
 * 25,000,000; MFN 45 % = 11,250,000; SCT 65 % (>= 20 % vol) x 36,250,000 = 23,562,500; VAT 10 % x
 * 59,812,500 = 5,981,250. At 15 % vol: 35 % x 36,250,000 = 12,687,500; at exactly 20 % vol (min
 * inclusive): 65 %. Beer (case 3, no attribute): SCT 65 % x 33,750,000 = 21,937,500. */
static void t47_spirits_and_beer(void **s)
{
    (void)s;
    one("22086000", "DE", 1000, 100, "LTR");
    ITEMS[0].alcohol_pct = 4000;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_IMPORT_DUTY).amount, 11250000);
    assert_int_equal(TL(TAX_SCT).amount, 23562500);
    assert_non_null(strstr(TL(TAX_SCT).note, "alcohol 40% vol: 20% vol or more bracket"));
    assert_int_equal(TL(TAX_VAT).amount, 5981250);
    ITEMS[0].alcohol_pct = 1500;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 12687500);
    assert_non_null(strstr(TL(TAX_SCT).note, "alcohol 15% vol: under 20% vol bracket"));
    ITEMS[0].alcohol_pct = 2000;
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).pct, 6500);
    one("22030091", "DE", 1000, 500, "LTR");
    assert_int_equal(run(D2025), 0);
    assert_int_equal(TL(TAX_SCT).amount, 21937500);
}

/* 48. Sugary drink 22029990 from US, USD 1,000 CIF, 1,000 LTR: CV 25,000,000; MFN 20 % = 5,000,000.
 * 2026-06-01: no SCT row yet -> not subject, no attribute needed. 2027-03-01, 6.5 g/100 ml: SCT 8 %
 * x 30,000,000 = 2,400,000; 5 g/100 ml: 0. 2028-02-01, 6.5 g: 10 % x 30,000,000 = 3,000,000. */
static void t48_sugary_drinks(void **s)
{
    (void)s;
    one("22029990", "US", 1000, 1000, "LTR");
    assert_int_equal(run(20260601), 0);
    assert_string_equal(TL(TAX_SCT).rate_text, "not subject");
    ITEMS[0].sugar_g_100ml = 650;
    assert_int_equal(run(20270301), 0);
    assert_int_equal(TL(TAX_SCT).amount, 2400000);
    assert_non_null(
        strstr(TL(TAX_SCT).note, "sugar content 6.5 g/100 ml: above 5 g/100 ml bracket"));
    ITEMS[0].sugar_g_100ml = 500;
    assert_int_equal(run(20270301), 0);
    assert_int_equal(TL(TAX_SCT).amount, 0);
    ITEMS[0].sugar_g_100ml = 650;
    assert_int_equal(run(20280201), 0);
    assert_int_equal(TL(TAX_SCT).amount, 3000000);
}

/* 49. JSON: engine_cc, seats, btu, sugar_g_per_100ml as decimal strings or integers; absent = -1;
 * negative refused; engine_cc has no decimals. */
static void t49_json_attributes(void **s)
{
    (void)s;
    decl d;
    json_error_t je;
    json_t *j =
        json_loads("{\"items\": [{\"engine_cc\": \"3500\", \"seats\": 12, \"btu\": \"36000\","
                   " \"sugar_g_per_100ml\": \"6.5\", \"alcohol_percent\": \"40\"}, {}]}",
                   0, &je);
    assert_non_null(j);
    errs_init(&E);
    json_decl_decode(j, &d, &E); /* other required fields missing: errors, items still decoded */
    assert_int_equal(d.items[0].engine_cc, 3500);
    assert_int_equal(d.items[0].seats, 12);
    assert_int_equal(d.items[0].btu, 36000);
    assert_int_equal(d.items[0].sugar_g_100ml, 650);
    assert_int_equal(d.items[0].alcohol_pct, 4000);
    assert_int_equal(d.items[1].engine_cc, -1);
    assert_int_equal(d.items[1].seats, -1);
    assert_int_equal(d.items[1].btu, -1);
    assert_int_equal(d.items[1].sugar_g_100ml, -1);
    assert_int_equal(d.items[1].alcohol_pct, -1);
    for (int i = 0; i < E.n; i++) /* only the missing required fields are reported */
        assert_string_equal(E.items[i].code, "required");
    decl_release(&d);
    json_decref(j);
    j = json_loads("{\"items\": [{\"engine_cc\": -5, \"seats\": \"-1\", \"btu\": \"1.5\"}]}", 0,
                   &je);
    errs_init(&E);
    json_decl_decode(j, &d, &E);
    assert_true(err_at("out_of_range", "/items/0/engine_cc"));
    assert_true(err_at("out_of_range", "/items/0/seats"));
    assert_true(err_at("decimal_scale", "/items/0/btu"));
    assert_int_equal(d.items[0].engine_cc, -1);
    decl_release(&d);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t01_mfn_zero_vat_excluded),
        cmocka_unit_test(t02_ordinary_non_wto),
        cmocka_unit_test(t03_beer_mfn_sct),
        cmocka_unit_test(t04_evfta_with_co),
        cmocka_unit_test(t05_acfta),
        cmocka_unit_test(t06_acfta_country_exception),
        cmocka_unit_test(t07_no_co_number),
        cmocka_unit_test(t08_not_a_party),
        cmocka_unit_test(t09_cptpp_mexico_override),
        cmocka_unit_test(t10_party_validity_dates),
        cmocka_unit_test(t11_quota_and_trade_remedy),
        cmocka_unit_test(t12_atiga_beats_out_of_quota),
        cmocka_unit_test(t13_quota_only_refused),
        cmocka_unit_test(t14_petrol_ept),
        cmocka_unit_test(t15_ept_rate_change),
        cmocka_unit_test(t16_plastic_bags_fob),
        cmocka_unit_test(t17_cfr_adds_insurance),
        cmocka_unit_test(t18_ept_unit_mismatch),
        cmocka_unit_test(t19_vat_5),
        cmocka_unit_test(t20_vat_exempt),
        cmocka_unit_test(t21_exempt_type_code),
        cmocka_unit_test(t22_export),
        cmocka_unit_test(t22b_export_duty),
        cmocka_unit_test(t23_specific),
        cmocka_unit_test(t24_ordinary_of_specific),
        cmocka_unit_test(t25_mixed),
        cmocka_unit_test(t26_specific_unit),
        cmocka_unit_test(t27_car_sct),
        cmocka_unit_test(t28_reference_manual),
        cmocka_unit_test(t29_rounding_half),
        cmocka_unit_test(t30_multicurrency_allocation),
        cmocka_unit_test(t31_allocation_by_weight),
        cmocka_unit_test(t32_trade_remedy_producer),
        cmocka_unit_test(t33_errors_all_at_once),
        cmocka_unit_test(t34_currency_errors),
        cmocka_unit_test(t35_fx_missing_for_date),
        cmocka_unit_test(t36_large_values),
        cmocka_unit_test(t37_late_interest),
        cmocka_unit_test(t38_json),
        cmocka_unit_test(t39_tables_reject),
        cmocka_unit_test(t40_car_above_3000cc),
        cmocka_unit_test(t41_spanning_line),
        cmocka_unit_test(t42_van_by_seats),
        cmocka_unit_test(t43_pickup),
        cmocka_unit_test(t44_motorcycles),
        cmocka_unit_test(t45_air_conditioner_btu),
        cmocka_unit_test(t46_attribute_required),
        cmocka_unit_test(t47_spirits_and_beer),
        cmocka_unit_test(t48_sugary_drinks),
        cmocka_unit_test(t49_json_attributes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
