/* The exchange rates decoder (json_fx.h). */
#include "codec/json_fx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_fields.h"
#include "core/codes.h"
#include "util/decimal.h"

int json_fx_rates_decode(json_t *body, fx_rates_in *x, errs *e)
{
    memset(x, 0, sizeof *x);
    json_t *rates = json_object_get(body, "rates"), *confirm = json_object_get(body, "confirm");
    if (!json_is_object(body) || json_object_size(body) != 1u + (confirm != NULL) ||
        !json_is_array(rates) || json_array_size(rates) == 0 ||
        json_array_size(rates) > FX_MAX_RATES)
        return errs_add(e, "shape", "",
                        "the body is {\"rates\": [{currency, vnd_per_unit, valid_from, valid_to, "
                        "source}, ...], \"confirm\": true?} with 1-512 rates");
    if (confirm && !json_is_boolean(confirm))
        errs_add(e, "type", "/confirm", "confirm is true or false");
    x->confirm = json_is_true(confirm);
    x->rates = calloc(json_array_size(rates), sizeof *x->rates);
    if (!x->rates)
        return -2;
    x->n = (int)json_array_size(rates);
    size_t i;
    json_t *it;
    json_array_foreach(rates, i, it)
    {
        char p[64];
        fx_in *f = &x->rates[i];
        const char *cur = json_string_value(json_object_get(it, "currency"));
        const char *v = json_string_value(json_object_get(it, "vnd_per_unit"));
        const char *from = json_string_value(json_object_get(it, "valid_from"));
        const char *to = json_string_value(json_object_get(it, "valid_to"));
        const char *src = json_string_value(json_object_get(it, "source"));
        snprintf(p, sizeof p, "/rates/%zu", i);
        if (!json_is_object(it)) {
            errs_add(e, "shape", p,
                     "a rate has currency, vnd_per_unit, valid_from, valid_to, source");
            continue;
        }
        static const char *const fields[] = {"currency", "vnd_per_unit", "valid_from",
                                             "valid_to", "source",       NULL};
        json_check_fields(it, fields, p, e);
        if (!cur || !codes_currency_valid(cur))
            errs_add(e, "currency", p, "currency is an ISO 4217 code");
        else
            memcpy(f->currency, cur, 4);
        if (!v || decimal_parse(v, DECIMAL_SCALE_FX, 0, &f->vnd_per_unit) != 0 ||
            f->vnd_per_unit <= 0)
            errs_add(e, "decimal", p, "vnd_per_unit is a positive decimal string");
        if (!from || date_parse(from, &f->valid_from) != 0 || !to ||
            date_parse(to, &f->valid_to) != 0)
            errs_add(e, "date", p, "valid_from and valid_to are dates YYYY-MM-DD");
        else if (f->valid_to < f->valid_from)
            errs_add(e, "date", p, "valid_to is before valid_from");
        snprintf(f->source, sizeof f->source, "%s", src ? src : "customs administration");
    }
    return 0;
}

void json_fx_rates_release(fx_rates_in *x)
{
    free(x->rates);
    x->rates = NULL;
    x->n = 0;
}
