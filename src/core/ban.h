/* Bans read from the procedures data: which declared goods fall under a procedure
 * of stage `prohibited`, and which deciding facts are missing. Pure: no I/O. */
#ifndef ECUSTOMS_CORE_BAN_H
#define ECUSTOMS_CORE_BAN_H

#include "core/decl.h"
#include "core/tariff.h"
#include "util/errs.h"

/* Adds to e, per item: `enum`/`cas_number` for a malformed fact; `prohibited` (the legal
 * reference in the message) at the path of the fact that puts the goods under a ban of the
 * declaration's direction (/items/i/hs_code for an unconditional ban, /type_code for a ban of a
 * procedure); `required` at the path of a deciding fact that is missing. Goods no ban covers
 * add nothing. t may be NULL (only the facts' form is checked). */
void ban_check(const tariff *t, const decl *d, errs *e);

/* 1 when cas is a well-formed CAS Registry Number whose check digit is right. */
int ban_cas_valid(const char *cas);

#endif
