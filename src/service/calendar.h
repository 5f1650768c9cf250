/* The working-day calendar of the legal time limits (Customs Law 2014 Art. 23, counted in working
 * hours: core/workhours.h), kept by the administration. The government fixes each year's Tết and
 * bridge days by decision, so the days are a table (store/store_calendar.h) that an administrator
 * corrects without a release, seeded from data/reference/vn_public_holidays.tsv: at start the
 * file's days the table lacks are added, and a day an administrator changed is kept.
 *
 * Readers hold a snapshot (calendar_hold / calendar_drop) while they compute; a change replaces
 * the snapshot at once in this process, and other processes sharing the database read it within
 * CALENDAR_TTL_S. */
#ifndef ECUSTOMS_SERVICE_CALENDAR_H
#define ECUSTOMS_SERVICE_CALENDAR_H

#include "codec/json_calendar.h"
#include "core/workhours.h"
#include "service/app.h"
#include "util/errs.h"

#define CALENDAR_TTL_S 60

/* At start: adds the file's missing days to the table and reads the first snapshot (without a
 * database: the file's days alone). 0, or -1 with the reason logged (limits computed without the
 * holidays would be shorter than the law's, so this is fatal). */
int calendar_open(app *a, const char *data_dir);
void calendar_free(app *a);

/* The calendar to compute with, never NULL; give it back with calendar_drop. */
const workhours_cal *calendar_hold(app *a);
void calendar_drop(app *a, const workhours_cal *cal);

/* GET /calendar?from=&to= (any authenticated party; dates YYYY-MM-DD, default the current year
 * in Vietnam): {"from","to","days":[…]}. */
svc_reply svc_calendar_list(app *a, const char *from, const char *to);
/* PUT /calendar/{date} (admin): sets one day; audited in the "calendar" chain. */
svc_reply svc_calendar_put(app *a, const svc_req *req, const char *date, const calendar_in *in,
                           errs *e);

#endif
