/* Working-hour limits of Customs Law 2014 Art. 23 (core/workhours.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/workhours.h"

/* 2026-11-30 is a Monday; Vietnam is UTC+7. */
#define MON 1795971600LL /* 2026-11-30 00:00 +07:00 */
#define H 3600LL

static void test_within_morning(void **s)
{
    (void)s;
    /* registered Monday 09:00 -> document check due 11:00 the same morning */
    assert_int_equal(workhours_deadline(MON + 9 * H, 2), MON + 11 * H);
}

static void test_over_lunch(void **s)
{
    (void)s;
    /* 11:30 + 2 working hours: 30 min before lunch, 90 min after -> 14:30 */
    assert_int_equal(workhours_deadline(MON + 11 * H + 1800, 2), MON + 14 * H + 1800);
}

static void test_evening_and_weekend(void **s)
{
    (void)s;
    /* Monday 20:00 -> counting starts Tuesday 08:00 */
    assert_int_equal(workhours_deadline(MON + 20 * H, 2), MON + 24 * H + 10 * H);
    /* Friday 16:00 + 8 h: 1 h on Friday, 7 h on Monday -> Monday 16:00 */
    assert_int_equal(workhours_deadline(MON + 4 * 24 * H + 16 * H, 8), MON + 7 * 24 * H + 16 * H);
    /* Saturday counts nothing */
    assert_int_equal(workhours_deadline(MON + 5 * 24 * H + 10 * H, 2), MON + 7 * 24 * H + 10 * H);
}

static void test_between(void **s)
{
    (void)s;
    assert_int_equal(workhours_between(MON + 9 * H, MON + 14 * H), 4 * H);
    assert_int_equal(workhours_between(MON + 14 * H, MON + 9 * H), 0);
    /* Friday 16:00 to Monday 10:00: 1 h + 2 h */
    assert_int_equal(workhours_between(MON + 4 * 24 * H + 16 * H, MON + 7 * 24 * H + 10 * H),
                     3 * H);
    /* deadline and between agree */
    int64_t st = MON + 3 * 24 * H + 15 * H + 1234;
    assert_int_equal(workhours_between(st, workhours_deadline(st, 8)), 8 * H);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_morning),
        cmocka_unit_test(test_over_lunch),
        cmocka_unit_test(test_evening_and_weekend),
        cmocka_unit_test(test_between),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
