/* The managers' dashboard: performance indicators of one customs office or the whole
 * administration for a period of legal dates. */
#ifndef ECUSTOMS_SERVICE_DASHBOARD_H
#define ECUSTOMS_SERVICE_DASHBOARD_H

#include "service/app.h"

/* GET /dashboard?office=&from=&to=[&format=csv&table=NAME]: customs staff (officer, risk
 * officer, admin, manager) only. from/to are inclusive legal dates (Asia/Ho_Chi_Minh); the
 * period counts declarations by their registration instant. JSON {"office","from","to",
 * "tables":[{"name","columns","rows"}]}; format=csv gives one table as text/csv. */
svc_reply svc_dashboard(app *a, const svc_req *req, const char *office, const char *from,
                        const char *to, const char *format, const char *table);

#endif
