/* Spans of JSON text (see json_span.h). */
#include "codec/json_span.h"

#include <stdlib.h>
#include <string.h>

static const char *blanks(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at an opening quote: the byte after the closing one, or NULL. */
static const char *string_end(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\')
            p++; /* the escaped byte (\uXXXX's digits need no care) */
    }
    return NULL;
}

/* The bytes that matter inside brackets; a table lookup per byte instead of five comparisons
 * (a stored tax document is scanned a few times per GET). */
enum { OTHER = 0, QUOTE, OPEN, CLOSE };
static const unsigned char bracket_class[256] = {
    ['"'] = QUOTE, ['{'] = OPEN, ['['] = OPEN, ['}'] = CLOSE, [']'] = CLOSE};

/* p at the first byte of a value: the byte after it, or NULL. Brackets are counted, not
 * matched by kind: a stored document's were matched when it was parsed. */
static const char *value_end(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return string_end(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            switch (bracket_class[(unsigned char)*p]) {
            case QUOTE:
                if (!(p = string_end(p, end)))
                    return NULL;
                continue;
            case OPEN: depth++; break;
            case CLOSE:
                if (--depth == 0)
                    return p + 1;
                break;
            }
            p++;
        }
        return NULL;
    }
    const char *s = p; /* number, true, false, null */
    while (p < end && !strchr(",]} \t\n\r", *p))
        p++;
    return p > s ? p : NULL;
}

int json_span_value(const char *p, const char *end, json_span *out)
{
    p = blanks(p, end);
    const char *e = value_end(p, end);
    if (!e)
        return -1;
    out->p = p;
    out->n = (size_t)(e - p);
    return 0;
}

json_span json_span_text(const char *text)
{
    const char *end = text + strlen(text), *p = blanks(text, end);
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    return (json_span){p, (size_t)(end - p)};
}

/* One member of an object, p at its key: the key with its quotes, the value, and the byte after
 * the blanks that follow it (a ',' or the object's '}'). 0, or -1 when malformed. */
static int next_member(const char *p, const char *end, json_span *key, json_span *value,
                       const char **after)
{
    const char *kend = p < end && *p == '"' ? string_end(p, end) : NULL;
    if (!kend)
        return -1;
    key->p = p;
    key->n = (size_t)(kend - p);
    p = blanks(kend, end);
    if (p >= end || *p != ':')
        return -1;
    p = blanks(p + 1, end);
    const char *vend = value_end(p, end);
    if (!vend)
        return -1;
    value->p = p;
    value->n = (size_t)(vend - p);
    *after = blanks(vend, end);
    return *after < end && (**after == ',' || **after == '}') ? 0 : -1;
}

static int key_is(json_span k, const char *key, size_t klen)
{
    return k.n == klen + 2 && memcmp(k.p + 1, key, klen) == 0;
}

/* p just inside an object's '{': the first member's key, or NULL for an empty object (*empty
 * set) or a malformed one. */
static const char *first_member(json_span obj, int *empty)
{
    const char *end = obj.p + obj.n, *p = obj.p;
    *empty = 0;
    if (p >= end || *p != '{')
        return NULL;
    p = blanks(p + 1, end);
    if (p < end && *p == '}') {
        *empty = 1;
        return NULL;
    }
    return p;
}

int json_span_member(json_span obj, const char *key, json_span *value, json_span *member)
{
    const char *end = obj.p + obj.n, *after;
    const char *prev_comma = NULL; /* the comma before the current member */
    size_t klen = strlen(key);
    int empty;
    const char *p = first_member(obj, &empty);
    if (!p)
        return empty ? 1 : -1;
    for (;;) {
        json_span k, v;
        if (next_member(p, end, &k, &v, &after) != 0)
            return -1;
        if (key_is(k, key, klen)) {
            *value = v;
            if (member) {
                /* drop the member with the comma after it, or (the last one) with the one
                 * before it, so that what is left is still an object */
                const char *from = k.p, *to = v.p + v.n;
                if (*after == ',')
                    to = blanks(after + 1, end);
                else if (prev_comma)
                    from = prev_comma;
                member->p = from;
                member->n = (size_t)(to - from);
            }
            return 0;
        }
        if (*after == '}')
            return 1;
        prev_comma = after;
        p = blanks(after + 1, end);
    }
}

int json_span_members(json_span obj, const char *const *keys, json_span *values)
{
    const char *end = obj.p + obj.n, *after;
    int n = 0, empty;
    while (keys[n])
        values[n++] = (json_span){NULL, 0};
    const char *p = first_member(obj, &empty);
    if (!p)
        return empty ? 0 : -1;
    for (;;) {
        json_span k, v;
        if (next_member(p, end, &k, &v, &after) != 0)
            return -1;
        for (int i = 0; i < n; i++)
            if (!values[i].p && key_is(k, keys[i], strlen(keys[i])))
                values[i] = v;
        if (*after == '}')
            return 0;
        p = blanks(after + 1, end);
    }
}

int json_span_elements(json_span arr, json_span **out)
{
    const char *end = arr.p + arr.n, *p = arr.p;
    json_span *v = NULL;
    int n = 0, cap = 0;
    *out = NULL;
    if (p >= end || *p != '[')
        return -1;
    p = blanks(p + 1, end);
    if (p < end && *p == ']')
        return 0;
    for (;;) {
        const char *vend = value_end(p, end);
        if (!vend)
            goto bad;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            json_span *grown = realloc(v, (size_t)cap * sizeof *v);
            if (!grown)
                goto bad;
            v = grown;
        }
        v[n].p = p;
        v[n].n = (size_t)(vend - p);
        n++;
        p = blanks(vend, end);
        if (p < end && *p == ']') {
            *out = v;
            return n;
        }
        if (p >= end || *p != ',')
            goto bad;
        p = blanks(p + 1, end);
    }
bad:
    free(v);
    return -1;
}
