/* The e-Payment decoders (json_payment.h). */
#include "codec/json_payment.h"

#include <stdio.h>
#include <string.h>

#include "codec/json_fields.h"
#include "util/decimal.h"

int json_vnd_amount(json_t *v, const char *path, errs *e, int64_t *out)
{
    int64_t x = 0;
    if (!(json_is_integer(v)
              ? (x = json_integer_value(v), 1)
              : json_is_string(v) && decimal_parse(json_string_value(v), 0, 0, &x) == 0))
        return errs_add(e, "decimal", path, "'amount' is a whole VND amount (string or integer)");
    if (x <= 0)
        return errs_add(e, "amount_not_positive", path, "'amount' must be greater than 0");
    if (x > (int64_t)1e15)
        return errs_add(e, "amount_too_large", path, "'amount' exceeds VND 10^15");
    *out = x;
    return 0;
}

int json_decl_number_ok(const char *dn)
{
    return dn && strlen(dn) >= 11 && strlen(dn) <= 12 && strspn(dn, "0123456789") == strlen(dn);
}

void json_payment_decode(json_t *body, payment_in *x, errs *e)
{
    static const char *const top[] = {"bank_transaction_id", "payer", "paid_at", "lines", NULL};
    static const char *const line_fields[] = {"declaration", "amount", NULL};
    memset(x, 0, sizeof *x);
    if (json_body_begin(body, top, e) != 0)
        return;
    json_string_copy(body, "bank_transaction_id", "", x->txn, sizeof x->txn, e);
    json_string_copy(body, "payer", "", x->payer, sizeof x->payer, e);
    if (json_string_copy(body, "paid_at", "", x->paid_at, sizeof x->paid_at, e) == 0) {
        char d[11] = {0};
        date_ymd day;
        int64_t at = 0;
        memcpy(d, x->paid_at, 10);
        if (strlen(x->paid_at) < 10 || date_parse(d, &day) != 0 ||
            (strlen(x->paid_at) > 10 && date_parse_timestamp(x->paid_at, &at) != 0))
            errs_add(e, "timestamp", "/paid_at",
                     "'paid_at' is a date or timestamp (YYYY-MM-DD[THH:MM:SSZ])");
        else {
            /* the payment's legal date is Vietnam's: 20:00Z is already the next day in Hanoi */
            x->paid_has_time = strlen(x->paid_at) > 10;
            x->paid_instant = at;
            x->paid_date = x->paid_has_time ? date_legal(at) : day;
        }
    }
    json_t *lines = json_object_get(body, "lines");
    if (!json_is_array(lines) || json_array_size(lines) == 0 ||
        json_array_size(lines) > MAX_LINES) {
        errs_add(e, "lines", "/lines", "'lines' is an array of 1-%d payment lines", MAX_LINES);
        return;
    }
    size_t i;
    json_t *l;
    x->n = (int)json_array_size(lines);
    json_array_foreach(lines, i, l)
    {
        char p[48];
        snprintf(p, sizeof p, "/lines/%zu", i);
        if (!json_is_object(l)) {
            errs_add(e, "type", p, "a payment line is an object");
            continue;
        }
        json_check_fields(l, line_fields, p, e);
        const char *dn = json_string_value(json_object_get(l, "declaration"));
        snprintf(p, sizeof p, "/lines/%zu/declaration", i);
        if (!json_decl_number_ok(dn))
            errs_add(e, "declaration", p, "'declaration' is a declaration number (11-12 digits)");
        else
            snprintf(x->lines[i].decl, sizeof x->lines[i].decl, "%s", dn);
        snprintf(p, sizeof p, "/lines/%zu/amount", i);
        if (json_vnd_amount(json_object_get(l, "amount"), p, e, &x->lines[i].amount) == 0)
            x->total += x->lines[i].amount;
    }
}
