/* TEMPORARY: stands in for the tariff and tax engine (branch `tax`) until it is merged.
 * Deleted by the merge; nothing may depend on its behaviour. */
#include <string.h>

#include "core/tariff.h"
#include "core/tax.h"

struct tariff {
    int dummy;
};
struct tax_tables {
    int dummy;
};
static tariff the_tariff;
static tax_tables the_tables;
static const tariff_rate zero = {.kind = RATE_AD_VALOREM, .text = "0"};
static tariff_line any_line = {.desc_vn = "", .desc_en = "", .standard = &zero, .mfn = &zero};

int tariff_load(const char *dir, tariff **out, errs *e)
{
    (void)dir, (void)e;
    *out = &the_tariff;
    return 0;
}
void tariff_free(tariff *t) { (void)t; }
const tariff_line *tariff_find(const tariff *t, uint32_t hs8)
{
    (void)t;
    any_line.hs8 = hs8;
    return hs8 / 1000000 == 0 || hs8 / 1000000 > 97 ? NULL : &any_line;
}
size_t tariff_nearest(const tariff *t, uint32_t hs8, const tariff_line **out, size_t max)
{
    (void)t, (void)hs8, (void)out, (void)max;
    return 0;
}
int tax_tables_load(const char *dir, tax_tables **out, errs *e)
{
    (void)dir, (void)e;
    *out = &the_tables;
    return 0;
}
void tax_tables_free(tax_tables *tt) { (void)tt; }
const char *tax_kind_key(tax_kind k)
{
    static const char *k2[] = {"import_duty", "trade_remedy", "sct", "ept", "vat"};
    return k2[k];
}
int tax_compute(const tariff *t, const tax_tables *tt, const tax_fx_table *fx, const decl *d,
                date_ymd date, tax_result *out, errs *e)
{
    (void)t, (void)tt, (void)fx, (void)date, (void)e;
    memset(out->items, 0, sizeof *out->items * (size_t)d->n_items);
    out->n_items = (size_t)d->n_items;
    out->customs_value = out->total = 0;
    memset(out->totals, 0, sizeof out->totals);
    return 0;
}
size_t tariff_search(const tariff *t, const char *text, const tariff_line **out, size_t max)
{
    (void)t, (void)text, (void)out, (void)max;
    return 0;
}
size_t tariff_count(const tariff *t)
{
    (void)t;
    return 0;
}
const tariff_line *tariff_at(const tariff *t, size_t i)
{
    (void)t, (void)i;
    return NULL;
}
