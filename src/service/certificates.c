/* e-C/O use cases (see service/certificates.h). */
#include "service/certificates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_certificate.h"
#include "core/codes.h"
#include "core/origin.h"
#include "core/tax_tables.h"
#include "core/validate.h"
#include "service/kernel.h"
#include "store/store_permits.h"
#include "util/decimal.h"
#include "util/utf8.h"

static json_t *decimal_json(int64_t v, int scale)
{
    char buf[40];
    decimal_format(v, scale, buf, sizeof buf);
    return json_string(buf);
}

static json_t *cert_view(const cert_row *r, const cert_item_row *items, int n)
{
    char d[16];
    date_format(r->issue_date, d);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:s,s:o,s:o,s:o,s:o,s:s}", "hs6", items[i].hs6, "quantity",
                           decimal_json(items[i].quantity, DECIMAL_SCALE_QTY), "used",
                           decimal_json(items[i].used, DECIMAL_SCALE_QTY), "remaining",
                           decimal_json(items[i].quantity - items[i].used, DECIMAL_SCALE_QTY),
                           "fob_value", decimal_json(items[i].fob_value, DECIMAL_SCALE_AMOUNT),
                           "origin_criterion", items[i].origin_criterion));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "number", r->number, "form",
                     r->form, "issuing_country", r->issuing_country, "issue_date", d, "exporter",
                     r->exporter, "importer", r->importer, "invoice_number", r->invoice_number,
                     "transport_ref", r->transport_ref, "lodged_by", r->issuer, "items", arr);
}

/* ---- POST ---------------------------------------------------------------------------------- */

typedef struct cert_ctx {
    const svc_req *req;
    cert_row row;
    cert_item_row items[CERT_MAX_ITEMS];
    int n;
    int64_t now;
    svc_reply reply;
    const char *key;
    int found;
} cert_ctx;

static int create_job(db_conn *c, void *ctx)
{
    cert_ctx *x = ctx;
    if (svc_idem_lookup(c, x->req, &x->reply))
        return 1;
    int rc = store_cert_insert(c, &x->row);
    if (rc == DB_CONSTRAINT) {
        x->reply = svc_error(SVC_CONFLICT, "duplicate", "a certificate with this number exists");
        return 1;
    }
    for (int i = 0; rc == 0 && i < x->n; i++)
        rc = store_cert_item_insert(c, x->row.number, i, &x->items[i]);
    if (rc != 0)
        return rc;
    x->reply.code = SVC_CREATED;
    x->reply.body = cert_view(&x->row, x->items, x->n);
    return svc_idem_save(c, x->req, x->reply.code, x->reply.body, x->now);
}

/* An HS6 subheading exists when a national tariff line starts with it. */
static int hs6_known(app *a, const char *hs6)
{
    uint32_t v = 0;
    for (int i = 0; i < 6; i++)
        v = v * 10 + (uint32_t)(hs6[i] - '0');
    const tariff_line *near[1];
    if (!a->tariff)
        return 1;
    if (tariff_nearest(a->tariff, v * 100, near, 1) < 1)
        return 0;
    return near[0]->hs8 / 100 == v;
}

/* The issuing country is a party of one of the agreements the form serves, on the issue date. For
 * imports into Vietnam the parties listed are the exporting ones (data/tax/fta_parties.tsv), so
 * Vietnam itself never issues a certificate for its own imports. */
static int cert_issuer_ok(app *a, const origin_form *of, const char *cc, date_ymd d)
{
    if (!a->tax)
        return 1;
    for (int i = 0; i < FTA_COUNT; i++) {
        const tax_tables_agreement *ag = tax_tables_agreement_of(a->tax, i);
        if (ag && ag->present && tax_tables_form_accepted(ag, of->form) &&
            tax_tables_find_party(a->tax, i, cc, d))
            return 1;
    }
    return 0;
}

