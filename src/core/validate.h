/* Business validation of a decoded declaration (the "check" stage of VNACCS, minus the
 * enterprise blacklist which needs the database: see service/clearance.c). */
#ifndef ECUSTOMS_CORE_VALIDATE_H
#define ECUSTOMS_CORE_VALIDATE_H

#include "core/decl.h"
#include "core/tariff.h"
#include "util/errs.h"

/* Appends every rule violation to e; returns 0 when none, else -1. Pure: no I/O. */
int decl_validate(const decl *d, const tariff *t, errs *e);

/* Dates within sane windows, today being the legal date (Vietnam's): an invoice is
 * not dated in the future nor more than DECL_MAX_DOC_AGE_DAYS (5 years: the period records are
 * kept and post-clearance audit reaches back, Customs Law 2014 Art. 77) ago. Same contract. */
#define DECL_MAX_DOC_AGE_DAYS (5 * 365 + 1)
int decl_validate_dates(const decl *d, date_ymd today, errs *e);

#endif
