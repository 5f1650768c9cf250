/* Working-hour limits of Customs Law 2014 Art. 23 (core/workhours.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "core/workhours.h"
#include "util/date.h"
#include "util/file.h"

/* 2026-11-30 is a Monday; Vietnam is UTC+7. */
#define MON 1795971600LL /* 2026-11-30 00:00 +07:00 */
#define H 3600LL

static void test_within_morning(void **s)
{
    (void)s;
    /* registered Monday 09:00 -> document check due 11:00 the same morning */
    assert_int_equal(workhours_deadline(NULL, MON + 9 * H, 2), MON + 11 * H);
}

static void test_over_lunch(void **s)
{
    (void)s;
    /* 11:30 + 2 working hours: 30 min before lunch, 90 min after -> 14:30 */
    assert_int_equal(workhours_deadline(NULL, MON + 11 * H + 1800, 2), MON + 14 * H + 1800);
}

static void test_evening_and_weekend(void **s)
{
    (void)s;
    /* Monday 20:00 -> counting starts Tuesday 08:00 */
    assert_int_equal(workhours_deadline(NULL, MON + 20 * H, 2), MON + 24 * H + 10 * H);
    /* Friday 16:00 + 8 h: 1 h on Friday, 7 h on Monday -> Monday 16:00 */
    assert_int_equal(workhours_deadline(NULL, MON + 4 * 24 * H + 16 * H, 8),
                     MON + 7 * 24 * H + 16 * H);
    /* Saturday counts nothing */
    assert_int_equal(workhours_deadline(NULL, MON + 5 * 24 * H + 10 * H, 2),
                     MON + 7 * 24 * H + 10 * H);
}

static void test_between(void **s)
{
    (void)s;
    assert_int_equal(workhours_between(NULL, MON + 9 * H, MON + 14 * H), 4 * H);
    assert_int_equal(workhours_between(NULL, MON + 14 * H, MON + 9 * H), 0);
    /* Friday 16:00 to Monday 10:00: 1 h + 2 h */
    assert_int_equal(workhours_between(NULL, MON + 4 * 24 * H + 16 * H, MON + 7 * 24 * H + 10 * H),
                     3 * H);
    /* deadline and between agree */
    int64_t st = MON + 3 * 24 * H + 15 * H + 1234;
    assert_int_equal(workhours_between(NULL, st, workhours_deadline(NULL, st, 8)), 8 * H);
}

/* ---- public holidays (data/reference/vn_public_holidays.tsv, Labour Code 2019 Art. 112) ---- */

static workhours_cal CAL;

/* unix s of local (Vietnam) midnight of the date */
static int64_t day_start(const char *ymd)
{
    date_ymd d;
    assert_int_equal(date_parse(ymd, &d), 0);
    return date_legal_start(d);
}

static int load_cal(void **s)
{
    (void)s;
    char *text = file_read_all(ECUSTOMS_DATA_DIR "/reference/vn_public_holidays.tsv", NULL);
    if (!text)
        return -1;
    int rc = workhours_cal_parse(text, &CAL);
    free(text);
    return rc;
}

static int free_cal(void **s)
{
    (void)s;
    workhours_cal_free(&CAL);
    return 0;
}

static void test_evening_before_tet(void **s)
{
    (void)s;
    /* Tết Bính Ngọ: 16-20 Feb 2026 (Mon-Fri) off, then the weekend. A red declaration registered
     * Friday 13 Feb 2026 at 19:30: its documents are due 2 working hours after Monday 23 Feb
     * 08:00, not Monday 16 Feb (what the plain week says) */
    int64_t reg = day_start("2026-02-13") + 19 * H + 1800;
    assert_int_equal(workhours_deadline(&CAL, reg, 2), day_start("2026-02-23") + 10 * H);
    assert_int_equal(workhours_deadline(NULL, reg, 2), day_start("2026-02-16") + 10 * H);
    /* registered at 16:00 that Friday: 1 hour before Tết, 1 hour after it */
    reg = day_start("2026-02-13") + 16 * H;
    assert_int_equal(workhours_deadline(&CAL, reg, 2), day_start("2026-02-23") + 9 * H);
    /* an inspection of 8 hours started at 15:00 that Friday: 2 h, then 6 h on the 23rd */
    assert_int_equal(workhours_deadline(&CAL, day_start("2026-02-13") + 15 * H, 8),
                     day_start("2026-02-23") + 15 * H);
    /* the working time across the whole holiday is only the two edges */
    assert_int_equal(
        workhours_between(&CAL, day_start("2026-02-13") + 16 * H, day_start("2026-02-23") + 9 * H),
        2 * H);
    /* Tết 2025 (27-31 Jan): the evening of Friday 24 Jan -> Monday 3 Feb */
    assert_int_equal(workhours_deadline(&CAL, day_start("2025-01-24") + 20 * H, 2),
                     day_start("2025-02-03") + 10 * H);
    /* 31 Dec 2025 at 16:30 -> 30 min that day, 90 min on Friday 2 Jan 2026 (1 Jan is off) */
    assert_int_equal(workhours_deadline(&CAL, day_start("2025-12-31") + 16 * H + 1800, 2),
                     day_start("2026-01-02") + 9 * H + 1800);
}