svc_reply svc_cert_create(app *a, const svc_req *req, const cert_in *in, errs *e)
{
    svc_reply r = {0};
    if (!svc_role_is(req, "agency") && !svc_role_is(req, "asw"))
        return svc_error(SVC_FORBIDDEN, "forbidden",
                         "certificates of origin are lodged by an issuing authority (agency) or "
                         "the ASEAN Single Window (asw)");
    if (svc_body_not_object(e))
        return svc_not_object();
    if (svc_idempotent_replay(a, req, &r))
        return r;
    cert_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    x->req = req;
    x->now = svc_now();
    /* the rules that need today, the agreements' parties and the tariff */
    date_ymd today = date_legal(x->now);
    if (in->issue_date && in->issue_date > today)
        errs_add(e, "date_future", "/issue_date",
                 "a certificate cannot be issued after today (Vietnam's date)");
    else if (in->issue_date && in->issue_date < date_add_days(today, -DECL_MAX_DOC_AGE_DAYS))
        errs_add(e, "date_too_old", "/issue_date", "a certificate more than 5 years old");
    const origin_form *of = in->of;
    const char *cc = in->issuing_country;
    if (of && in->country_ok &&
        !cert_issuer_ok(a, of, cc, in->issue_date ? in->issue_date : today)) {
        if (strcmp(cc, "VN") == 0)
            errs_add(e, "co_issuer", "/issuing_country",
                     "form %s for goods imported into Vietnam is issued by "
                     "the exporting party of %s, not by Vietnam",
                     of->form, of->agreement);
        else
            errs_add(e, "co_issuer", "/issuing_country",
                     "%s is not a party of %s (form %s) on the issue date", cc, of->agreement,
                     of->form);
    }
    for (int i = 0; i < in->n; i++) {
        if (in->items[i].hs6[0] && !hs6_known(a, in->items[i].hs6)) {
            char q[48];
            snprintf(q, sizeof q, "/items/%d/hs6", i);
            errs_add(e, "hs_code", q, "'%s' is not a 6-digit HS subheading of the national tariff",
                     in->items[i].hs6);
        }
    }
    if (e->n) {
        free(x);
        return svc_errors(e);
    }
    cert_row *c = &x->row;
    snprintf(c->form, sizeof c->form, "%s", in->form);
    snprintf(c->number, sizeof c->number, "%s", in->number);
    snprintf(c->issuing_country, sizeof c->issuing_country, "%s", in->issuing_country);
    snprintf(c->exporter, sizeof c->exporter, "%s", in->exporter);
    snprintf(c->importer, sizeof c->importer, "%s", in->importer);
    snprintf(c->invoice_number, sizeof c->invoice_number, "%s", in->invoice_number);
    snprintf(c->transport_ref, sizeof c->transport_ref, "%s", in->transport_ref);
    snprintf(c->issuer, sizeof c->issuer, "%s", req->party);
    c->issue_date = in->issue_date;
    c->created_at = x->now;
    x->n = in->n;
    for (int i = 0; i < in->n; i++) {
        cert_item_row *ci = &x->items[i];
        snprintf(ci->hs6, sizeof ci->hs6, "%s", in->items[i].hs6);
        ci->quantity = in->items[i].quantity;
        ci->fob_value = in->items[i].fob_value;
        snprintf(ci->origin_criterion, sizeof ci->origin_criterion, "%s",
                 in->items[i].origin_criterion);
    }
    int rc = store_write(a->st, create_job, x);
    if (rc < 0) {
        json_decref(x->reply.body);
        r = svc_error(SVC_ERROR, "storage", "the database refused the certificate");
    } else {
        r = x->reply;
    }
    free(x);
    return r;
}

/* ---- GET ----------------------------------------------------------------------------------- */

static int get_job(db_conn *c, void *ctx)
{
    cert_ctx *x = ctx;
    x->found = store_cert_get(c, x->key, &x->row);
    if (x->found == 1)
        x->n = store_cert_items(c, x->key, x->items, CERT_MAX_ITEMS);
    return x->found < 0 ? x->found : x->n < 0 ? x->n : 0;
}

svc_reply svc_cert_get(app *a, const svc_req *req, const char *number)
{
    svc_reply r = {0};
    cert_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    x->key = number;
    if (store_read(a->st, get_job, x) != 0)
        r = svc_error(SVC_ERROR, "storage", "cannot read the certificate");
    else if (x->found != 1 || !(svc_is_customs(req) || strcmp(req->party, x->row.importer) == 0 ||
                                strcmp(req->party, x->row.issuer) == 0))
        r = svc_error(SVC_NOT_FOUND, "not_found", "no such certificate of origin");
    else {
        r.code = SVC_OK;
        r.body = cert_view(&x->row, x->items, x->n);
    }
    free(x);
    return r;
}

