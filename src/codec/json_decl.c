/* Strict JSON decoder for declarations.
 *
 * Why strict: a declaration is a legal act; an ignored unknown field (a typo of "insurance")
 * would silently change the taxes. Every object lists its allowed keys; money and quantities
 * must be decimal strings (or JSON integers) so that no binary floating point is ever involved.
 */
#include "codec/json_decl.h"
#include "codec/json_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/decimal.h"

/* The fields each object may carry (exported: the OpenAPI test checks the document against
 * these very lists). */
const char *const json_decl_party_keys[] = {"tax_code", "name", "address", "country", NULL};
const char *const json_decl_transport_keys[] = {
    "mode",         "bills_of_lading", "port_of_loading", "port_of_discharge",
    "arrival_date", "containers",      "vessel",          NULL};
const char *const json_decl_invoice_keys[] = {
    "number",           "date",      "currency",           "incoterm",   "total", "freight",
    "freight_currency", "insurance", "insurance_currency", "allocation", NULL};
const char *const json_decl_item_keys[] = {"hs_code",
                                           "description",
                                           "origin",
                                           "quantity",
                                           "unit",
                                           "unit_price",
                                           "value",
                                           "net_weight_kg",
                                           "alcohol_percent",
                                           "engine_cc",
                                           "seats",
                                           "btu",
                                           "sugar_g_per_100ml",
                                           "producer",
                                           "condition",
                                           "cas_number",
                                           "timber_origin",
                                           "certificate_of_origin",
                                           "permits",
                                           NULL};
const char *const json_decl_co_keys[] = {"form", "number", "date", NULL};
const char *const json_decl_keys[] = {
    "kind",      "type_code", "customs_office",  "declarant", "importer", "exporter",
    "transport", "packages",  "gross_weight_kg", "invoice",   "items",    NULL};

typedef struct dctx {
    errs *e;
} dctx;

static void check_keys(dctx *x, json_t *obj, const char *path, const char *const *allowed)
{
    json_check_fields(obj, allowed, path, x->e);
}

static json_t *field(dctx *x, json_t *obj, const char *path, const char *key, int required)
{
    json_t *v = json_object_get(obj, key);
    if ((!v || json_is_null(v)) && required) {
        char p[96];
        snprintf(p, sizeof p, "%s/%s", path, key);
        errs_add(x->e, "required", p, "'%s' is required", key);
    }
    return json_is_null(v) ? NULL : v;
}

/* A string field copied into dst; max length is the array size - 1. */
static void get_str(dctx *x, json_t *obj, const char *path, const char *key, int required,
                    char *dst, size_t size)
{
    char p[192];
    json_t *v = field(x, obj, path, key, required);
    dst[0] = '\0';
    if (!v)
        return;
    snprintf(p, sizeof p, "%s/%s", path, key);
    if (!json_is_string(v)) {
        errs_add(x->e, "type", p, "'%s' must be a string", key);
        return;
    }
    size_t n = json_string_length(v);
    if (n >= size) {
        errs_add(x->e, "too_long", p, "'%s' is longer than %zu characters", key, size - 1);
        return;
    }
    if (required && n == 0) {
        errs_add(x->e, "required", p, "'%s' must not be empty", key);
        return;
    }
    memcpy(dst, json_string_value(v), n + 1);
}

/* A decimal given as a string ("1234.5") or a JSON integer; JSON reals are refused. */
static int get_dec(dctx *x, json_t *obj, const char *path, const char *key, int required, int scale,
                   int64_t *out)
{
    char p[192];
    json_t *v = field(x, obj, path, key, required);
    *out = 0;
    if (!v)
        return 0;
    snprintf(p, sizeof p, "%s/%s", path, key);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        /* the scaled value must also fit an int64 (10^15 at scale 4 would not) */
        if (i > 999999999999999LL || i < -999999999999999LL ||
            i > INT64_MAX / decimal_pow10(scale) || i < -(INT64_MAX / decimal_pow10(scale))) {
            errs_add(x->e, "out_of_range", p, "'%s' exceeds 10^15", key);
            return 0;
        }
        *out = (int64_t)i * decimal_pow10(scale);
        return 1;
    }
    if (!json_is_string(v)) {
        errs_add(x->e, "type", p, "'%s' must be a decimal string such as \"12.50\"", key);
        return 0;
    }
    switch (decimal_parse(json_string_value(v), scale, 0, out)) {
    case DECIMAL_OK: return 1;
    case DECIMAL_ERR_SCALE:
        errs_add(x->e, "decimal_scale", p, "'%s' has more than %d decimals", key, scale);
        return 0;
    case DECIMAL_ERR_RANGE: errs_add(x->e, "out_of_range", p, "'%s' exceeds 10^15", key); return 0;
    default: errs_add(x->e, "decimal", p, "'%s' is not a decimal number", key); return 0;
    }
}

