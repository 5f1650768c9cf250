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
date_ymd date_from_time(time_t t);
date_ymd date_today(void);
/* UTC timestamp as "YYYY-MM-DDTHH:MM:SSZ" (buf size >= 21). */
void date_format_timestamp(time_t t, char *buf);

#endif