/* ---- verification at assessment -------------------------------------------------------------- */

typedef struct verify_ctx {
    decl *d;
    date_ymd date;
    const char *own_id; /* re-assessing this declaration: its own use is not counted */
    cert_check *ck;
    cert_row row;
    cert_item_row items[CERT_MAX_ITEMS];
} verify_ctx;

static int verify_job(db_conn *c, void *ctx)
{
    verify_ctx *x = ctx;
    for (int i = 0; i < x->d->n_items; i++) {
        decl_item *it = &x->d->items[i];
        char *why = x->ck->why[i];
        if (!it->co_form[0] || !it->co_number[0])
            continue;
        int rc = store_cert_get(c, it->co_number, &x->row);
        if (rc < 0)
            return rc;
        int n = rc == 1 ? store_cert_items(c, it->co_number, x->items, CERT_MAX_ITEMS) : 0;
        if (n < 0)
            return n;
        if (rc == 0) {
            utf8_snprintf(why, 128, "C/O %s refused: no such certificate on record", it->co_number);
        } else if (strcmp(x->row.importer, decl_vn_party(x->d)->tax_code) != 0) {
            /* a certificate serves the importer it was issued for, never another enterprise,
             * whoever declares */
            utf8_snprintf(why, 128, "C/O %s refused: issued for another importer", it->co_number);
        } else if (strcmp(x->row.form, it->co_form) != 0) {
            utf8_snprintf(why, 128, "C/O %s refused: it is form %s, not %s", it->co_number,
                          x->row.form, it->co_form);
        } else if (strcmp(x->row.issuing_country, it->origin) != 0) {
            utf8_snprintf(why, 128, "C/O %s refused: issued by %s, goods of origin %s",
                          it->co_number, x->row.issuing_country, it->origin);
        } else if (x->date < x->row.issue_date || x->date >= x->row.issue_date + 10000) {
            utf8_snprintf(why, 128, "C/O %s refused: not within 12 months of its issue",
                          it->co_number);
        } else {
            /* an item of the same HS subheading with enough left, counting earlier items of
             * this declaration that claim the same certificate */
            int hs_match = 0, ok = 0;
            for (int k = 0; k < n && !ok; k++) {
                if (strncmp(x->items[k].hs6, it->hs_code, 6) != 0)
                    continue;
                hs_match = 1;
                int64_t pending = 0;
                for (int j = 0; j < i; j++) {
                    const decl_item *o = &x->d->items[j];
                    if (o->co_form[0] && strcmp(o->co_number, it->co_number) == 0 &&
                        strncmp(o->hs_code, it->hs_code, 6) == 0)
                        pending += o->quantity;
                }
                int64_t own = 0;
                if (x->own_id && store_cert_own_usage(c, x->own_id, it->co_number, k, &own) < 0)
                    own = 0;
                ok = x->items[k].quantity - (x->items[k].used - own) - pending >= it->quantity;
            }
            if (!hs_match)
                utf8_snprintf(why, 128, "C/O %s refused: does not cover HS %.6s", it->co_number,
                              it->hs_code);
            else if (!ok)
                utf8_snprintf(why, 128, "C/O %s refused: quantity exceeded", it->co_number);
        }
        if (why[0])
            it->co_form[0] = it->co_number[0] = 0;
    }
    return 0;
}

void cert_verify(app *a, decl *d, date_ymd date, const char *own_id, cert_check *ck)
{
    int claims = 0;
    ck->n = 0;
    ck->why = NULL;
    for (int i = 0; i < d->n_items; i++)
        claims |= d->items[i].co_form[0] != 0;
    if (!claims)
        return;
    ck->why = calloc((size_t)d->n_items, sizeof *ck->why);
    verify_ctx *x = calloc(1, sizeof *x);
    if (!ck->why || !x) {
        free(x);
        return;
    }
    ck->n = d->n_items;
    x->d = d;
    x->date = date;
    x->own_id = own_id;
    x->ck = ck;
    if (store_read(a->st, verify_job, x) != 0) {
        /* cannot verify: no preference */
        for (int i = 0; i < d->n_items; i++)
            if (d->items[i].co_form[0]) {
                snprintf(ck->why[i], 128, "C/O %s refused: the registry could not be read",
                         d->items[i].co_number);
                d->items[i].co_form[0] = d->items[i].co_number[0] = 0;
            }
    }
    free(x);
}

