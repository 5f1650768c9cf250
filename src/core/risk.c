#include "core/risk.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/decimal.h"

int risk_rule_valid(const risk_rule *r, char *why, size_t why_size)
{
    size_t n = strlen(r->hs_prefix);
    if (r->action != CH_YELLOW && r->action != CH_RED) {
        snprintf(why, why_size, "action must be yellow or red");
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (r->hs_prefix[i] < '0' || r->hs_prefix[i] > '9') {
            snprintf(why, why_size, "hs_prefix must be digits");
            return 0;
        }
    if (n == 1) {
        snprintf(why, why_size, "hs_prefix must have 2 to 8 digits");
        return 0;
    }
    if (r->valid_from && r->valid_to && r->valid_to < r->valid_from) {
        snprintf(why, why_size, "valid_to is before valid_from");
        return 0;
    }
    if (r->min_value_vnd < 0 || r->max_unit_value_vnd < 0) {
        snprintf(why, why_size, "thresholds must not be negative");
        return 0;
    }
    return 1;
}

/* Item-level conditions: HS prefix, origin, unit value. A rule with none of them matches at
 * header level only. */
static int item_matches(const risk_rule *r, const risk_input *in, int i)
{
    const decl_item *it = &in->d->items[i];
    if (r->hs_prefix[0] && strncmp(it->hs_code, r->hs_prefix, strlen(r->hs_prefix)) != 0)
        return 0;
    if (r->origin[0] && strcmp(it->origin, r->origin) != 0)
        return 0;
    if (r->max_unit_value_vnd > 0) {
        /* customs value per unit = value_vnd / (quantity / 10^scale); compare without division */
        if (it->quantity <= 0 || !in->item_customs_value)
            return 0;
        __int128 lhs = (__int128)in->item_customs_value[i] * decimal_pow10(DECIMAL_SCALE_QTY);
        __int128 rhs = (__int128)r->max_unit_value_vnd * it->quantity;
        if (lhs >= rhs)
            return 0;
    }
    return 1;
}

int risk_shipper_matches(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    for (const char *p = name; p && *p; p++)
        if (strncasecmp(p, pattern, n) == 0)
            return 1;
    return 0;
}

int risk_rule_matches(const risk_rule *r, const risk_input *in)
{
    const decl *d = in->d;
    if (!r->active)
        return 0;
    if (r->valid_from && in->date < r->valid_from)
        return 0;
    if (r->valid_to && in->date > r->valid_to)
        return 0;
    if (r->importer[0] && strcmp(decl_vn_party(d)->tax_code, r->importer) != 0)
        return 0;
    if (r->declarant[0] && strcmp(d->declarant, r->declarant) != 0)
        return 0;
    if (r->type_code[0] && strcmp(d->type_code, r->type_code) != 0)
        return 0;
    if (r->office[0] && strcmp(d->customs_office, r->office) != 0)
        return 0;
    if (r->shipper[0] &&
        !risk_shipper_matches(r->shipper, d->kind == DECL_EXPORT ? "" : d->exporter.name))
        return 0;
    if (r->min_value_vnd > 0 && in->customs_value < r->min_value_vnd)
        return 0;
    if (r->duplicate_document && !in->duplicate_document)
        return 0;
    if (!r->hs_prefix[0] && !r->origin[0] && !r->max_unit_value_vnd)
        return 1;
    for (int i = 0; i < d->n_items; i++)
        if (item_matches(r, in, i))
            return 1;
    return 0;
}

static void add_reason(risk_decision *out, const char *code, int64_t rule_id, int channel,
                       const char *text)
{
    if (channel > out->channel)
        out->channel = channel;
    if (out->n_reasons >= RISK_MAX_REASONS)
        return;
    risk_reason *r = &out->reasons[out->n_reasons++];
    snprintf(r->code, sizeof r->code, "%s", code);
    r->rule_id = rule_id;
    r->channel = channel;
    snprintf(r->text, sizeof r->text, "%s", text);
}

void risk_classify(const risk_rule *rules, int n_rules, const risk_policy *policy,
                   const risk_input *in, risk_decision *out)
{
    char text[128];
    memset(out, 0, sizeof *out);
    out->channel = CH_GREEN;

    /* 1. rules, in the caller's order: highest priority first (store_rule_list sorts) */
    for (int i = 0; i < n_rules; i++) {
        if (risk_rule_matches(&rules[i], in)) {
            snprintf(text, sizeof text, "rule %lld: %s", (long long)rules[i].id, rules[i].name);
            add_reason(out, "rule", rules[i].id, rules[i].action, text);
        }
    }

    if (in->aeo) {
        /* Priority enterprises (Customs Law 2014 Art. 43) are exempt from document check and
         * physical inspection unless a specific risk rule selects them, or a random check of
         * their compliance (the exploration share) does. */
        if (in->model_channel != CH_NONE && in->model_explored && in->model_channel > out->channel)
            add_reason(out, "exploration", 0, in->model_channel,
                       "random compliance check of a priority enterprise");
        else if (out->channel == CH_GREEN)
            add_reason(out, "aeo", 0, CH_GREEN, "priority (AEO) enterprise");
        return;
    }

    if (in->model_channel != CH_NONE) {
        /* the learned score already weighs the compliance class and carries its own random
         * share (core/risk_policy.h) */
        if (in->model_explored)
            add_reason(out, "exploration", 0, in->model_channel,
                       in->model_channel == CH_RED
                           ? "random selection for physical inspection (exploration)"
                           : "random selection for document check (exploration)");
        else if (in->model_channel == CH_RED)
            add_reason(out, "model", 0, CH_RED, "risk score in the red band");
        else if (in->model_channel == CH_YELLOW)
            add_reason(out, "model", 0, CH_YELLOW, "risk score in the yellow band");
        return;
    }

    /* 2. compliance class (Circular 81/2019/TT-BTC): low compliance -> documents, non-compliance
     * -> physical inspection */
    if (in->compliance == 3)
        add_reason(out, "compliance", 0, CH_YELLOW, "compliance class 3 (low compliance)");
    else if (in->compliance == 4)
        add_reason(out, "compliance", 0, CH_RED, "compliance class 4 (non-compliant)");

    /* 3. random sampling keeps every declaration at risk of control */
    uint64_t draw = in->random_draw % 1000000u;
    if (draw < policy->random_red_ppm)
        add_reason(out, "random", 0, CH_RED, "random selection for physical inspection");
    else if (draw < (uint64_t)policy->random_red_ppm + policy->random_yellow_ppm)
        add_reason(out, "random", 0, CH_YELLOW, "random selection for document check");
}

void risk_inherit_selection(risk_decision *d, int channel, const char *number)
{
    char text[128];
    if (channel < CH_YELLOW)
        return;
    snprintf(text, sizeof text,
             "selection of cancelled declaration %.12s carried over to the same goods",
             number ? number : "");
    add_reason(d, "inherited", 0, channel, text);
}