/* An optional SCT attribute (engine_cc, seats, btu, sugar_g_per_100ml): decimal string or
 * integer, not negative; -1 when absent or null. */
static void get_attr(dctx *x, json_t *obj, const char *path, const char *key, int scale,
                     int64_t *out)
{
    char p[192];
    *out = -1;
    if (!json_object_get(obj, key))
        return;
    if (!get_dec(x, obj, path, key, 0, scale, out)) {
        *out = -1;
        return;
    }
    if (*out < 0) {
        snprintf(p, sizeof p, "%s/%s", path, key);
        errs_add(x->e, "out_of_range", p, "'%s' must not be negative", key);
        *out = -1;
    }
}

static void get_date(dctx *x, json_t *obj, const char *path, const char *key, int required,
                     date_ymd *out)
{
    char buf[16], p[96];
    *out = 0;
    get_str(x, obj, path, key, required, buf, sizeof buf);
    if (!buf[0])
        return;
    if (date_parse(buf, out) != 0) {
        snprintf(p, sizeof p, "%s/%s", path, key);
        errs_add(x->e, "date", p, "'%s' must be a date YYYY-MM-DD", key);
    }
}

static json_t *get_obj(dctx *x, json_t *obj, const char *path, const char *key, int required)
{
    char p[192];
    json_t *v = field(x, obj, path, key, required);
    if (v && !json_is_object(v)) {
        snprintf(p, sizeof p, "%s/%s", path, key);
        errs_add(x->e, "type", p, "'%s' must be an object", key);
        return NULL;
    }
    return v;
}

static json_t *get_arr(dctx *x, json_t *obj, const char *path, const char *key, int required)
{
    char p[192];
    json_t *v = field(x, obj, path, key, required);
    if (v && !json_is_array(v)) {
        snprintf(p, sizeof p, "%s/%s", path, key);
        errs_add(x->e, "type", p, "'%s' must be an array", key);
        return NULL;
    }
    return v;
}

static void decode_party(dctx *x, json_t *obj, const char *path, decl_party *p, int vn)
{
    const char *const *keys = json_decl_party_keys;
    check_keys(x, obj, path, keys);
    get_str(x, obj, path, "tax_code", vn, p->tax_code, sizeof p->tax_code);
    get_str(x, obj, path, "name", 1, p->name, sizeof p->name);
    get_str(x, obj, path, "address", 0, p->address, sizeof p->address);
    get_str(x, obj, path, "country", !vn, p->country, sizeof p->country);
}

static void decode_transport(dctx *x, json_t *obj, decl_transport *t)
{
    const char *const *keys = json_decl_transport_keys;
    const char *path = "/transport";
    char p[192];
    check_keys(x, obj, path, keys);
    json_t *m = field(x, obj, path, "mode", 1);
    if (m) {
        if (json_is_integer(m))
            t->mode = (int)json_integer_value(m);
        else if (json_is_string(m) && json_string_length(m) == 1)
            t->mode = json_string_value(m)[0] - '0';
        else
            errs_add(x->e, "type", "/transport/mode", "'mode' must be a VNACCS transport code 1-9");
    }
    json_t *bl = get_arr(x, obj, path, "bills_of_lading", 0);
    if (bl) {
        size_t n = json_array_size(bl);
        if (n > DECL_MAX_BL)
            errs_add(x->e, "too_many", "/transport/bills_of_lading", "at most %d bills of lading",
                     DECL_MAX_BL);
        for (size_t i = 0; i < n && i < DECL_MAX_BL; i++) {
            json_t *v = json_array_get(bl, i);
            snprintf(p, sizeof p, "/transport/bills_of_lading/%zu", i);
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) >= sizeof t->bills_of_lading[0])
                errs_add(x->e, "type", p, "a bill of lading number is a string of 1-35 characters");
            else
                snprintf(t->bills_of_lading[t->n_bl++], sizeof t->bills_of_lading[0], "%s",
                         json_string_value(v));
        }
    }
    get_str(x, obj, path, "port_of_loading", 1, t->port_of_loading, sizeof t->port_of_loading);
    get_str(x, obj, path, "port_of_discharge", 1, t->port_of_discharge,
            sizeof t->port_of_discharge);
    get_date(x, obj, path, "arrival_date", 0, &t->arrival_date);
    get_str(x, obj, path, "vessel", 0, t->vessel, sizeof t->vessel);
    json_t *ct = get_arr(x, obj, path, "containers", 0);
    if (ct) {
        size_t n = json_array_size(ct);
        if (n > DECL_MAX_CONTAINERS) {
            errs_add(x->e, "too_many", "/transport/containers", "at most %d containers",
                     DECL_MAX_CONTAINERS);
            n = DECL_MAX_CONTAINERS;
        }
        t->containers = n ? calloc(n, sizeof *t->containers) : NULL;
        for (size_t i = 0; i < n && t->containers; i++) {
            json_t *v = json_array_get(ct, i);
            snprintf(p, sizeof p, "/transport/containers/%zu", i);
            if (!json_is_string(v) || json_string_length(v) >= sizeof t->containers[0])
                errs_add(x->e, "type", p, "a container number is an 11-character ISO 6346 string");
            else
                snprintf(t->containers[t->n_containers++], sizeof t->containers[0], "%s",
                         json_string_value(v));
        }
    }
}

