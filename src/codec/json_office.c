/* The customs office decoder (json_office.h). */
#include "codec/json_office.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"

void json_office_decode(json_t *body, office_in *o, errs *e)
{
    static const char *const fields[] = {"name", "province", "kind", "active", NULL};
    memset(o, 0, sizeof *o);
    json_check_fields(body, fields, "", e);
    const char *name = json_string_field(body, "name", "/name", sizeof o->name, 1, e);
    const char *prov = json_string_field(body, "province", "/province", sizeof o->province, 0, e);
    const char *kind = json_string_field(body, "kind", "/kind", sizeof o->kind, 0, e);
    json_t *active = json_object_get(body, "active");
    if (kind && strcmp(kind, "office") != 0 && strcmp(kind, "team") != 0)
        errs_add(e, "enum", "/kind", "kind is \"office\" or \"team\"");
    if (active && !json_is_boolean(active))
        errs_add(e, "type", "/active", "active is true or false");
    snprintf(o->name, sizeof o->name, "%s", name ? name : "");
    snprintf(o->province, sizeof o->province, "%s", prov ? prov : "");
    snprintf(o->kind, sizeof o->kind, "%s", kind ? kind : "office");
    o->active = active ? json_is_true(active) : 1;
}
