#include "service/views.h"

#include <string.h>

#include "service/kernel.h"

/* keys that carry selectivity internals, wherever they appear */
static const char *const internal_keys[] = {"rule_id",    "rule",  "rule_name",   "model",
                                            "risk_model", "score", "explanation", "features",
                                            "text",       NULL};

static int is_internal(const char *k)
{
    for (int i = 0; internal_keys[i]; i++)
        if (strcmp(k, internal_keys[i]) == 0)
            return 1;
    return 0;
}

static void filter(const svc_req *req, json_t *v, int in_reasons, int bank)
{
    if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it) filter(req, it, in_reasons, bank);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *k;
    json_t *val;
    void *tmp;
    json_object_foreach_safe(v, tmp, k, val)
    {
        /* a reason keeps its code; "text" elsewhere (a hold, a note) is the customs' message */
        if ((in_reasons && strcmp(k, "code") != 0) || (strcmp(k, "text") != 0 && is_internal(k))) {
            json_object_del(v, k);
            continue;
        }
        if (bank && strcmp(k, "bank_transaction_id") == 0) {
            const char *b = json_string_value(json_object_get(v, "bank"));
            if (!b || strcmp(b, req->party) != 0) {
                json_object_del(v, k);
                continue;
            }
        }
        filter(req, val, strcmp(k, "reasons") == 0, bank);
    }
}

void svc_view_filter(const svc_req *req, json_t *v)
{
    if (!v || svc_is_customs(req))
        return;
    filter(req, v, 0, svc_role_is(req, "bank"));
}
