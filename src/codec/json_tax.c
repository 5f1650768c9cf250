/* JSON encoders for tax results and tariff lines (contract in codec/json_tax.h). */
#include "codec/json_tax.h"

#include <stdio.h>
#include <string.h>

#include "core/tax_tables.h"
#include "util/decimal.h"

static json_t *amount_str(int64_t v)
{
    char b[32];
    decimal_format(v, 0, b, sizeof b);
    return json_string(b);
}

static json_t *pct_str(int32_t p)
{
    char b[32];
    decimal_format(p, DECIMAL_SCALE_PCT, b, sizeof b);
    return json_string(b);
}

/* Every item tax names its schedule (the contract). Import duty carries the VNACCS tariff
 * schedule (B01, B03, B05...); trade remedies the measure kind (AD, SG, CVD); the other taxes
 * have no schedule code of their own in the sources read, so the table they come from is named. */
static const char *const default_schedule[TAX_KINDS] = {"B01", "none", "SCT", "EPT", "VAT"};

static json_t *tax_line_json(const tax_line *t, tax_kind kind)
{
    json_t *o = json_object();
    json_object_set_new(o, "amount", amount_str(t->amount));
    json_object_set_new(o, "rate", json_string(t->rate_text));
    if (t->pct >= 0)
        json_object_set_new(o, "pct", pct_str(t->pct));
    json_object_set_new(o, "schedule",
                        json_string(t->schedule[0] ? t->schedule : default_schedule[kind]));
    json_object_set_new(o, "base", amount_str(t->base));
    if (t->legal_ref[0])
        json_object_set_new(o, "legal_ref", json_string(t->legal_ref));
    if (t->note[0])
        json_object_set_new(o, "note", json_string(t->note));
    return o;
}

/* An export's duty line is its export duty (core/tax.c): named so in the document. */
static const char *line_key(const decl *d, int k)
{
    return d && d->kind == DECL_EXPORT && k == TAX_IMPORT_DUTY ? "export_duty"
                                                               : tax_kind_key((tax_kind)k);
}

json_t *json_tax_result(const tax_result *r, const decl *d)
{
    json_t *root = json_object(), *items = json_array(), *tot = json_object();
    for (size_t i = 0; i < r->n_items; i++) {
        const tax_item_result *it = &r->items[i];
        json_t *o = json_object(), *taxes = json_object(), *t = json_object();
        json_object_set_new(o, "line", json_integer((json_int_t)i + 1));
        if (d && (int)i < d->n_items)
            json_object_set_new(o, "hs_code", json_string(d->items[i].hs_code));
        json_object_set_new(o, "customs_value", amount_str(it->customs_value));
        for (int k = 0; k < TAX_KINDS; k++)
            json_object_set_new(taxes, line_key(d, k), tax_line_json(&it->t[k], (tax_kind)k));
        json_object_set_new(t, "amount", amount_str(it->total));
        json_object_set_new(taxes, "total", t);
        json_object_set_new(o, "taxes", taxes);
        json_array_append_new(items, o);
    }
    for (int k = 0; k < TAX_KINDS; k++) {
        json_t *t = json_object();
        json_object_set_new(t, "amount", amount_str(r->totals[k]));
        json_object_set_new(tot, line_key(d, k), t);
    }
    {
        json_t *t = json_object();
        json_object_set_new(t, "amount", amount_str(r->total));
        json_object_set_new(tot, "total", t);
    }
    json_object_set_new(root, "items", items);
    json_object_set_new(root, "taxes", tot);
    json_object_set_new(root, "customs_value", amount_str(r->customs_value));
    return root;
}

static const char *const kind_names[] = {"none",  "excluded", "ad_valorem", "specific",
                                         "mixed", "quota",    "reference"};

json_t *json_tariff_rate(const tariff_rate *r)
{
    json_t *o = json_object();
    char b[32];
    json_object_set_new(o, "text", json_string(r->text ? r->text : ""));
    json_object_set_new(o, "kind",
                        json_string(r->kind <= RATE_REFERENCE ? kind_names[r->kind] : "?"));
    if (r->kind == RATE_AD_VALOREM || r->kind == RATE_MIXED || r->kind == RATE_EXCLUDED)
        json_object_set_new(o, "pct", pct_str(r->pct));
    if (r->kind == RATE_SPECIFIC || r->kind == RATE_MIXED) {
        decimal_format(r->specific_amount, DECIMAL_SCALE_AMOUNT, b, sizeof b);
        json_object_set_new(o, "specific_amount", json_string(b));
        json_object_set_new(o, "specific_currency", json_string(r->specific_currency));
        json_object_set_new(o, "specific_unit", json_string(r->specific_unit));
    }
    if (r->n_excluded) {
        json_t *a = json_array();
        for (int i = 0; i < r->n_excluded; i++)
            json_array_append_new(a, json_string(r->excluded[i]));
        json_object_set_new(o, "excluded_origins", a);
    }
    if (r->n_overrides) {
        json_t *a = json_object();
        for (int i = 0; i < r->n_overrides; i++)
            json_object_set_new(a, r->overrides[i].country, pct_str(r->overrides[i].pct));
        json_object_set_new(o, "overrides", a);
    }
    if (r->out_of_quota_pct >= 0)
        json_object_set_new(o, "out_of_quota_pct", pct_str(r->out_of_quota_pct));
    if (r->n_alternatives > 1) {
        json_t *a = json_array();
        for (int i = 0; i < r->n_alternatives; i++)
            json_array_append_new(a, r->alternatives[i] == TARIFF_ALT_EXCLUDED
                                         ? json_string("*")
                                         : pct_str(r->alternatives[i]));
        json_object_set_new(o, "alternatives", a);
        json_object_set_new(o, "alternatives_rule", json_string("highest applies"));
    }
    if (r->gic)
        json_object_set_new(o, "gic", json_true());
    if (r->of_mfn_pct)
        json_object_set_new(o, "of_mfn_pct", json_integer(r->of_mfn_pct));
    if (r->ref[0])
        json_object_set_new(o, "reference", json_string(r->ref));
    return o;
}

