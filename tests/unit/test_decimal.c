/* Unit tests for src/util/dec.c: strict fixed-point parsing, formatting, rounding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/decimal.h"

static void expect_parse(const char *s, int scale, int comma, int64_t want)
{
    int64_t v = 42;
    assert_int_equal(decimal_parse(s, scale, comma, &v), DECIMAL_OK);
    assert_true(v == want);
}

static void expect_error(const char *s, int scale, int comma, int err)
{
    int64_t v = 42;
    assert_int_equal(decimal_parse(s, scale, comma, &v), err);
    assert_true(v == 42); /* *out untouched on error */
}

static void parse_scales(void **state)
{
    (void)state;
    expect_parse("12.5", DECIMAL_SCALE_AMOUNT, 0, 125000);
    expect_parse("12.5", DECIMAL_SCALE_PCT, 0, 1250);
    expect_parse("12.5", 1, 0, 125);
    expect_parse("3", DECIMAL_SCALE_AMOUNT, 0, 30000);
    expect_parse("3", 0, 0, 3);
    expect_parse("0.0001", DECIMAL_SCALE_AMOUNT, 0, 1);
    expect_parse("0", DECIMAL_SCALE_AMOUNT, 0, 0);
    expect_parse("-0", DECIMAL_SCALE_AMOUNT, 0, 0);
    expect_parse("-12.25", DECIMAL_SCALE_PCT, 0, -1225);
    expect_parse("1234.5678", DECIMAL_SCALE_AMOUNT, 0, 12345678);
}

