/* Unit tests for src/util/date.c: yyyymmdd dates, parsing, day arithmetic, weekdays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/date.h"

static void expect_valid(const char *s, date_ymd want)
{
    date_ymd d = -1;
    assert_int_equal(date_parse(s, &d), 0);
    assert_int_equal(d, want);
}

static void expect_invalid(const char *s)
{
    date_ymd d = 12345;
    assert_int_equal(date_parse(s, &d), -1);
    assert_int_equal(d, 12345); /* untouched */
}

static void parse_valid(void **state)
{
    (void)state;
    expect_valid("2026-11-20", 20261120);
    expect_valid("2026-01-01", 20260101);
    expect_valid("2026-12-31", 20261231);
    expect_valid("2028-02-29", 20280229); /* leap year */
    expect_valid("2000-02-29", 20000229); /* divisible by 400 */
    expect_valid("1900-01-01", 19000101);
    expect_valid("2999-12-31", 29991231);
    expect_valid("2026-04-30", 20260430);
}

static void parse_invalid(void **state)
{
    (void)state;
    expect_invalid("2026-02-29"); /* not a leap year */
    expect_invalid("1900-02-29"); /* century, not a leap year */
    expect_invalid("2026-04-31");
    expect_invalid("2026-13-01");
    expect_invalid("2026-00-10");
    expect_invalid("2026-01-00");
    expect_invalid("2026-01-32");
    expect_invalid("2026-1-01"); /* months and days have two digits */
    expect_invalid("2026-01-1");
    expect_invalid("26-01-01");
    expect_invalid("2026/01/01");
    expect_invalid("20260101");
    expect_invalid("2026-01-01T00:00:00Z");
    expect_invalid("2026-01-01 ");
    expect_invalid(" 2026-01-01");
    expect_invalid("+026-01-01");
    expect_invalid("2026-+1-01");
    expect_invalid("2026-0a-01");
    expect_invalid("1899-12-31"); /* outside 1900..2999 */
    expect_invalid("3000-01-01");
    expect_invalid("");
}

static void format_dates(void **state)
{
    (void)state;
    char buf[11];
    date_format(20261120, buf);
    assert_string_equal(buf, "2026-11-20");
    date_format(19000101, buf);
    assert_string_equal(buf, "1900-01-01");
    date_format(20280229, buf);
    assert_string_equal(buf, "2028-02-29");
}

static void valid_ymd(void **state)
{
    (void)state;
    assert_true(date_valid(20280229));
    assert_false(date_valid(20260229));
    assert_false(date_valid(20261131));
    assert_false(date_valid(0));
    assert_false(date_valid(20261200));
}

static void add_days(void **state)
{
    (void)state;
    assert_int_equal(date_add_days(20261120, 0), 20261120);
    assert_int_equal(date_add_days(20261120, 7), 20261127);
    assert_int_equal(date_add_days(20261130, 1), 20261201); /* month end */
    assert_int_equal(date_add_days(20261231, 1), 20270101); /* year end */
    assert_int_equal(date_add_days(20270101, -1), 20261231);
    assert_int_equal(date_add_days(20260228, 1), 20260301); /* non-leap February */
    assert_int_equal(date_add_days(20280228, 1), 20280229); /* leap February */
    assert_int_equal(date_add_days(20280229, 1), 20280301);
    assert_int_equal(date_add_days(20260131, 29), 20260301);
    assert_int_equal(date_add_days(20261220, 15), 20270104); /* 15-day invalidation */
    assert_int_equal(date_add_days(20260101, 365), 20270101);
    assert_int_equal(date_add_days(20280101, 365), 20281231);
    assert_int_equal(date_add_days(19700101, -1), 19691231); /* before the epoch */
}

static void diff_days(void **state)
{
    (void)state;
    assert_int_equal(date_diff_days(20261120, 20261120), 0);
    assert_int_equal(date_diff_days(20261120, 20261127), 7);
    assert_int_equal(date_diff_days(20261127, 20261120), -7);
    assert_int_equal(date_diff_days(20261231, 20270101), 1);
    assert_int_equal(date_diff_days(20260101, 20270101), 365);
    assert_int_equal(date_diff_days(20280101, 20290101), 366);
    assert_int_equal(date_diff_days(20260201, 20260301), 28);
    assert_int_equal(date_diff_days(20280201, 20280301), 29);
    assert_int_equal(date_diff_days(19700101, 20000101), 10957);
}

