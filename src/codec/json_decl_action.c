/* The decoders of a lodged declaration's steps (json_decl_action.h). */
#include "codec/json_decl_action.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "util/decimal.h"

void json_decl_cancel_decode(json_t *body, decl_cancel_in *c, errs *e)
{
    static const char *const fields[] = {"reason_code", "reason", NULL};
    memset(c, 0, sizeof *c);
    c->reason_code = json_string_value(json_object_get(body, "reason_code"));
    c->reason = json_string_value(json_object_get(body, "reason"));
    json_check_fields(body, fields, "", e);
    if (!c->reason_code)
        errs_add(e, "required", "/reason_code", "'reason_code' is required (H01..H08)");
}

void json_decl_extension_decode(json_t *body, decl_extension_in *x, errs *e)
{
    static const char *const fields[] = {"working_hours", "reason", NULL};
    memset(x, 0, sizeof *x);
    json_check_fields(body, fields, "", e);
    json_t *h = json_object_get(body, "working_hours");
    if (!h)
        errs_add(e, "required", "/working_hours", "'working_hours' is required");
    else if (!json_is_integer(h) || json_integer_value(h) < 1 ||
             json_integer_value(h) > DECL_EXTENSION_MAX_HOURS)
        errs_add(e, "range", "/working_hours",
                 "'working_hours' is a whole number of working hours, 1 to %d (two working days)",
                 DECL_EXTENSION_MAX_HOURS);
    else
        x->working_hours = (int)json_integer_value(h);
    json_string_copy(body, "reason", "", x->reason, sizeof x->reason, e);
}

/* One corrected field: a string of 1..size-1 characters, copied; an error otherwise. */
static int correction(json_t *it, const char *key, const char *path, char *out, size_t size,
                      errs *e)
{
    const char *v = json_string_member(it, key, path, size, 0, e);
    if (v)
        snprintf(out, size, "%s", v);
    return v != NULL;
}

static void reassessment_decode(json_t *re, decl_decision_in *x, errs *e)
{
    static const char *const fields[] = {"line",       "hs_code", "origin", "quantity",
                                         "unit_price", "value",   NULL};
    size_t n = json_array_size(re);
    if (!json_is_array(re) || n == 0 || n > DECL_REASSESS_MAX) {
        errs_add(e, "type", "/reassessment", "'reassessment' is a list of 1 to %d corrected items",
                 DECL_REASSESS_MAX);
        return;
    }
    if (!(x->reassess = calloc(n, sizeof *x->reassess))) {
        errs_add(e, "internal", "", "out of memory");
        return;
    }
    x->n_reassess = (int)n;
    for (size_t i = 0; i < n; i++) {
        char path[48];
        json_t *it = json_array_get(re, i);
        decl_reassess_in *r = &x->reassess[i];
        snprintf(path, sizeof path, "/reassessment/%zu", i);
        if (!json_is_object(it)) {
            errs_add(e, "type", path, "a corrected item is an object");
            continue;
        }
        json_check_fields(it, fields, path, e);
        json_t *line = json_object_get(it, "line");
        if (!json_is_integer(line) || json_integer_value(line) < 1 ||
            json_integer_value(line) > 999)
            errs_add(e, "required", path, "'line' (the item's line, 1..999) is required");
        else
            r->line = (int)json_integer_value(line);
        int changed = correction(it, "hs_code", path, r->hs_code, sizeof r->hs_code, e);
        changed += correction(it, "origin", path, r->origin, sizeof r->origin, e);
        changed += correction(it, "quantity", path, r->quantity, sizeof r->quantity, e);
        changed += correction(it, "unit_price", path, r->unit_price, sizeof r->unit_price, e);
        changed += correction(it, "value", path, r->value, sizeof r->value, e);
        if (!changed)
            errs_add(e, "required", path,
                     "a corrected item changes at least one of hs_code, origin, quantity, "
                     "unit_price, value");
    }
}

void json_decl_decision_release(decl_decision_in *d)
{
    free(d->reassess);
    d->reassess = NULL;
    d->n_reassess = 0;
}

