/* Internal to core/tax*.c and codec/json_tax.c: the loaded reference tables and their lookups.
 * Every lookup takes the date and returns only rows valid on it; prefix lookups return the
 * longest matching prefix (docs/tax-data-format.md). */
#ifndef ECUSTOMS_CORE_TAX_TABLES_H
#define ECUSTOMS_CORE_TAX_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "core/decl.h"
#include "core/tax.h"
#include "util/date.h"
#include "util/errs.h"

typedef struct tax_tables_valid {
    date_ymd from, to; /* to == 0: open */
} tax_tables_valid;

/* The declared facts an SCT row may be bracketed by (sct.tsv column `attribute`). */
typedef enum sct_attr {
    SCT_ATTR_NONE = 0,
    SCT_ATTR_ALCOHOL,   /* alcohol_pct: % vol, DECIMAL_SCALE_PCT */
    SCT_ATTR_ENGINE_CC, /* engine_cc: cylinder capacity, whole cc */
    SCT_ATTR_SEATS,     /* seats: seating capacity including the driver */
    SCT_ATTR_BTU,       /* btu: cooling capacity, BTU/h */
    SCT_ATTR_SUGAR,     /* sugar_g_100ml: g per 100 ml, DECIMAL_SCALE_PCT (2 decimals) */
    SCT_ATTR_COUNT
} sct_attr;

const char *tax_tables_sct_attr_name(int a); /* column value in sct.tsv: "engine_cc" */
const char *
tax_tables_sct_attr_key(int a);       /* JSON key of the item: "engine_cc", "alcohol_percent" */
int tax_tables_sct_attr_scale(int a); /* decimals of the stored value */
/* The item's value for attribute a (-1 when not declared). */
int64_t tax_tables_sct_attr_value(const decl_item *it, int a);
/* "3,500 cc", "12 seats", "40% vol" */
void tax_tables_sct_attr_value_text(int a, int64_t v, char *buf, size_t n);
/* "3,001-4,000 cc", "20% vol or more", "under 20% vol", "any" */
void tax_tables_sct_bracket_text(int a, int64_t min, int64_t max, char *buf, size_t n);

typedef struct tax_tables_sct {
    const char *prefix;
    int attr; /* sct_attr */
    int64_t amin,
        amax; /* bounds in the attribute's scale, min inclusive, max exclusive; -1 = unbounded */
    int32_t pct;
    tax_tables_valid v;
    const char *legal_ref, *desc;
} tax_tables_sct;

typedef struct tax_tables_ept {
    const char *prefix;
    int64_t amount; /* VND per unit, DECIMAL_SCALE_AMOUNT */
    const char *unit;
    tax_tables_valid v;
    const char *legal_ref, *desc;
} tax_tables_ept;

typedef struct tax_tables_vat {
    const char *prefix;
    int32_t pct; /* -1: exempt (not subject to VAT) */
    tax_tables_valid v;
    const char *legal_ref, *desc;
} tax_tables_vat;

typedef struct tax_tables_remedy {
    const char *prefix, *origin, *producer, *kind;
    int32_t pct;
    tax_tables_valid v;
    const char *legal_ref, *desc;
} tax_tables_remedy;

typedef struct tax_tables_party {
    int agreement; /* tariff_fta */
    char country[3];
    tax_tables_valid v;
    const char *legal_ref;
} tax_tables_party;

typedef struct tax_tables_agreement {
    const char *co_forms; /* comma-separated */
    const char *schedule;
    const char *legal_ref, *name;
    int present;
} tax_tables_agreement;

typedef struct tax_tables_wto {
    char country[3];
    date_ymd since;
    const char *legal_ref;
} tax_tables_wto;

/* SCT lookup: among the rows of the longest matching prefix valid on d, the one whose attribute
 * bracket contains the item's value. */
enum { TAX_TABLES_SCT_OK = 0, TAX_TABLES_SCT_ATTR_MISSING, TAX_TABLES_SCT_ATTR_OUTSIDE };
#define TAX_TABLES_SCT_MAX_BRACKETS 16
typedef struct tax_tables_sct_match {
    const tax_tables_sct *row; /* the row applied; NULL: not subject (or status != OK) */
    int status;                /* TAX_TABLES_SCT_* */
    int attr;                  /* the attribute the line's rows depend on (SCT_ATTR_NONE: none) */
    size_t nrows;              /* rows of the longest prefix valid on d (the brackets), at most
                                  TAX_TABLES_SCT_MAX_BRACKETS kept */
    const tax_tables_sct *rows[TAX_TABLES_SCT_MAX_BRACKETS];
} tax_tables_sct_match;
void tax_tables_find_sct(const tax_tables *tt, const char *hs, const decl_item *it, date_ymd d,
                         tax_tables_sct_match *m);
const tax_tables_ept *tax_tables_find_ept(const tax_tables *tt, const char *hs, date_ymd d);
const tax_tables_vat *tax_tables_find_vat(const tax_tables *tt, const char *hs, date_ymd d);
/* The export tariff's row for hs on d (Decree 26/2023 Appendix I; pct on FOB), NULL: no export
 * duty. */
const tax_tables_vat *tax_tables_find_export_duty(const tax_tables *tt, const char *hs, date_ymd d);
/* the temporary reduction valid on d, NULL if none; *excluded set when hs keeps the full rate */
const tax_tables_vat *tax_tables_find_vat_reduction(const tax_tables *tt, const char *hs,
                                                    date_ymd d, const char **excluded_ref);
/* remedies of each kind for (hs, origin, producer) on d; returns the count written to out */
size_t tax_tables_find_remedies(const tax_tables *tt, const char *hs, const char *origin,
                                const char *producer, date_ymd d, const tax_tables_remedy **out,
                                size_t max);
const tax_tables_party *tax_tables_find_party(const tax_tables *tt, int agreement,
                                              const char *country, date_ymd d);
const tax_tables_agreement *tax_tables_agreement_of(const tax_tables *tt, int agreement);
const tax_tables_wto *tax_tables_find_wto(const tax_tables *tt, const char *country, date_ymd d);
/* 1 if form is one of the comma-separated forms of agreement a */
int tax_tables_form_accepted(const tax_tables_agreement *a, const char *form);

/* Exchange rates from exchange_rates_demo.tsv valid on d (CLI quote, demo seed). Writes at most
 * max rates; returns the count or -1 with errors in e. */
int tax_fx_load_demo(const char *path, date_ymd d, tax_fx *out, size_t max, errs *e);

#endif
