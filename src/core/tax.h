/* The tax engine: customs value, import duty (MFN / ordinary / FTA, ad valorem, specific,
 * mixed), trade-remedy duties, special consumption tax, environmental protection tax and VAT for
 * every item of a declaration, in the VNACCS order (docs/tax.md).
 *
 * Pure computation: no I/O, no globals, no allocation in tax_compute (the caller provides the
 * result arrays). Reference tables (SCT, EPT, VAT, trade remedies, FTA parties) are loaded once
 * by tax_tables_load and then read-only, shared by all threads.
 *
 * Rounding (written down once, docs/tax.md): every VND amount is rounded to the whole dong,
 * halves away from zero, per item and per tax; totals are sums of the rounded item amounts.
 */
#ifndef ECUSTOMS_CORE_TAX_H
#define ECUSTOMS_CORE_TAX_H

#include <stddef.h>
#include <stdint.h>

#include "core/decl.h"
#include "core/tariff.h"
#include "util/errs.h"

typedef enum tax_kind {
    TAX_IMPORT_DUTY = 0,
    TAX_TRADE_REMEDY,
    TAX_SCT,
    TAX_EPT,
    TAX_VAT,
    TAX_KINDS
} tax_kind;

/* JSON keys of the contract: "import_duty", "trade_remedy", "sct", "ept", "vat". */
const char *tax_kind_key(tax_kind k);

/* The customs exchange rate of one currency valid on the computation date. */
typedef struct tax_fx {
    char currency[4];
    int64_t vnd_per_unit; /* DECIMAL_SCALE_FX */
} tax_fx;

typedef struct tax_fx_table {
    const tax_fx *rates;
    size_t n;
} tax_fx_table;

/* One tax on one item, with its basis so an officer or a declarant can see why. */
typedef struct tax_line {
    int64_t amount;     /* VND */
    int64_t base;       /* VND the rate applied to (0 for purely specific taxes) */
    int32_t pct;        /* DECIMAL_SCALE_PCT; -1 when the tax is not ad valorem */
    char rate_text[64]; /* "10%", "4000 VND/LTR", "USD 5000/unit + 150% x 70%", "exempt" */
    char schedule[8]; /* import duty: VNACCS schedule code (B01, B03, B05...); others: table code */
    char legal_ref[128];
    char note[192]; /* e.g. "ACFTA rate refused: no certificate of origin form E" */
} tax_line;

typedef struct tax_item_result {
    int64_t customs_value; /* VND, at the first import border gate */
    tax_line t[TAX_KINDS];
    int64_t total; /* sum of t[].amount */
} tax_item_result;

typedef struct tax_result {
    int64_t customs_value; /* sum over items */
    int64_t totals[TAX_KINDS];
    int64_t total;
    size_t n_items;
    tax_item_result *items; /* caller-provided array of at least d->n_items */
} tax_result;

typedef struct tax_tables tax_tables; /* opaque */

/* Loads SCT, EPT, VAT, trade-remedy and FTA-party tables from dir (ECUSTOMS_DATA_DIR "/tax").
 * Every row carries valid_from/valid_to and a legal reference. */
int tax_tables_load(const char *dir, tax_tables **out, errs *e);
void tax_tables_free(tax_tables *tt);

/* Computes the taxes of d with the rates valid on `date` (the registration date, or today for a
 * quote). fx must hold the rate of every currency d uses (invoice, freight, insurance, and USD
 * when a specific duty is in USD). out->items must have room for d->n_items.
 * Returns 0, or -1 with every problem appended to e (unknown HS code, missing exchange rate,
 * values out of range, ...), paths like "/items/3/hs_code". */
int tax_compute(const tariff *t, const tax_tables *tt, const tax_fx_table *fx, const decl *d,
                date_ymd date, tax_result *out, errs *e);

/* Late-payment interest: 0.03 % per day x days x amount (Law 38/2019/QH14 Art. 59), rounded
 * by the rule above. */
int64_t tax_late_interest(int64_t amount_vnd, int32_t days);

#endif