static void test_compensatory_and_swapped_days(void **s)
{
    (void)s;
    /* Hùng Kings 2026 fell on Sunday 26 Apr: Monday 27 Apr is off, then 30 Apr and 1 May */
    assert_int_equal(workhours_is_workday(&CAL, date_to_days(20260427)), 0);
    assert_int_equal(workhours_is_workday(&CAL, date_to_days(20260428)), 1);
    assert_int_equal(workhours_deadline(&CAL, day_start("2026-04-24") + 17 * H, 8),
                     day_start("2026-04-28") + 17 * H);
    /* 2025: Saturday 26 Apr worked for Friday 2 May */
    assert_int_equal(workhours_is_workday(&CAL, date_to_days(20250426)), 1);
    assert_int_equal(workhours_is_workday(&CAL, date_to_days(20250502)), 0);
    assert_int_equal(workhours_deadline(&CAL, day_start("2025-04-25") + 16 * H, 2),
                     day_start("2025-04-26") + 9 * H);
    /* 30 Apr-4 May 2025: Tuesday 29 Apr 16:00 + 8 h -> 1 h, then 7 h on Monday 5 May */
    assert_int_equal(workhours_deadline(&CAL, day_start("2025-04-29") + 16 * H, 8),
                     day_start("2025-05-05") + 16 * H);
    /* a plain Sunday that is listed as a holiday changes nothing by itself */
    assert_int_equal(workhours_is_workday(&CAL, date_to_days(20260426)), 0);
    assert_int_equal(workhours_is_workday(&CAL, date_to_days(20260425)), 0);
    /* between and deadline agree across holidays */
    int64_t st = day_start("2027-02-04") + 15 * H + 77;
    assert_int_equal(workhours_between(&CAL, st, workhours_deadline(&CAL, st, 8)), 8 * H);
    assert_int_equal(workhours_deadline(&CAL, st, 8), day_start("2027-02-12") + 15 * H + 77);
}

static void test_calendar_file_errors(void **s)
{
    (void)s;
    workhours_cal c;
    /* header, then rows; the first bad line's number comes back and nothing is kept */
    assert_int_equal(workhours_cal_parse("# c\ndate\tkind\tname\n2026-01-01\tholiday\tx\n", &c), 0);
    assert_int_equal(c.n_off, 1);
    workhours_cal_free(&c);
    assert_int_equal(workhours_cal_parse("date\tkind\n2026-02-30\tholiday\tx\n", &c), 2);
    assert_null(c.off);
    assert_int_equal(workhours_cal_parse("date\tkind\n2026-01-01\tfeast\tx\n", &c), 2);
    assert_int_equal(workhours_cal_parse("date\tkind\n\n2026-01-01 holiday x\n", &c), 3);
    /* a make-up "workday" must be a weekend day (2026-01-01 is a Thursday) */
    assert_int_equal(workhours_cal_parse("date\tkind\n2026-01-01\tworkday\tx\n", &c), 2);
    /* repeats and disorder are fine; CRLF too */
    assert_int_equal(workhours_cal_parse("h\r\n2026-01-02\tholiday\tb\r\n2026-01-01\tholiday\ta\r\n"
                                         "2026-01-02\tholiday\tb",
                                         &c),
                     0);
    assert_int_equal(c.n_off, 2);
    assert_true(c.off[0] < c.off[1]);
    workhours_cal_free(&c);
}

/* the administration's table (service/calendar.c) builds the same calendar from its days */
static void test_calendar_from_days(void **s)
{
    (void)s;
    workhours_cal c;
    /* 2026-09-02 Wednesday off, 2026-12-05 Saturday worked, 2026-09-05 a Saturday "holiday"
     * (changes nothing), 2026-09-01 set back to normal */
    workhours_day days[] = {{20261205, "workday"},
                            {20260902, "holiday"},
                            {20260905, "holiday"},
                            {20260901, "normal"},
                            {20260902, "holiday"}};
    assert_int_equal(workhours_cal_build(days, 5, &c), 0);
    assert_int_equal(c.n_off, 1);
    assert_int_equal(c.n_on, 1);
    assert_false(workhours_is_workday(&c, date_to_days(20260902)));
    assert_true(workhours_is_workday(&c, date_to_days(20260901)));
    assert_true(workhours_is_workday(&c, date_to_days(20261205)));
    assert_false(workhours_is_workday(&c, date_to_days(20261206)));
    workhours_cal_free(&c);
    /* a weekday "workday" is refused with its index; the file's format has no "normal" */
    workhours_day bad[] = {{20260902, "holiday"}, {20261201, "workday"}};
    assert_int_equal(workhours_cal_build(bad, 2, &c), 2);
    assert_null(c.off);
    assert_true(workhours_cal_kind_fits(20261205, "workday"));
    assert_false(workhours_cal_kind_fits(20261201, "workday"));
    assert_true(workhours_cal_kind_fits(20261201, "normal"));
    assert_false(workhours_cal_kind_fits(20261201, "feast"));
    assert_int_equal(workhours_cal_parse("date\tkind\n2026-12-01\tnormal\tx\n", &c), 2);
    assert_int_equal(workhours_cal_build(NULL, 0, &c), 0); /* no days: the plain week */
    assert_true(workhours_is_workday(&c, date_to_days(20261201)));
    workhours_cal_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_morning),
        cmocka_unit_test(test_over_lunch),
        cmocka_unit_test(test_evening_and_weekend),
        cmocka_unit_test(test_between),
        cmocka_unit_test(test_evening_before_tet),
        cmocka_unit_test(test_compensatory_and_swapped_days),
        cmocka_unit_test(test_calendar_file_errors),
        cmocka_unit_test(test_calendar_from_days),
    };
    return cmocka_run_group_tests(tests, load_cal, free_cal);
}