static void days_round_trip(void **state)
{
    (void)state;
    assert_int_equal(date_to_days(19700101), 0);
    assert_int_equal(date_to_days(19700102), 1);
    assert_int_equal(date_to_days(19691231), -1);
    assert_int_equal(date_from_days(0), 19700101);
    /* every day of 1999..2030 survives the round trip and increases by one */
    date_ymd d = 19990101;
    int32_t z = date_to_days(d);
    for (int i = 0; i < 32 * 366; i++, z++) {
        date_ymd x = date_from_days(z);
        assert_true(date_valid(x));
        assert_int_equal(date_to_days(x), z);
        assert_true(x > d || i == 0);
        d = x;
    }
}

static void weekdays(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(19700101), 4); /* Thursday */
    assert_int_equal(date_weekday(19691231), 3); /* Wednesday, before the epoch */
    assert_int_equal(date_weekday(20000101), 6); /* Saturday */
    assert_int_equal(date_weekday(20260101), 4); /* Thursday */
    assert_int_equal(date_weekday(20261120), 5); /* Friday */
    assert_int_equal(date_weekday(20261122), 7); /* Sunday */
    assert_int_equal(date_weekday(20261123), 1); /* Monday */
    assert_int_equal(date_weekday(20280229), 2); /* Tuesday */
}

static void from_time(void **state)
{
    (void)state;
    char buf[21];
    assert_int_equal(date_legal(0), 19700101);
    assert_int_equal(date_legal(16 * 3600 + 3599), 19700101);
    assert_int_equal(date_legal(17 * 3600), 19700102);
    assert_int_equal(date_legal(1795219200), 20261121); /* 2026-11-21T00:00:00Z = 07:00 in Hanoi */
    assert_int_equal(date_legal(1795219200 - 7 * 3600 - 1), 20261120);
    date_format_timestamp(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    date_format_timestamp(1795219199, buf);
    assert_string_equal(buf, "2026-11-20T23:59:59Z");
    assert_true(date_valid(date_today()));
    assert_true(date_today() >= 20250101);
}

/* Vietnam's legal dates: an instant's date is its date in Asia/Ho_Chi_Minh (UTC+7).
 * 2026-11-23 is a Monday; its first legal second is 2026-11-22T17:00:00Z. */
static void legal_dates(void **state)
{
    (void)state;
    const int64_t mon_local_midnight = 1795366800;                  /* 2026-11-22T17:00:00Z */
    assert_int_equal(date_legal(mon_local_midnight - 1), 20261122); /* Sunday 23:59:59 in Hanoi */
    assert_int_equal(date_legal(mon_local_midnight), 20261123);     /* Monday 00:00:00 in Hanoi */
    /* the case: registered 06:30 Monday in Hanoi = 23:30 Sunday UTC -> Monday, this week */
    int64_t t = mon_local_midnight + 6 * 3600 + 30 * 60;
    assert_int_equal(date_from_days((int32_t)(t / 86400)), 20261122); /* the UTC date: Sunday */
    assert_int_equal(date_legal(t), 20261123);
    assert_int_equal(date_weekday(date_legal(t)), 1);
    /* every second of the 00:00-07:00 local window is the local date, 07:00 still the same */
    for (int64_t s = 0; s < 7 * 3600; s += 599)
        assert_int_equal(date_legal(mon_local_midnight + s), 20261123);
    assert_int_equal(date_legal(mon_local_midnight + 7 * 3600), 20261123);      /* 00:00Z Monday */
    assert_int_equal(date_legal(mon_local_midnight + 24 * 3600 - 1), 20261123); /* 16:59:59Z */
    assert_int_equal(date_legal(mon_local_midnight + 24 * 3600), 20261124);
    /* the day's bounds as instants */
    assert_int_equal(date_legal_start(20261123), mon_local_midnight);
    assert_int_equal(date_legal_end(20261123), mon_local_midnight + 86399);
    assert_int_equal(date_legal(date_legal_start(20261123)), 20261123);
    assert_int_equal(date_legal(date_legal_end(20261123)), 20261123);
    assert_int_equal(date_legal(date_legal_end(20261123) + 1), 20261124);
    /* before 1970 (negative instants) the division floors */
    assert_int_equal(date_legal(-7 * 3600), 19700101);
    assert_int_equal(date_legal(-7 * 3600 - 1), 19691231);
    /* days between two instants count legal dates: 23:30Z Sunday -> 00:30Z Monday is 0 days in
     * Hanoi */
    assert_int_equal(date_diff_days(date_legal(t), date_legal(t + 3600)), 0);
    assert_int_equal(date_legal(0), 19700101);
    assert_int_equal(date_legal(17 * 3600), 19700102);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid),     cmocka_unit_test(parse_invalid),
        cmocka_unit_test(format_dates),    cmocka_unit_test(valid_ymd),
        cmocka_unit_test(add_days),        cmocka_unit_test(diff_days),
        cmocka_unit_test(days_round_trip), cmocka_unit_test(weekdays),
        cmocka_unit_test(from_time),       cmocka_unit_test(legal_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
