/* TEMPORARY: replaced by codec/json_tax.c from branch `tax`. */
#include "codec/json_tax.h"

json_t *json_tax_result(const tax_result *r, const decl *d)
{
    json_t *items = json_array();
    for (int i = 0; i < d->n_items; i++) {
        json_t *t = json_object();
        for (int k = 0; k < TAX_KINDS; k++)
            json_object_set_new(t, tax_kind_key((tax_kind)k),
                                json_pack("{s:s,s:s,s:s}", "amount", "0", "rate", "0%",
                                          "schedule", "B01"));
        json_object_set_new(t, "total", json_pack("{s:s}", "amount", "0"));
        json_array_append_new(items, json_pack("{s:i,s:s,s:o}", "line", i + 1, "customs_value",
                                               "0", "taxes", t));
    }
    json_t *tot = json_object();
    for (int k = 0; k < TAX_KINDS; k++)
        json_object_set_new(tot, tax_kind_key((tax_kind)k), json_pack("{s:s}", "amount", "0"));
    json_object_set_new(tot, "total", json_pack("{s:s}", "amount", "0"));
    (void)r;
    return json_pack("{s:o,s:o,s:s}", "items", items, "taxes", tot, "customs_value", "0");
}

json_t *json_tariff_line(const tariff_line *l, const tax_tables *tt, const char *origin,
                         date_ymd date)
{
    (void)tt, (void)origin, (void)date;
    return json_pack("{s:I}", "hs8", (json_int_t)l->hs8);
}
