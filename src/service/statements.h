/* e-Payment reports and debts (service/statements.c): an enterprise's statement, the overdue
 * debts report, and the overdue-days check registration uses (inside its transaction). */
#ifndef ECUSTOMS_SERVICE_STATEMENTS_H
#define ECUSTOMS_SERVICE_STATEMENTS_H

#include "service/app.h"

/* GET /enterprises/{tax_code}/statement?from=&to= | ?month=YYYY-MM [&format=csv]: the raw query
 * values (NULL when absent) are validated here, every error at once (422, the parameter's name
 * as the path); CSV with format=csv, or without format when accept_csv (Accept: text/csv). */
svc_reply svc_enterprise_statement(app *a, const svc_req *req, const char *enterprise,
                                   const char *from, const char *to, const char *month,
                                   const char *format, int accept_csv);
/* GET /debts/overdue[?min_days=N]: enterprises whose ledger has debts past their due date. */
svc_reply svc_debts_overdue(app *a, const svc_req *req, const char *min_days);
/* Inside a transaction: the days the oldest debt of the enterprise is overdue on `today`, as
 * derived from its ledger (ledger_debt_of), counting only debts overdue more than min_days
 * (0 when none: cheap then, declarations registered in the last min_days days are not read);
 * *amount (when set) gets what those debts leave unpaid. <0 on a storage error. */
int pay_overdue_days(db_conn *c, const char *enterprise, date_ymd today, int min_days,
                     int64_t *amount);
/* The same in two halves: the look-up of the enterprise's unpaid declarations started ahead
 * (db_send: on a database server it goes with the next statement that waits), then the days. */
int pay_overdue_send(db_conn *c, const char *enterprise, date_ymd today, int min_days,
                     db_stmt **st);
int pay_overdue_days_read(db_conn *c, db_stmt *st, const char *enterprise, date_ymd today,
                          int min_days, int64_t *amount);

#endif
