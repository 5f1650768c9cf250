/* Calendar dates as int32 yyyymmdd (20261120): readable in logs and SQL, ordered like dates.
 * Arithmetic goes through a day count (days since 1970-01-01). Proleptic Gregorian, UTC. */
#ifndef ECUSTOMS_UTIL_DATE_H
#define ECUSTOMS_UTIL_DATE_H

#include <stdint.h>
#include <time.h>

typedef int32_t date_ymd; /* 20261120; 0 means "no date" */

/* Parses "YYYY-MM-DD" exactly (a real calendar date). Returns 0 or -1. */
int date_parse(const char *s, date_ymd *out);
/* Writes "YYYY-MM-DD" into buf (size >= 11). */
void date_format(date_ymd d, char *buf);
int date_valid(date_ymd d);
int32_t date_to_days(date_ymd d);
date_ymd date_from_days(int32_t days);
date_ymd date_add_days(date_ymd d, int32_t n);
/* b - a in days. */
int32_t date_diff_days(date_ymd a, date_ymd b);
/* ISO weekday, 1 = Monday .. 7 = Sunday. */
int date_weekday(date_ymd d);
/* Legal dates are Vietnam's: an instant (UTC seconds) falls on its date in Asia/Ho_Chi_Minh.
 * Vietnam has kept UTC+7 all year since 1975 (no daylight saving), so a fixed offset is exact and
 * needs no tz database. The ONE function for "the legal date of an instant": tax date, exchange-
 * rate week, 7/15-day limits, interest days, due dates, statements, reconciliation day. */
#define DATE_LEGAL_OFFSET_S (7 * 3600)
date_ymd date_legal(int64_t t);
/* First and last second (UTC instants) of legal date d. */
int64_t date_legal_start(date_ymd d);
int64_t date_legal_end(date_ymd d);
/* The legal date of the system clock (callers with an injected clock use date_legal(now)). */
date_ymd date_today(void);
/* "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)" -> unix seconds. Returns 0 or -1. */
int date_parse_timestamp(const char *s, int64_t *out);
/* UTC timestamp as "YYYY-MM-DDTHH:MM:SSZ" (buf size >= 21). */
void date_format_timestamp(time_t t, char *buf);
/* Seconds on the monotonic clock (CLOCK_MONOTONIC): for durations only, never a date. */
double clock_seconds(void);

#endif
