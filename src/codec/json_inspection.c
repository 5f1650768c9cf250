/* The specialised-inspection decoders (json_inspection.h). */
#include "codec/json_inspection.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"

void json_insp_result_decode(json_t *body, int declarant, insp_result_in *r, errs *e)
{
    static const char *const agency_fields[] = {"procedure", "items", "result", "certificate",
                                                "date",      "note",  NULL};
    static const char *const declarant_fields[] = {"reference", "items", "note", NULL};
    memset(r, 0, sizeof *r);
    json_check_fields(body, declarant ? declarant_fields : agency_fields, "", e);
    json_t *items = json_object_get(body, "items");
    size_t i;
    json_t *v;
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > INSP_MAX_LINES)
        errs_add(e, "type", "/items", "'items' lists 1-%d item lines (1 = the first item)",
                 INSP_MAX_LINES);
    else
        json_array_foreach(items, i, v)
        {
            json_int_t line = json_is_integer(v) ? json_integer_value(v) : 0;
            r->lines[r->n_lines++] = line >= 1 && line <= INT_MAX ? (int)line : 0;
        }
    const char *note = json_string_value(json_object_get(body, "note"));
    if (json_object_get(body, "note") && (!note || strlen(note) >= sizeof r->note))
        errs_add(e, "type", "/note", "'note' is a string of at most %zu characters",
                 sizeof r->note - 1);
    else if (note)
        snprintf(r->note, sizeof r->note, "%s", note);
    struct {
        const char *key;
        char *dst;
        size_t size;
    } strs[] = {{"procedure", r->legal_ref, sizeof r->legal_ref},
                {"certificate", r->certificate, sizeof r->certificate},
                {"reference", r->reference, sizeof r->reference}};
    for (size_t k = 0; k < sizeof strs / sizeof *strs; k++) {
        if (declarant != (strcmp(strs[k].key, "reference") == 0))
            continue;
        char path[24];
        snprintf(path, sizeof path, "/%s", strs[k].key);
        json_t *s = json_object_get(body, strs[k].key);
        if (!s || (json_is_string(s) && json_string_length(s) == 0))
            errs_add(e, "required", path, "'%s' is required", strs[k].key);
        else if (!json_is_string(s) || json_string_length(s) >= strs[k].size)
            errs_add(e, "type", path, "'%s' is a string of at most %zu characters", strs[k].key,
                     strs[k].size - 1);
        else
            snprintf(strs[k].dst, strs[k].size, "%s", json_string_value(s));
    }
    if (declarant)
        return;
    const char *res = json_string_value(json_object_get(body, "result"));
    if (!res || (strcmp(res, "pass") != 0 && strcmp(res, "fail") != 0))
        errs_add(e, "enum", "/result", "'result' is pass or fail");
    else
        snprintf(r->result, sizeof r->result, "%s", res);
    const char *ds = json_string_value(json_object_get(body, "date"));
    if (!ds || date_parse(ds, &r->issued) != 0)
        errs_add(e, "date", "/date", "'date' (the result's date) is written YYYY-MM-DD");
}

void json_insp_decision_decode(json_t *body, int release, insp_decision_in *d, errs *e)
{
    static const char *const release_fields[] = {"decision", "storage_address", "note", NULL};
    static const char *const failure_fields[] = {"decision", "measure", "note", NULL};
    memset(d, 0, sizeof *d);
    json_check_fields(body, release ? release_fields : failure_fields, "", e);
    const char *note = json_string_value(json_object_get(body, "note"));
    if (note)
        snprintf(d->note, sizeof d->note, "%s", note);
    if (release) {
        const char *addr =
            json_string_field(body, "storage_address", "/storage_address", sizeof d->address, 1, e);
        if (addr)
            snprintf(d->address, sizeof d->address, "%s", addr);
    } else {
        const char *m = json_string_value(json_object_get(body, "measure"));
        if (!m)
            errs_add(e, "required", "/measure", "'measure' (re_export or destruction) is required");
        else if (strcmp(m, "re_export") != 0 && strcmp(m, "destruction") != 0)
            errs_add(e, "enum", "/measure", "'measure' is re_export or destruction");
        else
            snprintf(d->measure, sizeof d->measure, "%s", m);
    }
}
