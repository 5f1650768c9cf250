/* The credit and refund decoders (json_credit.h). */
#include "codec/json_credit.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "codec/json_payment.h"
#include "util/utf8.h"

const char *const json_credit_apply_keys[] = {"declaration", "amount", NULL};
const char *const json_refund_request_keys[] = {"amount", "reason", NULL};
const char *const json_refund_decision_keys[] = {"approve", "note", NULL};

/* The fields every credit request has: strict keys and `amount`. 0, or -1 when body is not an
 * object (the one error appended). */
static int amount_body(json_t *body, const char *const *fields, int64_t *amount, errs *e)
{
    if (json_body_begin(body, fields, e) != 0)
        return -1;
    json_vnd_amount(json_object_get(body, "amount"), "/amount", e, amount);
    return 0;
}

void json_credit_apply_decode(json_t *body, credit_apply_in *x, errs *e)
{
    memset(x, 0, sizeof *x);
    if (amount_body(body, json_credit_apply_keys, &x->amount, e) != 0)
        return;
    const char *dn = json_string_value(json_object_get(body, "declaration"));
    if (!json_decl_number_ok(dn))
        errs_add(e, "declaration", "/declaration",
                 "'declaration' is a declaration number (11-12 digits)");
    else
        snprintf(x->decl, sizeof x->decl, "%s", dn);
}

void json_refund_request_decode(json_t *body, refund_request_in *x, errs *e)
{
    memset(x, 0, sizeof *x);
    if (amount_body(body, json_refund_request_keys, &x->amount, e) != 0)
        return;
    const char *why = json_string_field(body, "reason", "/reason", sizeof x->reason, 0, e);
    if (why)
        utf8_snprintf(x->reason, sizeof x->reason, "%s", why);
}

void json_refund_decision_decode(json_t *body, refund_decision_in *x, errs *e)
{
    memset(x, 0, sizeof *x);
    if (json_body_begin(body, json_refund_decision_keys, e) != 0)
        return;
    json_t *ap = json_object_get(body, "approve");
    if (!json_is_boolean(ap))
        errs_add(e, ap ? "type" : "required", "/approve",
                 "'approve' is true (refund) or false (reject)");
    x->approve = json_is_true(ap);
    const char *note = json_string_field(body, "note", "/note", sizeof x->note, 0, e);
    if (note)
        utf8_snprintf(x->note, sizeof x->note, "%s", note);
}
