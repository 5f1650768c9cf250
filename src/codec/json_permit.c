/* The e-Permit decoders (json_permit.h). */
#include "codec/json_permit.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "util/decimal.h"

void json_permit_decode(json_t *body, permit_in *p, errs *e)
{
    static const char *const allowed[] = {"number",   "enterprise", "agency", "procedure",
                                          "hs_codes", "quantity",   "unit",   "valid_from",
                                          "valid_to", NULL};
    memset(p, 0, sizeof *p);
    if (json_body_begin(body, allowed, e) != 0)
        return;
    const char *number = json_string_field(body, "number", "/number", sizeof p->number, 1, e);
    const char *ent =
        json_string_field(body, "enterprise", "/enterprise", sizeof p->enterprise, 1, e);
    const char *agency = json_string_field(body, "agency", "/agency", sizeof p->agency, 1, e);
    const char *proc =
        json_string_field(body, "procedure", "/procedure", sizeof p->procedure, 0, e);
    const char *qty = json_string_field(body, "quantity", "/quantity", 40, 1, e);
    const char *unit = json_string_field(body, "unit", "/unit", sizeof p->unit, 1, e);
    const char *vf = json_string_field(body, "valid_from", "/valid_from", 16, 1, e);
    const char *vt = json_string_field(body, "valid_to", "/valid_to", 16, 1, e);
    if (ent && !json_digits(ent, 10, 13))
        errs_add(e, "tax_code", "/enterprise", "a tax code has 10 or 13 digits");
    if (qty && (decimal_parse(qty, DECIMAL_SCALE_QTY, 0, &p->quantity) != 0 || p->quantity <= 0))
        errs_add(e, "decimal", "/quantity", "'quantity' is a positive decimal string");
    if (vf && date_parse(vf, &p->valid_from) != 0)
        errs_add(e, "date", "/valid_from", "dates are written YYYY-MM-DD");
    if (vt && date_parse(vt, &p->valid_to) != 0)
        errs_add(e, "date", "/valid_to", "dates are written YYYY-MM-DD");
    if (p->valid_from && p->valid_to && p->valid_to < p->valid_from)
        errs_add(e, "date_order", "/valid_to", "'valid_to' is before 'valid_from'");
    json_t *hs = json_object_get(body, "hs_codes"), *v;
    size_t i;
    if (!json_is_array(hs) || json_array_size(hs) == 0 || json_array_size(hs) > PERMIT_MAX_HS)
        errs_add(e, "type", "/hs_codes",
                 "'hs_codes' is an array of 1-%d HS codes (4, 6 or 8 digits)", PERMIT_MAX_HS);
    else
        json_array_foreach(hs, i, v)
        {
            const char *s = json_string_value(v);
            char path[32];
            snprintf(path, sizeof path, "/hs_codes/%zu", i);
            if (!s || !json_digits(s, 4, 8) ||
                (strlen(s) != 4 && strlen(s) != 6 && strlen(s) != 8)) {
                errs_add(e, "hs_code", path, "an HS code of 4, 6 or 8 digits");
                continue;
            }
            snprintf(p->hs[p->n_hs++], sizeof p->hs[0], "%s", s);
            size_t l = strlen(p->hs_codes);
            snprintf(p->hs_codes + l, sizeof p->hs_codes - l, "%s%s", l ? "," : "", s);
        }
    snprintf(p->number, sizeof p->number, "%s", number ? number : "");
    snprintf(p->enterprise, sizeof p->enterprise, "%s", ent ? ent : "");
    snprintf(p->agency, sizeof p->agency, "%s", agency ? agency : "");
    snprintf(p->procedure, sizeof p->procedure, "%s", proc ? proc : "");
    p->has_procedure = proc != NULL;
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "");
}

int json_permit_revocation_check(json_t *body, errs *e)
{
    const char *k;
    json_t *v;
    if (body && !json_is_object(body))
        return errs_add(e, "type", "", "the body must be a JSON object");
    json_object_foreach(body, k, v)
    {
        if (strcmp(k, "reason") != 0)
            return errs_add(e, "unknown_field", "", "the only field is 'reason'");
    }
    return 0;
}
