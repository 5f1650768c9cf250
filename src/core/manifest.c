#include "core/manifest.h"

#include <ctype.h>
#include <string.h>

#include "core/codes.h"
#include "core/risk.h"

int manifest_imo_valid(const char *imo)
{
    if (!imo)
        return 0;
    if (strncmp(imo, "IMO", 3) == 0)
        imo += 3;
    if (strlen(imo) != 7)
        return 0;
    int sum = 0;
    for (int i = 0; i < 7; i++)
        if (!isdigit((unsigned char)imo[i]))
            return 0;
    for (int i = 0; i < 6; i++)
        sum += (imo[i] - '0') * (7 - i);
    return sum % 10 == imo[6] - '0';
}

int64_t manifest_deadline_s(int air, int voyage_days)
{
    if (air)
        return 60 * 60;
    if (voyage_days > 0 && voyage_days < 5)
        return 12 * 3600;
    return 24 * 3600;
}

int manifest_location_valid(const char *loc)
{
    char port[6];
    if (!loc || strlen(loc) < 5)
        return 0;
    memcpy(port, loc, 5);
    port[5] = 0;
    if (!codes_locode_valid(port))
        return 0;
    if (!loc[5])
        return 1;
    if (loc[5] != '-')
        return 0;
    size_t n = strlen(loc + 6);
    if (n < 1 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)loc[6 + i]) && !isdigit((unsigned char)loc[6 + i]))
            return 0;
    return 1;
}

int manifest_location_covers(const char *bound, const char *loc)
{
    if (strcmp(bound, loc) == 0)
        return 1;
    return strlen(bound) == 5 && strncmp(bound, loc, 5) == 0 && loc[5] == '-';
}

int manifest_consignee_valid(const char *s)
{
    const char *h1 = s ? strchr(s, '#') : NULL;
    const char *h2 = h1 ? strchr(h1 + 1, '#') : NULL;
    if (!h2 || strchr(h2 + 1, '#'))
        return 0;
    size_t tl = (size_t)(h1 - s);
    if (tl != 0 && tl != 10 && tl != 13)
        return 0;
    for (size_t i = 0; i < tl; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return h2 > h1 + 1 && h2[1] != 0;
}

int gate_decide(const gate_facts *f, const char *reasons[GATE_MAX_REASONS], int *n_reasons)
{
    int n = 0;
    if (!f->in_manifest) {
        reasons[n++] = "not_in_manifest";
    } else {
        if (!f->port_ok)
            reasons[n++] = "wrong_port";
        if (!f->seal_ok)
            reasons[n++] = "seal_mismatch";
        if (f->type == GATE_IN && f->already_in)
            reasons[n++] = "already_in";
        if (f->type == GATE_OUT) {
            if (f->already_out)
                reasons[n++] = "already_out";
            if (f->n_decls == 0 || f->n_bl_uncovered > 0)
                reasons[n++] = "no_declaration";
            if (f->n_uncleared > 0)
                reasons[n++] = "declaration_not_cleared";
        }
    }
    if (f->holds_open)
        reasons[n++] = "hold_open";
    *n_reasons = n;
    return n == 0;
}

int gate_decide_export(const gate_export_facts *f, const char *reasons[GATE_MAX_REASONS],
                       int *n_reasons)
{
    int n = 0;
    if (f->n_decls == 0)
        reasons[n++] = f->n_elsewhere ? "wrong_port" : "no_export_declaration";
    else if (f->n_uncleared > 0)
        reasons[n++] = "declaration_not_cleared";
    if (f->type == GATE_IN && f->gated_in)
        reasons[n++] = "already_in";
    if (f->type == GATE_LOADED && !f->gated_in)
        reasons[n++] = "not_gated_in";
    if (f->type == GATE_LOADED && f->loaded)
        reasons[n++] = "already_loaded";
    if (f->seal_mismatch)
        reasons[n++] = "seal_mismatch";
    if (f->holds_open)
        reasons[n++] = "hold_open";
    *n_reasons = n;
    return n == 0;
}

int manifest_screen(const struct risk_rule *rules, int n, const char *hs_code,
                    const char *consignee_tax, const char *shipper, const char *loading_country,
                    int32_t date)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        const risk_rule *r = &rules[i];
        if (!r->active || r->action != CH_RED || (r->valid_from && date < r->valid_from) ||
            (r->valid_to && date > r->valid_to))
            continue;
        if (r->declarant[0] || r->type_code[0] || r->office[0] || r->min_value_vnd ||
            r->max_unit_value_vnd || r->duplicate_document ||
            (!r->hs_prefix[0] && !r->importer[0] && !r->shipper[0]))
            continue; /* needs declaration data, or would hold everything */
        size_t pl = strlen(r->hs_prefix);
        if (pl && (!hs_code || strlen(hs_code) < pl || strncmp(r->hs_prefix, hs_code, pl) != 0))
            continue;
        if (r->importer[0] && (!consignee_tax || strcmp(r->importer, consignee_tax) != 0))
            continue;
        /* before arrival the goods' origin is not declared yet: the country the cargo was loaded
         * in stands for it (a rule on origin CN screens cargo loaded in a Chinese port) */
        if (r->shipper[0] && !risk_shipper_matches(r->shipper, shipper ? shipper : ""))
            continue;
        if (r->origin[0] && (!loading_country || strcmp(r->origin, loading_country) != 0))
            continue;
        if (best < 0 || r->priority > rules[best].priority)
            best = i;
    }
    return best;
}
