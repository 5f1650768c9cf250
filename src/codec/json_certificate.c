/* The e-C/O decoder (json_certificate.h). */
#include "codec/json_certificate.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "core/codes.h"
#include "util/decimal.h"

static void copy(char *out, size_t size, const char *s) { snprintf(out, size, "%s", s ? s : ""); }

void json_certificate_decode(json_t *body, cert_in *c, errs *e)
{
    static const char *const top[] = {
        "form",     "number", "issuing_country", "issue_date",    "exporter",
        "importer", "items",  "invoice_number",  "transport_ref", NULL};
    static const char *const itk[] = {"hs6", "quantity", "fob_value", "origin_criterion", NULL};
    memset(c, 0, sizeof *c);
    if (json_body_begin(body, top, e) != 0)
        return;
    const char *form = json_string_field(body, "form", "/form", sizeof c->form, 1, e);
    const char *num = json_string_field(body, "number", "/number", sizeof c->number, 1, e);
    const char *cc = json_string_field(body, "issuing_country", "/issuing_country", 3, 1, e);
    const char *idate = json_string_field(body, "issue_date", "/issue_date", 16, 1, e);
    const char *exp = json_string_field(body, "exporter", "/exporter", sizeof c->exporter, 1, e);
    const char *imp = json_string_field(body, "importer", "/importer", sizeof c->importer, 1, e);
    const char *inv = json_string_field(body, "invoice_number", "/invoice_number",
                                        sizeof c->invoice_number, 0, e);
    const char *tr =
        json_string_field(body, "transport_ref", "/transport_ref", sizeof c->transport_ref, 0, e);
    c->of = form ? origin_form_find(form) : NULL;
    if (form && !c->of)
        errs_add(e, "co_form", "/form",
                 "'%s' is not a form of proof of origin Vietnam accepts "
                 "(GET /api/v1/reference/co-forms lists them)",
                 form);
    c->country_ok = cc && codes_country_valid(cc);
    if (cc && !c->country_ok)
        errs_add(e, "country", "/issuing_country", "'%s' is not an ISO 3166 alpha-2 country code",
                 cc);
    if (idate && date_parse(idate, &c->issue_date) != 0)
        errs_add(e, "date", "/issue_date", "dates are written YYYY-MM-DD");
    if (imp && !json_digits(imp, 10, 10) && !json_digits(imp, 13, 13))
        errs_add(e, "tax_code", "/importer", "the importer's tax code has 10 or 13 digits");
    copy(c->form, sizeof c->form, form);
    copy(c->number, sizeof c->number, num);
    copy(c->issuing_country, sizeof c->issuing_country, cc);
    copy(c->exporter, sizeof c->exporter, exp);
    copy(c->importer, sizeof c->importer, imp);
    copy(c->invoice_number, sizeof c->invoice_number, inv);
    copy(c->transport_ref, sizeof c->transport_ref, tr);
    json_t *items = json_object_get(body, "items"), *it;
    size_t i;
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > CERT_MAX_ITEMS) {
        errs_add(e, "type", "/items", "'items' is an array of 1-%d goods", CERT_MAX_ITEMS);
        return;
    }
    json_array_foreach(items, i, it)
    {
        char p[32], q[96];
        cert_item_in *ci = &c->items[i];
        snprintf(p, sizeof p, "/items/%zu", i);
        if (!json_is_object(it)) {
            errs_add(e, "type", p, "an item is an object");
            continue;
        }
        json_check_fields(it, itk, p, e);
        snprintf(q, sizeof q, "%s/hs6", p);
        const char *hs = json_string_field(it, "hs6", q, 7, 1, e);
        if (hs && !json_digits(hs, 6, 6))
            errs_add(e, "hs_code", q, "'%s' is not a 6-digit HS subheading of the national tariff",
                     hs);
        else if (hs)
            snprintf(ci->hs6, sizeof ci->hs6, "%s", hs);
        snprintf(q, sizeof q, "%s/quantity", p);
        const char *qs = json_string_field(it, "quantity", q, 40, 1, e);
        if (qs &&
            (decimal_parse(qs, DECIMAL_SCALE_QTY, 0, &ci->quantity) != 0 || ci->quantity <= 0))
            errs_add(e, "decimal", q, "'quantity' is a positive decimal string");
        snprintf(q, sizeof q, "%s/fob_value", p);
        const char *fs = json_string_field(it, "fob_value", q, 40, 1, e);
        if (fs &&
            (decimal_parse(fs, DECIMAL_SCALE_AMOUNT, 0, &ci->fob_value) != 0 || ci->fob_value < 0))
            errs_add(e, "decimal", q, "'fob_value' is a non-negative decimal string");
        snprintf(q, sizeof q, "%s/origin_criterion", p);
        const char *oc =
            json_string_field(it, "origin_criterion", q, sizeof ci->origin_criterion, 1, e);
        if (oc && c->of && !origin_criterion_valid(c->of, oc))
            errs_add(e, "origin_criterion", q, "'%s' is not an origin criterion of form %s (%s)",
                     oc, c->of->form, c->of->criteria);
        else if (oc)
            snprintf(ci->origin_criterion, sizeof ci->origin_criterion, "%s", oc);
        c->n = (int)i + 1;
    }
}
