#include "core/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/ban.h"
#include "core/codes.h"
#include "core/origin.h"
#include "core/typecode.h"
#include "util/decimal.h"

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static void check_item(const decl *d, const tariff *t, int i, errs *e)
{
    const decl_item *it = &d->items[i];
    char p[96];
    size_t n = strlen(it->hs_code);

    snprintf(p, sizeof p, "/items/%d/hs_code", i);
    if (it->hs_code[0]) {
        if (!all_digits(it->hs_code) || n != 8) {
            errs_add(e, "hs_format", p, "HS code must have exactly 8 digits (got \"%s\")",
                     it->hs_code);
        } else {
            uint32_t hs8 = 0;
            for (size_t k = 0; k < 8; k++)
                hs8 = hs8 * 10 + (uint32_t)(it->hs_code[k] - '0');
            if (t && !tariff_find(t, hs8)) {
                const tariff_line *near[3];
                size_t m = tariff_nearest(t, hs8, near, 3);
                char sugg[64] = "";
                for (size_t k = 0; k < m; k++) {
                    size_t len = strlen(sugg);
                    snprintf(sugg + len, sizeof sugg - len, "%s%08u", k ? ", " : "",
                             (unsigned)near[k]->hs8);
                }
                errs_add(e, "hs_unknown", p, "HS code %s is not in the national tariff%s%s",
                         it->hs_code, m ? "; nearest: " : "", sugg);
            }
        }
    }
    snprintf(p, sizeof p, "/items/%d/origin", i);
    if (it->origin[0] && !codes_country_valid(it->origin))
        errs_add(e, "country", p, "'%s' is not an ISO 3166 country code", it->origin);
    snprintf(p, sizeof p, "/items/%d/quantity", i);
    if (it->quantity <= 0)
        errs_add(e, "positive", p, "quantity must be greater than zero");
    snprintf(p, sizeof p, "/items/%d/unit_price", i);
    if (it->unit_price < 0)
        errs_add(e, "non_negative", p, "unit price must not be negative");
    snprintf(p, sizeof p, "/items/%d/value", i);
    if (it->value < 0)
        errs_add(e, "non_negative", p, "value must not be negative");
    else if (it->value == 0 && strcmp(d->type_code, "A11") == 0)
        /* A11 is a commercial import for sale: goods free of charge are declared under their own
         * price kind / type code, never as a zero line that would carry no tax */
        errs_add(e, "value_zero", p,
                 "an item of a commercial import (A11) has a value greater than zero");
    if (it->co_form[0] && !origin_form_find(it->co_form)) {
        snprintf(p, sizeof p, "/items/%d/certificate_of_origin/form", i);
        errs_add(e, "co_form", p,
                 "'%s' is not a form of proof of origin Vietnam accepts (D, E, AK, AJ, VJ, "
                 "AANZ, AI, VK, VC, EAV, CPTPP, AHK, EUR.1, REX, RCEP, VI)",
                 it->co_form);
    }
    if (it->quantity > 0 && it->unit_price >= 0 && it->value >= 0) {
        /* VNACCS rule: unit price x quantity = invoice value +/- 1 (currency unit) */
        __int128 computed =
            (__int128)it->unit_price * it->quantity / decimal_pow10(DECIMAL_SCALE_QTY);
        __int128 diff = computed - it->value;
        if (diff < 0)
            diff = -diff;
        if (diff > decimal_pow10(DECIMAL_SCALE_AMOUNT))
            errs_add(e, "value_mismatch", p,
                     "value differs from unit_price x quantity by more than 1 %s",
                     d->invoice.currency);
    }
    snprintf(p, sizeof p, "/items/%d/unit", i);
    for (const char *c = it->unit; *c; c++)
        if (!isalnum((unsigned char)*c)) {
            errs_add(e, "unit", p, "unit must be an alphanumeric code such as KGM, LTR, PCE");
            break;
        }
    snprintf(p, sizeof p, "/items/%d/net_weight_kg", i);
    if (it->net_weight_kg < 0)
        errs_add(e, "non_negative", p, "net weight must not be negative");
    snprintf(p, sizeof p, "/items/%d/alcohol_percent", i);
    if (it->alcohol_pct != -1 && (it->alcohol_pct < 0 || it->alcohol_pct > 10000))
        errs_add(e, "range", p, "alcohol percent must be between 0 and 100");
}