static void parse_comma(void **state)
{
    (void)state;
    expect_parse("12,5", DECIMAL_SCALE_PCT, 1, 1250);
    expect_parse("12.5", DECIMAL_SCALE_PCT, 1, 1250); /* the point still works */
    expect_error("12,5", DECIMAL_SCALE_PCT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("1,2,5", DECIMAL_SCALE_PCT, 1, DECIMAL_ERR_SYNTAX);
    expect_error("1,2.5", DECIMAL_SCALE_PCT, 1, DECIMAL_ERR_SYNTAX); /* one separator at most */
    expect_error("5,", DECIMAL_SCALE_PCT, 1, DECIMAL_ERR_SYNTAX);
    expect_error(",5", DECIMAL_SCALE_PCT, 1, DECIMAL_ERR_SYNTAX);
}

static void parse_syntax_errors(void **state)
{
    (void)state;
    expect_error("5.", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error(".5", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("-.5", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("-5.", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("1e5", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("1E5", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("--1", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("+1", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("1-", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("-", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error(" 1", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("1 ", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("1.2.3", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("0x10", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
    expect_error("NaN", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SYNTAX);
}

static void parse_too_many_decimals(void **state)
{
    (void)state;
    expect_error("1.23456", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SCALE);
    expect_error("12.505", DECIMAL_SCALE_PCT, 0, DECIMAL_ERR_SCALE);
    expect_error("1.5", 0, 0, DECIMAL_ERR_SCALE);
    /* trailing zeros are still decimals: input is never rounded silently */
    expect_error("1.00000", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_SCALE);
}

static void parse_magnitude(void **state)
{
    (void)state;
    /* 15 integer digits is the cap ... */
    expect_parse("999999999999999", 0, 0, 999999999999999LL);
    expect_parse("-999999999999999", 0, 0, -999999999999999LL);
    /* ... 16 is out of range */
    expect_error("1000000000000000", 0, 0, DECIMAL_ERR_RANGE);
    expect_error("-1000000000000000", DECIMAL_SCALE_PCT, 0, DECIMAL_ERR_RANGE);
    expect_error("1234567890123456.5", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_RANGE);
    /* 14 digits with 4 decimals fit an int64 */
    expect_parse("99999999999999.9999", DECIMAL_SCALE_AMOUNT, 0, 999999999999999999LL);
    /* 15 digits at scale 4 would exceed INT64_MAX (9.22e18): must be refused, not wrap */
    expect_error("999999999999999", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_RANGE);
    expect_error("-999999999999999.9999", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_RANGE);
    expect_parse("922337203685477.5807", DECIMAL_SCALE_AMOUNT, 0, INT64_MAX);
    expect_error("922337203685477.5808", DECIMAL_SCALE_AMOUNT, 0, DECIMAL_ERR_RANGE);
}

static void parse_leading_zeros(void **state)
{
    (void)state;
    /* leading zeros are accepted and do not count towards the 15-digit cap */
    expect_parse("007", 0, 0, 7);
    expect_parse("0012.50", DECIMAL_SCALE_PCT, 0, 1250);
    expect_parse("0000000000000000000001", 0, 0, 1);
    expect_parse("-0000000000000000000001", 0, 0, -1);
    expect_parse("00000999999999999999", 0, 0, 999999999999999LL);
    expect_error("00001000000000000000", 0, 0, DECIMAL_ERR_RANGE);
}

static void parse_bounded(void **state)
{
    (void)state;
    int64_t v = 0;
    /* only the first n characters count */
    assert_int_equal(decimal_parse_n("12.5xyz", 4, DECIMAL_SCALE_AMOUNT, 0, &v), DECIMAL_OK);
    assert_true(v == 125000);
    assert_int_equal(decimal_parse_n("12.5", 3, DECIMAL_SCALE_AMOUNT, 0, &v),
                     DECIMAL_ERR_SYNTAX); /* "12." */
    assert_int_equal(decimal_parse_n("12.5", 0, DECIMAL_SCALE_AMOUNT, 0, &v), DECIMAL_ERR_SYNTAX);
}

static void expect_format(int64_t v, int scale, const char *want)
{
    char buf[32];
    memset(buf, 'x', sizeof buf);
    int n = decimal_format(v, scale, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void format_values(void **state)
{
    (void)state;
    expect_format(125000, DECIMAL_SCALE_AMOUNT, "12.5");
    expect_format(30000, DECIMAL_SCALE_AMOUNT, "3");
    expect_format(12345678, DECIMAL_SCALE_AMOUNT, "1234.5678");
    expect_format(10, DECIMAL_SCALE_AMOUNT, "0.001");
    expect_format(1, DECIMAL_SCALE_AMOUNT, "0.0001");
    expect_format(0, DECIMAL_SCALE_AMOUNT, "0");
    expect_format(1250, DECIMAL_SCALE_PCT, "12.5");
    expect_format(1200, DECIMAL_SCALE_PCT, "12");
    expect_format(123, 0, "123");
    expect_format(-125000, DECIMAL_SCALE_AMOUNT, "-12.5");
    expect_format(-5, DECIMAL_SCALE_AMOUNT, "-0.0005");
    expect_format(-30000, DECIMAL_SCALE_AMOUNT, "-3");
    expect_format(INT64_MAX, DECIMAL_SCALE_AMOUNT, "922337203685477.5807");
    expect_format(INT64_MIN, DECIMAL_SCALE_AMOUNT, "-922337203685477.5808");
}

static void format_parse_round_trip(void **state)
{
    (void)state;
    static const char *const samples[] = {"0.5", "-0.5", "1", "1234567.891", "99999999999999.9999"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        int64_t v;
        char buf[32];
        assert_int_equal(decimal_parse(samples[i], DECIMAL_SCALE_AMOUNT, 0, &v), DECIMAL_OK);
        decimal_format(v, DECIMAL_SCALE_AMOUNT, buf, sizeof buf);
        assert_string_equal(buf, samples[i]);
    }
}

static void format_small_buffer(void **state)
{
    (void)state;
    char buf[4];
    decimal_format(125000, DECIMAL_SCALE_AMOUNT, buf, sizeof buf);
    assert_int_equal(strlen(buf), 3); /* truncated, still terminated */
    assert_memory_equal(buf, "12.", 3);
}

static void round_div_halves_away_from_zero(void **state)
{
    (void)state;
    assert_true(decimal_round_div(25, 10) == 3);       /* 2.5 -> 3 */
    assert_true(decimal_round_div(-25, 10) == -3);     /* -2.5 -> -3 */
    assert_true(decimal_round_div(35, 10) == 4);       /* not banker's rounding */
    assert_true(decimal_round_div(14999, 10000) == 1); /* 1.4999 -> 1 */
    assert_true(decimal_round_div(-14999, 10000) == -1);
    assert_true(decimal_round_div(15000, 10000) == 2);
    assert_true(decimal_round_div(24, 10) == 2);
    assert_true(decimal_round_div(26, 10) == 3);
    assert_true(decimal_round_div(-26, 10) == -3);
    assert_true(decimal_round_div(0, 7) == 0);
    assert_true(decimal_round_div(1, 3) == 0);
    assert_true(decimal_round_div(2, 3) == 1);
    assert_true(decimal_round_div(-1, 2) == -1);
    assert_true(decimal_round_div(1, 2) == 1);
    assert_true(decimal_round_div(100, 1) == 100);
}

static void round_div_no_overflow(void **state)
{
    (void)state;
    const int64_t big = 1000000000000000LL; /* 10^15 VND */
    /* 10^15 VND x 100.00 % (scale 2 -> 10000 / 10000) */
    assert_true(decimal_round_div((__int128)big * 10000, 10000) == big);
    /* 10^15 VND x 12.5 % */
    assert_true(decimal_round_div((__int128)big * 1250, 10000) == 125000000000000LL);
    /* 10^15 (scale 4) x an exchange rate of 26000.1234 (scale 4): the product is ~2.6e23 */
    __int128 num = (__int128)big * 10000 * 260001234;
    assert_true(decimal_round_div(num, (__int128)10000 * 10000 * 10000) == 2600012340000000LL);
    assert_true(decimal_round_div(-num, (__int128)10000 * 10000 * 10000) == -2600012340000000LL);
    /* a half at that magnitude still rounds away from zero */
    assert_true(decimal_round_div((__int128)big * 10 + 5, 10) == big + 1);
    assert_true(decimal_round_div(-((__int128)big * 10 + 5), 10) == -(big + 1));
}

static void pow10_values(void **state)
{
    (void)state;
    assert_true(decimal_pow10(0) == 1);
    assert_true(decimal_pow10(1) == 10);
    assert_true(decimal_pow10(4) == 10000);
    assert_true(decimal_pow10(18) == 1000000000000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_scales),
        cmocka_unit_test(parse_comma),
        cmocka_unit_test(parse_syntax_errors),
        cmocka_unit_test(parse_too_many_decimals),
        cmocka_unit_test(parse_magnitude),
        cmocka_unit_test(parse_leading_zeros),
        cmocka_unit_test(parse_bounded),
        cmocka_unit_test(format_values),
        cmocka_unit_test(format_parse_round_trip),
        cmocka_unit_test(format_small_buffer),
        cmocka_unit_test(round_div_halves_away_from_zero),
        cmocka_unit_test(round_div_no_overflow),
        cmocka_unit_test(pow10_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
