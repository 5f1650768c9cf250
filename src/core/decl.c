#include "core/decl.h"

#include <stdlib.h>
#include <string.h>

void decl_release(decl *d)
{
    if (!d)
        return;
    free(d->items);
    free(d->transport.containers);
    d->items = NULL;
    d->transport.containers = NULL;
    d->n_items = 0;
    d->transport.n_containers = 0;
}

const decl_party *decl_vn_party(const decl *d)
{
    return d->kind == DECL_EXPORT ? &d->exporter : &d->importer;
}

static const char *const status_names[] = {
    [ST_PROVISIONAL] = "provisional",  [ST_REGISTERED] = "registered",
    [ST_DOC_CHECK] = "document_check", [ST_INSPECTION] = "inspection",
    [ST_CLEARED] = "cleared",          [ST_PASSED] = "passed_supervision",
    [ST_CANCELLED] = "cancelled",      [ST_INVALIDATED] = "invalidated",
    [ST_EXPIRED] = "expired",          [ST_REJECTED] = "rejected",
    [ST_CHECKED] = "checked",
};

const char *decl_status_name(decl_status s)
{
    if ((int)s <= 0 || (size_t)s >= sizeof status_names / sizeof *status_names)
        return "unknown";
    return status_names[s];
}

int decl_status_from_name(const char *name)
{
    for (size_t i = 1; i < sizeof status_names / sizeof *status_names; i++)
        if (status_names[i] && strcmp(status_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *decl_channel_name(decl_channel c)
{
    switch (c) {
    case CH_GREEN: return "green";
    case CH_YELLOW: return "yellow";
    case CH_RED: return "red";
    default: return "none";
    }
}
