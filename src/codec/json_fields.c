#include "codec/json_fields.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/date.h"
#include "util/decimal.h"
#include "util/utf8.h"

int json_check_fields(json_t *obj, const char *const *allowed, const char *path, errs *e)
{
    const char *key;
    json_t *v;
    int unknown = 0;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, key) == 0;
        if (!ok) {
            char p[sizeof e->items[0].path];
            utf8_snprintf(p, sizeof p, "%.50s/%.40s", path ? path : "", key);
            errs_add(e, "unknown_field", p, "unknown field '%.60s'", key);
            unknown++;
        }
    }
    return unknown;
}

int json_body_begin(json_t *body, const char *const *allowed, errs *e)
{
    if (!json_is_object(body))
        return errs_add(e, "type", "", "the body must be a JSON object");
    json_check_fields(body, allowed, "", e);
    return 0;
}

const char *json_string_field(json_t *obj, const char *key, const char *path, size_t max,
                              int required, errs *e)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            errs_add(e, "required", path, "'%s' is required", key);
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= max) {
        errs_add(e, "type", path, "'%s' must be a string of 1-%zu characters", key, max - 1);
        return NULL;
    }
    return json_string_value(v);
}

const char *json_string_member(json_t *obj, const char *key, const char *parent_path, size_t max,
                               int required, errs *e)
{
    char p[sizeof e->items[0].path];
    snprintf(p, sizeof p, "%.54s/%.40s", parent_path ? parent_path : "", key); /* fits path[96] */
    return json_string_field(obj, key, p, max, required, e);
}

int json_string_copy(json_t *obj, const char *key, const char *parent_path, char *out, size_t size,
                     errs *e)
{
    const char *s = json_string_member(obj, key, parent_path, size, 1, e);
    out[0] = 0;
    if (!s)
        return -1;
    snprintf(out, size, "%s", s);
    return 0;
}

int json_digits(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (!s || n < min || n > max)
        return 0;
    return strspn(s, "0123456789") == n;
}

json_t *json_timestamp(int64_t t)
{
    char buf[24];
    if (!t)
        return json_null();
    date_format_timestamp((time_t)t, buf);
    return json_string(buf);
}

json_t *json_money(int64_t vnd)
{
    char buf[32];
    decimal_format(vnd, 0, buf, sizeof buf);
    return json_string(buf);
}
