/* Business validation of a decoded declaration (the "check" stage of VNACCS, minus the
 * enterprise blacklist which needs the database: see service/clearance.c). */
#ifndef ECUSTOMS_CORE_VALIDATE_H
#define ECUSTOMS_CORE_VALIDATE_H

#include "core/decl.h"
#include "core/tariff.h"
#include "util/errs.h"

/* Appends every rule violation to e; returns 0 when none, else -1. Pure: no I/O. */
int decl_validate(const decl *d, const tariff *t, errs *e);

#endif
