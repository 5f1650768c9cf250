/* The mandate decoder (json_mandate.h). */
#include "codec/json_mandate.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"

void json_mandate_decode(json_t *body, date_ymd today, mandate_in *m, errs *e)
{
    static const char *const fields[] = {"declarant", "valid_from", "valid_to", NULL};
    memset(m, 0, sizeof *m);
    if (!json_is_object(body)) {
        errs_add(e, "type", "", "the body must be a JSON object {declarant, valid_from, valid_to}");
        return;
    }
    json_check_fields(body, fields, "", e);
    const char *d = json_string_field(body, "declarant", "/declarant", sizeof m->declarant, 1, e);
    const char *f = json_string_field(body, "valid_from", "/valid_from", 16, 0, e);
    const char *t = json_string_field(body, "valid_to", "/valid_to", 16, 1, e);
    m->valid_from = today;
    if (f && date_parse(f, &m->valid_from) != 0)
        errs_add(e, "date", "/valid_from", "'valid_from' is a date YYYY-MM-DD");
    if (t && date_parse(t, &m->valid_to) != 0)
        errs_add(e, "date", "/valid_to", "'valid_to' is a date YYYY-MM-DD");
    else if (t && m->valid_to < m->valid_from)
        errs_add(e, "date_order", "/valid_to", "'valid_to' is before 'valid_from'");
    if (d)
        snprintf(m->declarant, sizeof m->declarant, "%s", d);
}
