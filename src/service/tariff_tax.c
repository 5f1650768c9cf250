/* Tariff and taxes as a service: the tax quote (a declaration assessed without storing it),
 * the tariff (one line, a search) and the customs exchange rates (list, change). */
#include "service/tariff_tax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_decl.h"
#include "codec/json_fields.h"
#include "codec/json_fx.h"
#include "codec/json_tax.h"
#include "core/codes.h"
#include "core/validate.h"
#include "store/store_reference.h"
#include "service/app.h"
#include "service/audit_log.h"
#include "service/kernel.h"
#include "util/decimal.h"

#define MAX_FX 64

/* ---- quote ---------------------------------------------------------------------------------- */

svc_reply svc_tax_quote(app *a, const svc_req *req, const decl *d, errs *e, date_ymd date)
{
    svc_reply r = {0};
    (void)req;
    decl_validate(d, a->tariff, e);
    decl_validate_dates(d, svc_today(), e);
    tax_item_result *items = NULL;
    if (e->n == 0) {
        tax_fx rates[MAX_FX];
        int nfx = app_fx_on(a, date, rates, MAX_FX);
        tax_fx_table table = {rates, (size_t)(nfx > 0 ? nfx : 0)};
        items = calloc((size_t)d->n_items, sizeof *items);
        tax_result tr = {.items = items};
        if (items && tax_compute(a->tariff, a->tax, &table, d, date, &tr, e) == 0) {
            r.code = SVC_OK;
            r.body = json_tax_result(&tr, d);
            char buf[16];
            date_format(date, buf);
            json_object_set_new(r.body, "tax_date", json_string(buf));
        }
    }
    if (e->n > 0)
        r = svc_errors(e);
    else if (!r.body)
        r = svc_error(SVC_ERROR, "internal", "the tax engine gave neither a result nor an error");
    free(items);
    return r;
}

/* ---- tariff --------------------------------------------------------------------------------- */

svc_reply svc_tariff_get(app *a, const char *hs, const char *origin, date_ymd date)
{
    svc_reply r = {0};
    uint32_t hs8 = 0;
    size_t n = strlen(hs);
    for (size_t i = 0; i < n; i++)
        if (hs[i] < '0' || hs[i] > '9')
            n = 0;
    if (n != 8)
        return svc_error(SVC_INVALID, "hs_format", "an HS code has exactly 8 digits");
    for (size_t i = 0; i < 8; i++)
        hs8 = hs8 * 10 + (uint32_t)(hs[i] - '0');
    const tariff_line *l = tariff_find(a->tariff, hs8);
    if (!l) {
        const tariff_line *near[5];
        size_t m = tariff_nearest(a->tariff, hs8, near, 5);
        json_t *sugg = json_array();
        for (size_t i = 0; i < m; i++) {
            char code[12];
            snprintf(code, sizeof code, "%08u", (unsigned)near[i]->hs8);
            json_array_append_new(sugg, json_pack("{s:s,s:s}", "hs_code", code, "description",
                                                  near[i]->desc_en ? near[i]->desc_en : ""));
        }
        r.code = SVC_NOT_FOUND;
        r.body = json_pack("{s:[{s:s,s:s,s:s}],s:o}", "errors", "code", "hs_unknown", "path", "",
                           "message", "this HS code is not a line of the national tariff",
                           "nearest", sugg);
        return r;
    }
    if (origin && origin[0] && strlen(origin) != 2)
        return svc_error(SVC_INVALID, "country", "origin is an ISO 3166 alpha-2 code");
    r.code = SVC_OK;
    r.body = json_tariff_line(l, a->tax, origin && origin[0] ? origin : NULL, date);
    return r;
}

svc_reply svc_tariff_search(app *a, const char *q)
{
    svc_reply r = {0};
    const tariff_line *out[50];
    if (!q || strlen(q) < 2)
        return svc_error(SVC_INVALID, "query", "the search text needs at least 2 characters");
    size_t n = tariff_search(a->tariff, q, out, 50);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        char code[12];
        snprintf(code, sizeof code, "%08u", (unsigned)out[i]->hs8);
        json_array_append_new(arr,
                              json_pack("{s:s,s:s,s:s}", "hs_code", code, "description_vn",
                                        out[i]->desc_vn ? out[i]->desc_vn : "", "description_en",
                                        out[i]->desc_en ? out[i]->desc_en : ""));
    }
    r.code = SVC_OK;
    r.body = json_pack("{s:s,s:o}", "query", q, "results", arr);
    return r;
}

/* ---- exchange rates ------------------------------------------------------------------------ */

typedef struct fx_list_ctx {
    fx_row rows[512];
    int n;
    date_ymd date;
} fx_list_ctx;

static int fx_list_job(db_conn *c, void *ctx)
{
    fx_list_ctx *x = ctx;
    x->n = store_fx_list(c, x->rows, 512);
    return x->n < 0 ? x->n : 0;
}

static json_t *fx_json(const fx_row *f)
{
    char v[32], from[16], to[16];
    decimal_format(f->vnd_per_unit, DECIMAL_SCALE_FX, v, sizeof v);
    date_format(f->valid_from, from);
    date_format(f->valid_to, to);
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "currency", f->currency, "vnd_per_unit", v,
                     "valid_from", from, "valid_to", to, "source", f->source);
}