void cert_annotate(cert_check *ck, tax_result *tr)
{
    for (int i = 0; i < ck->n && (size_t)i < tr->n_items; i++) {
        if (!ck->why[i][0])
            continue;
        char *note = tr->items[i].t[TAX_IMPORT_DUTY].note;
        size_t l = strlen(note), cap = sizeof tr->items[i].t[TAX_IMPORT_DUTY].note;
        /* the refusal first: it is the reason the FTA rate is not there */
        char buf[sizeof ck->why[0] + sizeof tr->items[i].t[TAX_IMPORT_DUTY].note + 4];
        snprintf(buf, sizeof buf, "%s%s%s", ck->why[i], l ? "; " : "", note);
        memcpy(note, buf, cap - 1);
        note[cap - 1] = 0;
    }
    free(ck->why);
    ck->why = NULL;
    ck->n = 0;
}

int cert_consume(db_conn *c, const decl *d, const char *decl_id, errs *e)
{
    for (int i = 0; i < d->n_items; i++) {
        const decl_item *it = &d->items[i];
        if (!it->co_form[0] || !it->co_number[0])
            continue;
        char hs6[7];
        utf8_snprintf(hs6, sizeof hs6, "%.6s", it->hs_code);
        int rc = store_cert_draw(c, it->co_number, hs6, it->quantity, decl_id, i);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            char path[64];
            snprintf(path, sizeof path, "/items/%d/certificate_of_origin", i);
            errs_add(e, "co_exhausted", path,
                     "C/O %s: its quantity for HS %s was used by another declaration meanwhile; "
                     "submit again (the MFN rate would apply)",
                     it->co_number, hs6);
        }
    }
    return 0;
}

/* ---- reference: the forms ------------------------------------------------------------------ */

svc_reply svc_cert_forms(app *a)
{
    json_t *arr = json_array();
    date_ymd today = svc_today();
    for (size_t i = 0; i < origin_form_count(); i++) {
        const origin_form *f = origin_form_at(i);
        json_t *parties = json_array(), *crit = json_array();
        char cc[3] = {0};
        /* every ISO country that is a party of an agreement accepting the form, today */
        for (int j = 0; a->tax && j < FTA_COUNT; j++) {
            const tax_tables_agreement *ag = tax_tables_agreement_of(a->tax, j);
            if (!ag || !ag->present || !tax_tables_form_accepted(ag, f->form))
                continue;
            for (cc[0] = 'A'; cc[0] <= 'Z'; cc[0]++)
                for (cc[1] = 'A'; cc[1] <= 'Z'; cc[1]++)
                    if (tax_tables_find_party(a->tax, j, cc, today)) {
                        int seen = 0;
                        size_t k;
                        json_t *v;
                        json_array_foreach(parties, k, v) seen |= !strcmp(json_string_value(v), cc);
                        if (!seen)
                            json_array_append_new(parties, json_string(cc));
                    }
        }
        json_array_append_new(parties,
                              json_string("VN")); /* party to every agreement, issuer of exports */
        for (const char *p = f->criteria; *p;) {
            size_t l = strcspn(p, " ");
            json_array_append_new(crit, json_stringn(p, l));
            p += l;
            while (*p == ' ')
                p++;
        }
        json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:o,s:s}", "form", f->form, "agreement",
                                             f->agreement, "parties", parties, "criteria", crit,
                                             "legal_ref", f->legal_ref));
    }
    svc_reply r = {.code = SVC_OK,
                   .body =
                       json_pack("{s:o,s:s}", "forms", arr, "note",
                                 "a certificate for goods imported into Vietnam is issued by the "
                                 "exporting party; Vietnam issues certificates for its exports")};
    return r;
}
