/* TEMPORARY: minimal JSON -> decl decoder so that branch `tax` links and `ecustoms quote` can be
 * tested before the real codec/json_decl.c lands. DELETE THIS FILE AT MERGE.
 * Reads: kind ("import"/"export"), type_code, invoice{currency, incoterm, freight,
 * freight_currency, insurance, insurance_currency, allocation}, items[]{hs_code, origin,
 * quantity, unit, value, net_weight_kg, alcohol_pct, producer, co_form, co_number}. Decimals are
 * JSON strings or integers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_decl.h"
#include "util/dec.h"

static void str(json_t *o, const char *k, char *dst, size_t n)
{
    const char *s = json_string_value(json_object_get(o, k));
    snprintf(dst, n, "%s", s ? s : "");
}

static int num(json_t *o, const char *k, int scale, int64_t *dst, const char *path, errs *e)
{
    json_t *v = json_object_get(o, k);
    char p[96];
    if (!v)
        return 0;
    if (json_is_integer(v)) {
        *dst = (int64_t)json_integer_value(v) * dec_pow10(scale);
        return 0;
    }
    if (json_is_string(v) && dec_parse(json_string_value(v), scale, 0, dst) == DEC_OK)
        return 0;
    snprintf(p, sizeof p, "%s/%s", path, k);
    return errs_add(e, "value_format", p, "'%s' must be a decimal string", k);
}

int json_decl_decode(json_t *root, decl *out, errs *e)
{
    json_t *inv = json_object_get(root, "invoice"), *items = json_object_get(root, "items");
    const char *kind = json_string_value(json_object_get(root, "kind"));
    int n0 = e->n;
    memset(out, 0, sizeof *out);
    out->kind = kind && strcmp(kind, "export") == 0 ? DECL_EXPORT : DECL_IMPORT;
    str(root, "type_code", out->type_code, sizeof out->type_code);
    if (inv) {
        str(inv, "currency", out->invoice.currency, sizeof out->invoice.currency);
        str(inv, "incoterm", out->invoice.incoterm, sizeof out->invoice.incoterm);
        str(inv, "freight_currency", out->invoice.freight_currency, sizeof out->invoice.freight_currency);
        str(inv, "insurance_currency", out->invoice.insurance_currency, sizeof out->invoice.insurance_currency);
        str(inv, "allocation", out->invoice.allocation, sizeof out->invoice.allocation);
        num(inv, "freight", DEC_SCALE_AMOUNT, &out->invoice.freight, "/invoice", e);
        num(inv, "insurance", DEC_SCALE_AMOUNT, &out->invoice.insurance, "/invoice", e);
    }
    if (!json_is_array(items) || json_array_size(items) == 0 || json_array_size(items) > DECL_MAX_ITEMS)
        return errs_add(e, "items_required", "/items", "1 to %d items required", DECL_MAX_ITEMS);
    out->n_items = (int)json_array_size(items);
    out->items = calloc((size_t)out->n_items, sizeof *out->items);
    if (!out->items)
        return errs_add(e, "out_of_memory", "/items", "items");
    for (int i = 0; i < out->n_items; i++) {
        json_t *it = json_array_get(items, (size_t)i);
        decl_item *d = &out->items[i];
        char p[32];
        snprintf(p, sizeof p, "/items/%d", i);
        d->alcohol_pct = -1;
        str(it, "hs_code", d->hs_code, sizeof d->hs_code);
        str(it, "origin", d->origin, sizeof d->origin);
        str(it, "unit", d->unit, sizeof d->unit);
        str(it, "producer", d->producer, sizeof d->producer);
        str(it, "co_form", d->co_form, sizeof d->co_form);
        str(it, "co_number", d->co_number, sizeof d->co_number);
        str(it, "description", d->description, sizeof d->description);
        num(it, "quantity", DEC_SCALE_QTY, &d->quantity, p, e);
        num(it, "value", DEC_SCALE_AMOUNT, &d->value, p, e);
        num(it, "net_weight_kg", DEC_SCALE_QTY, &d->net_weight_kg, p, e);
        num(it, "alcohol_pct", DEC_SCALE_PCT, &d->alcohol_pct, p, e);
        d->hs8 = (uint32_t)strtoul(d->hs_code, NULL, 10);
    }
    return e->n > n0 ? -1 : 0;
}
