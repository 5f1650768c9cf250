/* The decoders of a lodged declaration's steps (json_decl_action.h). */
#include "codec/json_decl_action.h"

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

void json_decl_decision_decode(json_t *body, decl_decision_in *x, errs *e)
{
    static const char *const allowed[] = {"decision",       "passed", "violation", "findings",
                                          "additional_tax", "note",   NULL};
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
