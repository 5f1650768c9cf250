/* The post-clearance audit decoders (json_audit_case.h). */
#include "codec/json_audit_case.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "codec/json_payment.h"
#include "util/decimal.h"

void json_audit_case_decode(json_t *body, audit_case_in *x, errs *e)
{
    static const char *const fields[] = {"declaration", "reason", NULL};
    memset(x, 0, sizeof *x);
    if (json_body_begin(body, fields, e) != 0)
        return;
    const char *n =
        json_string_field(body, "declaration", "/declaration", sizeof x->declaration, 1, e);
    const char *why = json_string_field(body, "reason", "/reason", sizeof x->reason, 1, e);
    if (n && !json_decl_number_ok(n))
        errs_add(e, "declaration", "/declaration", "a declaration number (11-12 digits)");
    snprintf(x->declaration, sizeof x->declaration, "%s", n ? n : "");
    snprintf(x->reason, sizeof x->reason, "%s", why ? why : "");
}

void json_audit_findings_decode(json_t *body, audit_findings_in *x, errs *e)
{
    static const char *const fields[] = {"violation", "findings", "additional_tax", NULL};
    memset(x, 0, sizeof *x);
    if (json_body_begin(body, fields, e) != 0)
        return;
    json_t *v = json_object_get(body, "violation"), *at = json_object_get(body, "additional_tax");
    if (!json_is_boolean(v))
        errs_add(e, v ? "type" : "required", "/violation", "'violation' is true or false");
    x->violation = json_is_true(v);
    x->findings = json_string_field(body, "findings", "/findings", 4000, 1, e);
    if (at && (!json_is_string(at) ||
               decimal_parse(json_string_value(at), 0, 0, &x->additional_tax) != 0 ||
               x->additional_tax < 0))
        errs_add(e, "decimal", "/additional_tax",
                 "'additional_tax' is a non-negative VND amount as a string");
    if (x->violation && !at)
        errs_add(e, "required", "/additional_tax",
                 "a violation states the additional tax (\"0\" when none)");
}
