/* The risk management decoders (json_risk.h). */
#include "codec/json_risk.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "util/decimal.h"

static void rule_str(json_t *body, const char *key, char *dst, size_t size, errs *e)
{
    json_t *v = json_object_get(body, key);
    char p[48];
    snprintf(p, sizeof p, "/%s", key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_string(v) || json_string_length(v) >= size)
        errs_add(e, "type", p, "'%s' must be a string of at most %zu characters", key, size - 1);
    else
        snprintf(dst, size, "%s", json_string_value(v));
}

static void rule_money(json_t *body, const char *key, int64_t *dst, errs *e)
{
    json_t *v = json_object_get(body, key);
    char p[48];
    snprintf(p, sizeof p, "/%s", key);
    if (!v || json_is_null(v))
        return;
    if (json_is_integer(v))
        *dst = json_integer_value(v);
    else if (!json_is_string(v) || decimal_parse(json_string_value(v), 0, 0, dst) != 0)
        errs_add(e, "decimal", p, "'%s' is a VND amount", key);
}

static void rule_date(json_t *body, const char *key, date_ymd *dst, errs *e)
{
    json_t *v = json_object_get(body, key);
    char p[48];
    snprintf(p, sizeof p, "/%s", key);
    if (!v || json_is_null(v))
        return;
    if (!json_is_string(v) || date_parse(json_string_value(v), dst) != 0)
        errs_add(e, "date", p, "'%s' is a date YYYY-MM-DD", key);
}

void json_risk_rule_decode(json_t *body, int64_t id, risk_rule *rr, errs *e)
{
    static const char *const keys[] = {"name",
                                       "hs_prefix",
                                       "origin",
                                       "importer",
                                       "declarant",
                                       "type_code",
                                       "customs_office",
                                       "min_value_vnd",
                                       "max_unit_value_vnd",
                                       "valid_from",
                                       "valid_to",
                                       "action",
                                       "priority",
                                       "active",
                                       "id",
                                       "shipper",
                                       "duplicate_document",
                                       NULL};
    memset(rr, 0, sizeof *rr);
    json_check_fields(body, keys, "", e);
    rr->id = id;
    rr->active = 1;
    rule_str(body, "name", rr->name, sizeof rr->name, e);
    if (!rr->name[0])
        errs_add(e, "required", "/name", "a rule needs a name");
    rule_str(body, "hs_prefix", rr->hs_prefix, sizeof rr->hs_prefix, e);
    rule_str(body, "origin", rr->origin, sizeof rr->origin, e);
    rule_str(body, "importer", rr->importer, sizeof rr->importer, e);
    rule_str(body, "declarant", rr->declarant, sizeof rr->declarant, e);
    rule_str(body, "type_code", rr->type_code, sizeof rr->type_code, e);
    rule_str(body, "customs_office", rr->office, sizeof rr->office, e);
    rule_str(body, "shipper", rr->shipper, sizeof rr->shipper, e);
    rule_money(body, "min_value_vnd", &rr->min_value_vnd, e);
    rule_money(body, "max_unit_value_vnd", &rr->max_unit_value_vnd, e);
    rule_date(body, "valid_from", &rr->valid_from, e);
    rule_date(body, "valid_to", &rr->valid_to, e);
    json_t *dup = json_object_get(body, "duplicate_document");
    if (dup && !json_is_boolean(dup))
        errs_add(e, "type", "/duplicate_document", "duplicate_document is true or false");
    rr->duplicate_document = json_is_true(dup);
    const char *act = json_string_value(json_object_get(body, "action"));
    if (act && !strcmp(act, "yellow"))
        rr->action = CH_YELLOW;
    else if (act && !strcmp(act, "red"))
        rr->action = CH_RED;
    else
        errs_add(e, "enum", "/action", "action must be \"yellow\" or \"red\"");
    json_t *pr = json_object_get(body, "priority");
    if (pr && !json_is_integer(pr))
        errs_add(e, "type", "/priority", "priority is an integer");
    else if (pr)
        rr->priority = (int)json_integer_value(pr);
    json_t *ac = json_object_get(body, "active");
    if (ac && !json_is_boolean(ac))
        errs_add(e, "type", "/active", "active is true or false");
    else if (ac)
        rr->active = json_is_true(ac);
}

void json_risk_percents_decode(json_t *body, const char *const *names, int n, int64_t *ppm, errs *e)
{
    const char *fields[16 + 1];
    if (n > 16)
        n = 16;
    for (int i = 0; i < n; i++)
        fields[i] = names[i];
    fields[n] = NULL;
    json_check_fields(body, fields, "", e);
    for (int i = 0; i < n; i++) {
        char path[40];
        snprintf(path, sizeof path, "/%s", names[i]);
        json_t *v = json_object_get(body, names[i]);
        ppm[i] = -1;
        if (!v) {
            if (i < 2) /* the two sampling shares are always given */
                errs_add(e, "required", path, "'%s' is required", names[i]);
            continue;
        }
        if (!json_is_string(v) || decimal_parse(json_string_value(v), 4, 0, &ppm[i]) != 0 ||
            ppm[i] < 0 || ppm[i] > 1000000) {
            errs_add(e, "range", path, "a percent between 0 and 100 as a string");
            ppm[i] = -1;
        }
    }
}
