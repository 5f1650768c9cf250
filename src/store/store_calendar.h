/* The working-day calendar's table (schema.sql migration 17): one row per day that differs from
 * the plain week. Queries only; the rules are core/workhours.c's, the policy service/calendar.c's.
 */
#ifndef ECUSTOMS_STORE_CALENDAR_H
#define ECUSTOMS_STORE_CALENDAR_H

#include <stdint.h>

#include "store/db.h"
#include "util/date.h"

typedef struct calendar_row {
    date_ymd day;
    char kind[12];   /* holiday | workday | normal */
    char name[160];  /* "Tết Nguyên đán (mùng 1)" */
    char basis[240]; /* the legal basis or the decision that set it */
    char status[16]; /* official | statutory | provisional */
    char source[80]; /* the file, or "administrator <username or party>" */
    int64_t updated_at;
} calendar_row;

/* Inserts the day, or (replace) replaces it. Without replace, a day already there is kept (the
 * file's days added at start never overwrite an administrator's). 0 or DB_*. */
int store_calendar_put(db_conn *c, const calendar_row *r, int replace);
/* 1 found, 0 not, <0 error. */
int store_calendar_get(db_conn *c, date_ymd day, calendar_row *out);
/* The days from..to (inclusive; 0 = unbounded) in date order: fn per row. Their count, or <0. */
typedef int (*store_calendar_fn)(const calendar_row *r, void *ctx);
int store_calendar_each(db_conn *c, date_ymd from, date_ymd to, store_calendar_fn fn, void *ctx);

#endif
