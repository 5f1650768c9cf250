/* The guarantee decoder (json_guarantee.h). */
#include "codec/json_guarantee.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"

void json_guarantee_decode(json_t *body, guarantee_in *g, errs *e)
{
    static const char *const top[] = {"guarantee_id", "type",         "enterprise", "amount",
                                      "valid_until",  "declarations", NULL};
    memset(g, 0, sizeof *g);
    if (json_body_begin(body, top, e) != 0)
        return;
    json_string_copy(body, "guarantee_id", "", g->id, sizeof g->id, e);
    if (json_string_copy(body, "type", "", g->type, sizeof g->type, e) == 0 &&
        strcmp(g->type, "separate") && strcmp(g->type, "joint"))
        errs_add(e, "enum", "/type", "'type' is separate (one declaration) or joint (several)");
    json_string_copy(body, "enterprise", "", g->enterprise, sizeof g->enterprise, e);
    char vu[16];
    if (json_string_copy(body, "valid_until", "", vu, sizeof vu, e) == 0 &&
        date_parse(vu, &g->valid_until) != 0)
        errs_add(e, "date", "/valid_until", "'valid_until' is a date YYYY-MM-DD");
    json_vnd_amount(json_object_get(body, "amount"), "/amount", e, &g->amount);
    json_t *ds = json_object_get(body, "declarations");
    size_t nd = json_array_size(ds);
    if (!json_is_array(ds) || nd == 0 || nd > MAX_LINES)
        errs_add(e, "declarations", "/declarations", "'declarations' is an array of 1-%d numbers",
                 MAX_LINES);
    else if (!strcmp(g->type, "separate") && nd != 1)
        errs_add(
            e, "separate_one_declaration", "/declarations",
            "a separate guarantee covers exactly one declaration (use a joint one for several)");
    else {
        g->n = (int)nd;
        for (size_t i = 0; i < nd; i++) {
            const char *dn = json_string_value(json_array_get(ds, i));
            if (!json_decl_number_ok(dn)) {
                char p[48];
                snprintf(p, sizeof p, "/declarations/%zu", i);
                errs_add(e, "declaration", p, "a declaration number has 11-12 digits");
            } else {
                snprintf(g->lines[i].decl, sizeof g->lines[i].decl, "%s", dn);
            }
        }
    }
}
