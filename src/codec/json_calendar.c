/* The calendar day decoder (json_calendar.h). */
#include "codec/json_calendar.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"

static int one_of(const char *s, const char *const *values)
{
    for (; *values; values++)
        if (!strcmp(s, *values))
            return 1;
    return 0;
}

void json_calendar_decode(json_t *body, calendar_in *d, errs *e)
{
    static const char *const fields[] = {"kind", "name", "basis", "status", NULL};
    static const char *const kinds[] = {"holiday", "workday", "normal", NULL};
    static const char *const statuses[] = {"official", "statutory", "provisional", NULL};
    memset(d, 0, sizeof *d);
    json_check_fields(body, fields, "", e);
    const char *kind = json_string_field(body, "kind", "/kind", sizeof d->kind, 1, e);
    const char *name = json_string_field(body, "name", "/name", sizeof d->name, 1, e);
    const char *basis = json_string_field(body, "basis", "/basis", sizeof d->basis, 0, e);
    const char *status = json_string_field(body, "status", "/status", sizeof d->status, 0, e);
    if (kind && !one_of(kind, kinds))
        errs_add(e, "enum", "/kind",
                 "kind is \"holiday\" (not worked), \"workday\" (a Saturday or Sunday worked) or "
                 "\"normal\" (the plain week's rule)");
    if (status && !one_of(status, statuses))
        errs_add(e, "enum", "/status", "status is \"official\", \"statutory\" or \"provisional\"");
    snprintf(d->kind, sizeof d->kind, "%s", kind ? kind : "");
    snprintf(d->name, sizeof d->name, "%s", name ? name : "");
    snprintf(d->basis, sizeof d->basis, "%s", basis ? basis : "");
    snprintf(d->status, sizeof d->status, "%s", status ? status : "official");
}