static void decode_invoice(dctx *x, json_t *obj, decl_invoice *inv)
{
    const char *const *keys = json_decl_invoice_keys;
    const char *path = "/invoice";
    check_keys(x, obj, path, keys);
    get_str(x, obj, path, "number", 1, inv->number, sizeof inv->number);
    get_date(x, obj, path, "date", 1, &inv->date);
    get_str(x, obj, path, "currency", 1, inv->currency, sizeof inv->currency);
    get_str(x, obj, path, "incoterm", 1, inv->incoterm, sizeof inv->incoterm);
    get_dec(x, obj, path, "total", 1, DECIMAL_SCALE_AMOUNT, &inv->total);
    get_dec(x, obj, path, "freight", 0, DECIMAL_SCALE_AMOUNT, &inv->freight);
    get_str(x, obj, path, "freight_currency", 0, inv->freight_currency,
            sizeof inv->freight_currency);
    get_dec(x, obj, path, "insurance", 0, DECIMAL_SCALE_AMOUNT, &inv->insurance);
    get_str(x, obj, path, "insurance_currency", 0, inv->insurance_currency,
            sizeof inv->insurance_currency);
    get_str(x, obj, path, "allocation", 0, inv->allocation, sizeof inv->allocation);
    if (!inv->freight_currency[0])
        memcpy(inv->freight_currency, inv->currency, sizeof inv->currency);
    if (!inv->insurance_currency[0])
        memcpy(inv->insurance_currency, inv->currency, sizeof inv->currency);
    if (!inv->allocation[0])
        strcpy(inv->allocation, "value");
}

static void decode_item(dctx *x, json_t *obj, const char *path, decl_item *it)
{
    const char *const *keys = json_decl_item_keys;
    char p[192];
    check_keys(x, obj, path, keys);
    get_str(x, obj, path, "hs_code", 1, it->hs_code, sizeof it->hs_code);
    if (!it->hs_code[0] && json_is_string(json_object_get(obj, "hs_code")) &&
        json_string_length(json_object_get(obj, "hs_code")) >= sizeof it->hs_code) {
        /* too long was reported by get_str as too_long; nothing more to say */
    }
    get_str(x, obj, path, "description", 1, it->description, sizeof it->description);
    get_str(x, obj, path, "origin", 1, it->origin, sizeof it->origin);
    get_dec(x, obj, path, "quantity", 1, DECIMAL_SCALE_QTY, &it->quantity);
    get_str(x, obj, path, "unit", 1, it->unit, sizeof it->unit);
    get_dec(x, obj, path, "unit_price", 1, DECIMAL_SCALE_AMOUNT, &it->unit_price);
    get_dec(x, obj, path, "value", 1, DECIMAL_SCALE_AMOUNT, &it->value);
    get_dec(x, obj, path, "net_weight_kg", 0, DECIMAL_SCALE_QTY, &it->net_weight_kg);
    it->alcohol_pct = -1;
    if (json_object_get(obj, "alcohol_percent"))
        get_dec(x, obj, path, "alcohol_percent", 0, DECIMAL_SCALE_PCT, &it->alcohol_pct);
    get_attr(x, obj, path, "engine_cc", 0, &it->engine_cc);
    get_attr(x, obj, path, "seats", 0, &it->seats);
    get_attr(x, obj, path, "btu", 0, &it->btu);
    get_attr(x, obj, path, "sugar_g_per_100ml", DECIMAL_SCALE_PCT, &it->sugar_g_100ml);
    get_str(x, obj, path, "producer", 0, it->producer, sizeof it->producer);
    get_str(x, obj, path, "condition", 0, it->condition, sizeof it->condition);
    get_str(x, obj, path, "cas_number", 0, it->cas_number, sizeof it->cas_number);
    get_str(x, obj, path, "timber_origin", 0, it->timber_origin, sizeof it->timber_origin);
    json_t *co = json_object_get(obj, "certificate_of_origin");
    if (co && !json_is_null(co)) {
        const char *const *cert_keys = json_decl_co_keys;
        snprintf(p, sizeof p, "%s/certificate_of_origin", path);
        if (!json_is_object(co)) {
            errs_add(x->e, "type", p, "'certificate_of_origin' must be an object");
        } else {
            check_keys(x, co, p, cert_keys);
            get_str(x, co, p, "form", 1, it->co_form, sizeof it->co_form);
            get_str(x, co, p, "number", 1, it->co_number, sizeof it->co_number);
        }
    }
    json_t *pm = get_arr(x, obj, path, "permits", 0);
    if (pm) {
        size_t n = json_array_size(pm);
        for (size_t i = 0; i < n; i++) {
            json_t *v = json_array_get(pm, i);
            snprintf(p, sizeof p, "%s/permits/%zu", path, i);
            if (i >= DECL_MAX_PERMITS)
                errs_add(x->e, "too_many", p, "at most %d permits per item", DECL_MAX_PERMITS);
            else if (!json_is_string(v) || json_string_length(v) == 0 ||
                     json_string_length(v) >= sizeof it->permits[0])
                errs_add(x->e, "type", p, "a permit number is a string of 1-47 characters");
            else
                snprintf(it->permits[it->n_permits++], sizeof it->permits[0], "%s",
                         json_string_value(v));
        }
    }
}