void json_decl_decision_decode(json_t *body, decl_decision_in *x, errs *e)
{
    static const char *const allowed[] = {"decision",       "passed",       "violation", "findings",
                                          "additional_tax", "reassessment", "note",      NULL};
    memset(x, 0, sizeof *x);
    x->act = ACT_COUNT;
    const char *d = json_string_value(json_object_get(body, "decision"));
    x->decision = d;
    if (d && (!strcmp(d, "release_for_storage") || !strcmp(d, "inspection_failure"))) {
        x->kind = DECISION_INSPECTION;
        json_insp_decision_decode(body, !strcmp(d, "release_for_storage"), &x->insp, e);
        return;
    }
    json_check_fields(body, allowed, "", e);
    json_t *passed = json_object_get(body, "passed"),
           *violation = json_object_get(body, "violation");
    x->has_passed = json_is_boolean(passed);
    x->passed = json_is_true(passed);
    x->has_violation = json_is_boolean(violation);
    x->violation = json_is_true(violation);
    x->findings = json_string_value(json_object_get(body, "findings"));
    x->note = json_string_value(json_object_get(body, "note"));
    const char *findings = x->findings;
    if (!d)
        errs_add(e, "required", "/decision", "'decision' is required");
    else if (!strcmp(d, "start_document_check"))
        x->act = ACT_START_DOC_CHECK;
    else if (!strcmp(d, "document_check")) {
        if (!x->has_passed)
            errs_add(e, "required", "/passed",
                     "'passed' (true/false) is required for a document check");
        else
            x->act = x->passed ? ACT_DOC_PASSED : ACT_DOC_FAILED;
    } else if (!strcmp(d, "inspection")) {
        x->act = ACT_INSPECTION_DONE;
        if (!x->has_violation)
            errs_add(e, "required", "/violation",
                     "'violation' (true/false) is required for an inspection result");
        json_t *at = json_object_get(body, "additional_tax");
        if (at && (!json_is_string(at) ||
                   decimal_parse(json_string_value(at), 0, 0, &x->additional_tax) != 0 ||
                   x->additional_tax < 0))
            errs_add(e, "decimal", "/additional_tax",
                     "'additional_tax' is a non-negative VND amount as a string");
        if (x->violation && (!findings || !*findings))
            errs_add(e, "required", "/findings", "a violation needs its findings");
        json_t *re = json_object_get(body, "reassessment");
        if (re && at)
            errs_add(e, "one_of", "/reassessment",
                     "either 'reassessment' (the taxes computed again from the corrected items) "
                     "or 'additional_tax' (an amount), not both");
        else if (re)
            reassessment_decode(re, x, e);
    } else if (!strcmp(d, "clear"))
        x->act = ACT_CLEAR;
    else if (!strcmp(d, "reject")) {
        x->act = ACT_REJECT;
        if (!findings || !*findings)
            errs_add(e, "required", "/findings", "a rejection needs its findings");
    } else if (!strcmp(d, "pass_supervision"))
        x->act = ACT_PASS_SUPERVISION;
    else
        errs_add(
            e, "enum", "/decision",
            "decision must be start_document_check, document_check, inspection, clear, reject, "
            "pass_supervision, release_for_storage or inspection_failure");
    if (x->act != ACT_COUNT)
        x->kind = DECISION_LIFECYCLE;
}

void json_amend_review_decode(json_t *body, amend_review_in *r, errs *e)
{
    static const char *const fields[] = {"accept", "note", NULL};
    memset(r, 0, sizeof *r);
    json_check_fields(body, fields, "", e);
    json_t *acc = json_object_get(body, "accept");
    if (!json_is_boolean(acc))
        errs_add(e, acc ? "type" : "required", "/accept", "'accept' is true or false");
    r->accept = !json_is_false(acc);
    r->note = json_string_field(body, "note", "/note", 512, 0, e);
    if (json_is_false(acc) && (!r->note || !*r->note))
        errs_add(e, "required", "/note", "a rejected amendment needs the reason in 'note'");
}
