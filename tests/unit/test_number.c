/* Unit tests for src/core/number.c: 12-digit declaration numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/decl.h"
#include "core/number.h"

static void format_import(void **state)
{
    (void)state;
    char out[13];
    /* MOD(12345678, 7) = 2 */
    assert_int_equal(number_format(10, 12345678, 0, out), 0);
    assert_string_equal(out, "101234567820");
    assert_int_equal(number_format(10, 1, 0, out), 0);
    assert_string_equal(out, "100000000110");
    assert_int_equal(number_format(10, 7, 0, out), 0);
    assert_string_equal(out, "100000000700"); /* 7 mod 7 = 0 */
    assert_int_equal(number_format(10, 13, 0, out), 0);
    assert_string_equal(out, "100000001360"); /* 13 mod 7 = 6 */
}

static void format_export(void **state)
{
    (void)state;
    char out[13];
    assert_int_equal(number_format(30, 12345678, 0, out), 0);
    assert_string_equal(out, "301234567820");
    assert_int_equal(number_format(30, NUMBER_MAX_SEQUENCE, 0, out), 0);
    assert_string_equal(out, "309999999910"); /* 99999999 mod 7 = 1 */
}

static void check_digit_is_sequence_mod_7(void **state)
{
    (void)state;
    char out[13];
    for (int64_t seq = 1; seq <= 10000; seq += 37) {
        assert_int_equal(number_format(10, seq, 0, out), 0);
        assert_int_equal(out[10] - '0', (int)(seq % 7));
        assert_int_equal(strlen(out), 12);
    }
}

static void amendment_digit(void **state)
{
    (void)state;
    char out[13];
    for (int k = 0; k <= NUMBER_MAX_AMENDMENT; k++) {
        assert_int_equal(number_format(10, 12345678, k, out), 0);
        assert_memory_equal(out, "1012345678", 10);
        assert_int_equal(out[10], '2');
        assert_int_equal(out[11], '0' + k);
        assert_true(number_valid(out));
    }
}

static void rejects_out_of_range(void **state)
{
    (void)state;
    char out[13] = "unchanged";
    assert_int_equal(number_format(10, 12345678, 10, out), -1); /* amendment 10 */
    assert_int_equal(number_format(10, 12345678, -1, out), -1);
    assert_int_equal(number_format(10, 0, 0, out), -1);
    assert_int_equal(number_format(10, -5, 0, out), -1);
    assert_int_equal(number_format(10, NUMBER_MAX_SEQUENCE + 1LL, 0, out), -1);
    assert_int_equal(number_format(9, 1, 0, out), -1);
    assert_int_equal(number_format(100, 1, 0, out), -1);
    assert_string_equal(out, "unchanged");
}

static void valid_numbers(void **state)
{
    (void)state;
    assert_true(number_valid("101234567820"));
    assert_true(number_valid("101234567829"));
    assert_true(number_valid("301234567820"));
    assert_true(number_valid("10123456782"));   /* 11 digits: without the amendment counter */
    assert_false(number_valid("101234567830")); /* wrong check digit */
    assert_false(number_valid("101234567810"));
    assert_false(number_valid("100000000000"));  /* sequence 0 */
    assert_false(number_valid("1012345678"));    /* too short */
    assert_false(number_valid("1012345678200")); /* too long */
    assert_false(number_valid("10123456782a"));
    assert_false(number_valid("1O1234567820"));
    assert_false(number_valid(" 01234567820"));
    assert_false(number_valid(""));
}

static void doc_type(void **state)
{
    (void)state;
    assert_int_equal(number_doc_type(DECL_IMPORT), 10);
    assert_int_equal(number_doc_type(DECL_EXPORT), 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(format_import),
        cmocka_unit_test(format_export),
        cmocka_unit_test(check_digit_is_sequence_mod_7),
        cmocka_unit_test(amendment_digit),
        cmocka_unit_test(rejects_out_of_range),
        cmocka_unit_test(valid_numbers),
        cmocka_unit_test(doc_type),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
