/* Unit tests for src/core/codes.c and codes_check.c: reference code lists and check digits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/codes.h"

static void containers(void **state)
{
    (void)state;
    assert_true(codes_container_valid("CSQU3054383"));
    assert_false(codes_container_valid("CSQU3054384")); /* wrong check digit */
    assert_true(codes_container_valid("MSCU1234566"));
    assert_false(codes_container_valid("MSCU1234565"));
    assert_true(codes_container_valid("TEMU0000006"));
    assert_true(codes_container_valid("ABCU0000070")); /* sum mod 11 = 10 -> check digit 0 */
    assert_false(codes_container_valid("ABCU0000071"));
    assert_true(codes_container_valid("CSQJ3054386"));  /* J: detachable equipment */
    assert_false(codes_container_valid("CSQX3054382")); /* right digit, bad category letter */
    assert_false(codes_container_valid("csqu3054383")); /* lower case */
    assert_false(codes_container_valid("CSQU305438"));  /* too short */
    assert_false(codes_container_valid("CSQU30543833"));
    assert_false(codes_container_valid("CSQU305438X"));
    assert_false(codes_container_valid("CSQUA054383"));
    assert_false(codes_container_valid("CS1U3054383"));
    assert_false(codes_container_valid(""));
    assert_int_equal(codes_container_check_digit("CSQU305438"), 3);
    assert_int_equal(codes_container_check_digit("ABCU000007"), 0);
    assert_int_equal(codes_container_check_digit("CS1U305438"), -1);
}

static void countries(void **state)
{
    (void)state;
    assert_true(codes_country_valid("VN"));
    assert_true(codes_country_valid("CN"));
    assert_true(codes_country_valid("US"));
    assert_true(codes_country_valid("AD")); /* first entry */
    assert_true(codes_country_valid("ZW")); /* last entry */
    assert_false(codes_country_valid("XX"));
    assert_false(codes_country_valid("ZZ"));
    assert_false(codes_country_valid("UK")); /* GB is the code */
    assert_false(codes_country_valid("vn"));
    assert_false(codes_country_valid("V"));
    assert_false(codes_country_valid("VNM"));
    assert_false(codes_country_valid(""));
}

static void currencies(void **state)
{
    (void)state;
    assert_true(codes_currency_valid("USD"));
    assert_true(codes_currency_valid("VND"));
    assert_true(codes_currency_valid("EUR"));
    assert_true(codes_currency_valid("JPY"));
    assert_true(codes_currency_valid("AED")); /* first */
    assert_true(codes_currency_valid("ZWG")); /* last */
    assert_false(codes_currency_valid("usd"));
    assert_false(codes_currency_valid("AAA"));
    assert_false(codes_currency_valid("US"));
    assert_false(codes_currency_valid("USDD"));
    assert_false(codes_currency_valid("DEM")); /* withdrawn */
    assert_false(codes_currency_valid(""));
}

static void incoterms(void **state)
{
    (void)state;
    static const char *const ok[] = {"EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP",
                                     "DPU", "DDP", "DAT", "C&F", "C&I", "DAF", "DDU", "DES", "DEQ"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_true(codes_incoterm_valid(ok[i]));
    assert_false(codes_incoterm_valid("fob"));
    assert_false(codes_incoterm_valid("FOB "));
    assert_false(codes_incoterm_valid("XYZ"));
    assert_false(codes_incoterm_valid("CF"));
    assert_false(codes_incoterm_valid(""));
}

static void locodes(void **state)
{
    (void)state;
    assert_true(codes_locode_valid("VNHPH"));
    assert_true(codes_locode_valid("VNSGN"));
    assert_true(codes_locode_valid("CNSHK"));
    assert_true(codes_locode_valid("VNH2H")); /* digits 2-9 allowed */
    assert_true(codes_locode_valid("ZZZZZ")); /* VNACCS bonded / non-tariff place */
    assert_false(codes_locode_valid("ZZHPH"));
    assert_false(codes_locode_valid("XXHPH")); /* no such country */
    assert_false(codes_locode_valid("VNH1H")); /* 0 and 1 are not used */
    assert_false(codes_locode_valid("VNH0H"));
    assert_false(codes_locode_valid("VNhph"));
    assert_false(codes_locode_valid("vnHPH"));
    assert_false(codes_locode_valid("VNHP"));
    assert_false(codes_locode_valid("VNHPHX"));
    assert_false(codes_locode_valid("VN HP"));
    assert_false(codes_locode_valid(""));
}

static void tax_codes(void **state)
{
    (void)state;
    assert_true(codes_tax_code_valid("0101234567"));
    assert_true(codes_tax_code_valid("0101234567001")); /* branch */
    assert_false(codes_tax_code_valid("010123456"));
    assert_false(codes_tax_code_valid("01012345670"));
    assert_false(codes_tax_code_valid("010123456700"));
    assert_false(codes_tax_code_valid("01012345670011"));
    assert_false(codes_tax_code_valid("010123456a"));
    assert_false(codes_tax_code_valid("0101234567-001"));
    assert_false(codes_tax_code_valid(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(containers), cmocka_unit_test(countries), cmocka_unit_test(currencies),
        cmocka_unit_test(incoterms),  cmocka_unit_test(locodes),   cmocka_unit_test(tax_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