json_t *json_tariff_line(const tariff_line *l, const tax_tables *tt, const char *origin,
                         date_ymd date)
{
    json_t *o = json_object(), *rates = json_object(), *procs = json_array();
    char code[16];
    snprintf(code, sizeof code, "%08u", l->hs8);
    json_object_set_new(o, "hs_code", json_string(code));
    json_object_set_new(o, "description_vn", json_string(l->desc_vn));
    json_object_set_new(o, "description_en", json_string(l->desc_en));
    json_object_set_new(rates, "standard", json_tariff_rate(l->standard));
    json_object_set_new(rates, "mfn", json_tariff_rate(l->mfn));
    for (int a = 0; a < FTA_COUNT; a++)
        if (l->fta[a]->kind != RATE_NONE)
            json_object_set_new(rates, tariff_fta_name((tariff_fta)a), json_tariff_rate(l->fta[a]));
    json_object_set_new(o, "rates", rates);
    if (origin && *origin && tt) {
        json_t *app = json_array();
        const tax_tables_wto *w = tax_tables_find_wto(tt, origin, date);
        json_t *b = json_object();
        json_object_set_new(b, "schedule", json_string(w ? "B01" : "B03"));
        json_object_set_new(b, "name", json_string(w ? "MFN" : "ordinary"));
        json_object_set_new(b, "rate", json_tariff_rate(w ? l->mfn : l->standard));
        json_array_append_new(app, b);
        for (int a = 0; a < FTA_COUNT; a++) {
            const tax_tables_agreement *ag = tax_tables_agreement_of(tt, a);
            const tariff_rate *r = l->fta[a];
            int excluded = 0;
            if (!ag || !tax_tables_find_party(tt, a, origin, date) || r->kind == RATE_NONE ||
                r->kind == RATE_EXCLUDED)
                continue;
            for (int i = 0; i < r->n_excluded; i++)
                excluded |= strcmp(r->excluded[i], origin) == 0;
            json_t *x = json_object();
            json_object_set_new(x, "schedule", json_string(ag->schedule));
            json_object_set_new(x, "name", json_string(tariff_fta_name((tariff_fta)a)));
            json_object_set_new(x, "co_forms", json_string(ag->co_forms));
            json_object_set_new(x, "rate", json_tariff_rate(r));
            {
                int32_t p = r->pct;
                for (int i = 0; i < r->n_overrides; i++)
                    if (strcmp(r->overrides[i].country, origin) == 0)
                        p = r->overrides[i].pct;
                if (r->kind == RATE_AD_VALOREM)
                    json_object_set_new(x, "pct_for_origin", pct_str(p));
            }
            if (excluded)
                json_object_set_new(x, "available", json_false());
            if (excluded)
                json_object_set_new(x, "reason",
                                    json_string("origin excluded by a country exception"));
            else if (r->kind == RATE_QUOTA)
                json_object_set_new(x, "reason", json_string("in-quota only"));
            json_object_set_new(x, "legal_ref", json_string(ag->legal_ref));
            json_array_append_new(app, x);
        }
        json_object_set_new(o, "origin", json_string(origin));
        json_object_set_new(o, "applicable", app);
    }
    for (int i = 0; i < l->n_procedures; i++) {
        const tariff_procedure *p = &l->procedures[i];
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(p->name));
        json_object_set_new(x, "legal_ref", json_string(p->legal_ref));
        json_object_set_new(x, "agency", json_string(p->agency));
        json_object_set_new(x, "stage", json_string(p->stage ? p->stage : ""));
        json_object_set_new(x, "direction", json_string(p->direction ? p->direction : "import"));
        json_object_set_new(x, "condition", json_string(p->condition ? p->condition : ""));
        json_array_append_new(procs, x);
    }
    json_object_set_new(o, "procedures", procs);
    return o;
}
