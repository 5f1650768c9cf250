/* Working hours for the legal time limits of customs checks (Customs Law 2014 Art. 23: the
 * document check within 2 working hours of a complete dossier, the physical inspection within
 * 8 working hours). Working time is 08:00-12:00 and 13:00-17:00 in Vietnam (UTC+7, no daylight
 * saving) on working days: Monday to Friday, except the public holidays and compensatory days
 * of a calendar (Labour Code 2019 Art. 112; data/reference/vn_public_holidays.tsv), plus the
 * weekend days the calendar makes working days (a Saturday worked in exchange for a bridge day).
 * A NULL calendar knows no holidays: a limit that spans one comes out earlier than the law's. */
#ifndef ECUSTOMS_CORE_WORKHOURS_H
#define ECUSTOMS_CORE_WORKHOURS_H

#include <stdint.h>

#include "util/date.h"

#define WORKHOURS_DOC_CHECK 2
#define WORKHOURS_INSPECTION 8

/* Days off and days worked beyond the plain week, as local (Vietnam) day numbers since
 * 1970-01-01, each array sorted ascending without repeats. */
typedef struct workhours_cal {
    int32_t *off; /* weekdays not worked: public holidays, compensatory and swapped days */
    int n_off;
    int32_t *on; /* weekend days worked (make-up days) */
    int n_on;
} workhours_cal;

/* Parses a calendar file's text (data/reference/vn_public_holidays.tsv: '#' comments, a header
 * line, then "YYYY-MM-DD<TAB>kind<TAB>name<TAB>basis..." with kind "holiday" or "workday").
 * 0 and *out filled (release with workhours_cal_free), or the 1-based number of the first bad
 * line (then *out is empty), or -1 out of memory. */
int workhours_cal_parse(const char *text, workhours_cal *out);
void workhours_cal_free(workhours_cal *cal);

/* One day of a calendar kept elsewhere (the administration's table, service/calendar.c): kind
 * "holiday" (not worked), "workday" (a Saturday or Sunday worked) or "normal" (the plain week's
 * rule: a day of the file set back by an administrator). */
typedef struct workhours_day {
    date_ymd date;
    const char *kind;
} workhours_day;

/* The calendar of n days: 0 and *out filled, the 1-based index of the first day whose kind does
 * not fit it (then *out is empty), or -1 out of memory. */
int workhours_cal_build(const workhours_day *days, int n, workhours_cal *out);
/* 1 when kind is one of the three and fits the date ("workday" only on a Saturday or Sunday). */
int workhours_cal_kind_fits(date_ymd d, const char *kind);

/* 1 if the local day (days since 1970-01-01 in Vietnam) is a working day under cal (NULL: plain
 * Monday to Friday). */
int workhours_is_workday(const workhours_cal *cal, int64_t local_day);

/* The instant (unix s, UTC) when `hours` working hours have passed since `start` (unix s). */
int64_t workhours_deadline(const workhours_cal *cal, int64_t start, int hours);

/* Working seconds between a and b (0 when b <= a). */
int64_t workhours_between(const workhours_cal *cal, int64_t a, int64_t b);

#endif