int json_decl_decode(json_t *root, decl *d, errs *e)
{
    const char *const *keys = json_decl_keys;
    dctx x = {e};
    int before = e->n;
    char kind[8], p[96];

    memset(d, 0, sizeof *d);
    if (!json_is_object(root)) {
        errs_add(e, "type", "", "a declaration must be a JSON object");
        return -1;
    }
    check_keys(&x, root, "", keys);
    get_str(&x, root, "", "kind", 1, kind, sizeof kind);
    if (strcmp(kind, "import") == 0)
        d->kind = DECL_IMPORT;
    else if (strcmp(kind, "export") == 0)
        d->kind = DECL_EXPORT;
    else if (kind[0])
        errs_add(e, "enum", "/kind", "'kind' must be \"import\" or \"export\"");
    get_str(&x, root, "", "type_code", 1, d->type_code, sizeof d->type_code);
    get_str(&x, root, "", "customs_office", 1, d->customs_office, sizeof d->customs_office);
    get_str(&x, root, "", "declarant", 0, d->declarant, sizeof d->declarant);

    json_t *o;
    if ((o = get_obj(&x, root, "", "importer", 1)))
        decode_party(&x, o, "/importer", &d->importer, d->kind != DECL_EXPORT);
    if ((o = get_obj(&x, root, "", "exporter", 1)))
        decode_party(&x, o, "/exporter", &d->exporter, d->kind == DECL_EXPORT);
    if ((o = get_obj(&x, root, "", "transport", 1)))
        decode_transport(&x, o, &d->transport);
    if ((o = get_obj(&x, root, "", "packages", 1))) {
        static const char *const pk[] = {"count", "unit", NULL};
        check_keys(&x, o, "/packages", pk);
        json_t *c = field(&x, o, "/packages", "count", 1);
        if (c && !json_is_integer(c))
            errs_add(e, "type", "/packages/count", "'count' must be an integer");
        else if (c)
            d->packages_count = (int64_t)json_integer_value(c);
        get_str(&x, o, "/packages", "unit", 1, d->packages_unit, sizeof d->packages_unit);
    }
    get_dec(&x, root, "", "gross_weight_kg", 1, DECIMAL_SCALE_QTY, &d->gross_weight_kg);
    if ((o = get_obj(&x, root, "", "invoice", 1)))
        decode_invoice(&x, o, &d->invoice);

    json_t *items = get_arr(&x, root, "", "items", 1);
    if (items) {
        size_t n = json_array_size(items);
        if (n == 0)
            errs_add(e, "required", "/items", "a declaration has at least one item");
        if (n > DECL_MAX_ITEMS) {
            errs_add(e, "too_many", "/items", "at most %d items per declaration", DECL_MAX_ITEMS);
            n = DECL_MAX_ITEMS;
        }
        d->items = n ? calloc(n, sizeof *d->items) : NULL;
        if (n && !d->items) {
            errs_add(e, "internal", "/items", "out of memory");
            return -1;
        }
        d->n_items = (int)n;
        for (size_t i = 0; i < n; i++) {
            json_t *it = json_array_get(items, i);
            snprintf(p, sizeof p, "/items/%zu", i);
            if (!json_is_object(it))
                errs_add(e, "type", p, "an item must be an object");
            else
                decode_item(&x, it, p, &d->items[i]);
        }
    }
    return e->n > before ? -1 : 0;
}

int json_decl_in_decode(json_t *root, decl_in *x, errs *e)
{
    x->declarant_given = json_is_object(root) && json_object_get(root, "declarant") != NULL;
    return json_decl_decode(root, &x->d, e);
}