svc_reply svc_fx_list(app *a, date_ymd date)
{
    svc_reply r = {0};
    fx_list_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (store_read(a->st, fx_list_job, x) != 0) {
        free(x);
        return svc_error(SVC_ERROR, "storage", "cannot read the exchange rates");
    }
    json_t *arr = json_array();
    for (int i = 0; i < x->n; i++)
        if (!date || (x->rows[i].valid_from <= date && x->rows[i].valid_to >= date))
            json_array_append_new(arr, fx_json(&x->rows[i]));
    free(x);
    r.code = SVC_OK;
    r.body = json_pack("{s:o}", "rates", arr);
    return r;
}

typedef struct fx_put_ctx {
    const svc_req *req;
    fx_row *rows;
    int n;
    int confirm; /* "confirm": true: moves of more than FX_MAX_MOVE_PCT are meant */
    errs *e;
    int64_t now;
} fx_put_ctx;

#define FX_MAX_MOVE_PCT                                                                            \
    5 /* a weekly customs rate moving more than this is a typo until confirmed */

static int fx_put_job(db_conn *c, void *ctx)
{
    fx_put_ctx *x = ctx;
    int refused = 0, rc = 0;
    json_t *all = json_array(); /* every rate set, for the chain's rates.put event */
    for (int i = 0; i < x->n; i++) {
        fx_row *f = &x->rows[i];
        int64_t prev = 0;
        int32_t prev_from = 0;
        /* compared with the period before it (rows of this request already written count) */
        int found = store_fx_previous(c, f->currency, f->valid_from, &prev, &prev_from);
        if (found < 0) {
            rc = found;
            break;
        }
        __int128 diff = (__int128)f->vnd_per_unit - prev;
        if (diff < 0)
            diff = -diff;
        if (found == 1 && diff * 100 > (__int128)prev * FX_MAX_MOVE_PCT) {
            char p[64], was[40], now[40], from[11], pct[40];
            decimal_format(prev, DECIMAL_SCALE_FX, was, sizeof was);
            decimal_format(f->vnd_per_unit, DECIMAL_SCALE_FX, now, sizeof now);
            date_format(prev_from, from);
            /* the change in percent with 2 decimals */
            int64_t bp = (int64_t)((__int128)((__int128)f->vnd_per_unit - prev) * 10000 / prev);
            decimal_format(bp, 2, pct, sizeof pct);
            if (!x->confirm) {
                snprintf(p, sizeof p, "/rates/%d/vnd_per_unit", i);
                errs_add(x->e, "rate_jump", p,
                         "%s %s is %s%% from the previous period's %s (from %s): more than %d%% "
                         "needs \"confirm\": true",
                         f->currency, now, pct, was, from, FX_MAX_MOVE_PCT);
                refused = 1;
                continue;
            }
            json_t *d = json_pack("{s:s,s:s,s:s,s:s,s:s}", "currency", f->currency, "previous", was,
                                  "vnd_per_unit", now, "change_pct", pct, "source", f->source);
            char vf[11];
            date_format(f->valid_from, vf);
            json_object_set_new(d, "valid_from", json_string(vf));
            rc = audit_log_append(c, "exchange_rates", x->now, x->req, "fx.confirmed_jump", d);
            json_decref(d);
            if (rc != 0)
                break;
        }
        if ((rc = store_fx_put(c, f)) != 0)
            break;
        char v[32], vf[11], vt[11];
        decimal_format(f->vnd_per_unit, DECIMAL_SCALE_FX, v, sizeof v);
        date_format(f->valid_from, vf);
        date_format(f->valid_to, vt);
        json_array_append_new(all, json_pack("{s:s,s:s,s:s,s:s}", "currency", f->currency,
                                             "vnd_per_unit", v, "valid_from", vf, "valid_to", vt));
    }
    if (rc == 0 && refused)
        rc = 1; /* nothing of it is kept (the savepoint is rolled back) */
    if (rc == 0) {
        /* who changed the customs rates, and to what, in the rates' own chain */
        json_t *o = json_pack("{s:O}", "rates", all);
        rc = audit_log_append(c, "exchange_rates", x->now, x->req, "rates.put", o);
        json_decref(o);
    }
    json_decref(all);
    return rc;
}

svc_reply svc_fx_put(app *a, const svc_req *req, const fx_rates_in *in, int decoded, errs *e)
{
    if (!svc_role_is(req, "admin"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "only an administrator sets exchange rates");
    if (decoded == -1)
        return svc_error(SVC_INVALID, e->items[0].code, e->items[0].message);
    if (decoded != 0)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    if (e->n)
        return svc_errors(e);
    fx_row *rows = calloc((size_t)in->n, sizeof *rows);
    if (!rows)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    for (int i = 0; i < in->n; i++) {
        memcpy(rows[i].currency, in->rates[i].currency, sizeof rows[i].currency);
        rows[i].vnd_per_unit = in->rates[i].vnd_per_unit;
        rows[i].valid_from = in->rates[i].valid_from;
        rows[i].valid_to = in->rates[i].valid_to;
        snprintf(rows[i].source, sizeof rows[i].source, "%s", in->rates[i].source);
    }
    fx_put_ctx x = {req, rows, in->n, in->confirm, e, svc_now()};
    int rc = store_write(a->st, fx_put_job, &x);
    app_fx_invalidate(a);
    free(rows);
    if (rc == 1)
        return svc_errors(e);
    if (rc != 0)
        return svc_error(SVC_ERROR, "storage", "cannot store the rates");
    return svc_fx_list(a, 0);
}
