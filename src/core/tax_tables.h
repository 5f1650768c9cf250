/* Internal to core/tax*.c and codec/json_tax.c: the loaded reference tables and their lookups.
 * Every lookup takes the date and returns only rows valid on it; prefix lookups return the
 * longest matching prefix (docs/tax-data-format.md). */
#ifndef ECUSTOMS_CORE_TAX_TABLES_H
#define ECUSTOMS_CORE_TAX_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/tax.h"
#include "util/date.h"
#include "util/errs.h"

typedef struct tt_valid {
    date_ymd from, to; /* to == 0: open */
} tt_valid;

typedef struct tt_sct {
    const char *prefix;
    int32_t alc_min, alc_max; /* DEC_SCALE_PCT; -1 = unbounded */
    int32_t pct;
    tt_valid v;
    const char *legal_ref, *desc;
} tt_sct;

typedef struct tt_ept {
    const char *prefix;
    int64_t amount; /* VND per unit, DEC_SCALE_AMOUNT */
    const char *unit;
    tt_valid v;
    const char *legal_ref, *desc;
} tt_ept;

typedef struct tt_vat {
    const char *prefix;
    int32_t pct;    /* -1: exempt (not subject to VAT) */
    tt_valid v;
    const char *legal_ref, *desc;
} tt_vat;

typedef struct tt_remedy {
    const char *prefix, *origin, *producer, *kind;
    int32_t pct;
    tt_valid v;
    const char *legal_ref, *desc;
} tt_remedy;

typedef struct tt_party {
    int agreement; /* tariff_fta */
    char country[3];
    tt_valid v;
    const char *legal_ref;
} tt_party;

typedef struct tt_agreement {
    const char *co_forms; /* comma-separated */
    const char *schedule;
    const char *legal_ref, *name;
    int present;
} tt_agreement;

typedef struct tt_wto {
    char country[3];
    date_ymd since;
    const char *legal_ref;
} tt_wto;

const tt_sct *tt_find_sct(const tax_tables *tt, const char *hs, int32_t alcohol_pct, date_ymd d,
                          int *need_alcohol);
const tt_ept *tt_find_ept(const tax_tables *tt, const char *hs, date_ymd d);
const tt_vat *tt_find_vat(const tax_tables *tt, const char *hs, date_ymd d);
/* the temporary reduction valid on d, NULL if none; *excluded set when hs keeps the full rate */
const tt_vat *tt_find_vat_reduction(const tax_tables *tt, const char *hs, date_ymd d,
                                    const char **excluded_ref);
/* remedies of each kind for (hs, origin, producer) on d; returns the count written to out */
size_t tt_find_remedies(const tax_tables *tt, const char *hs, const char *origin,
                        const char *producer, date_ymd d, const tt_remedy **out, size_t max);
const tt_party *tt_find_party(const tax_tables *tt, int agreement, const char *country,
                              date_ymd d);
const tt_agreement *tt_agreement_of(const tax_tables *tt, int agreement);
const tt_wto *tt_find_wto(const tax_tables *tt, const char *country, date_ymd d);
/* 1 if form is one of the comma-separated forms of agreement a */
int tt_form_accepted(const tt_agreement *a, const char *form);

/* Exchange rates from exchange_rates_demo.tsv valid on d (CLI quote, demo seed). Writes at most
 * max rates; returns the count or -1 with errors in e. */
int tax_fx_load_demo(const char *path, date_ymd d, tax_fx *out, size_t max, errs *e);

#endif
