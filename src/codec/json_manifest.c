/* The e-Manifest decoder (json_manifest.h). */
#include "codec/json_manifest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "core/codes.h"
#include "core/manifest.h"
#include "util/date.h"
#include "util/decimal.h"

void manifest_in_release(manifest_in *m)
{
    for (int i = 0; i < m->n_bl; i++)
        free(m->bl[i].ctr);
    free(m->bl);
    free(m->doc);
    memset(m, 0, sizeof *m);
}

static int alnum_upper(const char *s)
{
    for (; *s; s++)
        if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static void decode_bl(json_t *o, const char *path, mbl *b, int outbound, errs *e)
{
    static const char *const keys[] = {
        "number",      "kind",    "master_number", "shipper",         "consignee",  "notify",
        "description", "hs_code", "packages",      "gross_weight_kg", "containers", NULL};
    char p[128];
    if (!json_is_object(o)) {
        errs_add(e, "type", path, "a bill of lading is an object");
        return;
    }
    json_check_fields(o, keys, path, e);
    const char *num = json_string_member(o, "number", path, sizeof b->number, 1, e);
    if (num) {
        if (!alnum_upper(num)) {
            snprintf(p, sizeof p, "%s/number", path);
            errs_add(e, "format", p,
                     "a bill of lading number is upper-case letters and digits, without symbols");
        }
        snprintf(b->number, sizeof b->number, "%s", num);
    }
    const char *kind = json_string_member(o, "kind", path, 8, 1, e);
    if (kind && strcmp(kind, "master") && strcmp(kind, "house")) {
        snprintf(p, sizeof p, "%s/kind", path);
        errs_add(e, "enum", p, "kind is 'master' or 'house'");
    }
    json_string_member(o, "master_number", path, 36, 0, e);
    const char *shipper = json_string_member(o, "shipper", path, 512, 1, e);
    if (shipper)
        snprintf(b->shipper, sizeof b->shipper, "%s", shipper);
    json_string_member(o, "notify", path, 512, 0, e);
    json_string_member(o, "description", path, 1024, 1, e);
    const char *cons = json_string_member(o, "consignee", path, 512, 1, e);
    /* the Notice 7126 format names a Vietnamese consignee; an outbound one is abroad */
    if (cons && !outbound && !manifest_consignee_valid(cons)) {
        snprintf(p, sizeof p, "%s/consignee", path);
        errs_add(e, "format", p,
                 "consignee is written 'taxcode#name#address' (Notice 7126/TCHQ-GSQL)");
    } else if (cons && !outbound) {
        size_t tl = (size_t)(strchr(cons, '#') - cons);
        snprintf(b->consignee_tax, sizeof b->consignee_tax, "%.*s", (int)tl, cons);
    }
    const char *hs = json_string_member(o, "hs_code", path, 11, 1, e);
    if (hs) {
        size_t n = strlen(hs), i;
        for (i = 0; i < n && isdigit((unsigned char)hs[i]); i++)
            ;
        if (i != n || n < 4 || n > 10) {
            snprintf(p, sizeof p, "%s/hs_code", path);
            errs_add(e, "format", p, "hs_code has at least 4 digits (Notice 7126/TCHQ-GSQL)");
        }
        snprintf(b->hs, sizeof b->hs, "%s", hs);
    }
    json_t *pk = json_object_get(o, "packages");
    snprintf(p, sizeof p, "%s/packages", path);
    if (!pk)
        errs_add(e, "required", p, "'packages' is required");
    else if (!json_is_integer(pk) || json_integer_value(pk) <= 0)
        errs_add(e, "type", p, "'packages' is a positive integer");
    else
        b->packages = json_integer_value(pk);
    json_t *gw = json_object_get(o, "gross_weight_kg");
    snprintf(p, sizeof p, "%s/gross_weight_kg", path);
    if (!gw)
        errs_add(e, "required", p, "'gross_weight_kg' is required");
    else if (json_is_integer(gw) && json_integer_value(gw) > 0 &&
             json_integer_value(gw) < 100000000000LL)
        b->gross_weight = json_integer_value(gw) * 10000;
    else if (!json_is_string(gw) ||
             decimal_parse(json_string_value(gw), DECIMAL_SCALE_QTY, 0, &b->gross_weight) != 0 ||
             b->gross_weight <= 0)
        errs_add(e, "decimal", p, "'gross_weight_kg' is a positive decimal (string) or integer");
    json_t *ct = json_object_get(o, "containers");
    if (ct) {
        snprintf(p, sizeof p, "%s/containers", path);
        if (!json_is_array(ct) || json_array_size(ct) > MAX_CTR_PER_BL) {
            errs_add(e, "type", p, "'containers' is an array of at most %d containers",
                     MAX_CTR_PER_BL);
            return;
        }
        b->ctr = calloc(json_array_size(ct) + 1, sizeof *b->ctr);
        size_t i;
        json_t *c;
        json_array_foreach(ct, i, c)
        {
            static const char *const ckeys[] = {"number", "seal", NULL};
            char cp[160];
            snprintf(cp, sizeof cp, "%s/containers/%zu", path, i);
            if (!json_is_object(c)) {
                errs_add(e, "type", cp, "a container is an object {number, seal}");
                continue;
            }
            json_check_fields(c, ckeys, cp, e);
            const char *n = json_string_member(c, "number", cp, 12, 1, e);
            const char *s = json_string_member(c, "seal", cp, 24, 1, e);
            char np[192];
            snprintf(np, sizeof np, "%s/number", cp);
            if (n && !codes_container_valid(n)) {
                errs_add(
                    e, "container_number", np,
                    "'%s' is not an ISO 6346 container number (owner code, serial, check digit)",
                    n);
                continue;
            }
            for (int j = 0; n && j < b->n_ctr; j++)
                if (strcmp(b->ctr[j].number, n) == 0) {
                    errs_add(e, "duplicate", np, "container %s is listed twice on this bill", n);
                    n = NULL;
                }
            if (n && s && b->ctr) {
                snprintf(b->ctr[b->n_ctr].number, 12, "%s", n);
                snprintf(b->ctr[b->n_ctr].seal, 24, "%s", s);
                b->n_ctr++;
            }
        }
    }
}

static void decode_manifest(json_t *body, manifest_in *m, errs *e)
{
    static const char *const keys[] = {
        "vessel",          "flight", "voyage",          "voyage_days", "port_of_loading",
        "port_of_arrival", "eta",    "bills_of_lading", "direction",   NULL};
    memset(m, 0, sizeof *m);
    if (json_body_begin(body, keys, e) != 0)
        return;
    json_t *vessel = json_object_get(body, "vessel"), *flight = json_object_get(body, "flight");
    if (!!vessel == !!flight)
        errs_add(e, "required", "/vessel", "give either 'vessel' (sea) or 'flight' (air)");
    if (vessel) {
        static const char *const vkeys[] = {"imo", "call_sign", "name", NULL};
        if (!json_is_object(vessel)) {
            errs_add(e, "type", "/vessel", "'vessel' is an object {imo, call_sign, name}");
        } else {
            json_check_fields(vessel, vkeys, "/vessel", e);
            const char *imo = json_string_member(vessel, "imo", "/vessel", 11, 1, e);
            if (imo && !manifest_imo_valid(imo))
                errs_add(e, "imo_number", "/vessel/imo",
                         "'%s' is not an IMO number (7 digits, the last a check digit)", imo);
            json_string_member(vessel, "call_sign", "/vessel", 16, 1, e);
            json_string_member(vessel, "name", "/vessel", 128, 1, e);
        }
    }
    if (flight) {
        m->air = 1;
        json_string_member(body, "flight", "", 16, 1, e);
    }
    json_string_member(body, "voyage", "", 32, 1, e);
    json_t *vd = json_object_get(body, "voyage_days");
    if (vd && (!json_is_integer(vd) || json_integer_value(vd) < 0 || json_integer_value(vd) > 365))
        errs_add(e, "type", "/voyage_days", "'voyage_days' is an integer 0-365");
    else if (vd)
        m->voyage_days = (int)json_integer_value(vd);
    /* inbound (default): the port of arrival is Vietnam's and customs supervises there; outbound:
     * goods leaving Vietnam, supervised at the Vietnamese port of loading */
    const char *dir = json_string_member(body, "direction", "", 12, 0, e);
    int outbound = dir && !strcmp(dir, "outbound");
    if (dir && !outbound && strcmp(dir, "inbound") != 0)
        errs_add(e, "enum", "/direction", "direction is \"inbound\" or \"outbound\"");
    const char *pol = json_string_member(body, "port_of_loading", "", 6, outbound, e);
    if (pol && (!codes_locode_valid(pol) || (outbound && strncmp(pol, "VN", 2) != 0)))
        errs_add(e, "locode", "/port_of_loading",
                 outbound ? "'%s' is not a Vietnamese UN/LOCODE" : "'%s' is not a UN/LOCODE", pol);
    else if (pol)
        snprintf(m->loading_country, sizeof m->loading_country, "%.2s", pol);
    const char *poa = json_string_member(body, "port_of_arrival", "", 6, 1, e);
    if (poa && (!codes_locode_valid(poa) || (!outbound && strncmp(poa, "VN", 2) != 0)))
        errs_add(e, "locode", "/port_of_arrival",
                 outbound ? "'%s' is not a UN/LOCODE" : "'%s' is not a Vietnamese UN/LOCODE", poa);
    else if (poa && !outbound)
        snprintf(m->port, sizeof m->port, "%s", poa);
    if (outbound && pol && codes_locode_valid(pol) && !strncmp(pol, "VN", 2))
        snprintf(m->port, sizeof m->port, "%s", pol);
    const char *eta = json_string_member(body, "eta", "", 32, 1, e);
    if (eta && date_parse_timestamp(eta, &m->eta) != 0)
        errs_add(e, "timestamp", "/eta",
                 "'eta' is a timestamp YYYY-MM-DDTHH:MM:SSZ (or with an offset)");
    json_t *bls = json_object_get(body, "bills_of_lading");
    if (!json_is_array(bls) || json_array_size(bls) == 0 || json_array_size(bls) > MAX_BL) {
        errs_add(e, bls ? "type" : "required", "/bills_of_lading",
                 "'bills_of_lading' is an array of 1-%d bills", MAX_BL);
        return;
    }
    m->bl = calloc(json_array_size(bls), sizeof *m->bl);
    if (!m->bl) {
        errs_add(e, "internal", "", "out of memory");
        return;
    }
    size_t i;
    json_t *b;
    json_array_foreach(bls, i, b)
    {
        char p[64];
        snprintf(p, sizeof p, "/bills_of_lading/%zu", i);
        decode_bl(b, p, &m->bl[m->n_bl], outbound, e);
        for (int j = 0; j < m->n_bl; j++)
            if (m->bl[m->n_bl].number[0] && strcmp(m->bl[j].number, m->bl[m->n_bl].number) == 0) {
                char np[80];
                snprintf(np, sizeof np, "%s/number", p);
                errs_add(e, "duplicate_bill_of_lading", np, "bill of lading %s is listed twice",
                         m->bl[j].number);
            }
        m->n_bl++;
    }
}

void json_manifest_decode(json_t *body, manifest_in *m, errs *e)
{
    int before = e->n;
    decode_manifest(body, m, e);
    if (e->n == before && !(m->doc = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS)))
        errs_add(e, "internal", "", "out of memory");
}
