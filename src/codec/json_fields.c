#include "codec/json_fields.h"

#include <stdio.h>
#include <string.h>

int json_check_fields(json_t *obj, const char *const *allowed, const char *path, errs *e)
{
    const char *key;
    json_t *v;
    int unknown = 0;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok) {
            char p[sizeof e->items[0].path];
            snprintf(p, sizeof p, "%.50s/%.40s", path ? path : "", key);
            errs_add(e, "unknown_field", p, "unknown field '%.60s'", key);
            unknown++;
        }
    }
    return unknown;
}