int decl_validate(const decl *d, const tariff *t, errs *e)
{
    int before = e->n;
    char p[96];

    if (d->type_code[0]) {
        const typecode *tc = typecode_find(d->type_code);
        if (!tc)
            errs_add(e, "type_code", "/type_code",
                     "'%s' is not a type code of Decision 1357/QD-TCHQ", d->type_code);
        else if (d->kind && tc->kind != d->kind)
            errs_add(e, "type_code_kind", "/type_code", "type code %s is for %s declarations",
                     tc->code, tc->kind == DECL_IMPORT ? "import" : "export");
    }
    if (d->customs_office[0]) {
        size_t n = strlen(d->customs_office);
        int ok = n >= 2 && n <= 8;
        for (size_t i = 0; i < n; i++)
            ok = ok && (isdigit((unsigned char)d->customs_office[i]) ||
                        isupper((unsigned char)d->customs_office[i]));
        if (!ok)
            errs_add(e, "office", "/customs_office",
                     "customs office is a 2-8 character code such as 02CI");
    }
    if (d->declarant[0] && !codes_tax_code_valid(d->declarant))
        errs_add(e, "tax_code", "/declarant", "declarant must be a 10 or 13 digit tax code");

    const decl_party *vn = decl_vn_party(d);
    const decl_party *foreign = d->kind == DECL_EXPORT ? &d->importer : &d->exporter;
    const char *vn_path = d->kind == DECL_EXPORT ? "/exporter" : "/importer";
    const char *fo_path = d->kind == DECL_EXPORT ? "/importer" : "/exporter";
    snprintf(p, sizeof p, "%s/tax_code", vn_path);
    if (vn->tax_code[0] && !codes_tax_code_valid(vn->tax_code))
        errs_add(e, "tax_code", p, "tax code must have 10 or 13 digits");
    snprintf(p, sizeof p, "%s/country", fo_path);
    if (foreign->country[0] && !codes_country_valid(foreign->country))
        errs_add(e, "country", p, "'%s' is not an ISO 3166 country code", foreign->country);
    snprintf(p, sizeof p, "%s/country", vn_path);
    if (vn->country[0] && strcmp(vn->country, "VN") != 0)
        errs_add(e, "country", p, "the declaring enterprise must be Vietnamese (VN)");

    const decl_transport *tr = &d->transport;
    if (tr->mode && !(tr->mode >= 1 && tr->mode <= 6) && tr->mode != 9)
        errs_add(e, "transport_mode", "/transport/mode",
                 "transport mode must be 1 air, 2 sea container, 3 sea bulk, 4 road, 5 rail, "
                 "6 inland waterway or 9 other");
    if (tr->port_of_loading[0] && !codes_locode_valid(tr->port_of_loading))
        errs_add(e, "locode", "/transport/port_of_loading", "'%s' is not a UN/LOCODE",
                 tr->port_of_loading);
    if (tr->port_of_discharge[0] && !codes_locode_valid(tr->port_of_discharge))
        errs_add(e, "locode", "/transport/port_of_discharge", "'%s' is not a UN/LOCODE",
                 tr->port_of_discharge);
    if (d->kind == DECL_IMPORT && tr->port_of_discharge[0] &&
        strncmp(tr->port_of_discharge, "VN", 2) != 0 && strcmp(tr->port_of_discharge, "ZZZZZ"))
        errs_add(e, "locode", "/transport/port_of_discharge",
                 "goods are imported into Vietnam: the port of discharge must be a VN location");
    if ((tr->mode == 1 || tr->mode == 2 || tr->mode == 3) && d->kind == DECL_IMPORT &&
        tr->n_bl == 0)
        errs_add(e, "required", "/transport/bills_of_lading",
                 "air and sea cargo needs at least one bill of lading / air waybill");
    if (tr->mode == 2 && tr->n_containers == 0)
        errs_add(e, "required", "/transport/containers",
                 "containerised sea cargo (mode 2) needs its container numbers");
    for (int i = 0; i < tr->n_containers; i++) {
        snprintf(p, sizeof p, "/transport/containers/%d", i);
        if (!codes_container_valid(tr->containers[i]))
            errs_add(e, "container", p,
                     "'%s' is not an ISO 6346 container number (owner code, serial, check digit)",
                     tr->containers[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(tr->containers[i], tr->containers[j]) == 0) {
                errs_add(e, "duplicate", p, "container %s is listed twice", tr->containers[i]);
                break;
            }
    }

    if (d->packages_count <= 0)
        errs_add(e, "positive", "/packages/count", "package count must be greater than zero");
    if (d->gross_weight_kg <= 0)
        errs_add(e, "positive", "/gross_weight_kg", "gross weight must be greater than zero");

    const decl_invoice *inv = &d->invoice;
    if (inv->currency[0] && !codes_currency_valid(inv->currency))
        errs_add(e, "currency", "/invoice/currency", "'%s' is not an ISO 4217 currency",
                 inv->currency);
    if (inv->freight_currency[0] && !codes_currency_valid(inv->freight_currency))
        errs_add(e, "currency", "/invoice/freight_currency", "'%s' is not an ISO 4217 currency",
                 inv->freight_currency);
    if (inv->insurance_currency[0] && !codes_currency_valid(inv->insurance_currency))
        errs_add(e, "currency", "/invoice/insurance_currency", "'%s' is not an ISO 4217 currency",
                 inv->insurance_currency);
    if (inv->incoterm[0] && !codes_incoterm_valid(inv->incoterm))
        errs_add(e, "incoterm", "/invoice/incoterm", "'%s' is not an Incoterm accepted by VNACCS",
                 inv->incoterm);
    if (inv->total <= 0)
        errs_add(e, "positive", "/invoice/total", "invoice total must be greater than zero");
    if (inv->freight < 0)
        errs_add(e, "non_negative", "/invoice/freight", "freight must not be negative");
    if (inv->insurance < 0)
        errs_add(e, "non_negative", "/invoice/insurance", "insurance must not be negative");
    if (strcmp(inv->allocation, "value") != 0 && strcmp(inv->allocation, "weight") != 0)
        errs_add(e, "enum", "/invoice/allocation", "allocation must be \"value\" or \"weight\"");
    if (strcmp(inv->allocation, "weight") == 0)
        for (int i = 0; i < d->n_items; i++)
            if (d->items[i].net_weight_kg <= 0) {
                snprintf(p, sizeof p, "/items/%d/net_weight_kg", i);
                errs_add(e, "required", p, "allocation by weight needs every item's net weight");
            }

    int64_t sum = 0;
    for (int i = 0; i < d->n_items; i++) {
        check_item(d, t, i, e);
        if (d->items[i].value > 0)
            sum += d->items[i].value;
    }
    if (d->n_items > 0 && inv->total > 0) {
        int64_t diff = sum - inv->total;
        if (diff < 0)
            diff = -diff;
        if (diff > decimal_pow10(DECIMAL_SCALE_AMOUNT))
            errs_add(e, "total_mismatch", "/invoice/total",
                     "invoice total differs from the sum of item values");
    }
    ban_check(t, d, e); /* bans of the direction, decided by the items' facts */
    return e->n > before ? -1 : 0;
}

int decl_validate_dates(const decl *d, date_ymd today, errs *e)
{
    int before = e->n;
    date_ymd oldest = date_add_days(today, -DECL_MAX_DOC_AGE_DAYS);
    if (d->invoice.date && d->invoice.date > today) {
        char buf[11];
        date_format(today, buf);
        errs_add(e, "date_future", "/invoice/date",
                 "the invoice date is after today (%s in Vietnam)", buf);
    } else if (d->invoice.date && d->invoice.date < oldest)
        errs_add(e, "date_too_old", "/invoice/date",
                 "an invoice more than 5 years old is beyond the period customs records are kept");
    return e->n > before ? -1 : 0;
}
